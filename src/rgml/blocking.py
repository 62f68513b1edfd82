"""Error bars that survive correlated samples: chain blocks, block resampling, τ of stored series.

The sampler stores ``chains`` independent Markov chains interleaved,
sample = step · chains + chain (:mod:`rgml.ising.sampler`).  Consecutive
steps of one chain are correlated (thinning at 2 τ_int leaves a lag-one
correlation of about e^{−2}, and a badly thinned run far more), so a
resampling over single configurations underestimates errors by
sqrt(2 τ_int).  Here the resampling *unit* is a whole contiguous block of
steps of one chain: each chain is cut into ``blocks // chains`` segments of
(nearly) equal length, and the units are the (chain, segment) pairs.  Units
much longer than τ_int are nearly independent, so

* the block bootstrap (non-overlapping blocks: Carlstein, Ann. Stat. 14, 1171
  (1986); Künsch, Ann. Stat. 17, 1217 (1989)) draws units with replacement;
* the block jackknife leaves one unit out (Efron, *The Jackknife, the
  Bootstrap and Other Resampling Plans*, SIAM 1982; for Monte Carlo data
  e.g. Berg, *Markov Chain Monte Carlo Simulations*, World Scientific 2004);

and both give errors that hold for correlated series.  With one unit per
sample (:func:`sample_labels`) the bootstrap is the ordinary single-sample
one, drawn exactly as rgml did before blocks (same bits, same numbers).

:func:`chain_tau` measures τ_int of stored series chain by chain (e.g. the
block-level interaction densities used by matching and MCRG) and
:func:`batch_chi2` checks that quoted errors cover the scatter of
independent batches (DESIGN.md §8).
"""

from __future__ import annotations

import math

import numpy as np

from rgml.rng import Stream
from rgml.stats import chi2_pvalue, integrated_time

#: Default number of resampling units (chain blocks) per series.
BLOCKS = 40


