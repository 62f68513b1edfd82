"""The sampling kernels: bitwise agreement of implementations, resumability."""

import numpy as np
import pytest

from rgml.ising.metropolis import acceptance_thresholds, metropolis_reference, metropolis_sweeps
from rgml.ising.wolff import add_thresholds, neighbour_table, wolff_sweeps
from rgml.rng import Stream, stream_key

NO_RECORD = np.zeros((0, 0), np.int64)


def _chains(size, temperatures, seed=11):
    n = len(temperatures)
    spins = Stream.named(seed, "kernel-test", size).spins((n, size, size))
    keys = np.array([stream_key(seed, "k", i) for i in range(n)], np.uint64)
    return spins, keys, 1.0 / np.asarray(temperatures)


@pytest.mark.parametrize("size", [4, 6, 16])
def test_numba_metropolis_equals_vectorised_reference(size):
    temperatures = [0.8, 1.5, 2.269185, 3.0, 10.0]
    spins, keys, k = _chains(size, temperatures)
    thresholds = acceptance_thresholds(k)
    ref = spins.copy()
    metropolis_reference(ref, thresholds, keys, np.full(len(k), 3, np.int64), 9)
    fast = spins.copy()
    done = np.full(len(k), 3, np.int64)
    metropolis_sweeps(fast, thresholds, keys, done, np.full(len(k), 9, np.int64), NO_RECORD, NO_RECORD)
    assert np.array_equal(ref, fast)
    assert (done == 12).all()


def test_metropolis_in_pieces_equals_one_call():
    spins, keys, k = _chains(8, [2.0, 2.5])
    thresholds = acceptance_thresholds(k)
    a, b = spins.copy(), spins.copy()
    done_a, done_b = np.zeros(2, np.int64), np.zeros(2, np.int64)
    metropolis_sweeps(a, thresholds, keys, done_a, np.array([10, 10]), NO_RECORD, NO_RECORD)
    for n in (3, 7):
        metropolis_sweeps(b, thresholds, keys, done_b, np.array([n, n]), NO_RECORD, NO_RECORD)
    assert np.array_equal(a, b) and np.array_equal(done_a, done_b)


def test_metropolis_records_energy_and_magnetization():
    spins, keys, k = _chains(8, [2.0, 3.0])
    bonds = np.zeros((2, 5), np.int64)
    sums = np.zeros((2, 5), np.int64)
    copy = spins.copy()
    metropolis_sweeps(spins, acceptance_thresholds(k), keys, np.zeros(2, np.int64), np.array([5, 5]), bonds, sums)
    # the last column describes the final state
    s = spins.astype(np.int64)
    expected = (s * np.roll(s, -1, 1) + s * np.roll(s, -1, 2)).sum(axis=(1, 2))
    assert np.array_equal(bonds[:, -1], expected)
    assert np.array_equal(sums[:, -1], s.sum(axis=(1, 2)))
    assert not np.array_equal(copy, spins)


def test_wolff_is_resumable_from_its_counters():
    spins, keys, k = _chains(8, [1.8, 2.269185, 3.0])
    nb = neighbour_table(8)
    thr = add_thresholds(k)
    cps = np.array([1, 2, 5])
    a, b = spins.copy(), spins.copy()
    ca, cb = np.zeros(3, np.uint64), np.zeros(3, np.uint64)
    fa, fb = np.zeros(3, np.int64), np.zeros(3, np.int64)
    wolff_sweeps(a, nb, thr, keys, ca, np.array([6, 6, 6]), cps, fa, NO_RECORD, NO_RECORD)
    for n in (2, 4):
        wolff_sweeps(b, nb, thr, keys, cb, np.array([n, n, n]), cps, fb, NO_RECORD, NO_RECORD)
    assert np.array_equal(a, b) and np.array_equal(ca, cb) and np.array_equal(fa, fb)
    assert (fa > 0).all()


def test_neighbour_table_is_periodic():
    nb = neighbour_table(4)
    # site (y=0, x=3): right neighbour wraps to x=0, up neighbour wraps to y=3
    assert nb[3].tolist() == [0, 2, 7, 15]
