"""Finite-size scaling against exact enumeration of the 2×2 and 4×4 tori and Kaufman's exact C."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy.optimize import brentq

from rgml.backend import to_numpy
from rgml.blocking import jackknife_error
from rgml.exact import TC, kaufman_specific_heat, torus_distribution, torus_samples, torus_states
from rgml.fss import (EXACT, CollapseData, FSSResult, Histograms, SizeSeries, find_crossing, find_peak,
                      finite_size_scaling, fit_collapse, fit_line, kaufman_specific_heat_max, observables_from_means,
                      power_law_exponent, quality, structure_factor_kmin)
from rgml.fss.analysis import crossing_pairs
from rgml.fss.curves import Replicated, vertex
from rgml.fss.fits import extrapolate_crossings, shift_exponent
from rgml.fss.observables import MOMENTS
from rgml.rng import Stream

SEED = 11


@functools.cache
def state_moments(size: int) -> np.ndarray:
    """:data:`MOMENTS` of every state of the enumerated torus."""
    states, bonds = torus_states(size)
    series = SizeSeries(size, [1.0], (-bonds / size**2)[None], states.mean(axis=(1, 2))[None],
                        structure_factor_kmin(states)[None])
    return series.moments(0)


def exact_means(size: int, temperature: float) -> np.ndarray:
    """Exact means of :data:`MOMENTS` of the enumerated torus."""
    return torus_distribution(size, temperature) @ state_moments(size)


def exact_observable(size: int, name: str, temperature: float) -> float:
    return float(observables_from_means(exact_means(size, temperature), size=size, beta=1.0 / temperature)[name])


def sampled(size: int, temperatures, n: int, *, chains: int = 1) -> SizeSeries:
    """Exact independent samples of the enumerated torus at every temperature."""
    spins = np.stack([torus_samples(size, t, n, Stream.named(SEED, "fss", size, float(t))) for t in temperatures])
    return SizeSeries(size, temperatures, -np.stack([_bonds(s) for s in spins]) / size**2,
                      spins.mean(axis=(2, 3)), structure_factor_kmin(spins), chains)


def _bonds(spins: np.ndarray) -> np.ndarray:
    s = spins.astype(np.int64)
    return (s * np.roll(s, -1, -1) + s * np.roll(s, -1, -2)).sum(axis=(-2, -1))


# ----------------------------------------------------------------------------- observables
def test_structure_factor_is_the_fourier_power_at_the_smallest_wave_vector(xp):
    spins = Stream.named(SEED, "sf").spins((5, 6, 6))
    power = np.abs(np.fft.fft2(spins.astype(float))) ** 2
    expected = (power[:, 0, 1] + power[:, 1, 0]) / (2 * 6**4)
    got = to_numpy(structure_factor_kmin(xp.asarray(spins)))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    ordered = np.ones((1, 6, 6), np.int8)
    assert float(structure_factor_kmin(ordered)[0]) == pytest.approx(0.0, abs=1e-14)


def test_exact_moments_reproduce_kaufman_and_the_binder_derivative():
    """C from ⟨e²⟩ − ⟨e⟩² is Kaufman's; dU₄/dβ and d ln⟨|m|⟩/dβ match finite differences of the exact curves."""
    t, h = 2.4, 1e-5
    assert exact_observable(4, "specific_heat", t) == pytest.approx(float(kaufman_specific_heat(4, t)), rel=1e-10)
    for name, base in (("dbinder_dbeta", "binder"), ("dlog_abs_m_dbeta", "abs_magnetization")):
        f = (lambda beta: np.log(exact_observable(4, base, 1 / beta))) if base == "abs_magnetization" else \
            (lambda beta: exact_observable(4, base, 1 / beta))
        numeric = (f(1 / t + h) - f(1 / t - h)) / (2 * h)
        assert exact_observable(4, name, t) == pytest.approx(numeric, rel=1e-6)
    xi = exact_observable(4, "xi_over_L", t) * 4
    m2, f = exact_means(4, t)[MOMENTS.index("m2")], exact_means(4, t)[MOMENTS.index("f")]
    assert xi == pytest.approx(np.sqrt(m2 / f - 1) / (2 * np.sin(np.pi / 4)))


