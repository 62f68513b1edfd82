"""Odd interactions and y_h, block-bootstrap errors of flows and MCRG, matching spread, T*(level) extrapolation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from rgml.blocking import batch_chi2, bootstrap_counts, sample_labels
from rgml.exact import TC, torus_samples
from rgml.ising.ring import sample_ring
from rgml.rg.blocks import decimate_ring, majority
from rgml.rg.correlations import ODD_INTERACTIONS, interaction_densities, odd_interaction_densities
from rgml.rg.flow import FlowAnalysis, FlowResult
from rgml.rg.levels import extrapolate_levels
from rgml.rg.mcrg import mcrg_nu, mcrg_yh
from rgml.rng import Stream

SEED = 17


# ----------------------------------------------------------------------------- odd interactions, y_h
def test_odd_interactions_are_odd_and_count_what_they_say():
    spins = Stream.named(SEED, "odd").spins((3, 5, 5))
    odd, even = odd_interaction_densities(spins), interaction_densities(spins)
    np.testing.assert_array_equal(odd_interaction_densities(-spins), -odd)
    np.testing.assert_array_equal(interaction_densities(-spins), even)
    assert np.allclose(odd[:, 0], spins.mean(axis=(1, 2)))
    s = spins.astype(int)
    for index, (_, shapes) in enumerate(ODD_INTERACTIONS):
        brute = np.zeros(3)
        for y in range(5):
            for x in range(5):
                for shape in shapes:
                    brute += np.prod([s[:, (y + dy) % 5, (x + dx) % 5] for dy, dx in shape], axis=0)
        np.testing.assert_allclose(odd[:, index] * 25, brute)
    assert odd.shape == (3, 4) and odd_interaction_densities(spins, 2).shape == (3, 2)


def test_mcrg_magnetic_eigenvalue_of_1d_decimation_is_exact():
    """Decimating a ring in a field: h' = h (1 + tanh 2K) exactly, so λ_h = 1 + tanh 2K (one odd coupling)."""
    k, size, n = 0.5, 64, 10000
    spins = sample_ring(size, k, n, Stream.named(SEED, "ring")).astype(np.int64)
    m0 = spins.sum(axis=-1)[:, None].astype(float)
    m1 = decimate_ring(spins, 2).sum(axis=-1)[:, None].astype(float)
    est = mcrg_yh(m0, m1, 2, level=0, couplings=1, stream=Stream.named(SEED, "yh"), n_boot=60)
    exact = 1 + np.tanh(2 * k)
    assert abs(est.eigenvalue - exact) < 4 * est.eigenvalue_err
    assert est.y_h == pytest.approx(np.log(est.eigenvalue) / np.log(2))
    assert est.y_h_err == pytest.approx(est.eigenvalue_err / est.eigenvalue / np.log(2), rel=0.05)


def test_mcrg_single_configuration_bootstrap_draws_the_old_resamples():
    x = Stream.named(SEED, "mcrg-x").normal((300, 2))
    y = 0.5 * x + 0.1 * Stream.named(SEED, "mcrg-y").normal((300, 2))
    est = mcrg_nu(x, y, 2, level=0, couplings=2, stream=Stream.named(SEED, "boot"), n_boot=20, blocks=None)
    stream, boot = Stream.named(SEED, "boot"), []
    for _ in range(20):  # rgml's bootstrap before chain blocks
        idx = (stream.bits(300) % np.uint64(300)).astype(np.int64)
        dn, dm = x[idx] - x[idx].mean(0), y[idx] - y[idx].mean(0)
        boot.append(np.max(np.linalg.eigvals(np.linalg.solve(dm.T @ dm / 300, dm.T @ dn / 300)).real))
    # the same resamples, summed as counts rather than gathered rows: equal to rounding
    assert est.eigenvalue_err == pytest.approx(np.std(boot, ddof=1), rel=1e-10)
    blocked = mcrg_nu(x, y, 2, level=0, couplings=2, stream=Stream.named(SEED, "boot"), n_boot=20)
    assert blocked.eigenvalue == est.eigenvalue and blocked.eigenvalue_err != est.eigenvalue_err


