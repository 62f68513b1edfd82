"""SLMC kernels on the plaquette Ising model: bitwise agreements, exact energy changes, 4×4 exactness."""

import numpy as np
import pytest
from conftest import load_reference
from rgml.ising.wolff import add_thresholds, neighbour_table, wolff_sweeps
from rgml.rng import Stream, stream_key
from rgml.slmc import (
    EffectiveModel,
    PlaquetteModel,
    bond_thresholds,
    density_of_states,
    histogram_p_value,
    lattice_sums,
    level_probabilities,
    pair_sums,
    plaquette_metropolis_reference,
    plaquette_metropolis_sweeps,
    plaquette_sum,
    plaquette_thresholds,
    run_cluster,
    run_local,
    shell_table,
    slmc_sweeps,
)
from rgml.slmc.cluster import _cluster_energy_change

EXACT = load_reference("plaquette_ising_exact")
NO_RECORD = np.zeros((0, 0), np.int64)


def _chains(size, n, seed=11):
    spins = Stream.named(seed, "slmc-kernel-test", size).spins((n, size, size))
    keys = np.array([stream_key(seed, "k", i) for i in range(n)], np.uint64)
    return spins, keys


def _no_local(n):
    return 0, np.zeros((n, 25), np.uint64), np.zeros(n, np.uint64), np.zeros(n, np.int64)


def _slmc(spins, keys, temperatures, model, couplings, n_sweeps, clusters, counters=None, local=None, stats=None):
    n, size = spins.shape[0], spins.shape[-1]
    counters = np.zeros(n, np.uint64) if counters is None else counters
    stats = np.zeros((n, 4), np.int64) if stats is None else stats
    couplings = np.asarray(couplings, np.float64)
    slmc_sweeps(spins, shell_table(size), bond_thresholds(temperatures, couplings),
                1.0 / np.asarray(temperatures), np.array([model.coupling, model.plaquette]), couplings, keys,
                counters, np.full(n, n_sweeps, np.int64), np.asarray(clusters, np.int64),
                *(local or _no_local(n)), stats, np.zeros((n, 0, 3), np.int64))
    return counters, stats


# ---------------------------------------------------------------- sums and energies
def test_enumerated_4x4_levels_match_the_independent_reference():
    """The library's C_1, P and |M| of all 2^16 states give the reference density of states exactly."""
    assert np.array_equal(density_of_states(4), np.array(EXACT["density_of_states"]["rows"]))
    spins = Stream.named(3, "energy").spins((5, 4, 4))
    expected = -(pair_sums(spins)[:, 0] + 0.2 * plaquette_sum(spins)) / 16
    assert np.allclose(PlaquetteModel().energy(spins), expected)
    averages = {row["T"]: row for row in EXACT["averages"]["values"]}
    levels = density_of_states(4)
    for t, row in averages.items():
        p = level_probabilities(levels, t)
        assert np.isclose(p @ (-(levels[:, 0] + 0.2 * levels[:, 1]) / 16), row["energy_per_spin"], rtol=1e-12)


def test_histogram_test_rejects_a_wrong_temperature():
    """The chi-square test has power: exact samples at T = 2.6 fail against T = 2.493."""
    levels = density_of_states(4)
    stream = Stream.named(8, "exact-draws")
    draws = np.searchsorted(np.cumsum(level_probabilities(levels, 2.6)), stream.uniform(20_000))
    sums = levels[np.minimum(draws, len(levels) - 1), :3]
    assert histogram_p_value(sums, levels, 2.6) > 1e-3
    assert histogram_p_value(sums, levels, 2.493) < 1e-6
    with pytest.raises(ValueError, match="level"):
        histogram_p_value(np.array([[999, 0, 0]]), levels, 2.5)


@pytest.mark.parametrize("size", [4, 6, 8])
def test_numba_lattice_sums_equal_the_vectorised_ones(size):
    spins, _ = _chains(size, 5)
    out = np.zeros((5, 5), np.int64)
    for c in range(5):
        lattice_sums(spins[c], out[c])
    pairs = pair_sums(spins)
    assert np.array_equal(out[:, [0, 3, 4]], pairs)
    assert np.array_equal(out[:, 1], plaquette_sum(spins))
    assert np.array_equal(out[:, 2], spins.sum(axis=(1, 2)))


def test_shell_tables_hold_the_right_neighbours():
    table = shell_table(6)
    site = 2 * 6 + 3  # (y, x) = (2, 3)
    assert table[site, :4].tolist() == neighbour_table(6)[site].tolist()
    assert table[site, 4:8].tolist() == [3 * 6 + 4, 1 * 6 + 2, 3 * 6 + 2, 1 * 6 + 4]
    assert table[site, 8:].tolist() == [2 * 6 + 5, 2 * 6 + 1, 4 * 6 + 3, 0 * 6 + 3]


