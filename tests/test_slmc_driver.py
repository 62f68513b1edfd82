"""SLMC study: the effective-model fit, the driver's reproducibility and result datasets, Binder crossing."""

import math

import numpy as np
import pytest
import xarray as xr

from rgml import stats
from rgml.rng import Stream
from rgml.slmc import (
    TIMING_VARIABLES,
    EffectiveModel,
    PlaquetteModel,
    SLMCConfig,
    SLMCResult,
    binder_crossing,
    fit_effective_model,
    pair_sums,
    run_local,
    run_slmc,
    train_effective_model,
)

#: A small study that still has every moving part: training, refit, local and hybrid SLMC.
TINY = SLMCConfig(chains=2, shells=3, train_samples=200, train_thin=2, train_thermalize=100, refit_rounds=1,
                  local_thermalize=100, local_sweeps=400, slmc_thermalize=40, slmc_sweeps=200,
                  local_per_slmc_sweep=1, acf_lags=10)


@pytest.fixture(scope="module")
def tiny_result():
    return run_slmc(8, [2.3, 2.6], config=TINY, seed=2026)


# ---------------------------------------------------------------- the fit
def test_fit_on_the_plain_ising_model_finds_j1_equal_one():
    """K = 0: e = −C_1/N exactly, so the fit must return J = (1, 0, 0), E_0 = 0 and R² = 1."""
    model = PlaquetteModel(plaquette=0.0)
    run = run_local(8, 2.4, model, chains=2, thermalize=50, sweeps=100, seed=3, pair_sums=True)
    energy = -run.sums[..., 0] / 64
    fit = fit_effective_model(run.sums[..., [0, 3, 4]], energy, n_sites=64, shells=3)
    assert np.allclose(fit.couplings, [1.0, 0.0, 0.0], atol=1e-12)
    assert abs(fit.e0) < 1e-12 and fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert np.all(fit.couplings_err < 1e-10)


def test_fit_recovers_known_couplings_with_honest_errors():
    """Energies made from known (J_1, J_2, J_3) plus noise: each coupling within 4σ of the truth."""
    stream = Stream.named(4, "synthetic-fit")
    spins = stream.spins((3000, 8, 8))
    truth = np.array([1.1, -0.05, 0.02])
    sums = pair_sums(spins)
    energy = 0.3 - sums @ truth / 64 + 0.01 * stream.normal(3000)
    fit = fit_effective_model(sums, energy, n_sites=64, shells=3)
    z = (fit.couplings - truth) / fit.couplings_err
    assert np.all(np.abs(z) < 4), z
    assert abs(fit.e0 - 0.3) < 4 * fit.e0_err
    one = fit_effective_model(sums, energy, n_sites=64, shells=1)
    assert one.shells == 1 and one.r2 < fit.r2


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="shells"):
        fit_effective_model(np.zeros((10, 3)), np.zeros(10), n_sites=16, shells=4)
    with pytest.raises(ValueError, match="pair_sums"):
        fit_effective_model(np.zeros((10, 2)), np.zeros(10), n_sites=16, shells=3)


def test_trained_plaquette_model_is_ferromagnetic_and_fits_well():
    """At T = 2.493, L = 8: the nearest-neighbour coupling absorbs the plaquette term (J_1 > J = 1)."""
    config = SLMCConfig(chains=2, train_samples=400, train_thin=3, train_thermalize=200, shells=1)
    fit = train_effective_model(8, 2.493, config=config, seed=1)
    assert 1.0 < fit.couplings[0] < 1.3 and fit.couplings_err[0] < 0.02
    assert fit.r2 > 0.99 and fit.n_samples == 400 and fit.temperature == 2.493 and fit.size == 8


# ---------------------------------------------------------------- the driver and its result
def test_run_is_reproducible_bit_for_bit(tiny_result):
    again = run_slmc(8, [2.3, 2.6], config=TINY, seed=2026).to_dataset()
    first = tiny_result.to_dataset()
    xr.testing.assert_identical(first.drop_vars(TIMING_VARIABLES), again.drop_vars(TIMING_VARIABLES))


def test_adding_a_temperature_leaves_the_others_unchanged(tiny_result):
    effective = tiny_result.effective
    more = run_slmc(8, [2.6, 3.0], config=TINY, seed=2026, effective=effective)
    assert more.energy[0].tolist() == tiny_result.energy[1].tolist()
    assert more.abs_magnetization[0].tolist() == tiny_result.abs_magnetization[1].tolist()


def test_dataset_round_trip_is_exact(tiny_result):
    ds = tiny_result.to_dataset()
    back = SLMCResult.from_dataset(ds)
    xr.testing.assert_identical(back.to_dataset(), ds)
    assert ds["energy"].dims == ("temperature", "algorithm")
    assert ds["temperature"].attrs["units"] == "J/k_B"
    assert list(ds["algorithm"].values) == ["local", "slmc"]
    assert ds["effective_coupling"].dims == ("shell",)
    for name, var in ds.data_vars.items():
        assert "long_name" in var.attrs, name


