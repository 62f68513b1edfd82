"""Local Metropolis updates of the plaquette Ising model (the reference sampler of SLMC).

Flipping s_i changes the energy by

    ΔE = 2 s_i (J h_i + K q_i),

h_i the sum of the four nearest neighbours and q_i the sum, over the four
plaquettes containing i, of the product of their other three spins (Liu, Qi,
Meng & Fu, Phys. Rev. B 95, 041101(R) (2017)).  With a = s_i h_i and
b = s_i q_i, both in {−4, −2, 0, 2, 4}, ΔE takes 25 values, whose Metropolis
acceptance thresholds exp(−ΔE/T) are tabulated per chain (Metropolis et al.,
J. Chem. Phys. 21, 1087 (1953)).

Diagonal neighbours share a plaquette, so the two-colour checkerboard of
:mod:`rgml.ising.metropolis` does not decouple them: a *sweep* here visits the
four sublattices (y mod 2, x mod 2) = (0,0), (0,1), (1,0), (1,1) in turn.
Sites of one sublattice are two apart and share neither bonds nor plaquettes,
so they can be updated in any order or all at once — which is why the
vectorised reference (:func:`plaquette_metropolis_reference`) and the Numba
kernel (:func:`plaquette_metropolis_sweeps`) give the same spins bit for bit.
The draw of site ``i = y·L + x`` in sweep ``t`` is ``bits(key, t·L² + i)``,
as in the nearest-neighbour kernel.
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.backend import array_namespace
from rgml.rng import GAMMA, bits, mix64, threshold32
from rgml.slmc.plaquette import lattice_sums

_mix64 = numba.njit(cache=True)(mix64)
_ONE = np.uint64(1)
_SHIFT = np.uint64(32)
#: Threshold that no 32-bit draw reaches: the flip is always accepted (ΔE ≤ 0).
_ALWAYS = np.uint64(1) << np.uint64(33)
_LEVELS = np.arange(-4, 5, 2)


def plaquette_thresholds(temperatures, coupling: float, plaquette: float) -> np.ndarray:
    """uint64 ``(chains, 25)`` acceptance thresholds; entry 5·(a+4)/2 + (b+4)/2 is for ΔE = 2(J a + K b)."""
    beta = 1.0 / np.asarray(temperatures, dtype=np.float64).reshape(-1)
    delta = 2.0 * (coupling * _LEVELS[:, None] + plaquette * _LEVELS[None, :]).ravel()
    thresholds = threshold32(np.exp(-beta[:, None] * np.maximum(delta, 0.0)))
    return np.where(delta <= 0.0, _ALWAYS, thresholds).astype(np.uint64)


def _local_fields(s, xp):
    """(h, q) of every site of int32 ``(chains, L, L)`` spins."""
    left, right = xp.roll(s, 1, 2), xp.roll(s, -1, 2)
    up, down = xp.roll(s, 1, 1), xp.roll(s, -1, 1)
    up_left, up_right = xp.roll(up, 1, 2), xp.roll(up, -1, 2)
    down_left, down_right = xp.roll(down, 1, 2), xp.roll(down, -1, 2)
    h = left + right + up + down
    q = right * down * down_right + left * down * down_left + up * right * up_right + up * left * up_left
    return h, q


def plaquette_metropolis_reference(spins, thresholds, keys, sweeps_done, n_sweeps: int):
    """Vectorised four-sublattice Metropolis (NumPy or CuPy), the readable reference.

    Parameters
    ----------
    spins:
        int8 ``(chains, L, L)``, updated in place; L even.
    thresholds:
        uint64 ``(chains, 25)`` from :func:`plaquette_thresholds`.
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
    keys = xp.asarray(keys, dtype=xp.uint64)[:, None, None]
    thresholds = xp.asarray(thresholds, dtype=xp.uint64)
    chain_index = xp.arange(chains)[:, None, None]
    for t in range(n_sweeps):
        counters = (xp.asarray(sweeps_done, dtype=xp.uint64)[:, None, None] + np.uint64(t)) * n_sites + site
        draws = bits(keys, counters) >> _SHIFT
        for sub in range(4):
            s = spins.astype(xp.int32)
            h, q = _local_fields(s, xp)
            level = ((s * h + 4) // 2) * 5 + (s * q + 4) // 2
            flip = (draws < thresholds[chain_index, level]) & (yy % 2 == sub // 2) & (xx % 2 == sub % 2)
            spins[...] = xp.where(flip, -spins, spins)
    return spins


@numba.njit(cache=True)
def _pad(padded, row):
    """Copy ``row`` into ``padded[1:-1]`` with its periodic neighbours at both ends."""
    size = row.shape[0]
    padded[0] = row[size - 1]
    padded[size + 1] = row[0]
    padded[1 : size + 1] = row


@numba.njit(cache=True)
def metropolis_lattice(lattice, table, key, first_sweep, n_sweeps, above, middle, below):
    """``n_sweeps`` four-sublattice sweeps of one L×L lattice, sweep numbers from ``first_sweep``.

    ``table`` is one chain's row of :func:`plaquette_thresholds`; ``above``,
    ``middle``, ``below`` are int8 scratch rows of length L + 2.  Returns the
    number of accepted flips.  Each active row is walked branch-free (every
    site hashes its draw, only the active sublattice takes the result), as in
    the nearest-neighbour kernel.
    """
    size = lattice.shape[0]
    n_sites = np.uint64(size * size)
    flips = 0
    for t in range(n_sweeps):
        base = np.uint64(first_sweep + t) * n_sites
        for sub in range(4):
            parity = sub & 1
            for y in range(sub >> 1, size, 2):
                row = lattice[y]
                _pad(above, lattice[y - 1 if y > 0 else size - 1])
                _pad(middle, row)
                _pad(below, lattice[y + 1 if y < size - 1 else 0])
                first_counter = base + np.uint64(y * size)
                for x in range(size):
                    s = np.int32(middle[x + 1])
                    left = np.int32(middle[x])
                    right = np.int32(middle[x + 2])
                    up = np.int32(above[x + 1])
                    down = np.int32(below[x + 1])
                    h = left + right + up + down
                    q = (right * down * np.int32(below[x + 2]) + left * down * np.int32(below[x])
                         + up * right * np.int32(above[x + 2]) + up * left * np.int32(above[x]))
                    level = ((s * h + 4) >> 1) * 5 + ((s * q + 4) >> 1)
                    draw = _mix64(key + (first_counter + np.uint64(x) + _ONE) * GAMMA) >> _SHIFT
                    flip = (draw < table[level]) & ((x & 1) == parity)
                    row[x] = np.int8(s - 2 * s * flip)
                    flips += flip
    return flips


@numba.njit(parallel=True, cache=True)
def plaquette_metropolis_sweeps(spins, thresholds, keys, sweeps_done, n_sweeps, accepted, record):
    """Numba kernel: ``n_sweeps[c]`` four-sublattice sweeps of every chain ``c`` (chains in parallel).

    Same arguments as :func:`plaquette_metropolis_reference` except that
    ``n_sweeps`` is int64 ``(chains,)`` and ``sweeps_done`` is advanced in
    place.  ``accepted`` (int64 ``(chains,)``) gets the number of accepted
    flips added.  If ``record`` (int64 ``(chains, n, k)``, k = 3 or 5) has
    n > 0, the :data:`rgml.slmc.plaquette.SUMS` after sweep t go to
    ``record[c, t]``.
    """
    chains, size, _ = spins.shape
    for c in numba.prange(chains):
        lattice = spins[c]
        above = np.empty(size + 2, np.int8)
        middle = np.empty(size + 2, np.int8)
        below = np.empty(size + 2, np.int8)
        recorded = min(n_sweeps[c], record.shape[1])
        flips = 0
        for t in range(recorded):  # sweep by sweep while recording, then in one go
            flips += metropolis_lattice(lattice, thresholds[c], keys[c], sweeps_done[c] + t, 1, above, middle, below)
            lattice_sums(lattice, record[c, t])
        flips += metropolis_lattice(lattice, thresholds[c], keys[c], sweeps_done[c] + recorded,
                                    n_sweeps[c] - recorded, above, middle, below)
        accepted[c] += flips
        sweeps_done[c] += n_sweeps[c]