def test_thresholds_follow_the_energy_change():
    thr = plaquette_thresholds([2.5], 1.0, 0.2)[0]
    # a = s h = 2, b = s q = -4: ΔE = 2 (2 - 0.8) = 2.4
    assert thr[3 * 5 + 0] == np.floor(np.exp(-2.4 / 2.5) * 2**32)
    # a = -2, b = 4: ΔE = 2 (-2 + 0.8) < 0 always flips
    assert thr[1 * 5 + 4] > 2**32


@pytest.mark.parametrize("size", [4, 6, 8])
def test_cluster_energy_change_equals_the_brute_force_difference(size):
    """B_n and ΔP from the cluster alone reproduce the change of C_n and P on flipping a random set
    (members with and without outside neighbours, from a lone site to the whole lattice)."""
    stream = Stream.named(5, "cluster-energy", size)
    shells = shell_table(size)
    for trial in range(21):
        spins = stream.spins((size, size))
        inside = (stream.uniform(size * size) < trial / 20).astype(np.int8)
        inside[0] = 1
        members = np.flatnonzero(inside).astype(np.int64)
        members = members[stream.permutation(len(members))]  # any order, as clusters grow
        boundary = np.zeros(3, np.int64)
        odd = _cluster_energy_change(spins.ravel(), shells, np.ones(3, np.int64), inside, members, len(members),
                                     boundary)
        flipped = spins.copy().ravel()
        flipped[members] *= -1
        flipped = flipped.reshape(size, size)
        assert np.array_equal(pair_sums(flipped) - pair_sums(spins), -2 * boundary)
        assert plaquette_sum(flipped) - plaquette_sum(spins) == -2 * odd


# ---------------------------------------------------------------- bitwise agreements
@pytest.mark.parametrize("size", [4, 6, 16])
def test_numba_metropolis_equals_vectorised_reference(size):
    spins, keys = _chains(size, 4)
    thresholds = plaquette_thresholds([1.5, 2.3, 2.493, 4.0], 1.0, 0.2)
    ref = spins.copy()
    plaquette_metropolis_reference(ref, thresholds, keys, np.full(4, 3, np.int64), 7)
    fast = spins.copy()
    done = np.full(4, 3, np.int64)
    accepted = np.zeros(4, np.int64)
    record = np.zeros((4, 7, 5), np.int64)
    plaquette_metropolis_sweeps(fast, thresholds, keys, done, np.full(4, 7, np.int64), accepted, record)
    assert np.array_equal(ref, fast)
    assert (done == 10).all() and (accepted > 0).all()
    last = np.zeros((4, 5), np.int64)
    for c in range(4):
        lattice_sums(fast[c], last[c])
    assert np.array_equal(record[:, -1], last)


def test_metropolis_in_pieces_equals_one_call():
    spins, keys = _chains(8, 2)
    thresholds = plaquette_thresholds([2.0, 2.7], 1.0, 0.2)
    a, b = spins.copy(), spins.copy()
    done_a, done_b = np.zeros(2, np.int64), np.zeros(2, np.int64)
    acc = np.zeros(2, np.int64)
    plaquette_metropolis_sweeps(a, thresholds, keys, done_a, np.array([10, 10]), acc, np.zeros((2, 4, 3), np.int64))
    for n in (3, 7):
        plaquette_metropolis_sweeps(b, thresholds, keys, done_b, np.array([n, n]), acc, np.zeros((2, 0, 3), np.int64))
    assert np.array_equal(a, b) and np.array_equal(done_a, done_b)


def test_slmc_at_k0_with_the_true_couplings_is_the_existing_wolff_update():
    """K = 0, J_eff = (1, 0, 0): same clusters, same draws, every proposal accepted without a draw."""
    spins, keys = _chains(8, 3)
    temperatures = np.array([1.8, 2.269185, 3.0])
    clusters = np.array([1, 2, 5])
    a, b = spins.copy(), spins.copy()
    counters_a = np.zeros(3, np.uint64)
    flipped = np.zeros(3, np.int64)
    wolff_sweeps(a, neighbour_table(8), add_thresholds(1 / temperatures), keys, counters_a, np.full(3, 6, np.int64),
                 clusters, flipped, NO_RECORD, NO_RECORD)
    counters_b, stats = _slmc(b, keys, temperatures, PlaquetteModel(plaquette=0.0), [1.0, 0.0, 0.0], 6, clusters)
    assert np.array_equal(a, b)
    assert np.array_equal(counters_a, counters_b)
    assert np.array_equal(stats[:, 0], stats[:, 1]) and np.array_equal(stats[:, 3], flipped)


