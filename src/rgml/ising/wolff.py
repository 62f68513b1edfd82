"""Wolff single-cluster updates for batches of 2D Ising tori.

U. Wolff, Phys. Rev. Lett. 62, 361 (1989): pick a random seed site, grow a
cluster by adding each aligned neighbour with probability
``p_add = 1 − exp(−2K)``, flip the whole cluster.  Near and below Tc the
clusters are of the size of the correlation volume, which removes most of
the critical slowing down that Metropolis suffers (τ_int of a few sweeps at
Tc instead of ~L^2.17).

Randomness is counter-based (:mod:`rgml.rng`): each chain consumes draws
``bits(key, counter), bits(key, counter + 1), …`` in the order the cluster is
grown (seed site first, then one draw per aligned neighbour examined), and
its counter is part of the chain state, so a chain is resumable and
reproducible bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.ising.lattice import bond_and_spin_sum
from rgml.rng import GAMMA, mix64, threshold32

_mix64 = numba.njit(cache=True)(mix64)
_ONE = np.uint64(1)
_SHIFT = np.uint64(32)


def add_thresholds(couplings) -> np.ndarray:
    """uint64 thresholds for the bond probability p_add = 1 − exp(−2K), per chain."""
    return threshold32(-np.expm1(-2.0 * np.asarray(couplings, dtype=np.float64)))


def neighbour_table(size: int) -> np.ndarray:
    """int64 ``(L², 4)``: right, left, down, up neighbours of each site of an L×L torus."""
    site = np.arange(size * size).reshape(size, size)
    return np.stack(
        [np.roll(site, -1, 1), np.roll(site, 1, 1), np.roll(site, -1, 0), np.roll(site, 1, 0)], axis=-1
    ).reshape(size * size, 4)


#: Draws are generated 128 at a time in a SIMD-friendly loop and consumed in
#: order; the numbers are exactly ``bits(key, counter) >> 32`` either way.
DRAW_BUFFER = 128


@numba.njit(cache=True)
def _refill(buffer, key, counter):
    for j in range(buffer.shape[0]):
        buffer[j] = _mix64(key + (counter + np.uint64(j) + _ONE) * GAMMA) >> _SHIFT


@numba.njit(cache=True)
def _grow_and_flip(flat, neighbours, seed_site, threshold, key, counter, stack, buffer, position):
    """Grow the cluster from ``seed_site``, flipping as it goes.

    One draw is consumed per aligned neighbour examined.  Returns
    ``(cluster size, counter, buffer position)``.
    """
    aligned = flat[seed_site]
    flat[seed_site] = -aligned
    stack[0] = seed_site
    top = 1
    cluster = 1
    while top > 0:
        top -= 1
        site = stack[top]
        for k in range(4):
            neighbour = neighbours[site, k]
            if flat[neighbour] == aligned:
                if position == buffer.shape[0]:
                    _refill(buffer, key, counter)
                    position = 0
                draw = buffer[position]
                position += 1
                counter += _ONE
                if draw < threshold:
                    flat[neighbour] = -aligned
                    stack[top] = neighbour
                    top += 1
                    cluster += 1
    return cluster, counter, position


@numba.njit(parallel=True, cache=True)
def wolff_sweeps(spins, neighbours, thresholds, keys, counters, n_sweeps, clusters_per_sweep,
                 flipped, bonds, spin_sums):
    """Do ``n_sweeps[c]`` Wolff sweeps of ``clusters_per_sweep[c]`` cluster flips in every chain.

    Parameters
    ----------
    spins:
        int8 ``(chains, L, L)``, updated in place; chains run in parallel.
    neighbours:
        ``neighbour_table(L)``.
    thresholds:
        uint64 ``(chains,)`` from :func:`add_thresholds`.
    keys:
        uint64 ``(chains,)`` stream keys.
    counters:
        uint64 ``(chains,)`` next stream position of each chain, advanced in place.
    n_sweeps, clusters_per_sweep:
        int64 ``(chains,)``.
    flipped:
        int64 ``(chains,)``: the number of spins flipped is added to it.
    bonds, spin_sums:
        int64 ``(chains, n)``; if n > 0, Σ s_i s_j and Σ s_i after sweep t are
        recorded in column t (pilot runs).
    """
    chains, size, _ = spins.shape
    n_sites = size * size
    flat_spins = spins.reshape(chains, n_sites)
    for c in numba.prange(chains):
        flat = flat_spins[c]
        stack = np.empty(n_sites, np.int64)
        buffer = np.empty(DRAW_BUFFER, np.uint64)
        position = DRAW_BUFFER
        key = keys[c]
        counter = counters[c]
        total = 0
        for t in range(n_sweeps[c]):
            for _ in range(clusters_per_sweep[c]):
                if position == DRAW_BUFFER:
                    _refill(buffer, key, counter)
                    position = 0
                seed_site = np.int64((buffer[position] * np.uint64(n_sites)) >> _SHIFT)
                position += 1
                counter += _ONE
                grown, counter, position = _grow_and_flip(
                    flat, neighbours, seed_site, thresholds[c], key, counter, stack, buffer, position
                )
                total += grown
            if t < bonds.shape[1]:
                bonds[c, t], spin_sums[c, t] = bond_and_spin_sum(spins[c])
        counters[c] = counter
        flipped[c] += total
