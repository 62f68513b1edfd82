"""The dimer RSMI steps (rgml.steps.rsmi_dimers): buffers that fit, the ln 4 reference, stores, tables and figure."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
import yaml

from rgml import params
from rgml.cli import build_parser
from rgml.step_options import STEP_OPTIONS, options
from rgml.config import validate_config
from rgml.dimers import (
    DIMER_FIT,
    BufferScan,
    buffer_scan,
    exact_dimer_samples,
    fit_buffer_power_law,
    fit_dimers,
    sample_dimers,
)
from rgml.steps.rsmi_dimers import (
    LN4,
    dimers_at,
    fitting_buffers,
    phase_settings,
    rsmi_dimers_buffers,
    rsmi_dimers_tables,
    with_references,
)
from rgml.store import StoreError, provenance, write_dataset

from conftest import ROOT

#: A fit small enough for the unit tier (the numbers are not checked, the plumbing is).
TINY_FIT = replace(DIMER_FIT, steps=20, polish_steps=10, batch_size=64, eval_every=10)


def test_fitting_buffers_keeps_what_the_torus_holds():
    # L = 32, block 8, environment 1: 8 + 2 (L_B + 1) <= 32 <=> L_B <= 11
    assert fitting_buffers(32, [12, 1, 11, 3, 3], block=8, environment=1) == [1, 3, 11]
    assert fitting_buffers(8, [1, 2, 3], block=2, environment=1) == [1, 2]
    assert fitting_buffers(8, [4], block=8, environment=1) == []


def test_restarts_and_annealing_by_phase():
    config = replace(DIMER_FIT, restarts=8, norm_start=2.0)
    assert phase_settings(config, True) == config
    assert phase_settings(config, False) == replace(config, restarts=1)
    assert phase_settings(config, False, 0.5) == replace(config, restarts=1)  # the Coulomb phase holds it
    # the Coulomb phase: starts of full length (the choice is made after all the joint steps)
    assert phase_settings(config, False, 0.5, 3) == replace(config, restarts=3, probe_steps=config.steps)
    assert phase_settings(config, True, None, 3) == config
    annealed = phase_settings(config, True, 0.5)
    assert annealed == replace(config, norm_start=0.5, norm_stop=2.0)
    assert annealed.filter_norm(0) == 0.5 and annealed.filter_norm(annealed.steps - 1) == pytest.approx(2.0)
    # a fit that anneals already ends where it ends
    assert phase_settings(replace(config, norm_start=1.0, norm_stop=3.0), True, 0.5).norm_stop == 3.0


def test_coulomb_restarts_train_every_start_to_the_end_and_keep_the_single_start_when_it_wins():
    d = exact_dimer_samples(4, np.inf, 160, seed=1)

    def fit(seed, restarts):
        return fit_dimers(d, block=2, buffer=0, environment=1, n_hidden=2, seed=seed, temperature=np.inf, rules=(),
                          chains=4, config=phase_settings(TINY_FIT, False, None, restarts))

    for seed, winner in ((1, 0), (2, 2)):  # fit seed 1: the first start wins; 2: the third
        single, best = fit(seed, 1), fit(seed, 3)
        assert best.fit.config.probe_steps == TINY_FIT.steps and best.fit.restart == winner
        assert best.fit.probe_mi.shape == (3,) and best.fit.restart == int(np.argmax(best.fit.probe_mi))
        assert np.array_equal(best.fit.filters, single.fit.filters) == (winner == 0)
        assert best.fit.mi >= single.fit.mi  # on these tiny fits the better start also holds out better


def test_annealing_the_norm_sharpens_the_units_below_tc():
    """Held at |λ| = 2 the units saturate from the first step and stay short of deterministic; grown to it from 0.5
    they end 400-1400 times sharper (<H(H|V)>) and the bound closer to ln 4, for two fit seeds."""
    crystals = sample_dimers(16, [0.3], 1000, seed=2026)
    config = replace(DIMER_FIT, steps=150, polish_steps=50, batch_size=512, norm_start=2.0, restarts=8)
    for seed in (2, 3):
        held, annealed = (fit_dimers(crystals.dimers[0], block=8, buffer=2, environment=1, n_hidden=2, seed=seed,
                                     config=phase_settings(config, True, start), temperature=0.3,
                                     augment=True, rules=(), chains=crystals.chains) for start in (None, 0.5))
        np.testing.assert_allclose(np.linalg.norm(annealed.fit.filters.reshape(2, -1), axis=1), 2.0, rtol=1e-12)
        assert annealed.h_given_v < held.h_given_v / 100
        gain = annealed.fit.mi - held.fit.mi
        assert gain > 3 * np.hypot(annealed.fit.mi_err, held.fit.mi_err)
        assert annealed.fit.mi < LN4 and annealed.order_cosine.max() > 0.99


def test_ln4_reference_only_below_tc():
    import pandas as pd

    table = with_references(pd.DataFrame({"T": [np.inf, 1.0, 0.65, 0.5]}), tc=0.65)
    assert table["below_tc"].tolist() == [False, False, False, True]
    assert np.isnan(table["ln4_reference"][:3]).all() and table["ln4_reference"].iloc[3] == pytest.approx(np.log(4))
    fits = with_references(pd.DataFrame({"T": [1.0, 0.5], "mi_nats": [0.6, 1.3], "mi_err": [0.01, 0.02]}), tc=0.65)
    assert np.isnan(fits["ln4_z"].iloc[0]) and fits["ln4_deficit"].iloc[1] == pytest.approx(np.log(4) - 1.3)
    assert fits["ln4_z"].iloc[1] == pytest.approx((1.3 - np.log(4)) / 0.02)
    assert "visible_gap_z" not in fits
    gaps = with_references(pd.DataFrame({"T": [0.5], "mi_nats": [1.3], "mi_err": [0.02], "visible_gap": [0.01],
                                         "visible_gap_err": [0.004]}), tc=0.65)
    assert gaps["visible_gap_z"].iloc[0] == pytest.approx(-2.5)
    assert LN4 == pytest.approx(1.3862944)


def _store(path, dimers_by_t: dict[float, np.ndarray], chains: int, frozen: list[bool]):
    """A minimal dimer sample store in the DIMER_SAMPLES layout."""
    temperatures = list(dimers_by_t)
    d = np.stack([dimers_by_t[t] for t in temperatures])
    nt, n = d.shape[:2]
    zeros = np.zeros((nt, n))
    ds = xr.Dataset({
        "dimers": (("temperature", "sample", "direction", "y", "x"), d),
        "energy": (("temperature", "sample"), zeros), "winding_x": (("temperature", "sample"), zeros.astype(np.int64)),
        "winding_y": (("temperature", "sample"), zeros.astype(np.int64)),
        "columnar_x": (("temperature", "sample"), zeros), "columnar_y": (("temperature", "sample"), zeros),
        "tau_int": (("temperature",), np.ones(nt)), "thin": (("temperature",), np.ones(nt, np.int64)),
        "sector_frozen": (("temperature",), np.array(frozen)),
    }, coords={"temperature": ("temperature", np.array(temperatures, np.float64))})
    attrs = provenance(title="test dimers", seed=1, backend="numpy", config={}) | {
        "chains": chains, "interaction": -1.0, "rule": "directed"}
    return write_dataset(ds, path, attrs=attrs)


def test_dimers_at_picks_the_temperature_its_chains_and_whether_sectors_froze(tmp_path):
    hot, cold = exact_dimer_samples(4, np.inf, 16, seed=1), exact_dimer_samples(4, 0.5, 16, seed=2)
    path = _store(tmp_path / "L4.zarr", {np.inf: hot, 0.5: cold}, chains=4, frozen=[False, True])
    d, chains, frozen, t = dimers_at(path, np.inf)
    assert np.array_equal(d, hot) and chains == 4 and not frozen and np.isinf(t)
    d, chains, frozen, t = dimers_at(path, 0.5)
    assert np.array_equal(d, cold) and frozen and t == 0.5
    with pytest.raises(StoreError, match="no temperature 1.0"):
        dimers_at(path, 1.0)


def test_tables_and_figure_from_stored_fits(tmp_path):
    """Fits -> stores -> rsmi_dimers.csv with RSMI and the naive rules per T, the buffer table and the figure."""
    fits = []
    # The main fits (two units, reference rules) and, at T = inf, one unit without them (dimers.rsmi.more_hidden).
    for t, seed, n_hidden, rules in ((np.inf, 1, 2, ("orientation", "occupations", "field")), (np.inf, 1, 1, ()),
                                     (0.5, 2, 2, ("orientation", "occupations", "field", "order"))):
        d = exact_dimer_samples(4, t, 160, seed=seed)  # 4 x 4 torus: block 2, buffer 0, environment 1
        fit = fit_dimers(d, block=2, buffer=0, environment=1, n_hidden=n_hidden, config=TINY_FIT, seed=3,
                         temperature=t, rules=rules, chains=4)
        fits.append(write_dataset(fit.to_dataset(), tmp_path / f"T{t}_h{n_hidden}.zarr",
                                  attrs=provenance(title="fit", seed=3, backend="numpy", config={})))
    scan = buffer_scan(exact_dimer_samples(4, np.inf, 160, seed=1), [0], block=2, environment=1, config=TINY_FIT,
                       seed=3, temperature=np.inf, learned=False, chains=4)
    buffers = write_dataset(scan.to_dataset(), tmp_path / "buffers.zarr",
                            attrs=provenance(title="scan", seed=3, backend="numpy", config={}))
    out = {name: tmp_path / name for name in ("rsmi_dimers.csv", "rsmi_dimers_buffer.csv", "rsmi_dimers.png")}
    table = rsmi_dimers_tables(fits=fits, buffers=buffers, tc=0.65, table=out["rsmi_dimers.csv"],
                               buffer_table=out["rsmi_dimers_buffer.csv"], figure=out["rsmi_dimers.png"])
    assert sorted(set(table["rule"])) == ["field", "occupations", "order", "orientation", "rsmi"]
    assert table.groupby("T").size().tolist() == [5, 5]  # T = 0.5 (order drawn in the shortfall panel), T = inf
    assert np.isfinite(table.loc[table["rule"] == "order", "ln4_deficit"]).all()
    learned = table[table["rule"] == "rsmi"]
    assert sorted(learned.loc[np.isinf(learned["T"]), "n_hidden"]) == [1, 2]
    assert (learned["mi_nats"] <= learned["n_hidden"] * np.log(2) + 3 * learned["mi_err"]).all()
    for column in ("mi_nats", "mi_err", "cos_field_min", "principal_field_min", "noise_share_max", "ln4_reference"):
        assert column in table
    rsmi = table[table["rule"] == "rsmi"]
    assert np.isfinite(rsmi["noise_share_max"]).all() and np.isfinite(rsmi["cos_field_min"]).all()
    assert (table.loc[table["T"] == 0.5, "ln4_reference"] == LN4).all()
    import pandas as pd

    buffer_table = pd.read_csv(out["rsmi_dimers_buffer.csv"])
    assert buffer_table["buffer"].tolist() == [0] and {"exponent", "exponent_err", "mi_nats"} <= set(buffer_table)
    assert out["rsmi_dimers.png"].stat().st_size > 10_000


def test_buffer_step_fits_its_power_law_over_the_range_asked(tmp_path):
    """rgml dimers rsmi-buffers --fit-range: the stored law covers [min, max] only; the table shows every buffer."""
    # the worm sampler: enumerating a 10 x 10 torus for exact samples would take far too long
    path = _store(tmp_path / "L10.zarr", {np.inf: sample_dimers(10, [np.inf], 64, seed=1).dimers[0]}, chains=4,
                  frozen=[False])
    buffers = [0, 1, 2, 3]  # block 2, environment 1: 2 + 2 (L_B + 1) <= 10 <=> L_B <= 3
    out = rsmi_dimers_buffers(samples=path, temperature=np.inf, buffers=buffers, block=2, environment=1, n_hidden=2,
                              config=TINY_FIT, noise=False, learned=False, seed=3, out=tmp_path / "buffers.zarr",
                              fit_range=[1, 3])
    scan = BufferScan.from_dataset(xr.open_zarr(out))
    assert scan.buffers.tolist() == buffers
    if scan.power_law is not None:  # a tiny critic may find I <= 0 at some buffer, which leaves the fit out
        assert (scan.power_law.x_min, scan.power_law.x_max) == (1, 3)
        assert scan.to_frame()["in_fit"].tolist() == [False, True, True, True]
    else:
        assert (scan.mi[1:] <= 0).any()
    assert yaml.safe_load(xr.open_zarr(out).attrs["config"])["dimers"]["rsmi"]["fit_range"] == [1, 3]
    with pytest.raises(ValueError, match="L_B >= 1"):
        fit_buffer_power_law(scan.buffers, scan.mi, scan.mi_err, x_min=0)


def test_paper_buffer_scan_runs_on_its_own_torus_over_its_fit_range():
    config = validate_config(yaml.safe_load((ROOT / "config" / "paper.yaml").read_text()), params.SCHEMA_PATH,
                             check_backend=False)
    rsmi = config["dimers"]["rsmi"]
    assert rsmi["buffer_size"] in config["dimers"]["sizes"] and rsmi["buffer_size"] != rsmi["size"]
    line = options("dimers rsmi-buffers", config, temperature=np.inf) + " --out o.zarr s.zarr"
    args = build_parser().parse_args(["dimers", "rsmi-buffers", *line.split()])
    assert args.fit_range == [4, 8] and args.filters == "field"
    assert fitting_buffers(rsmi["buffer_size"], args.buffers, block=args.block, environment=args.environment) \
        == args.buffers


@pytest.mark.parametrize("step", ["dimers rsmi", "dimers rsmi-buffers"])
def test_workflow_options_parse_back_with_an_infinite_temperature(step):
    config = validate_config(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), params.SCHEMA_PATH,
                             check_backend=False)
    line = options(step, config, temperature=np.inf) + " --out o.zarr s.zarr"
    args = build_parser().parse_args(step.split() + line.split())
    for option, key in STEP_OPTIONS[step].items():
        expected = np.inf if option == "temperature" else params.lookup(config, key)
        assert getattr(args, option) == expected, option


def test_further_unit_counts_parse_back_without_reference_rules():
    """The workflow's dimers.rsmi.more_hidden jobs: --n-hidden from the job, --rules none (the main fit has them)."""
    config = validate_config(yaml.safe_load((ROOT / "config" / "paper.yaml").read_text()), params.SCHEMA_PATH,
                             check_backend=False)
    assert config["dimers"]["rsmi"]["more_hidden"] == [1, 4]
    line = options("dimers rsmi", config, temperature=0.4, n_hidden=4, rules=None) + " --out o.zarr s.zarr"
    args = build_parser().parse_args(["dimers", "rsmi", *line.split()])
    assert args.n_hidden == 4 and args.rules is None and args.temperature == 0.4
