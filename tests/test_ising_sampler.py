"""The 2D sampler against exact results (DESIGN.md §5, §7; issue 2 acceptance 2, 3, 5)."""

import numpy as np
import pytest
from scipy.stats import chi2

from rgml.exact import TC, kaufman_energy, torus_energy_levels, torus_magnetization_levels
from rgml.ising.sampler import ChainBatch, SamplerSettings, prepare_chains, production
from rgml.stats import estimate


def run_sampler(size, temperatures, samples, *, seed=2026, **settings):
    settings = SamplerSettings(**settings)
    batch, plans = prepare_chains(size, temperatures, seed=seed, settings=settings, log=lambda m: None)
    per_chain = samples // settings.chains
    blocks = list(production(batch, plans, per_chain, block_steps=per_chain))
    energy = np.concatenate([b.energy for b in blocks], axis=1)
    mag = np.concatenate([b.magnetization for b in blocks], axis=1)
    return plans, energy, mag


def chi_square_p(values, levels, probabilities):
    """p-value of the observed histogram of ``values`` over exact ``levels``; bins with < 5 expected pooled."""
    observed = np.array([np.sum(np.isclose(values, level)) for level in levels], float)
    assert observed.sum() == values.size, "sampled a level that does not exist"
    expected = probabilities * values.size
    order = np.argsort(expected)
    obs, exp = [], []
    acc_o = acc_e = 0.0
    for i in order:  # pool the rarest levels until each bin expects >= 5
        acc_o += observed[i]
        acc_e += expected[i]
        if acc_e >= 5:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0:
        obs[-1] += acc_o
        exp[-1] += acc_e
    obs, exp = np.array(obs), np.array(exp)
    stat = ((obs - exp) ** 2 / exp).sum()
    return chi2.sf(stat, len(obs) - 1)


@pytest.mark.parametrize("algorithm", ["metropolis", "wolff"])
@pytest.mark.parametrize("temperature", [2.0, TC, 3.0])
def test_4x4_histograms_match_enumeration(algorithm, temperature):
    """Acceptance 3: ≥ 20 000 samples on the 4×4 torus, chi-square p > 1e-3 (energy and m)."""
    _, energy, mag = run_sampler(4, [temperature], 20_000, chains=8, algorithm=algorithm, thin_factor=3.0)
    levels, probs = torus_energy_levels(4, temperature)
    assert chi_square_p(energy[0], levels, probs) > 1e-3
    levels, probs = torus_magnetization_levels(4, temperature)
    assert chi_square_p(mag[0], levels, probs) > 1e-3


@pytest.mark.parametrize("size", [8, 16])
def test_energy_matches_kaufman(size):
    """Acceptance 2: |z| < 4 against Kaufman's finite-torus energy with τ-corrected errors."""
    temperatures = [1.8, 2.1, 2.2, TC, 2.4, 2.7, 3.2]
    plans, energy, _ = run_sampler(size, temperatures, 2000)
    exact = kaufman_energy(size, temperatures)
    for plan, e, ref in zip(plans, energy, exact):
        s = estimate(e.reshape(-1, 4).T)
        z = (s.mean - ref) / s.error
        assert abs(z) < 4, f"L={size} T={plan.temperature}: {s} vs exact {ref:.6f} (z={z:.2f})"


def test_stored_samples_are_nearly_independent():
    """Stored samples 2 τ_int apart: τ_int along the stored series ≈ ½ + e^(−2) + … ≈ 0.65, at most 1.

    The errors of the analyses resample blocks of each chain (:mod:`rgml.blocking`); with 1000 samples,
    4 chains and 40 blocks a block is 25 stored samples, which needs τ_int ≪ 25 — and τ_int ≤ 1 also
    keeps a plain standard error within √2 of the true one.
    """
    temperatures = [1.5, 1.8, 2.0, 2.2, 2.26, TC, 2.28, 2.35, 2.6, 2.8, 3.1, 3.5]
    plans, energy, mag = run_sampler(16, temperatures, 1000)
    from rgml.stats import integrated_time

    taus = [integrated_time(series.reshape(-1, 4).T) for e, m in zip(energy, mag) for series in (e, np.abs(m))]
    print(f"stored-series tau_int: max {max(taus):.3f}, mean {np.mean(taus):.3f}")
    assert max(taus) <= 1.0, taus


def test_auto_uses_cluster_updates_near_and_below_tc():
    plans, _, _ = run_sampler(16, [1.8, TC, 4.5], 64)
    chosen = [p.algorithm for p in plans]
    assert chosen[:2] == ["wolff", "wolff"]
    assert chosen[2] == "metropolis"
    assert all(p.thin >= 2 * p.tau_int for p in plans)


def test_adding_a_temperature_leaves_the_others_bitwise_unchanged():
    _, e1, m1 = run_sampler(8, [2.0, 3.0], 40)
    _, e2, m2 = run_sampler(8, [2.0, 2.5, 3.0], 40)
    assert np.array_equal(e1[0], e2[0]) and np.array_equal(e1[1], e2[2])
    assert np.array_equal(m1, m2[[0, 2]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cluster_calibration_from_a_hot_start_costs_a_few_sweeps(seed):
    """Just above Tc the hot start's clusters are a few sites and the equilibrium ones L²/4: the
    calibration's work stays within 5 sweeps per measuring sweep (the two-stage calibration it replaced
    flipped 7 900–14 500 L² spins per chain here, bench/calibration.py), and its length makes a sweep flip about L²."""
    size, sweeps = 64, 50
    batch = ChainBatch.start(size, [2.29], 2, seed=seed)
    flips = []
    advance = batch.advance

    def counted(*args, **kwargs):
        flipped = advance(*args, **kwargs)
        flips.append(flipped.sum())
        return flipped

    batch.advance = counted
    batch.calibrate_clusters(sweeps)
    assert sum(flips) / (2 * size * size) < 5 * 2 * sweeps  # two measuring passes
    batch.advance = advance
    flipped = batch.advance(np.full(2, 400), np.ones(2, bool)) / (400 * size * size)
    assert np.all((flipped > 0.5) & (flipped < 2)), flipped
