"""Chain-block resampling: layout, the single-configuration limit, and coverage of correlated series."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from scipy.signal import lfilter

from rgml import blocking
from rgml.rng import Stream

PHI = 0.8  # AR(1): τ_int = ½ (1 + φ)/(1 − φ) = 4.5


def interleaved_ar1(chains: int, steps: int, name) -> np.ndarray:
    """``chains`` independent AR(1) chains stored as sample = step · chains + chain."""
    eps = Stream.named(5, "blocking", name).normal((chains, steps))
    x = lfilter([1.0], [1.0, -PHI], eps, axis=-1)
    return x.T.reshape(-1)


def test_block_labels_are_contiguous_runs_of_one_chain():
    labels = blocking.block_labels(24, chains=3, blocks=6)  # 8 steps per chain, 2 segments of 4 steps
    assert labels.tolist() == [0, 2, 4] * 4 + [1, 3, 5] * 4
    for unit in range(6):
        members = np.flatnonzero(labels == unit)
        assert len({m % 3 for m in members}) == 1  # one chain
        assert np.all(np.diff(members // 3) == 1)  # consecutive steps
    with pytest.raises(ValueError, match="fewer blocks"):
        blocking.block_labels(10, chains=2, blocks=40)
    with pytest.raises(ValueError, match="chains"):
        blocking.block_labels(10, chains=0)


def test_single_sample_units_draw_the_ordinary_bootstrap():
    """With one unit per sample the draws are exactly rgml's pre-block bootstrap (bitwise)."""
    n = 37
    idx = blocking.bootstrap_indices(blocking.sample_labels(n), Stream.named(5, "legacy"))
    assert np.array_equal(idx, (Stream.named(5, "legacy").bits(n) % np.uint64(n)).astype(np.int64))
    counts = blocking.bootstrap_counts(blocking.sample_labels(n), Stream.named(5, "legacy2"), (3, 2))
    picks = (Stream.named(5, "legacy2").bits((3, 2, n)) % np.uint64(n)).astype(np.int64)
    expected = np.array([[np.bincount(picks[r, t], minlength=n) for t in range(2)] for r in range(3)])
    assert np.array_equal(counts, expected) and counts.sum(axis=-1).tolist() == [[n, n]] * 3


def test_block_bootstrap_keeps_whole_units():
    labels = blocking.block_labels(40, chains=2, blocks=4)
    idx = blocking.bootstrap_indices(labels, Stream.named(5, "whole"))
    assert idx.size == 40 and set(np.bincount(labels[idx], minlength=4) % 10) == {0}
    counts = blocking.bootstrap_counts(labels, Stream.named(5, "whole"), (5,))
    for row in counts:  # every sample of a unit appears equally often
        assert all(np.unique(row[labels == u]).size == 1 for u in range(4))


def test_jackknife_over_units_of_the_mean_is_the_blocked_standard_error():
    x = interleaved_ar1(4, 500, "jack")
    labels = blocking.block_labels(x.size, chains=4, blocks=20)
    sums = blocking.unit_sums(labels, x)
    counts = np.bincount(labels)
    error = blocking.jackknife_error(blocking.leave_one_out(sums) / (x.size - counts))
    unit_means = sums / counts
    assert error == pytest.approx(unit_means.std(ddof=1) / math.sqrt(20), rel=1e-10)
    assert np.allclose(blocking.jackknife_covariance(np.stack([sums, 2 * sums], 1)),
                       np.array([[1, 2], [2, 4]]) * np.var(sums) * 19)


def test_block_bootstrap_errors_cover_the_batch_scatter_of_correlated_chains():
    """The coverage check of the issue on AR(1) chains (τ_int = 4.5): blocks pass, single samples fail."""
    chains, steps, batches = 4, 1000, 32
    means, single, block = [], [], []
    for k in range(batches):
        x = interleaved_ar1(chains, steps, f"batch{k}")
        means.append(x.mean())
        for labels, out in ((blocking.sample_labels(x.size), single),
                            (blocking.block_labels(x.size, chains=chains), block)):
            counts = blocking.bootstrap_counts(labels, Stream.named(5, "cover", k, len(out)), (100,))
            out.append(np.std(counts @ x / counts.sum(axis=-1), ddof=1))
    _, dof, p_block = blocking.batch_chi2(means, block)
    _, _, p_single = blocking.batch_chi2(means, single)
    assert dof == batches - 1
    assert p_block > 1e-3 and p_single < 1e-3


def test_chain_tau_recovers_the_ar1_time_of_interleaved_chains():
    x = interleaved_ar1(8, 4000, "tau")
    tau = blocking.chain_tau(np.stack([x, x[::-1].copy()])[None], chains=8, axis=-1)
    exact = 0.5 * (1 + PHI) / (1 - PHI)
    sigma = exact * math.sqrt(2 * (2 * 6 * exact + 1) / x.size)  # Sokal's variance of τ̂
    assert tau.shape == (1, 2) and abs(tau[0, 0] - exact) < 4 * sigma


def test_batch_chi2_of_known_numbers():
    values = np.array([[1.0, 0.0], [3.0, np.nan]])
    errors = np.array([[1.0, 1.0], [1.0, 1.0]])
    chi2, dof, p = blocking.batch_chi2(values, errors)  # the column with NaN is dropped
    assert (chi2, dof) == (2.0, 1) and p == pytest.approx(scipy.stats.chi2.sf(2.0, 1))
    with pytest.raises(ValueError, match="same shape"):
        blocking.batch_chi2(values, errors[:, :1])
    with pytest.raises(ValueError, match="at least one sample"):
        blocking.unit_sums(np.array([0, 2]), np.ones(2))
