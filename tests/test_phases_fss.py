"""Finite-size scaling helpers of rgml.phases: crossings, extrapolation, data collapse."""

import numpy as np
import pytest

from rgml.phases.fss import (collapse_quality, extrapolate, fit_collapse, level_crossing, pair_crossing,
                             scaling_analysis, scaling_variable)
from rgml.rng import Stream

TC, NU = 2.27, 1.0
SIZES = np.array([8, 16, 32, 64])
GRID = np.array([1.5, 1.8, 2.0, 2.1, 2.2, 2.24, 2.26, 2.27, 2.28, 2.3, 2.35, 2.45, 2.6, 2.8, 3.1, 3.5])


def scaling_curves(tc=TC, nu=NU, sizes=SIZES, grid=GRID):
    """y_L(T) = f((T − Tc) L^{1/ν}) with a decreasing f from 1 to 0."""
    return np.stack([0.5 * (1.0 - np.tanh(scaling_variable(grid, L, tc, nu))) for L in sizes])


def test_level_crossing_of_a_line_and_of_a_curve_that_never_crosses():
    t = np.linspace(2.0, 2.6, 7)
    assert level_crossing(t, 1.0 - (t - 2.0) / 0.6, 0.5) == pytest.approx(2.3)
    assert np.isnan(level_crossing(t, np.full(7, 0.9), 0.5))
    # a noisy dip is pooled by the monotone fit instead of giving a second crossing
    y = np.array([1.0, 0.9, 0.45, 0.55, 0.2, 0.1, 0.0])
    assert level_crossing(t, y, 0.5) == pytest.approx(2.2)  # 0.45, 0.55 pool to 0.5 at T = 2.2


def test_pair_crossing_window_and_nearest():
    t = np.linspace(2.0, 2.6, 7)
    small, large = 1.0 - (t - 2.0), 1.0 - 2.0 * (t - 2.0) + 0.3  # cross at T = 2.3
    assert pair_crossing(t, small, large) == pytest.approx(2.3)
    assert np.isnan(pair_crossing(t, large, small))  # the larger size must fall faster
    noisy_small = small.copy()
    noisy_small[0] -= 1.0  # a spurious sign change outside the window
    assert pair_crossing(t, noisy_small, large, window=(0.0, 0.95)) == pytest.approx(2.3)
    two = np.array([-1.0, 1.0, -1.0, 1.0])
    assert pair_crossing(np.arange(4.0), two, np.zeros(4), near=2.4) == pytest.approx(2.5)


def test_extrapolation_recovers_a_line_and_its_error():
    sizes = np.array([8.0, 16.0, 32.0, 64.0])
    tc = 2.269 + 1.3 / sizes
    line = extrapolate(sizes, tc, errors=np.full(4, 0.01))
    assert line.tc == pytest.approx(2.269) and line.slope == pytest.approx(1.3) and line.chi2 == pytest.approx(0)
    _, cov = np.polyfit(1.0 / sizes, tc + [1e-3, -1e-3, 2e-3, 0], 1, w=np.full(4, 100.0), cov="unscaled")
    assert line.tc_err == pytest.approx(np.sqrt(cov[1, 1]))
    assert np.isnan(extrapolate(sizes[:1], tc[:1]).tc)


def brute_force_quality(t, sizes, curves, errors, tc, nu, window):
    """Loop-by-loop Houdayer–Hartmann-type quality with np.interp in the scaling variable."""
    terms = []
    for p, lp in enumerate(sizes):
        xp_ = scaling_variable(t, lp, tc, nu)
        for j, lj in enumerate(sizes):
            if j == p:
                continue
            xj = scaling_variable(t, lj, tc, nu)
            for i in range(t.size):
                if window[0] <= curves[p, i] <= window[1] and xj[0] <= xp_[i] <= xj[-1]:
                    yj = np.interp(xp_[i], xj, curves[j])
                    vj = np.interp(xp_[i], xj, errors[j] ** 2)
                    terms.append((curves[p, i] - yj) ** 2 / (errors[p, i] ** 2 + vj))
    return np.mean(terms)


@pytest.mark.parametrize("tc, nu", [(2.27, 1.0), (2.3, 0.8), (2.2, 1.4)])
def test_vectorised_quality_equals_the_loop(tc, nu):
    curves = scaling_curves() + 0.01 * Stream.named(1, "q").normal((4, GRID.size))
    errors = 0.01 + 0.005 * Stream.named(2, "q").uniform((4, GRID.size))
    fast = collapse_quality(GRID, SIZES, curves, errors, tc, nu, window=(0.1, 0.9))
    assert fast == pytest.approx(brute_force_quality(GRID, SIZES, curves, errors, tc, nu, (0.1, 0.9)), rel=1e-12)


def test_collapse_of_exact_scaling_curves_finds_tc_and_nu():
    """On a fine grid (linear interpolation exact enough) the minimum sits at the true (Tc, ν)."""
    grid = np.linspace(1.8, 2.8, 201)
    curves = scaling_curves(nu=0.9, grid=grid)
    errors = np.full_like(curves, 1e-3)
    tc, nu, quality = fit_collapse(grid, SIZES, curves, errors, window=(0.1, 0.9))
    assert tc == pytest.approx(TC, abs=1e-3) and nu == pytest.approx(0.9, abs=0.01)
    assert 20 * quality < collapse_quality(grid, SIZES, curves, errors, TC + 0.01, 0.9, window=(0.1, 0.9))


def test_scaling_analysis_errors_cover_the_truth():
    """Noisy curves with known Tc, ν: every estimate within 4 of its (bootstrap-like) errors of the truth."""
    sigma = 0.01
    exact = scaling_curves()
    stream = Stream.named(2026, "fss-noise")
    noisy = exact + sigma * stream.normal(exact.shape)
    replicas = noisy + sigma * stream.normal((60, *exact.shape))  # parametric bootstrap around the data
    out = scaling_analysis(GRID, SIZES, noisy, replicas, window=(0.1, 0.9), level=0.5)
    assert abs(out["collapse_tc"] - TC) < 4 * out["collapse_tc_err"]
    assert abs(out["nu"] - NU) < 4 * out["nu_err"]
    # exact curves cross ½ at x = 0, i.e. T = Tc for every L: the extrapolation is flat
    assert abs(out["tc"] - TC) < 4 * out["tc_err"] and np.all(np.abs(out["tc_size"] - TC) < 4 * out["tc_size_err"])
    assert np.all(np.abs(out["tc_pairs"] - TC) < 4 * out["tc_pairs_err"])
    assert out["curve_err"] == pytest.approx(np.full(exact.shape, sigma), rel=0.5)
    assert out["collapse_quality"] < 2.0


def test_min_size_leaves_small_sizes_out_of_the_fits():
    curves = scaling_curves()
    curves[0] = scaling_curves(tc=2.4)[0]  # a smallest size far from scaling
    replicas = np.broadcast_to(curves, (5, *curves.shape)) + 1e-3 * Stream.named(3).normal((5, *curves.shape))
    kept = scaling_analysis(GRID, SIZES, curves, replicas, window=(0.1, 0.9), level=0.5, min_size=16)
    assert kept["tc"] == pytest.approx(TC, abs=2e-3) and kept["collapse_tc"] == pytest.approx(TC, abs=2e-3)
    assert kept["tc_size"][0] == pytest.approx(2.4, abs=5e-3)  # still reported