def test_hybrid_local_sweeps_draw_as_the_local_kernel():
    """With no cluster proposals, the hybrid sweeps of the SLMC kernel are the local kernel's sweeps."""
    spins, keys = _chains(8, 3)
    temperatures = np.array([2.0, 2.5, 3.0])
    thresholds = plaquette_thresholds(temperatures, 1.0, 0.2)
    a, b = spins.copy(), spins.copy()
    done = np.zeros(3, np.int64)
    plaquette_metropolis_sweeps(a, thresholds, keys, done, np.full(3, 6, np.int64), np.zeros(3, np.int64),
                                np.zeros((3, 0, 3), np.int64))
    local_done = np.zeros(3, np.int64)
    _slmc(b, keys, temperatures, PlaquetteModel(), [1.1, 0.0, 0.0], 3, np.zeros(3),
          local=(2, thresholds, keys, local_done))
    assert np.array_equal(a, b) and np.array_equal(local_done, done)


def test_slmc_is_resumable_and_reproducible():
    spins, keys = _chains(8, 2)
    temperatures = np.array([2.3, 2.6])
    model, couplings = PlaquetteModel(), [1.2, -0.08, 0.01]
    a, b = spins.copy(), spins.copy()
    ca, sa = _slmc(a, keys, temperatures, model, couplings, 6, [3, 3])
    cb, sb = _slmc(b, keys, temperatures, model, couplings, 2, [3, 3])
    _slmc(b, keys, temperatures, model, couplings, 4, [3, 3], counters=cb, stats=sb)
    assert np.array_equal(a, b) and np.array_equal(ca, cb) and np.array_equal(sa, sb)
    assert (sa[:, 1] < sa[:, 0]).all() and (sa[:, 1] > 0).all()  # some rejected, some accepted


# ---------------------------------------------------------------- exactness on the 4×4 torus
LEVELS = np.array(EXACT["density_of_states"]["rows"])


def _joint_p_value(sums, temperature):
    return histogram_p_value(sums, LEVELS, temperature)


@pytest.mark.parametrize("temperature", [2.0, 2.493, 3.0])
def test_local_metropolis_samples_the_exact_4x4_distribution(temperature):
    """20 000 samples 10 sweeps apart (τ_int ≈ 1.5 sweeps): joint (E, |M|) histogram, chi-square p > 1e-3."""
    run = run_local(4, temperature, chains=8, thermalize=100, sweeps=25_000, seed=2026)
    assert _joint_p_value(run.sums[:, 9::10], temperature) > 1e-3


@pytest.mark.parametrize("temperature", [2.0, 2.493, 3.0])
@pytest.mark.parametrize("couplings", [[1.1], [0.8, 0.1, -0.05]], ids=["fit-like", "poor-3-shell"])
def test_slmc_samples_the_exact_4x4_distribution_whatever_the_effective_model(temperature, couplings):
    """The Metropolis–Hastings correction makes SLMC exact even for a poor effective model."""
    run = run_cluster(4, temperature, effective=EffectiveModel.exact(couplings), chains=8, thermalize=100,
                      sweeps=10_000, seed=2026)
    assert run.acceptance < 1
    assert _joint_p_value(run.sums[:, 3::4], temperature) > 1e-3


def test_hybrid_slmc_samples_the_exact_4x4_distribution():
    run = run_cluster(4, 2.493, effective=EffectiveModel.exact([1.1]), chains=8, thermalize=100, sweeps=10_000,
                      seed=2026, local_per_sweep=1)
    assert _joint_p_value(run.sums[:, 3::4], 2.493) > 1e-3


def test_a_forced_sweep_length_keeps_slmc_exact_and_the_default_unchanged():
    """``clusters_per_sweep`` fixes the proposals per sweep (bench/slmc.py scans it); None is the calibrated default."""
    kwargs = dict(effective=EffectiveModel.exact([1.1]), chains=8, thermalize=100, seed=2026, local_per_sweep=1)
    calibrated = run_cluster(4, 2.493, sweeps=200, **kwargs)
    np.testing.assert_array_equal(run_cluster(4, 2.493, sweeps=200, clusters_per_sweep=None, **kwargs).sums,
                                  calibrated.sums)
    forced = run_cluster(4, 2.493, sweeps=10_000, clusters_per_sweep=3, **kwargs)
    assert forced.clusters_per_sweep == 3 != calibrated.clusters_per_sweep
    assert _joint_p_value(forced.sums[:, 3::4], 2.493) > 1e-3
    with pytest.raises(ValueError, match="clusters_per_sweep"):
        run_cluster(4, 2.493, sweeps=10, clusters_per_sweep=0, **kwargs)