def block_labels(n_samples: int, *, chains: int = 1, blocks: int = BLOCKS) -> np.ndarray:
    """Resampling unit of every stored sample: contiguous blocks of steps within each chain.

    Parameters
    ----------
    n_samples : int
        Stored samples, ordered sample = step · chains + chain.
    chains : int, keyword-only
        Number of interleaved chains.  Any value gives units that are
        contiguous within every chain (a run of consecutive stored samples
        is a run of consecutive steps of all chains); the right value makes
        units of one chain each, twice as long for the same count.
    blocks : int, keyword-only
        Wanted number of units; each chain gets ``max(1, blocks // chains)``
        segments, so there are ``chains · max(1, blocks // chains)`` units.

    Returns
    -------
    int64 array ``(n_samples,)`` of labels ``chain · segments + segment``.
    """
    if chains < 1:
        raise ValueError(f"chains: must be at least 1, got {chains}")
    if blocks < 2:
        raise ValueError(f"blocks: need at least 2 resampling units, got {blocks}")
    segments = max(1, blocks // chains)
    steps = -(-n_samples // chains)
    if steps < segments or chains * segments < 2:
        raise ValueError(f"blocks: {n_samples} samples in {chains} chains cannot be cut into "
                         f"{chains * segments} blocks; use fewer blocks (at most {max(steps, 1) * chains})")
    index = np.arange(n_samples)
    return (index % chains) * segments + (index // chains) * segments // steps


def sample_labels(n_samples: int) -> np.ndarray:
    """One unit per sample: the ordinary (single-configuration) bootstrap / jackknife."""
    return np.arange(n_samples)


def n_units(labels: np.ndarray) -> int:
    """Number of resampling units (labels are 0 … U−1)."""
    return int(labels.max()) + 1


def bootstrap_counts(labels: np.ndarray, stream: Stream, shape: tuple[int, ...] = ()) -> np.ndarray:
    """How often each sample appears in independent block-bootstrap resamples.

    For every index of ``shape`` (e.g. ``(replicas, temperatures)``) U units
    are drawn with replacement (U = number of units) and every sample
    inherits the count of its unit.  A resampled mean is
    ``(counts · x).sum(-1) / counts.sum(-1)``.

    Returns
    -------
    float64 array ``(*shape, n_samples)``; the stream advances by prod(shape) · U.
    """
    units = n_units(labels)
    size = int(np.prod(shape, dtype=np.int64))
    picks = (stream.bits((*shape, units)) % np.uint64(units)).astype(np.int64).reshape(size, units)
    offsets = np.arange(size)[:, None] * units
    unit_counts = np.bincount((picks + offsets).ravel(), minlength=size * units).reshape(size, units)
    return unit_counts[:, labels].astype(np.float64).reshape(*shape, labels.size)


def bootstrap_indices(labels: np.ndarray, stream: Stream) -> np.ndarray:
    """Sample indices of one block-bootstrap resample (the members of U units drawn with replacement).

    With :func:`sample_labels` this is ``stream.bits(n) % n``, the ordinary bootstrap.
    """
    units = n_units(labels)
    picks = (stream.bits(units) % np.uint64(units)).astype(np.int64)
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(units + 1))
    return np.concatenate([order[starts[u]:starts[u + 1]] for u in picks])


def unit_sums(labels: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sums of ``values (n_samples, ...)`` over the samples of each unit: ``(U, ...)``."""
    units = n_units(labels)
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(units))
    if np.any(np.diff(np.append(starts, labels.size)) == 0):
        raise ValueError("labels: every unit 0 … U−1 must hold at least one sample")
    return np.add.reduceat(np.asarray(values)[order], starts, axis=0)


def leave_one_out(sums: np.ndarray) -> np.ndarray:
    """Jackknife replicas of unit sums ``(U, ...)``: the total without unit i, ``(U, ...)``."""
    return sums.sum(axis=0, keepdims=True) - sums


def jackknife_error(replicas: np.ndarray, *, axis: int = 0) -> np.ndarray:
    """Jackknife standard error from leave-one-unit-out estimates along ``axis``.

    error = sqrt((U − 1)/U · Σ_i (θ_i − θ̄)²); NaN where any replica is NaN
    (an estimate that fails on a subsample has no trustworthy error).
    """
    replicas = np.asarray(replicas, dtype=np.float64)
    units = replicas.shape[axis]
    dev = replicas - replicas.mean(axis=axis, keepdims=True)
    return np.sqrt((units - 1) / units * (dev**2).sum(axis=axis))


def jackknife_covariance(replicas: np.ndarray) -> np.ndarray:
    """Jackknife covariance of the columns of ``replicas (U, p)``: ``(p, p)``."""
    replicas = np.asarray(replicas, dtype=np.float64)
    units = replicas.shape[0]
    dev = replicas - replicas.mean(axis=0)
    return (units - 1) / units * dev.T @ dev


def chain_tau(series: np.ndarray, *, chains: int, axis: int = -1) -> np.ndarray:
    """τ_int along each chain's stored sequence, for every series of a stack.

    Parameters
    ----------
    series : array_like
        Stored values with samples (sample = step · chains + chain) along ``axis``,
        e.g. densities ``(temperature, level, sample, interaction)`` with ``axis=2``.
    chains : int, keyword-only
        Number of interleaved chains.

    Returns
    -------
    τ_int (Sokal's window, ½ for independent samples) in stored samples, one per
    series: the input shape without ``axis``.
    """
    x = np.moveaxis(np.asarray(series, dtype=np.float64), axis, -1)
    n = x.shape[-1] - x.shape[-1] % chains
    if n // chains < 2:
        raise ValueError(f"chains: {x.shape[-1]} samples in {chains} chains leave fewer than 2 steps per chain")
    steps = x[..., :n].reshape(*x.shape[:-1], n // chains, chains)
    out = np.empty(x.shape[:-1])
    for index in np.ndindex(*x.shape[:-1]):
        out[index] = integrated_time(steps[index].T)
    return out


def batch_chi2(values, errors, *, axis: int = 0) -> tuple[float, int, float]:
    """Do quoted errors cover the scatter of independent batches?  χ², degrees of freedom, p-value.

    For every quantity (every index of the other axes) the batches' values
    x_b ± σ_b are compared with their inverse-variance weighted mean:
    χ² = Σ_b (x_b − x̄)² / σ_b² with (batches − 1) degrees of freedom, summed
    over quantities.  Quantities with a non-finite value or error in any
    batch are left out.  p is the upper tail of the χ² distribution: a small
    p says the errors are too small for the scatter.
    """
    x = np.moveaxis(np.asarray(values, dtype=np.float64), axis, 0)
    s = np.moveaxis(np.asarray(errors, dtype=np.float64), axis, 0)
    if x.shape != s.shape or x.shape[0] < 2:
        raise ValueError(f"values and errors must have the same shape with >= 2 batches along axis {axis}, "
                         f"got {x.shape} and {s.shape}")
    x, s = x.reshape(x.shape[0], -1), s.reshape(s.shape[0], -1)
    ok = np.all(np.isfinite(x) & np.isfinite(s) & (s > 0), axis=0)
    if not ok.any():
        return math.nan, 0, math.nan
    x, w = x[:, ok], 1.0 / s[:, ok] ** 2
    mean = (w * x).sum(axis=0) / w.sum(axis=0)
    chi2 = float((w * (x - mean) ** 2).sum())
    dof = int(ok.sum()) * (x.shape[0] - 1)
    return chi2, dof, chi2_pvalue(chi2, dof)