def test_tables(tiny_result):
    frame = tiny_result.to_frame()
    assert len(frame) == 4 and set(frame["algorithm"]) == {"local", "slmc"}
    for column in ("energy", "energy_err", "abs_magnetization", "tau_int_sweeps", "acceptance",
                   "cost_per_independent_sample_s", "seconds_per_sweep"):
        assert frame[column].notna().all(), column
    slmc = frame[frame["algorithm"] == "slmc"]
    assert (slmc["mean_cluster_size"] > 0).all() and (slmc["acceptance"] < 1).all()
    couplings = tiny_result.couplings_frame()
    assert list(couplings["shell"]) == ["nearest", "diagonal", "third"]
    agreement = tiny_result.agreement()
    assert list(agreement.columns) == ["size", "temperature", "z_energy", "z_abs_magnetization", "z_binder"]
    speedup = tiny_result.speedup()
    assert np.all(np.isfinite(speedup["speedup"]))
    # the τ errors: Madras-Sokal for each algorithm's max(τ_e, τ_|m|) over all chains' sweeps, added relatively
    lo, sl = 0, 1
    n = tiny_result.sweeps * tiny_result.chains
    for k, column in ((lo, "tau_local_err"), (sl, "tau_slmc_err")):
        assert np.allclose(speedup[column], stats.tau_error(tiny_result.tau_int[:, k], n[:, k]))
    relative = np.hypot(speedup["tau_local_err"] / speedup["tau_local_sweeps"],
                        speedup["tau_slmc_err"] / speedup["tau_slmc_sweeps"])
    assert np.allclose(speedup["speedup_err"], speedup["speedup"] * relative) and (speedup["speedup_err"] > 0).all()


def test_local_and_slmc_agree_at_three_temperatures():
    """L = 8 with τ-aware errors: |z| < 4 for ⟨e⟩ and ⟨|m|⟩ at T below, near and above Tc."""
    config = SLMCConfig(chains=4, train_samples=400, train_thin=3, train_thermalize=200, shells=1,
                        local_thermalize=500, local_sweeps=6000, slmc_thermalize=100, slmc_sweeps=1500)
    result = run_slmc(8, [2.2, 2.493, 2.8], config=config, seed=7)
    agreement = result.agreement()
    assert np.all(np.abs(agreement[["z_energy", "z_abs_magnetization"]].to_numpy()) < 4), agreement
    assert result.reliable.all()


def test_config_validation():
    with pytest.raises(ValueError, match="shells"):
        SLMCConfig(shells=4)
    with pytest.raises(ValueError, match="train_size"):
        SLMCConfig(train_size=5)
    with pytest.raises(ValueError, match="local_per_slmc_sweep"):
        SLMCConfig(local_per_slmc_sweep=-1)
    with pytest.raises(ValueError, match="size"):
        run_slmc(7, [2.5], seed=1)
    with pytest.raises(TypeError, match="seed"):
        run_slmc(8, [2.5], seed=1.5, effective=EffectiveModel.exact([1.1]))


# ---------------------------------------------------------------- Binder crossing
def test_binder_crossing_of_two_lines():
    t = np.linspace(2.4, 2.6, 5)
    a = 0.61 - 0.5 * (t - 2.49)
    b = 0.61 - 1.5 * (t - 2.49)
    for points in (2, 3, 5):
        crossing = binder_crossing(t, a, np.full(5, 0.01), b, np.full(5, 0.01), points=points)
        assert crossing.mean == pytest.approx(2.49, abs=1e-12) and crossing.reliable
        assert 0 < crossing.error < 0.05
    outside = binder_crossing(t, a, np.full(5, 0.01), a + 0.1, np.full(5, 0.01))
    assert not outside.reliable or math.isnan(outside.mean)


def test_binder_crossing_is_not_pulled_by_curvature_far_from_it():
    """A curved d(T) as measured for L = 16/32: the bracketing pair finds the root, a line through the grid does not."""
    t = np.linspace(2.45, 2.53, 5)
    d = -0.5 * (t - 2.493) - 8.0 * (t - 2.493) ** 2
    err = np.full(5, 1e-4)
    local = binder_crossing(t, np.zeros(5), err, d, err)
    assert abs(local.mean - 2.494) < 0.002
    wide = binder_crossing(t, np.zeros(5), err, d, err, points=5)
    assert abs(wide.mean - 2.494) > abs(local.mean - 2.494)
    with pytest.raises(ValueError, match="points"):
        binder_crossing(t, np.zeros(5), err, d, err, points=1)
