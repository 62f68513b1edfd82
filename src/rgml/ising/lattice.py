"""Observables of periodic Ising configurations (any batch shape, NumPy or CuPy).

Hamiltonian H = −Σ_<ij> s_i s_j over nearest-neighbour bonds, each counted
once (J = 1).  Energies and magnetizations are per spin; the magnetization
is signed (|m| is derived by the caller).
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.backend import array_namespace


def bond_sum_2d(spins):
    """Σ_<ij> s_i s_j of each L×L torus in a batch ``(..., L, L)`` (int64)."""
    xp = array_namespace(spins)
    s = spins.astype(xp.int32)
    right = (s * xp.roll(s, -1, axis=-1)).sum(axis=(-2, -1))
    down = (s * xp.roll(s, -1, axis=-2)).sum(axis=(-2, -1))
    return (right + down).astype(xp.int64)


def energy_2d(spins):
    """Energy per spin −(1/N) Σ_<ij> s_i s_j of each torus in ``(..., L, L)`` (float64)."""
    xp = array_namespace(spins)
    n = spins.shape[-1] * spins.shape[-2]
    return -bond_sum_2d(spins).astype(xp.float64) / n


def energy_1d(spins):
    """Energy per spin −(1/N) Σ_i s_i s_{i+1} of each ring in ``(..., N)`` (float64)."""
    xp = array_namespace(spins)
    s = spins.astype(xp.int32)
    return -(s * xp.roll(s, -1, axis=-1)).sum(axis=-1).astype(xp.float64) / spins.shape[-1]


def magnetization(spins, *, ndim: int = 2):
    """Signed magnetization per spin over the last ``ndim`` axes (float64)."""
    xp = array_namespace(spins)
    axes = tuple(range(-ndim, 0))
    return spins.astype(xp.float64).mean(axis=axes)


@numba.njit(cache=True)
def bond_and_spin_sum(lattice):
    """(Σ_<ij> s_i s_j, Σ_i s_i) of one L×L torus, for the kernels' pilot recording."""
    size = lattice.shape[0]
    bonds = 0
    total = 0
    for y in range(size):
        below = lattice[y + 1 if y < size - 1 else 0]
        row = lattice[y]
        for x in range(size):
            s = np.int64(row[x])
            bonds += s * (row[x + 1 if x < size - 1 else 0] + below[x])
            total += s
    return bonds, total
