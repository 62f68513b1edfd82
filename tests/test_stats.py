"""rgml.stats on series with known autocorrelation and on known estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import lfilter

from rgml import stats
from rgml.backend import to_numpy
from rgml.rng import Stream


def ar1(phi: float, shape, name: str) -> np.ndarray:
    """x_t = φ x_{t−1} + ε_t along the last axis, ε standard normal from a fixed stream."""
    eps = Stream.named(1, "ar1", phi, name).normal(shape)
    return lfilter([1.0], [1.0, -phi], eps, axis=-1)


def ar1_tau(phi: float) -> float:
    """Exact τ_int of AR(1): ρ(t) = φ^t, so ½ + Σ φ^t = ½ (1 + φ)/(1 − φ)."""
    return 0.5 * (1 + phi) / (1 - phi)


# ----------------------------------------------------------------------------- τ_int
@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, 0.98])
def test_integrated_time_recovers_ar1(phi):
    n = 2**21
    tau = stats.integrated_time(ar1(phi, n, "tau"))
    exact = ar1_tau(phi)
    assert abs(tau / exact - 1) < 0.10  # acceptance criterion 5 of issue 2
    assert abs(tau - exact) < 4 * stats.tau_error(exact, n)


@pytest.mark.parametrize("phi, n", [(0.5, 5000), (0.9, 20000), (0.98, 100000)])
def test_tau_error_bounds_the_scatter_of_tau(phi, n):
    """Over 400 independent AR(1) series, τ̂ scatters by 0.80-0.86 of Madras-Sokal's σ (their window
    formula is conservative); the test allows 0.7-1.05, against the σ of a 400-replica std of 3.5 %."""
    taus = np.array([stats.integrated_time(x) for x in ar1(phi, (400, n), "tau-error")])
    exact = ar1_tau(phi)
    assert abs(taus.mean() - exact) < 4 * stats.tau_error(exact, n) / math.sqrt(400)
    assert 0.7 < taus.std() / stats.tau_error(exact, n) < 1.05


def test_integrated_time_of_several_chains():
    x = ar1(0.9, (16, 2**16), "chains")
    tau = stats.integrated_time(x)
    assert abs(tau - ar1_tau(0.9)) < 4 * stats.tau_error(ar1_tau(0.9), x.size)
    # each chain is centred on its own mean: offsets between chains change nothing
    shifted = x + 10.0 * np.arange(16)[:, None]
    assert stats.integrated_time(shifted) == pytest.approx(tau, rel=1e-9)


def test_autocorrelation_matches_direct_sum():
    x = ar1(0.7, (3, 200), "direct")
    centred = x - x.mean(axis=1, keepdims=True)
    acov = np.array([np.mean([np.dot(ch[: 200 - t], ch[t:]) for ch in centred]) for t in range(200)])
    np.testing.assert_allclose(stats.autocorrelation(x), acov / acov[0], rtol=1e-10, atol=1e-13)


def test_autocorrelation_decays_as_phi_power():
    rho = stats.autocorrelation(ar1(0.8, 2**20, "rho"))
    assert rho[0] == 1.0
    t = np.arange(1, 8)
    # Bartlett: var ρ̂(t) ≤ (1 + φ²)/(1 − φ²)/n for AR(1)
    sigma = math.sqrt((1 + 0.64) / (1 - 0.64) / 2**20)
    np.testing.assert_array_less(np.abs(rho[t] - 0.8**t), 4 * sigma)


def test_constant_series_has_tau_one_half_and_zero_error():
    assert stats.integrated_time(np.full(100, 0.1)) == 0.5
    s = stats.estimate(np.full((2, 100), -2.0))
    assert (s.mean, s.error, s.tau_int) == (-2.0, 0.0, 0.5)


def test_integrated_time_of_short_series_is_flagged():
    s = stats.estimate(ar1(0.98, 200, "short"))
    assert not s.reliable and "unreliable" in str(s)
    assert stats.estimate(ar1(0.5, 20_000, "long")).reliable


@pytest.mark.parametrize("bad", [np.zeros(1), np.zeros((2, 2, 2)), np.array([1.0, np.nan, 2.0])])
def test_bad_series_are_rejected(bad):
    with pytest.raises(ValueError):
        stats.integrated_time(bad)


# ----------------------------------------------------------------------------- Stats
def test_error_of_the_mean_is_calibrated():
    """z = mean/error over 1000 independent AR(1) series (true mean 0, τ = 1.5)."""
    replicas = 1000
    x = ar1(0.5, (replicas, 2000), "calibration")
    z = np.array([s.mean / s.error for s in map(stats.estimate, x)])
    assert abs(z.mean()) < 4 / math.sqrt(replicas)
    assert abs(z.std() - 1) < 4 / math.sqrt(2 * replicas)


def test_estimate_of_several_chains():
    x = ar1(0.9, (8, 5000), "estimate") + 3.0
    s = stats.estimate(x)
    assert s.n == x.size and s.mean == pytest.approx(x.mean(), rel=1e-15)
    assert s.error == pytest.approx(math.sqrt(2 * s.tau_int * x.var(ddof=1) / x.size))
    assert abs(s.mean - 3.0) < 4 * s.error
    assert s.n_eff == pytest.approx(x.size / (2 * s.tau_int))


def test_estimate_accepts_backend_arrays(xp):
    x = ar1(0.5, 1000, "xp")
    assert stats.estimate(xp.asarray(x)) == stats.estimate(x)


def test_stats_string():
    assert str(stats.Stats(-1.49534, 0.00213, 3.2, 100)) == "-1.4953(21) τ=3.2"
    assert str(stats.Stats(1234.5, 21.0, 0.5, 100)) == "1234(21) τ=0.5"
    assert str(stats.Stats(0.61, 0.012, math.nan, 100)) == "0.610(12)"


# ----------------------------------------------------------------------------- jackknife, bootstrap
def test_jackknife_of_the_mean_is_the_blocked_standard_error():
    x = ar1(0.5, 1000, "jack-mean")
    s = stats.jackknife(np.mean, x, blocks=20)
    block_means = x.reshape(20, 50).mean(axis=1)
    assert s.mean == pytest.approx(x.mean(), rel=1e-12)
    assert s.error == pytest.approx(block_means.std(ddof=1) / math.sqrt(20), rel=1e-12)


def test_jackknife_removes_the_bias_of_the_plug_in_variance():
    """Delete-one jackknife of var(ddof=0) is exactly the unbiased variance (Efron 1982)."""
    x = ar1(0.0, 101, "jack-var")
    s = stats.jackknife(np.var, x, blocks=101)
    assert s.mean == pytest.approx(np.var(x, ddof=1), rel=1e-12)


def test_jackknife_errors_are_calibrated_for_correlated_data():
    """Binder-like ratio ⟨x²⟩²/⟨x⁴⟩ of AR(1) data (1/3 for Gaussian x) over 300 replicas."""
    replicas = 300
    x = ar1(0.5, (replicas, 2000), "jack-calibration") * math.sqrt(1 - 0.25)  # unit variance

    def ratio(a):
        return np.mean(a**2) ** 2 / np.mean(a**4)

    z = np.array([(s.mean - 1 / 3) / s.error for s in (stats.jackknife(ratio, row) for row in x)])
    assert abs(z.mean()) < 4 / math.sqrt(replicas)
    assert abs(z.std() - 1) < 4 / math.sqrt(2 * replicas) + 0.02  # t-distribution, 49 dof


def test_jackknife_takes_several_arrays():
    e, m = ar1(0.0, 400, "jack-e"), ar1(0.0, 400, "jack-m")
    s = stats.jackknife(lambda a, b: np.mean(a * b), (e, m), blocks=40)
    assert abs(s.mean) < 4 * s.error
    with pytest.raises(ValueError, match="share their leading"):
        stats.jackknife(np.mean, (e, m[:-1]))
    with pytest.raises(ValueError, match="blocks"):
        stats.jackknife(np.mean, e, blocks=1)


def test_bootstrap_error_of_the_mean(xp):
    x = xp.asarray(ar1(0.0, 2000, "boot-mean"))
    s = stats.bootstrap(lambda a: float(a.mean()), x, stream=Stream.named(7, "boot"), n_resamples=2000)
    host = to_numpy(x)
    # bootstrap sd of the mean → s_{ddof=0}/√n; its relative noise with 2000 resamples is 1/√4000
    assert s.error == pytest.approx(host.std() / math.sqrt(host.size), rel=4 / math.sqrt(4000))
    assert s.mean == pytest.approx(host.mean(), rel=1e-12)


def test_bootstrap_is_reproducible_and_keyed():
    x = ar1(0.0, 500, "boot-repro")

    def run(name):
        return stats.bootstrap(np.median, x, stream=Stream.named(7, name), n_resamples=50)

    assert run("a") == run("a")
    assert run("a").error != run("b").error


def test_block_bootstrap_errors_are_calibrated_for_correlated_data():
    replicas = 200
    x = ar1(0.5, (replicas, 2000), "boot-calibration")
    stream = Stream.named(7, "block-bootstrap")
    results = [stats.bootstrap(np.mean, row, stream=stream, n_resamples=200, block_size=50) for row in x]
    z = np.array([s.mean / s.error for s in results])  # true mean 0
    assert abs(z.mean()) < 4 / math.sqrt(replicas)
    assert abs(z.std() - 1) < 4 / math.sqrt(2 * replicas) + 0.05  # resampling noise, 200 resamples


def test_bootstrap_rejects_bad_options():
    x = np.zeros(10)
    with pytest.raises(ValueError, match="block_size"):
        stats.bootstrap(np.mean, x, stream=Stream.named(1, "x"), block_size=6)
    with pytest.raises(ValueError, match="n_resamples"):
        stats.bootstrap(np.mean, x, stream=Stream.named(1, "x"), n_resamples=1)


@pytest.mark.parametrize("dof", [1, 3, 17, 120])
def test_chi2_pvalue_is_scipys_chi2_survival_function(dof):
    import scipy.stats

    for x in (0.0, 0.5 * dof, dof, 3.0 * dof + 10.0):
        assert stats.chi2_pvalue(x, dof) == scipy.stats.chi2.sf(x, dof)