def test_mcrg_resample_with_a_singular_matrix_alone_is_nan():
    # odd sums about zero: a resample drawing only the zero configurations has A = 0
    x = np.array([[0.0], [0.0], [0.0], [2.0]])
    est = mcrg_yh(x, 2.0 * x, 2, level=0, couplings=1, stream=Stream.named(SEED, "singular"), n_boot=40, blocks=None)
    counts = bootstrap_counts(sample_labels(4), Stream.named(SEED, "singular"), (40,))
    singular = counts[:, 3] == 0
    assert 0 < singular.sum() < 40  # both kinds of resample occur
    # A = 4⟨x²⟩, B = 2⟨x²⟩: every regular resample gives λ = 1/2, the singular ones NaN (left out)
    assert est.eigenvalue == 0.5 and est.eigenvalue_err == 0.0


# ----------------------------------------------------------------------------- flows
def _synthetic_flow(shifts, noise=0.002, samples=400):
    """Densities whose three matched correlations say T_eff = T + shift_a at level 1 of L = 16."""
    grid = np.linspace(2.0, 2.6, 7)
    c = np.array([1.0, 1.5, 2.5, 3.0, 3.5, 4.0])

    def level(temps_per_k, name):
        mean = 1.0 - 0.1 * c * (temps_per_k - 1.5)  # (T, k), decreasing and linear: interpolation is exact
        return mean[:, None, :] + noise * Stream.named(SEED, "flow", name).normal((grid.size, samples, c.size))

    ref = level(grid[:, None] + 0 * c, "ref")
    target = level(grid[:, None] + np.append(shifts, [0, 0, 0]), "target")
    return FlowAnalysis({8: grid, 16: grid}, {8: [ref], 16: [ref, target]}, 2, chains=4)


def test_matching_rows_report_each_coupling_and_flag_disagreement():
    agree = _synthetic_flow(np.array([0.05, 0.05, 0.05])).analyse(stream=Stream.named(SEED, "a"), n_boot=40)
    split = _synthetic_flow(np.array([0.02, 0.05, 0.08])).analyse(stream=Stream.named(SEED, "b"), n_boot=40)
    for result, disagree in ((agree, False), (split, True)):
        rows = result.flows.to_frame()
        rows = rows[(rows.method == "matching") & np.isfinite(rows.T_eff)]
        inner = rows[(rows["T"] > 2.05) & (rows["T"] < 2.5)]
        assert len(inner) >= 3 and (inner.couplings_disagree == disagree).all()
        assert np.allclose(inner.T_eff_nn - inner["T"], 0.05 if not disagree else 0.02, atol=0.01)
    rows = split.flows.to_frame()
    row = rows[(rows.method == "matching") & np.isclose(rows["T"], 2.3)].iloc[0]
    assert row.T_eff_nn < row.T_eff < row.T_eff_plaquette and row.coupling_spread == pytest.approx(0.06, abs=0.01)


def test_block_resampled_means_with_single_samples_are_the_old_ones_bitwise():
    analysis = _synthetic_flow(np.zeros(3))
    legacy = FlowAnalysis(analysis.temperatures, {L: list(d) for L, d in analysis.densities.items()}, 2, blocks=None)
    means = legacy.resampled_means(Stream.named(SEED, "means"), 3)
    stream = Stream.named(SEED, "means")
    for L, d in legacy.densities.items():  # rgml's resampling before chain blocks
        n_t, n_s = d.shape[1:3]
        picks = (stream.bits((3, n_t, n_s)) % np.uint64(n_s)).astype(np.int64)
        counts = np.zeros((3, n_t, n_s))
        for r in range(3):
            for t in range(n_t):
                counts[r, t] = np.bincount(picks[r, t], minlength=n_s)
        assert np.array_equal(means[L], np.einsum("rts,ltsk->rltk", counts, d) / n_s)


