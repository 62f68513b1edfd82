"""Checkerboard Metropolis for batches of 2D Ising tori.

One *sweep* updates every site once: first the sites with (x + y) even, then
the odd ones.  Sites of one colour have no common bonds, so updating them in
any order, or all at once, gives the same result — which is what makes the
vectorised reference (:func:`metropolis_reference`), the Numba kernel
(:func:`metropolis_sweeps`) and the CUDA kernel (:mod:`rgml.ising.metropolis_cuda`)
produce the same spins bit for bit.

Randomness is counter-based (:mod:`rgml.rng`): the draw for site
``i = y·L + x`` in sweep ``t`` of chain ``c`` is ``bits(key[c], t·L² + i)``.
A flip with energy change ΔE = 2 s h > 0 (h the sum of the four neighbours)
is accepted iff ``bits >> 32 < threshold32(exp(-K ΔE))``; ΔE ≤ 0 always flips
(Metropolis et al., J. Chem. Phys. 21, 1087 (1953)).  Only ΔE ∈ {4, 8} need a
draw, so the kernels compute the hash lazily.
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.backend import array_namespace
from rgml.ising.lattice import bond_and_spin_sum
from rgml.rng import GAMMA, bits, mix64, threshold32

_ONE = np.uint64(1)
_SHIFT = np.uint64(32)


def acceptance_thresholds(couplings) -> np.ndarray:
    """``(chains, 2)`` uint64 thresholds for ΔE = 4 and ΔE = 8 at couplings K = 1/T."""
    k = np.asarray(couplings, dtype=np.float64)[:, None]
    return threshold32(np.exp(-k * np.array([4.0, 8.0])))


def metropolis_reference(spins, thresholds, keys, sweeps_done, n_sweeps: int):
    """Vectorised checkerboard Metropolis (NumPy or CuPy), the readable reference.

    Parameters
    ----------
    spins:
        int8 ``(chains, L, L)``, updated in place; L even.
    thresholds:
        uint64 ``(chains, 2)`` from :func:`acceptance_thresholds`.
    keys:
        uint64 ``(chains,)`` stream keys.
    sweeps_done:
        int64 ``(chains,)`` sweeps each chain has already done (counter offset).
    n_sweeps:
        Sweeps to do (the same for all chains here).
    """
    xp = array_namespace(spins)
    chains, size, _ = spins.shape
    n_sites = np.uint64(size * size)
    yy, xx = xp.meshgrid(xp.arange(size), xp.arange(size), indexing="ij")
    site = (yy * size + xx).astype(xp.uint64)
    colour = (yy + xx) % 2
    keys = xp.asarray(keys, dtype=xp.uint64)[:, None, None]
    thresholds = xp.asarray(thresholds, dtype=xp.uint64)
    chain_index = xp.arange(chains)[:, None, None]
    for t in range(n_sweeps):
        counters = (xp.asarray(sweeps_done, dtype=xp.uint64)[:, None, None] + np.uint64(t)) * n_sites + site
        draws = bits(keys, counters) >> _SHIFT
        for c in (0, 1):
            s = spins.astype(xp.int32)
            h = xp.roll(s, 1, 1) + xp.roll(s, -1, 1) + xp.roll(s, 1, 2) + xp.roll(s, -1, 2)
            sh = s * h
            level = xp.clip(sh // 2 - 1, 0, 1)
            accept = (sh <= 0) | (draws < thresholds[chain_index, level])
            flip = accept & (colour == c)
            spins[...] = xp.where(flip, -spins, spins)
    return spins


_mix64 = numba.njit(cache=True)(mix64)


#: Threshold that no 32-bit draw reaches: the flip is always accepted (ΔE ≤ 0).
_ALWAYS = np.uint64(1) << np.uint64(33)


@numba.njit(parallel=True, cache=True)
def metropolis_sweeps(spins, thresholds, keys, sweeps_done, n_sweeps, bonds, spin_sums):
    """Numba kernel: ``n_sweeps[c]`` checkerboard sweeps of every chain ``c``.

    Same arguments as :func:`metropolis_reference` except that ``n_sweeps``
    is an int64 array ``(chains,)`` (chains may advance by different amounts)
    and ``sweeps_done`` is advanced in place.  Chains run in parallel.
    If ``bonds`` and ``spin_sums`` (int64 ``(chains, n)``) have n > 0 columns,
    Σ s_i s_j and Σ s_i after sweep t are recorded in column t (pilot runs).

    Each half-sweep walks whole rows branch-free — every site gets its draw
    and only the sites of the active colour take the result — so LLVM turns
    the row loop into SIMD code; that is ~5x faster than visiting only the
    active sites with branches, and it keeps the counter-per-site definition.
    """
    chains, size, _ = spins.shape
    n_sites = np.uint64(size * size)
    for c in numba.prange(chains):
        key = keys[c]
        thr4 = thresholds[c, 0]
        thr8 = thresholds[c, 1]
        lattice = spins[c]
        row_copy = np.empty(size + 2, np.int8)  # the row with its periodic neighbours
        for t in range(n_sweeps[c]):
            base = np.uint64(sweeps_done[c] + t) * n_sites
            for colour in range(2):
                for y in range(size):
                    row = lattice[y]
                    above = lattice[y - 1 if y > 0 else size - 1]
                    below = lattice[y + 1 if y < size - 1 else 0]
                    row_copy[0] = row[size - 1]
                    row_copy[size + 1] = row[0]
                    row_copy[1 : size + 1] = row
                    first_counter = base + np.uint64(y * size)
                    parity = (y + colour) & 1
                    for x in range(size):
                        s = np.int32(row_copy[x + 1])
                        field = np.int32(row_copy[x]) + np.int32(row_copy[x + 2])
                        sh = s * (field + np.int32(above[x]) + np.int32(below[x]))
                        draw = _mix64(key + (first_counter + np.uint64(x) + _ONE) * GAMMA) >> _SHIFT
                        threshold = _ALWAYS if sh <= 0 else (thr4 if sh == 2 else thr8)
                        flip = (draw < threshold) & ((x & 1) == parity)
                        row[x] = np.int8(s - 2 * s * flip)
            if t < bonds.shape[1]:
                bonds[c, t], spin_sums[c, t] = bond_and_spin_sum(lattice)
        sweeps_done[c] += n_sweeps[c]
