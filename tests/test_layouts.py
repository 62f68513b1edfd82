"""One home per store contract: every result's dataset has its kind's layout and round-trips (issue 12, item 2).

Tiny problems (a few seconds in all): what matters is the layout, which the
workflow's steps write unchanged (checked end to end by test_workflow.py and
test_notebook.py).
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import rgml
from rgml.layout import LayoutError
from rgml.rbm import RBM_MODEL, BlockRBMRule, DeepStack, FlowExperiment, LocalitySweep, RingMapping, TemperatureRBM
from rgml.rbm.temperature import train_config
from rgml.rg.coarse import RG_BLOCKS, level_variables
from rgml.rsmi import RSMI_FIT, RSMI_RING, FitResult, RSMIRule
from rgml.ising import SAMPLES_1D, SAMPLES_2D

SEED = 3
TC = 2.269185


@pytest.fixture(scope="module")
def samples() -> xr.Dataset:
    return rgml.sample_ising2d(8, [1.8, TC], 80, seed=SEED, chains=4, thermalize=20, thin=2, backend="numpy")


@pytest.fixture(scope="module")
def lattices(samples):
    return samples.sel(temperature=TC)["spins"].values


def same_data(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_every_library_package_is_an_attribute_of_a_fresh_import():
    """``import rgml`` then ``rgml.phases`` (``rgml.slmc``, …) works in a new interpreter, as in a notebook.

    The packages are found on disk, so a new one that is not exported fails here; ``steps`` and ``plots``
    serve the command line and the workflow.
    """
    import subprocess
    import sys
    from pathlib import Path

    root = Path(rgml.__file__).parent
    packages = sorted(p.parent.name for p in root.glob("*/__init__.py") if p.parent.name not in ("steps", "plots"))
    assert {"dimers", "phases", "rsmi", "slmc"} <= set(packages)
    code = f"import rgml; print([p for p in {packages!r} if p not in dir(rgml) or not hasattr(rgml, p)])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sample_sets_have_the_sample_store_layouts(samples):
    SAMPLES_2D.check(samples)
    SAMPLES_1D.check(rgml.sample_ising1d(8, [0.5, 1.0], 50, seed=SEED))
    broken = samples.assign(spins=samples["spins"] * 0)
    with pytest.raises(LayoutError, match="spins"):
        SAMPLES_2D.check(broken)
    with pytest.raises(LayoutError, match="energy"):
        SAMPLES_2D.check(samples.drop_vars("energy"))


def test_coarse_grained_sets_have_the_rg_layout(samples):
    blocks = rgml.coarse_grain(samples, "majority", b=2, seed=SEED)
    RG_BLOCKS.check(blocks)
    assert set(level_variables(blocks.attrs["levels"])) <= set(blocks.data_vars)
    one = rgml.coarse_grain(samples.sel(temperature=TC), "decimation", b=2, levels=1, seed=SEED)
    assert one.sizes["temperature"] == 1 and "level2" not in one


def test_rsmi_fit_round_trips_and_defines_the_rule(lattices):
    fit = rgml.rsmi.fit(lattices, block=2, buffer=0, environment=1, steps=20, polish_steps=10, seed=SEED,
                        temperature=TC)
    ds = fit.to_dataset()
    RSMI_FIT.check(ds)
    again = FitResult.from_dataset(ds)
    assert again.geometry == fit.geometry and again.config == fit.config and again.temperature == TC
    same_data(again.to_dataset(), ds)
    rule = RSMIRule.from_dataset(ds)
    assert rule.b == 2 and np.array_equal(rule.as_filter().weights, fit.filters[0])


def test_ring_rsmi_has_its_layout_and_round_trips_through_a_store(tmp_path):
    rings = rgml.sample_ising1d(16, [0.5, 1.0], 200, seed=SEED)
    result = rgml.rsmi.ring_rsmi(rings, b=2, buffer=1, environment=1,
                                 config=rgml.rsmi.FitConfig(steps=20, polish_steps=10, norm_stop=4.0), seed=SEED)
    RSMI_RING.check(result.to_dataset())
    result.to_dataset().to_zarr(tmp_path / "ring.zarr")
    again = rgml.rsmi.RingRSMI.from_dataset(xr.open_zarr(tmp_path / "ring.zarr"))
    assert again.geometry == result.geometry and again.config == result.config
    pd.testing.assert_frame_equal(again.flow, result.flow, check_exact=True)
    for name in ("couplings", "filters", "mi", "mi_err"):
        np.testing.assert_array_equal(getattr(again, name), getattr(result, name), err_msg=name)


def test_rbm_results_round_trip(samples, lattices):
    per_t = rgml.rbm.fit_temperature(lattices, train_config(n_hidden=4, epochs=1), seed=SEED, temperature=TC)
    ds = per_t.to_dataset()
    RBM_MODEL.check(ds)
    again = TemperatureRBM.from_dataset(ds)
    assert again.config == per_t.config and again.scalars == pytest.approx(per_t.scalars, rel=0, abs=0)
    same_data(again.to_dataset(), ds)

    rule = rgml.rbm.fit_block_rule(lattices, 2, seed=SEED, temperature=TC, epochs=1)
    ds = rule.to_dataset()
    RBM_MODEL.check(ds)
    back = BlockRBMRule.from_dataset(ds)
    np.testing.assert_array_equal(back.model.weights, rule.model.weights)
    np.testing.assert_array_equal(back.coarse_grain(lattices, rgml.rng.Stream.named(SEED, "test-layout")),
                                  rule.coarse_grain(lattices, rgml.rng.Stream.named(SEED, "test-layout")))

    stack = rgml.rbm.deep_stack(lattices, [4, 2], seed=SEED, temperature=TC, epochs=1)
    same_data(DeepStack.from_dataset(stack.to_dataset()).to_dataset(), stack.to_dataset())
    sweep = rgml.rbm.locality_sweep(lattices, [0.0, 0.01], seed=SEED, temperature=TC, n_hidden=2, epochs=1)
    same_data(LocalitySweep.from_dataset(sweep.to_dataset()).to_dataset(), sweep.to_dataset())
    per_temperature = [samples.isel(temperature=i)["spins"].values for i in range(2)]
    flow = rgml.rbm.flow_experiment(per_temperature, seed=SEED, n_hidden=4, epochs=1, steps=3, chains=10)
    ds = flow.to_dataset()
    RBM_MODEL.check(ds)
    assert FlowExperiment.from_dataset(ds).table().equals(flow.table())
    mapping = rgml.rbm.mapping_experiment([0.5], ring_size=6, samples=100, epochs=1, levels=2, seed=SEED)
    same_data(RingMapping.from_dataset(mapping.to_dataset()).to_dataset(), mapping.to_dataset())


def test_int_seeds_and_streams_reproduce_results(lattices):
    a = rgml.rsmi.fit(lattices, block=2, buffer=0, environment=1, steps=10, polish_steps=5, seed=SEED,
                      temperature=TC)
    b = rgml.rsmi.fit(lattices, block=2, buffer=0, environment=1, steps=10, polish_steps=5, seed=SEED,
                      temperature=TC)
    stream = rgml.rsmi.fit.__globals__["fit_stream"](SEED, 8, TC, a.geometry, a.config)
    c = rgml.rsmi.fit(lattices, a.geometry, a.config, seed=stream, temperature=TC)
    np.testing.assert_array_equal(a.filters, b.filters)
    np.testing.assert_array_equal(a.filters, c.filters)