def test_flow_result_round_trips_and_reports_sigma_distances():
    result = _synthetic_flow(np.array([0.05, 0.05, 0.05])).analyse(stream=Stream.named(SEED, "rt"), n_boot=20)
    back = FlowResult.from_dataset(result.to_dataset())
    for name, frame in result.tables().items():
        assert frame.equals(back.tables()[name]), name
    fixed = result.fixed_points.to_frame()
    assert np.allclose(fixed.T_fixed_z, (fixed.T_fixed - TC) / fixed.T_fixed_err, equal_nan=True)
    assert result.to_dataset()["flows_T_eff"].attrs["units"] == "J/k_B"


def _sticky(samples: np.ndarray, repeat: int, chains: int) -> np.ndarray:
    """Each independent sample held for ``repeat`` steps of its chain; stored as sample = step · chains + chain."""
    per_chain = samples.reshape(chains, -1, *samples.shape[1:])
    held = np.repeat(per_chain, repeat, axis=1)
    return np.swapaxes(held, 0, 1).reshape(-1, *samples.shape[1:])


def test_block_bootstrap_errors_of_flow_temperatures_cover_the_batch_scatter():
    """Unit-tier coverage check (issue, item 4): exact 2×2 and 4×4 samples each held for 8 steps of its chain
    (τ_int = 4), 8 independent batches; chain blocks cover the scatter of T_eff (projection and, where
    inside the grid in every batch, matching), single configurations do not."""
    temps = np.linspace(1.8, 3.4, 9)
    values = {None: [], 40: []}
    errors = {None: [], 40: []}
    for batch in range(8):
        densities = {}
        for size in (2, 4):
            spins = np.stack([_sticky(torus_samples(size, t, 240, Stream.named(SEED, "sticky", batch, size, t)), 8, 4)
                              for t in temps])
            levels = [interaction_densities(spins)]
            if size == 4:
                levels.append(interaction_densities(majority(spins, 2, Stream.named(SEED, "coins", batch))))
            densities[size] = levels
        for blocks in values:
            rows = FlowAnalysis({2: temps, 4: temps}, densities, 2, blocks=blocks, chains=4).analyse(
                stream=Stream.named(SEED, "scatter", batch), n_boot=40).flows.to_frame()
            values[blocks].append(rows.T_eff.to_numpy())
            errors[blocks].append(rows.T_eff_err.to_numpy())
    _, dof, p_block = batch_chi2(values[40], errors[40])
    _, _, p_single = batch_chi2(values[None], errors[None])
    assert dof >= 9 * 7
    assert p_block > 1e-3 and p_single < 1e-3


# ----------------------------------------------------------------------------- T*(level) extrapolation
def test_level_extrapolation_recovers_a_geometric_approach_and_covers_its_error():
    levels = np.arange(1, 5)
    truth = TC + 0.02 * 4.0 ** -levels
    exact = extrapolate_levels(levels, truth, b=2, errors=np.full(4, 1e-4))
    assert exact.t_inf == pytest.approx(TC, abs=1e-12) and exact.dof == 2 and exact.chi2 == pytest.approx(0, abs=1e-12)
    z = []
    for k in range(40):  # synthetic T*(n) with correlated noise (levels share their samples) and replicas like it
        draws = Stream.named(SEED, "levels", k).normal((201, 4)) * 1e-3
        common = Stream.named(SEED, "common", k).normal((201, 1)) * 2e-3
        data = truth + draws + common
        ex = extrapolate_levels(levels, data[0], b=2, replicas=data[0] + draws[1:] + common[1:])
        z.append((ex.t_inf - TC) / ex.t_inf_err)
    assert scipy.stats.chi2.sf(np.sum(np.square(z)), len(z)) > 1e-3 and abs(np.mean(z)) < 4 / np.sqrt(len(z))
    one = extrapolate_levels([2], [2.27], b=2, errors=[0.01])
    assert (one.t_inf, one.dof) == (2.27, -1)
    with pytest.raises(ValueError, match="replicas"):
        extrapolate_levels(levels, truth, b=2)
