"""Thermometers, fixed points and MCRG against exact answers (issue 3)."""

import numpy as np
import pytest

from rgml.exact import TC, decimation_coupling, kaufman_energy
from rgml.ising.ring import sample_ring
from rgml.ising.sampler import SamplerSettings, prepare_chains, production
from rgml.rg.blocks import decimate_ring, majority
from rgml.rg.correlations import interaction_densities
from rgml.rg.flow import FlowAnalysis, crossing, nu_from_slope
from rgml.rg.mcrg import mcrg_nu
from rgml.rg.ring import ring_flow
from rgml.rg.thermometer import (ABOVE, BELOW, invert_monotone, isotonic_decreasing, matching_temperature,
                                 matching_weights, projection_temperature)
from rgml.rng import Stream


def test_crossing_of_a_straight_map():
    t = np.linspace(2.0, 2.6, 7)
    t_out = 2.3 + 1.8 * (t - 2.3)
    t_star, slope = crossing(t, t_out)
    assert t_star == pytest.approx(2.3) and slope == pytest.approx(1.8)
    assert nu_from_slope(2.0, 2) == pytest.approx(1.0)
    assert np.isnan(crossing(t, t + 0.1)[0])  # no crossing: no fixed point, not a clamp


def test_isotonic_fit_pools_violators():
    fit = isotonic_decreasing(np.array([3.0, 1.0, 2.0, 0.0]), np.ones(4))
    assert fit.tolist() == [3.0, 1.5, 1.5, 0.0]


def test_inversion_flags_targets_beyond_the_grid_instead_of_clamping():
    grid = np.array([1.0, 2.0, 3.0])
    curve = np.array([0.9, 0.5, 0.1])
    assert invert_monotone(grid, curve, 0.7)[0] == pytest.approx(1.5)
    assert invert_monotone(grid, curve, 0.95)[2] == BELOW
    assert invert_monotone(grid, curve, 0.05)[2] == ABOVE


def test_targets_at_the_ends_of_the_grid_are_flagged_not_matched():
    """A correlation that has decayed to noise at the hot end, or saturated at the cold end, says
    nothing about where inside the grid it belongs (the spurious grid-end flows of issue 3)."""
    t = np.array([2.0, 2.5, 3.0, 3.5])
    grid = np.array([[1.0], [0.4], [0.10], [0.02]])
    grid_err = np.array([[0.0], [0.01], [0.01], [0.01]])
    targets = np.array([[1.0], [0.25], [0.035], [0.02]])  # saturated, inside, 1σ above the hot end, at it
    target_err = np.array([[0.0], [0.01], [0.01], [0.01]])
    weights, edges = matching_weights(t, grid, grid_err, targets, target_err)
    assert list(edges[:, 0]) == [BELOW, "", ABOVE, ABOVE]
    assert weights[0, 0] == weights[2, 0] == weights[3, 0] == 0 and weights[1, 0] > 0
    t_eff, flags = matching_temperature(t, grid, 1.0 / np.maximum(grid_err, 1e-3) ** 2, targets, weights, edges)
    assert t_eff[1] == pytest.approx(2.75) and np.isnan(t_eff[[0, 2, 3]]).all()
    assert list(flags) == [BELOW, "", ABOVE, ABOVE]


def test_projection_inverts_the_exact_finite_torus_energy():
    t = np.array([1.7, TC, 3.3])
    t_eff, flag = projection_temperature(-kaufman_energy(8, t), 8)
    assert np.allclose(t_eff, t, rtol=1e-10) and (flag == "").all()
    t_eff, flag = projection_temperature(np.array([2.0]), 8)  # e = -2: perfectly ordered
    assert np.isnan(t_eff[0]) and flag[0] == BELOW


def test_matching_a_grid_against_itself_returns_the_grid():
    t = np.linspace(2.0, 2.6, 7)
    grid = np.stack([np.exp(-t), np.exp(-2 * t), np.exp(-3 * t)], axis=1)
    t_eff, flags = matching_temperature(t, grid, np.ones_like(grid), grid[1:-1], np.ones((5, 3)))
    assert np.allclose(t_eff, t[1:-1]) and all(f == "" for f in flags)


def test_mcrg_recovers_the_exact_1d_decimation_eigenvalue():
    """1D decimation maps a nn ring exactly onto a nn ring: λ = dK'/dK = tanh 2K."""
    k, size, n = 0.5, 64, 20000
    spins = sample_ring(size, k, n, Stream.named(1, "mcrg-ring")).astype(np.int64)
    coarse = decimate_ring(spins, 2)
    s0 = (spins * np.roll(spins, -1, -1)).sum(axis=-1)[:, None].astype(float)
    s1 = (coarse * np.roll(coarse, -1, -1)).sum(axis=-1)[:, None].astype(float)
    est = mcrg_nu(s0, s1, 2, level=0, couplings=1, stream=Stream.named(1, "boot"), n_boot=100)
    assert abs(est.eigenvalue - np.tanh(2 * k)) < 4 * est.eigenvalue_err
    assert np.isnan(est.nu)  # λ < 1: K = 0 is attractive, no relevant direction


def test_ring_flow_matches_the_exact_recursion():
    couplings = [0.5, 1.0, 1.5]
    spins = np.stack([sample_ring(64, k, 4000, Stream.named(2, "ring-flow", k)) for k in couplings])
    rows = ring_flow(spins, couplings, 2)
    for r in rows:
        if r["level"] == 3:
            assert r["K_exact"] == pytest.approx(decimation_coupling(decimation_coupling(decimation_coupling(r["K"]))))
        if 1 <= r["level"] <= 3:
            assert abs(r["K_eff"] - r["K_exact"]) < 4 * r["K_eff_err"]


@pytest.fixture(scope="module")
def small_flow():
    """Majority rule b=2 on L = 8 and 16 sampled over a coarse grid around Tc."""
    temperatures = [1.9, 2.1, 2.2, TC, 2.35, 2.5, 2.8]
    densities = {}
    for size in (8, 16):
        settings = SamplerSettings()
        batch, plans = prepare_chains(size, temperatures, seed=3, settings=settings, log=lambda m: None)
        spins = np.concatenate([b.spins for b in production(batch, plans, 200, block_steps=200)], axis=1)
        levels = [interaction_densities(spins)]
        stream = Stream.named(3, "maj", size)
        while spins.shape[-1] >= 8:
            spins = majority(spins, 2, stream.child(spins.shape[-1]))
            levels.append(interaction_densities(spins))
        densities[size] = levels
    analysis = FlowAnalysis({8: np.array(temperatures), 16: np.array(temperatures)}, densities, 2)
    return temperatures, analysis.run(stream=Stream.named(3, "boot"), n_boot=50)


def test_majority_matching_flows_away_from_tc(small_flow):
    temperatures, (flows, fixed) = small_flow
    for row in flows:
        if row["method"] != "matching" or abs(row["T"] - TC) < 0.1:
            continue
        colder = row["T_eff"] < row["T"] if np.isfinite(row["T_eff"]) else row["out_of_grid"] == "below"
        hotter = row["T_eff"] > row["T"] if np.isfinite(row["T_eff"]) else row["out_of_grid"] == "above"
        assert (colder if row["T"] < TC else hotter), row
    match = [f for f in fixed if f["method"] == "flow_slope_matching"]
    assert match and all(abs(f["T_fixed"] - TC) < 4 * f["T_fixed_err"] for f in match)
    assert all(abs(f["nu"] - 1.0) < 4 * f["nu_err"] for f in match)
