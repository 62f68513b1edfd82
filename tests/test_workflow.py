"""The Snakemake workflow end to end on a tiny config, as a user runs it."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rgml.store import array_digests, open_store

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "workflow" / "tiny.yaml"

pytestmark = pytest.mark.workflow


def snakemake(workdir: Path, *args, config: Path = TINY, check=True):
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(config), "--cores", "2", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    snakemake(workdir)
    return workdir


def test_tiny_workflow_makes_every_output(tiny_run):
    results = tiny_run / "results"
    for size in (8, 16):
        ds = open_store(results / "samples" / "ising2d" / f"L{size}.zarr")
        assert ds.sizes["temperature"] == 5 and ds.sizes["sample"] == 96
    ring = open_store(results / "samples" / "ising1d" / "N16.zarr")
    assert ring.sizes["coupling"] == 2
    table = pd.read_csv(results / "tables" / "thermodynamics_ising2d.csv")
    assert len(table) == 10 and np.all(np.abs(table["energy_z"]) < 5)
    assert (results / "figures" / "thermodynamics_ising2d.png").stat().st_size > 10_000
    for rule in ("majority", "decimation"):
        rg = open_store(results / "rg" / "ising2d" / "L16" / f"{rule}_b2.zarr")
        assert rg.attrs["rule"] == rule and rg["level1"].shape == (5, 96, 8, 8) and rg["level2"].shape[-1] == 4
    flow = pd.read_csv(results / "tables" / "rg_flow_ising2d.csv")
    assert {"rule", "method", "L", "b", "level", "T", "T_eff", "T_eff_err"} <= set(flow.columns)
    assert set(flow["method"]) == {"matching", "projection"}
    assert set(flow["rule"]) == {"majority", "decimation", "rsmi"}
    rsmi = pd.read_csv(results / "tables" / "rsmi.csv")
    assert {"L", "T", "block", "buffer", "n_hidden", "estimator", "mi_nats", "mi_err", "filter_uniformity",
            "boundaryness"} <= set(rsmi.columns)
    assert len(rsmi) == 4 and set(rsmi["buffer"]) == {0, 1}  # 3 temperatures + the buffer-0 fit at Tc
    fit = open_store(results / "rsmi" / "ising2d" / "L16" / "T1.8000.zarr")
    assert fit["lambda"].dims == ("hidden", "vy", "vx") and fit.attrs["buffer"] == 1
    for name in ("rsmi_filters", "rsmi_mi", "rsmi_buffer", "rsmi_training"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000
    exponents = pd.read_csv(results / "tables" / "exponents.csv")
    assert {"method", "rule", "L", "b", "nu", "nu_err", "T_fixed", "T_fixed_err"} <= set(exponents.columns)
    assert "mcrg" in set(exponents["method"])
    ring = pd.read_csv(results / "tables" / "rg_flow_ising1d.csv")
    assert {"K", "level", "K_eff", "K_eff_err", "K_exact"} <= set(ring.columns)
    for name in ("rg_flow_ising2d", "blockspin_snapshots", "rg_flow_ising1d"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000
    for log in (results / "logs").iterdir():
        assert log.read_text().strip(), f"{log} is empty"


def test_rerun_has_nothing_to_do(tiny_run):
    proc = snakemake(tiny_run, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_lint_is_clean():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint", "--snakefile", str(ROOT / "Snakefile")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr or "no issues" in (proc.stdout + proc.stderr).lower()


def test_bad_config_stops_before_any_job(tmp_path):
    config = yaml.safe_load(TINY.read_text())
    config["ising2d"]["temperatures"] = [2.269185, -1.0]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "-n", config=bad, check=False)
    assert proc.returncode != 0
    errors = [l for l in proc.stderr.splitlines() if l.startswith("config error:")]
    assert len(errors) == 1 and "ising2d.temperatures[1]" in errors[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()


def test_sharded_run_gives_bitwise_the_same_stores(tiny_run, tmp_path):
    """Issue 7, acceptance 2: >= 3 temperature shards per size, merged, equal an unsharded run."""
    config = yaml.safe_load(TINY.read_text())
    config["ising2d"]["temperatures_per_job"] = 2  # 5 temperatures -> 3 shards
    sharded = tmp_path / "sharded.yaml"
    sharded.write_text(yaml.safe_dump(config))
    targets = [f"results/samples/ising2d/L{size}.zarr" for size in (8, 16)]
    snakemake(tmp_path, *targets, config=sharded)
    for size in (8, 16):
        parts = sorted((tmp_path / "results" / "samples" / "ising2d" / "shards" / f"L{size}").glob("part*.zarr"))
        assert len(parts) == 3
        merged = tmp_path / targets[size == 16]
        assert array_digests(merged) == array_digests(tiny_run / targets[size == 16])