def test_reweighting_reproduces_the_exact_curve_within_its_window():
    series = sampled(4, [2.3], 20000)
    hist = Histograms(series, blocks=40)
    lo, hi = hist.window(0, reach=1.0)
    betas = np.linspace(lo, hi, 5)
    for name in ("binder", "specific_heat", "susceptibility_prime", "xi_over_L", "dbinder_dbeta"):
        central, replicas = hist.reweighted_observable(name, 0, betas)
        exact = np.array([exact_observable(4, name, 1 / b) for b in betas])
        z = (central - exact) / jackknife_error(replicas)
        assert np.all(np.abs(z) < 4), (name, z)
    with pytest.raises(ValueError, match="temperatures"):
        SizeSeries(4, [2.3, 2.2], np.zeros((2, 5)), np.zeros((2, 5)))


def test_jackknife_error_of_the_energy_is_the_standard_error_for_independent_samples():
    series = sampled(4, [2.0], 8000)
    hist = Histograms(series, blocks=40)
    central, replicas = hist.observable("energy")
    err = Replicated(central[0], replicas[:, 0]).error
    naive = series.energy[0].std(ddof=1) / np.sqrt(series.n_samples)
    assert central[0] == pytest.approx(series.energy[0].mean())
    assert err == pytest.approx(naive, rel=0.35)  # 40 blocks: the error of an error is ~ 1/sqrt(78)


# ----------------------------------------------------------------------------- peaks and crossings
def test_specific_heat_peak_matches_kaufman():
    t_max, c_max = kaufman_specific_heat_max(4)
    grid = np.sort(np.append(np.linspace(2.1, 3.3, 7), 2.6))
    hist = Histograms(sampled(4, grid, 6000), blocks=40)
    peak = find_peak(hist, "specific_heat")
    assert peak.resolved
    assert abs(peak.height.value - c_max) < 4 * peak.height.error
    assert abs(peak.position.value - t_max) < 4 * peak.position.error
    assert peak.height.error < 0.02 * c_max
    dense = np.linspace(t_max - 0.05, t_max + 0.05, 201)
    assert c_max == pytest.approx(kaufman_specific_heat(4, dense).max(), rel=1e-6)


def test_binder_crossing_of_2x2_and_4x4_matches_exact_enumeration():
    exact = brentq(lambda t: exact_observable(4, "binder", t) - exact_observable(2, "binder", t), 2.0, 6.0)
    grid = np.linspace(exact - 0.6, exact + 0.6, 7)
    small, large = (Histograms(sampled(L, grid, 6000), blocks=40) for L in (2, 4))
    crossing = find_crossing(small, large, "binder")
    assert crossing.reweighted
    assert abs(crossing.temperature.value - exact) < 4 * crossing.temperature.error
    assert crossing.temperature.error < 0.1


def test_vertex_refines_a_parabola_and_flags_an_edge():
    x = np.linspace(0.0, 1.0, 11)
    xv, yv, inside = vertex(x, -(x - 0.33) ** 2 + 2.0)
    assert inside and xv == pytest.approx(0.33) and yv == pytest.approx(2.0)
    assert not vertex(x, x)[2]


# ----------------------------------------------------------------------------- fits and collapse
def _replicated(values, spread=1e-3, units=20):
    noise = Stream.named(SEED, "rep", len(values)).normal((units, len(values))) * spread
    return [Replicated(float(v), v + noise[:, i]) for i, v in enumerate(values)]


def test_fits_recover_exact_power_laws():
    sizes = np.array([8, 16, 32, 64])
    slope, chi2, dof = power_law_exponent(sizes, _replicated(3.0 * sizes**1.75))
    assert slope.value == pytest.approx(1.75) and dof == 2 and slope.error > 0
    tc = Replicated(TC, np.full(20, TC))
    inv_nu, _, _ = shift_exponent(sizes, _replicated(TC + 0.5 / sizes), tc)
    assert inv_nu.value == pytest.approx(1.0)
    t_inf, _, dof = extrapolate_crossings(sizes[:3], _replicated(TC + 0.3 * sizes[:3] ** -3.0))
    assert t_inf.value == pytest.approx(TC) and dof == 1
    a, s, chi2, dof = fit_line([1.0, 2.0], _replicated([1.0, 3.0]))
    assert (a.value, s.value, dof) == (pytest.approx(-1.0), pytest.approx(2.0), 0)


