"""Stale results (issue 14, item 5): stores an earlier config left behind are told apart, explained and cleaned.

A copy of the tiny run is rerun with one RSMI temperature dropped from ``rsmi.temperatures``: its fit
store stays on disk, but the new configuration no longer produces it.
"""

import shutil
import subprocess
import sys

import pytest
import yaml

import rgml
from rgml.results import stale_stores

from conftest import TINY, snakemake

pytestmark = pytest.mark.workflow

DROPPED = "rsmi/ising2d/L16/T1.8000"


@pytest.fixture(scope="module")
def rerun(tiny_run, tmp_path_factory):
    """The tiny run, rerun after rsmi.temperatures lost 1.8 (only the RSMI table is remade)."""
    workdir = tmp_path_factory.mktemp("stale") / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    config = yaml.safe_load(TINY.read_text())
    config["rsmi"]["temperatures"] = [t for t in config["rsmi"]["temperatures"] if t != 1.8]
    changed = workdir.parent / "changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    snakemake(workdir, config=changed)
    return workdir / "results"


def test_the_current_run_has_no_stale_store(tiny_run):
    tree = rgml.open_results(tiny_run / "results")
    assert tree.attrs["stale"] == []
    assert stale_stores(tiny_run / "results") == []


def test_open_results_leaves_out_and_explains_a_store_of_an_earlier_config(rerun):
    tree = rgml.open_results(rerun)
    names = {node.path.lstrip("/") for node in tree.subtree if node.has_data}
    assert DROPPED not in names and "rsmi/ising2d/L16/T2.2692" in names
    [entry] = tree.attrs["stale"]
    assert entry.startswith(f"{DROPPED}.zarr (") and "rsmi.temperatures: [1.8, 2.269185, 3.0] -> [2.269185, 3.0]" \
        in entry, entry
    marked = rgml.open_results(rerun, stale=True)[DROPPED].dataset
    assert "rsmi.temperatures" in marked.attrs["rgml_stale"]


def test_inspect_marks_it_stale_and_clean_removes_it(rerun):
    def rgml_cli(*args):
        return subprocess.run([sys.executable, "-m", "rgml.cli", *map(str, args)], capture_output=True, text=True,
                              check=True).stdout

    listing = rgml_cli("inspect", rerun)
    [line] = [line for line in listing.splitlines() if DROPPED in line]
    assert "STALE" in line and "rsmi.temperatures" in line, line
    assert "rgml clean --stale" in listing
    dry = rgml_cli("clean", "--stale", "-n", rerun)
    assert "would remove" in dry and (rerun / f"{DROPPED}.zarr").exists()
    rgml_cli("clean", "--stale", rerun)
    assert not (rerun / f"{DROPPED}.zarr").exists()
    assert rgml.open_results(rerun).attrs["stale"] == []
    assert (rerun / "samples" / "ising2d" / "L8.zarr").exists()  # current stores are kept
