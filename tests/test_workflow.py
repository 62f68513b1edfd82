"""The Snakemake workflow end to end on a tiny config, as a user runs it."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from rgml.phases import ConfusionResult, PCAResult, SupervisedResult
from rgml.rsmi import RingRSMI
from rgml.store import array_digests, open_store

from conftest import ROOT, TINY, snakemake  # the tiny_run fixture lives in conftest.py too

pytestmark = pytest.mark.workflow


def test_tiny_workflow_makes_every_output(tiny_run):
    results = tiny_run / "results"
    for size in (8, 12, 16):  # 12: phases.confusion.extra_sizes
        ds = open_store(results / "samples" / "ising2d" / f"L{size}.zarr")
        assert ds.sizes["temperature"] == 5 and ds.sizes["sample"] == 96
    ring = open_store(results / "samples" / "ising1d" / "N16.zarr")
    assert ring.sizes["coupling"] == 2
    table = pd.read_csv(results / "tables" / "thermodynamics_ising2d.csv")
    assert len(table) == 15 and np.all(np.abs(table["energy_z"]) < 5)
    assert (results / "figures" / "thermodynamics_ising2d.png").stat().st_size > 10_000
    for rule in ("majority", "decimation"):
        rg = open_store(results / "rg" / "ising2d" / "L16" / f"{rule}_b2.zarr")
        assert rg.attrs["rule"] == rule and rg["level1"].shape == (5, 96, 8, 8) and rg["level2"].shape[-1] == 4
    flow = pd.read_csv(results / "tables" / "rg_flow_ising2d.csv")
    assert {"rule", "method", "L", "b", "level", "T", "T_eff", "T_eff_err"} <= set(flow.columns)
    assert set(flow["method"]) == {"matching", "projection"}
    assert set(flow["rule"]) == {"majority", "decimation", "rbm", "rsmi"}
    rbm = pd.read_csv(results / "tables" / "rbm.csv")
    assert {"L", "T", "n_hidden", "epochs", "test_loglik", "test_loglik_err", "logz_method", "ising_loglik",
            "energy_generated", "energy_data", "abs_m_generated", "abs_m_data"} <= set(rbm.columns)
    assert len(rbm) == 1 and rbm["logz_method"][0] == "exact" and rbm["test_loglik"][0] < rbm["ising_loglik"][0]
    model = open_store(results / "rbm" / "ising2d" / "L8" / "T2.2692.zarr")
    assert model["W"].dims == ("visible", "hidden") and model["W"].shape == (64, 16)
    for name in ("stack", "locality", "flow"):
        assert open_store(results / "rbm" / "ising2d" / "L8" / f"{name}.zarr").attrs["size"] == 8
    flow_table = pd.read_csv(results / "tables" / "rbm_flow.csv")
    assert list(flow_table["start"]) == ["ordered", "disordered", "both (end point)"]
    assert {"T_eff", "T_eff_err", "abs_m", "abs_m_err", "Tc", "T_eff_minus_Tc", "meeting_step"} <= set(flow_table)
    for name in ("rbm_receptive_fields", "rbm_locality", "rbm_generated", "rbm_flow", "rbm_mapping1d"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000
    comparison = pd.read_csv(results / "tables" / "comparison.csv")
    assert set(comparison["rule"]) == {"majority", "decimation", "rbm", "rsmi"}
    assert {"T_star", "T_star_err", "nu", "nu_err", "mi_nats", "mi_err", "T_star_rel_dev", "nu_dev"} <= set(comparison)
    assert comparison["mi_nats"].notna().all()
    for name in ("flows", "exponents", "snapshots", "ising1d", "filters"):
        assert (results / "figures" / f"compare_{name}.png").stat().st_size > 10_000
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
    (ring_store,) = (results / "rsmi" / "ising1d").glob("ring_b*.zarr")  # the 1D RSMI store reopens as its result
    ring_rsmi = RingRSMI.from_dataset(open_store(ring_store))
    assert ring_rsmi.filters.shape == (2, ring_rsmi.b) and ring_store.name == f"ring_b{ring_rsmi.b}.zarr"
    np.testing.assert_array_equal(ring_rsmi.flow.loc[ring_rsmi.flow["level"] == 0, "K_exact"], ring_rsmi.couplings)
    for name in ("rg_flow_ising2d", "blockspin_snapshots", "rg_flow_ising1d"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000
    estimates = pd.read_csv(results / "tables" / "finite_size_scaling.csv")
    assert {"Tc_binder", "gamma_over_nu", "specific_heat_log_slope"} <= set(estimates["name"])
    assert {"y_T", "y_h", "y_h_err", "y_h_z"} <= set(exponents.columns) and exponents["y_h"].notna().any()
    assert {"T_inf", "T_inf_err", "T_inf_z"} <= set(pd.read_csv(results / "tables" / "rg_levels.csv").columns)
    for analysis, result_type in (("pca", PCAResult), ("supervised", SupervisedResult),
                                  ("confusion", ConfusionResult)):  # the stores reopen as results in a notebook
        table = pd.read_csv(results / "tables" / f"phases_{analysis}.csv")
        store = open_store(results / "phases" / "ising2d" / f"{analysis}.zarr")
        summary = result_type.from_dataset(store).summary_frame()
        timed = table["quantity"].str.endswith("seconds")  # timings go to the tables, the stores keep NaN
        assert len(table) > 0 and summary["quantity"].tolist() == table["quantity"].tolist()
        np.testing.assert_allclose(summary["value"][~timed], table["value"][~timed], rtol=1e-9)
    # the confusion scheme's extra size (phases.confusion.extra_sizes) is sampled, checked against Kaufman, and read
    # by the confusion scheme alone
    assert set(pd.read_csv(results / "tables" / "thermodynamics_ising2d.csv")["L"]) == {8, 12, 16}
    assert set(pd.read_csv(results / "tables" / "phases_confusion.csv")["L"].dropna()) == {8, 12, 16}
    assert set(pd.read_csv(results / "tables" / "phases_pca.csv")["L"].dropna()) == {8, 16}
    fss_sizes = pd.read_csv(results / "tables" / "finite_size_scaling.csv", dtype={"sizes": str})["sizes"]
    assert not fss_sizes.str.contains(r"\b12\b", na=False).any()
    assert set(pd.read_csv(results / "tables" / "slmc_agreement.csv")["size"]) == {8, 16}
    dimers = pd.read_csv(results / "tables" / "dimers.csv")
    assert len(dimers) == 2 and np.isinf(dimers["T"]).sum() == 1
    rsmi_dimers = pd.read_csv(results / "tables" / "rsmi_dimers.csv")  # issue 17, items 3 and 5
    assert {"T", "rule", "n_hidden", "mi_nats", "mi_err", "cos_field_min", "principal_field_min", "cos_order_min",
            "noise_share_max", "below_tc", "ln4_reference", "ln4_z", "mi_visible"} <= set(rsmi_dimers.columns)
    assert set(rsmi_dimers["rule"]) == {"rsmi", "orientation", "occupations", "field"}
    # per T: RSMI with 2 units (dimers.rsmi.n_hidden) and 1 (more_hidden), and the three reference rules once
    assert rsmi_dimers.groupby("T").size().tolist() == [5, 5] and rsmi_dimers["mi_err"].gt(0).all()
    assert rsmi_dimers[rsmi_dimers["rule"] == "rsmi"].groupby("T")["n_hidden"].apply(sorted).tolist() == [[1, 2]] * 2
    assert np.allclose(rsmi_dimers.loc[rsmi_dimers["T"] == 0.5, "ln4_reference"], np.log(4))
    learned = rsmi_dimers[rsmi_dimers["rule"] == "rsmi"]  # I(H:E) ≤ I(H:V) ≤ n_hidden ln 2
    assert (learned["mi_visible"] >= learned["mi_nats"] - 3 * learned["mi_err"]).all()
    assert np.allclose(learned["visible_gap"], learned["mi_visible"] - learned["mi_nats"], rtol=0, atol=1e-9)  # %.10g
    assert (learned["visible_gap_err"] > 0).all() and learned["visible_gap_z"].notna().all()
    assert (learned["mi_visible"] <= learned["n_hidden"] * np.log(2) + 1e-12).all()
    # I(H:V) = H(H) − ⟨H(H|V)⟩ with H(H) ≤ n_hidden ln 2
    assert (learned["h_given_v"] > 0).all() and (learned["h_given_v_err"] > 0).all()
    assert (learned["mi_visible"] + learned["h_given_v"] <= learned["n_hidden"] * np.log(2) + 1e-12).all()
    # two non-negative parts of n_hidden ln 2 − I (rgml.rsmi.estimators.infonce_shortfall); reference rules: NaN
    parts = learned["shortfall_spread"] + learned["shortfall_cross"]
    assert (learned[["shortfall_spread", "shortfall_cross"]] >= 0).all().all()
    assert (parts <= learned["n_hidden"] * np.log(2) - learned["mi_nats"] + 1e-12).all()
    assert rsmi_dimers.loc[rsmi_dimers["rule"] != "rsmi", "shortfall_spread"].isna().all()
    # the norm is annealed (dimers.rsmi.anneal_from) only where the sectors froze, never at T = inf
    assert (learned["norm_start"] <= learned["norm"]).all() and set(learned["norm"]) == {2.0}
    assert (learned.loc[np.isinf(learned["T"]), "norm_start"] == 2.0).all()
    buffers = pd.read_csv(results / "tables" / "rsmi_dimers_buffer.csv")
    assert {"buffer", "mi_nats", "mi_err", "exponent", "exponent_err", "exponent_err_scaled", "in_fit",
            "local_exponent", "local_exponent_err"} <= set(buffers.columns)
    assert buffers["buffer"].tolist() == [1, 2] and np.isinf(buffers["T"]).all()
    assert open_store(results / "rsmi" / "dimers" / "L8" / "Tinf.zarr").attrs["dimer_block"] == 2
    assert (results / "figures" / "rsmi_dimers.png").stat().st_size > 10_000
    for log in (results / "logs").iterdir():
        assert log.read_text().strip(), f"{log} is empty"


def test_comparison_tables_of_issue_13(tiny_run):
    """Issue 13: comparison.csv per (rule, b) with verdicts, drift, I(H:E) and filter similarity; the eta,
    norm-scan and RBM-flow systematics tables with their columns; every one with a figure."""
    tables = tiny_run / "results" / "tables"
    config = yaml.safe_load(TINY.read_text())
    blocks = config["compare"]["block_sizes"]
    comparison = pd.read_csv(tables / "comparison.csv")
    assert {(r, b) for r, b in zip(comparison["rule"], comparison["b"])} == {
        (r, b) for r in ("majority", "decimation", "rbm", "rsmi") for b in blocks}
    assert {"T_star", "T_star_err", "T_star_status", "T_star_crossing", "ratio_nn", "ratio_nn_err", "nu", "nu_err",
            "nu_status", "nu_drift", "nu_deepest", "nu_deepest_err", "mi_nats", "mi_err", "cosine_majority",
            "same_map_as", "coin_ties"} <= set(comparison)
    assert set(comparison["T_star_status"]) <= {"fixed_point", "eta_artefact", "unrescaled", "no_crossing"}
    assert set(comparison["nu_status"]) <= {"converged", "no_convergence", "single_pair", "no_estimate"}
    not_fixed = comparison["T_star_status"] != "fixed_point"
    assert comparison.loc[not_fixed, "T_star"].isna().all()  # no T* where the crossing is not a fixed point
    assert comparison["mi_err"].gt(0).all() and comparison["nu_drift"].str.contains("->").all()
    majority = comparison[comparison["rule"] == "majority"]
    assert (majority["cosine_majority"] == 1).all() and (majority["coin_ties"] == "yes").all()  # b = 2: 4 spins
    levels = pd.read_csv(tables / "comparison_levels.csv")
    assert {"rule", "b", "level", "T_star", "ratio_nn", "nu", "nu_err", "nu_step", "nu_step_err"} <= set(levels)
    ratios = pd.read_csv(tables / "correlation_ratios.csv")
    assert {"rule", "b", "L", "level", "interaction", "ratio", "ratio_err", "eta_reference", "z_one",
            "z_eta"} <= set(ratios)
    assert set(ratios["rule"]) == {"majority", "decimation", "rbm", "rsmi"}
    assert np.allclose(ratios.loc[ratios["interaction"] == "nn", "eta_reference"], 2 ** -0.25)
    information = pd.read_csv(tables / "rule_information.csv")
    assert set(information["block"]) == set(blocks) and len(information) == 4 * len(blocks)
    scan = pd.read_csv(tables / "norm_scan.csv")
    norms = config["compare"]["norms"]
    assert len(scan) == 2 * len(norms) and set(scan["family"]) == {"uniform", "rsmi"}
    assert sorted(set(scan["norm"])) == sorted(norms)
    assert {"mi", "mi_err", "T_star", "T_star_err", "T_star_crossing", "T_star_crossing_err", "T_star_status",
            "nu", "nu_err",
            "nu_deepest", "nu_deepest_err", "nu_status", "nu_drift", "T_star_dev", "nu_dev"} <= set(scan)
    assert scan["mi_err"].gt(0).all()
    flow = pd.read_csv(tables / "rbm_flow_scan.csv")
    rbm = config["rbm"]
    ends = flow[flow["source"] == "flow_end"]
    assert set(ends["training_set"]) == {"all", "without_tc"} and set(ends["l2"]) == set(rbm["flow_scan_l2"])
    assert set(ends["replica"]) == set(range(rbm["flow_scan_replicas"]))
    assert len(set(ends["observable"])) >= 3 and (flow["source"] == "training_mixture").any()
    ranges = pd.read_csv(tables / "rbm_flow_range.csv")
    assert {"scope", "observable", "runs", "T_min", "T_max", "T_median", "mixture_all",
            "mixture_without_tc"} <= set(ranges)
    assert "all_runs" in set(ranges["scope"])
    for name in ("compare_by_block", "correlation_ratios", "norm_scan", "rbm_flow_scan"):
        assert (tiny_run / "results" / "figures" / f"{name}.png").stat().st_size > 10_000


def test_rerun_has_nothing_to_do(tiny_run):
    proc = snakemake(tiny_run, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_lint_is_clean():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint", "--snakefile", str(ROOT / "Snakefile")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr or "no issues" in (proc.stdout + proc.stderr).lower()


def test_per_temperature_jobs_merge_to_the_store_of_a_whole_grid_run(tiny_run, tmp_path):
    """The workflow samples one temperature per job and merges them: bitwise what one run over the grid makes."""
    from rgml.cli import main

    config = yaml.safe_load(TINY.read_text())
    ising = config["ising2d"]
    out = tmp_path / "L8.zarr"
    assert main(["sample", "ising2d", "--size", "8", "--temperatures", ",".join(map(str, ising["temperatures"])),
                 "--samples", str(ising["samples"]), "--chains", str(ising["chains"]), "--seed", str(config["seed"]),
                 "--threads", "1", "--backend", "numpy", "--out", str(out)]) == 0
    merged = tiny_run / "results" / "samples" / "ising2d" / "L8.zarr"
    parts = sorted((tiny_run / "results" / "samples" / "ising2d" / "temperatures" / "L8").glob("T*.zarr"))
    assert len(parts) == len(ising["temperatures"])
    assert array_digests(merged) == array_digests(out)


def jobs(proc) -> dict[str, int]:
    """The job counts of a `snakemake -n` run, by rule (its "Job stats" table)."""
    lines = (proc.stdout + proc.stderr).splitlines()
    counts = {}
    for line in lines[lines.index("Job stats:") + 3:]:
        words = line.split()
        if not words or words[0] == "total":
            break
        counts[words[0]] = int(words[1])
    return counts


def test_changing_one_temperature_reruns_only_its_sampling_and_the_whole_grid_jobs(tiny_run, tmp_path):
    """Issue 12, acceptance 4: 2.2 -> 2.25 in the tiny grid (no per-temperature fit uses 2.2)."""
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    config = yaml.safe_load(TINY.read_text())
    config["ising2d"]["temperatures"] = [2.25 if t == 2.2 else t for t in config["ising2d"]["temperatures"]]
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    counts = jobs(snakemake(workdir, "-n", config=changed))
    sizes = len(config["ising2d"]["sizes"])
    sampled = sizes + len(config["phases"]["confusion"]["extra_sizes"])
    whole_grid = {"merge_ising2d": sampled, "thermodynamics_ising2d": 1, "finite_size_scaling": 1, "phases": 3,
                  "rg_coarse_grain": sizes, "rg_flow_ising2d": 1, "rbm_flow": 1, "rbm_flow_scan": 1,
                  "rbm_table": 1, "compare_summary": 1, "compare_rules": len(config["compare"]["block_sizes"]),
                  "compare_table": 1, "compare_norm_scan": 1, "all": 1}
    assert counts == {"sample_ising2d": 1, **whole_grid}, counts  # one job samples every size at T = 2.25


def test_open_results_holds_every_store_of_the_sweep(tiny_run):
    """Issue 6, acceptance 3: rgml.open_results returns every store; rgml inspect prints it."""
    import rgml
    from rgml.results import find_stores

    results = tiny_run / "results"
    stores = [p for p in find_stores(results) if p.suffix == ".zarr"]
    tree = rgml.open_results(results)
    names = {node.path.lstrip("/") for node in tree.subtree if node.has_data}
    assert names == {p.relative_to(results).as_posix().removesuffix(".zarr") for p in stores}
    assert "samples/ising2d/L16" in names and tree["samples/ising2d/L16"].dataset["spins"].dtype == np.int8
    assert tree.attrs["incomplete"] == []
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", "inspect", str(results)], capture_output=True,
                          text=True, check=True)
    assert f"{len(stores)} stores" in proc.stdout
    for name in names:
        assert name in proc.stdout


def test_open_results_skips_and_lists_incomplete_stores(tiny_run, tmp_path):
    import rgml

    results = tmp_path / "results"
    shutil.copytree(tiny_run / "results" / "samples", results / "samples")
    partial = results / "samples" / "ising2d" / "L8.zarr"
    partial.rename(partial.with_name("L8.zarr.partial"))
    tree = rgml.open_results(results)
    names = {node.path.lstrip("/") for node in tree.subtree if node.has_data}
    assert "samples/ising2d/L8" not in names and "samples/ising2d/L16" in names
    assert any("L8.zarr.partial" in entry for entry in tree.attrs["incomplete"])


def test_report_lists_every_figure_and_table_with_captions(tiny_run, tmp_path):
    """Issue 6, acceptance 1: `snakemake --report` on the tiny run contains every figure and table."""
    import re

    report = tmp_path / "report.html"
    proc = snakemake(tiny_run, "--report", str(report))
    assert "ERROR/" not in proc.stderr, proc.stderr  # every caption is valid reStructuredText
    html = report.read_text(errors="replace")
    figures = sorted(p.name for p in (tiny_run / "results" / "figures").glob("*.png"))
    tables = sorted(p.name for p in (tiny_run / "results" / "tables").glob("*.csv"))
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    listed = {kind: re.findall(r'"(\w+)"', re.search(rf"^{kind} = \[(.*?)\]", common, re.S | re.M).group(1))
              for kind in ("FIGURES", "TABLES")}
    assert sorted(figures + tables) == sorted([f"{n}.png" for n in listed["FIGURES"]]
                                              + [f"{n}.csv" for n in listed["TABLES"]])
    for name in figures + tables:
        assert name in html, f"{name} missing from the report"
    # every report item carries its caption from workflow/report/*.rst
    # (non-ASCII text is escaped in the report's embedded data: compare plain words)
    for caption in sorted((ROOT / "workflow" / "report").glob("*.rst")):
        words = re.findall(r"\b[A-Za-z]{6,}\b", re.sub(r"\{\{.*?\}\}", "", caption.read_text()))
        assert all(word in html for word in words[:6]), f"caption {caption.name} missing from the report"
