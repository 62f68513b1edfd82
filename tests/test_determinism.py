"""Determinism (issue 8, item 4), fast version: the tiny sweep from clean with --cores 1 equals --cores 2.

Every array of every store must have the same content hash (``rgml checksum``;
attributes such as creation times are not hashed).  ``bench/determinism.py``
does the same for the whole default sweep.
"""

import subprocess
import sys

import pytest

from conftest import snakemake

pytestmark = pytest.mark.workflow


def checksums(results) -> dict[str, str]:
    """``{store/array: sha256}`` of every store under ``results`` (the ``rgml checksum`` listing)."""
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", "checksum", str(results)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return dict(line.rsplit(" ", 1) for line in proc.stdout.splitlines())


def test_one_core_gives_bitwise_the_arrays_of_two_cores(tiny_run, tmp_path):
    workdir = tmp_path / "one_core"
    snakemake(workdir, "--cores", "1")
    two, one = checksums(tiny_run / "results"), checksums(workdir / "results")
    stages = {"/".join(name.split("/")[:2]) for name in two}  # every stage's stores are compared
    assert {"samples/ising2d", "samples/ising1d", "rg/ising2d", "rsmi/ising2d"} <= stages, stages
    assert one.keys() == two.keys()
    differ = sorted(name for name in two if one[name] != two[name])
    assert not differ, f"{len(differ)} of {len(two)} arrays differ between --cores 1 and --cores 2: {differ[:10]}"