def _collapse_data(tc=2.27, inv_nu=1.0, a=1.75, noise=0.01):
    sizes = np.array([8, 16, 32])
    temps = [np.linspace(tc - 1.2 / L, tc + 1.2 / L, 9) for L in sizes]
    values, replicas = [], []
    for L, t in zip(sizes, temps):
        x = (t - tc) * L**inv_nu
        clean = np.exp(-x) * (1 + 0.3 * np.tanh(x)) * L**a
        units = 10
        eps = Stream.named(SEED, "collapse", int(L)).normal((units + 1, t.size)) * noise * clean
        # jackknife replicas whose spread gives an error of noise * clean
        rep = clean + eps[1:] / np.sqrt(units - 1)
        values.append(clean + eps[0])
        replicas.append(rep)
    return CollapseData(sizes, temps, values, replicas)


def test_collapse_quality_is_near_one_at_the_true_exponents_and_large_away_from_them():
    data = _collapse_data()
    s, n = quality(data.sizes, data.temperatures, data.values, data.errors, tc=2.27, inv_nu=1.0, exponent=1.75)
    assert n > 10 and 0.2 < s < 3.0
    wrong, _ = quality(data.sizes, data.temperatures, data.values, data.errors, tc=2.27, inv_nu=1.0, exponent=1.5)
    assert wrong > 20 * s
    fit = fit_collapse(data, start=(2.26, 0.9, 1.7))
    assert abs(fit.exponent - 1.75) < 4 * fit.exponent_err and abs(fit.tc - 2.27) < 4 * fit.tc_err


# ----------------------------------------------------------------------------- the whole analysis
@pytest.fixture(scope="module")
def tiny_result() -> FSSResult:
    grid = np.linspace(1.7, 3.5, 7)
    return finite_size_scaling([sampled(4, grid, 4000, chains=4), sampled(2, grid, 4000, chains=4)],
                               fit_collapses=False)


def test_analysis_of_the_enumerated_tori(tiny_result):
    crossings = tiny_result.crossings.to_frame()
    exact = brentq(lambda t: exact_observable(4, "binder", t) - exact_observable(2, "binder", t), 2.0, 6.0)
    assert list(crossings.L_small) == [2] and abs(crossings.T_binder[0] - exact) < 4 * crossings.T_binder_err[0]
    peaks = tiny_result.peaks.to_frame()
    assert np.all(np.abs(peaks.specific_heat_max_z) < 4)
    points = tiny_result.points.to_frame()
    z = (points.specific_heat - points.specific_heat_exact) / points.specific_heat_err
    assert np.all(np.abs(z) < 4) and len(points) == 14
    est = tiny_result.estimates.row("gamma_over_nu")
    assert est["exact"] == EXACT["gamma_over_nu"] and est["sizes"] == "2,4"
    assert tiny_result.to_frame().shape[0] == len(tiny_result.estimates)


def test_result_round_trips_through_its_dataset(tiny_result):
    ds = tiny_result.to_dataset()
    back = FSSResult.from_dataset(ds)
    for name, frame in tiny_result.tables().items():
        assert frame.equals(back.tables()[name]), name
    assert ds["points_T"].attrs["units"] == "J/k_B" and "points_point" in ds.dims


def test_crossings_pair_each_size_with_its_double():
    assert crossing_pairs(np.array([8, 16, 32, 40, 64, 128])) == [(0, 1), (1, 2), (2, 4), (4, 5)]
    assert crossing_pairs(np.array([6, 8, 12])) == [(0, 2)]
    assert crossing_pairs(np.array([6, 8, 10])) == [(0, 1), (1, 2)]


def test_bad_inputs_are_rejected():
    grid = [2.2, 2.4]
    with pytest.raises(ValueError, match="once"):
        finite_size_scaling([sampled(2, grid, 100), sampled(2, grid, 100)])
    with pytest.raises(ValueError, match="shape"):
        SizeSeries(4, grid, np.zeros((2, 5)), np.zeros((2, 6)))
