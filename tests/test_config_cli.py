"""Bad config through the real command (issue 8, item 2): the wiring of the validation.

Every malformed config of ``test_config.BAD`` is checked in process by
``test_config.py`` (the validator the Snakefile calls).  Here a schema error,
a cross-key error and the cupy-without-a-GPU case go through ``snakemake -n``
exactly as a user runs it: each must give a non-zero exit, exactly one
``config error:`` line naming the key, no traceback anywhere in the output,
and nothing under ``results/``.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rgml.backend import cupy_available
from test_config import BAD, mutate

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.workflow


def dry_run(config: dict, workdir: Path) -> subprocess.CompletedProcess:
    configfile = workdir.parent / "bad.yaml"
    configfile.write_text(yaml.safe_dump(config))
    cmd = [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"), "--directory",
           str(workdir), "--configfile", str(configfile), "--cores", "1"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def check_rejected(proc: subprocess.CompletedProcess, named: str, workdir: Path) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("config error:")]
    assert len(errors) == 1, output
    assert named in errors[0], errors[0]
    assert not (workdir / "results").exists()


THROUGH_SNAKEMAKE = [case for case in BAD if case[0] in ("sizes-odd", "temperatures-without-tc", "rsmi-size-not-a-size",
                                                         "sizes-one", "memory-budget-below-one-chunk")]


@pytest.mark.parametrize("case, path, value, named", THROUGH_SNAKEMAKE, ids=[b[0] for b in THROUGH_SNAKEMAKE])
def test_malformed_config_stops_snakemake_with_one_line(case, path, value, named, tmp_path):
    workdir = tmp_path / "run"
    check_rejected(dry_run(mutate(path, value), workdir), named, workdir)


@pytest.mark.skipif(cupy_available(), reason="this machine has a usable GPU")
def test_cupy_backend_without_a_gpu_stops_snakemake(tmp_path):
    workdir = tmp_path / "run"
    check_rejected(dry_run(mutate(("backend",), "cupy"), workdir), "backend", workdir)


def test_duplicated_key_in_the_config_file_stops_snakemake(tmp_path):
    """YAML keeps the last of a duplicated key silently; the workflow refuses the file instead."""
    workdir = tmp_path / "run"
    text = (ROOT / "config" / "config.yaml").read_text()
    configfile = tmp_path / "dup.yaml"
    configfile.write_text(text.replace("  chains: 4\n", "  chains: 4\n  chains: 2\n", 1))
    cmd = [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"), "--directory",
           str(workdir), "--configfile", str(configfile), "--cores", "1"]
    check_rejected(subprocess.run(cmd, capture_output=True, text=True, timeout=300), "'chains'", workdir)


def test_the_table_is_large_enough():
    """Issue 8 asks for at least 30 distinct malformed configs."""
    assert len({case for case, *_ in BAD}) == len(BAD) >= 30
