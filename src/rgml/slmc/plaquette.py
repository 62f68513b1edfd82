"""The Ising model with a four-spin plaquette term, and the lattice tables its samplers use.

Hamiltonian (Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017))::

    H = −J Σ_<ij> s_i s_j − K Σ_□ s_i s_j s_k s_l

on an L×L torus: the first sum over the 2L² nearest-neighbour bonds (each once),
the second over all L² elementary plaquettes (the plaquette with top-left corner
(y, x) has corners (y, x), (y, x+1), (y+1, x), (y+1, x+1)).  Liu et al. study
J = 1, K = 0.2, both ferromagnetic, which has no known efficient cluster
algorithm.  K = 0 is the plain Ising model of :mod:`rgml.ising`.

The self-learning effective model of Liu et al. is written in the pair
sums of the first three neighbour shells::

    C_1 = Σ_i s_i (s_{i+x̂} + s_{i+ŷ})              nearest neighbours
    C_2 = Σ_i s_i (s_{i+x̂+ŷ} + s_{i−x̂+ŷ})          diagonal (next-nearest)
    C_3 = Σ_i s_i (s_{i+2x̂} + s_{i+2ŷ})            third neighbours

each with 2L² terms (on L = 4 every third-neighbour pair appears twice; the
cluster kernel's neighbour table repeats it consistently).  Energies and
magnetisations are per spin, as everywhere in rgml.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from rgml.params import default
from rgml.backend import array_namespace
from rgml.ising.lattice import bond_sum_2d
from rgml.ising.wolff import neighbour_table

#: Names of the effective model's neighbour shells, in column order.
SHELLS = ("nearest", "diagonal", "third")

#: Columns of a recorded sweep (:func:`lattice_sums`): C_1, P, M, then C_2, C_3 when asked.
SUMS = ("nn", "plaquette", "spin", "diagonal", "third")


@dataclass(frozen=True, kw_only=True)
class PlaquetteModel:
    """Couplings of H = −J Σ_<ij> s_i s_j − K Σ_□ s_i s_j s_k s_l (units of J, k_B = 1).

    The defaults are the example of Liu et al., Phys. Rev. B 95, 041101(R) (2017).
    """

    coupling: float = default("slmc.coupling_J")
    plaquette: float = default("slmc.plaquette_K")

    def __post_init__(self):
        for name in ("coupling", "plaquette"):
            value = getattr(self, name)
            if not np.isfinite(value):
                raise ValueError(f"{name}: must be a finite number, got {value!r}")

    def energy(self, spins):
        """Energy per spin of each torus in a batch ``(..., L, L)`` (float64, NumPy or CuPy)."""
        xp = array_namespace(spins)
        n = spins.shape[-1] * spins.shape[-2]
        total = self.coupling * bond_sum_2d(spins).astype(xp.float64)
        total = total + self.plaquette * plaquette_sum(spins).astype(xp.float64)
        return -total / n


def check_size(size: int, name: str = "size") -> int:
    """``size`` as an int; ValueError naming ``name`` unless even and ≥ 4 (four sublattices, three shells)."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 4 or size % 2:
        raise ValueError(f"{name}: the plaquette samplers need an even L >= 4, got {size!r}")
    return int(size)


def plaquette_sum(spins):
    """Σ_□ s_i s_j s_k s_l over the L² plaquettes of each torus in ``(..., L, L)`` (int64)."""
    xp = array_namespace(spins)
    s = spins.astype(xp.int32)
    right = xp.roll(s, -1, axis=-1)
    return (s * right * xp.roll(s, -1, axis=-2) * xp.roll(right, -1, axis=-2)).sum(axis=(-2, -1)).astype(xp.int64)


def pair_sums(spins):
    """(C_1, C_2, C_3) of each torus in ``(..., L, L)``: int64 array ``(..., 3)`` (see module docstring)."""
    xp = array_namespace(spins)
    s = spins.astype(xp.int32)
    down = xp.roll(s, -1, axis=-2)
    diagonal = s * (xp.roll(down, -1, axis=-1) + xp.roll(down, 1, axis=-1))
    third = s * (xp.roll(s, -2, axis=-1) + xp.roll(s, -2, axis=-2))
    return xp.stack(
        [bond_sum_2d(spins), diagonal.sum(axis=(-2, -1)).astype(xp.int64), third.sum(axis=(-2, -1)).astype(xp.int64)],
        axis=-1,
    )


def shell_table(size: int) -> np.ndarray:
    """int64 ``(L², 12)``: four neighbours of each site in each shell, shell by shell.

    Columns 0–3 are the nearest neighbours in the order of
    :func:`rgml.ising.wolff.neighbour_table` (right, left, down, up), 4–7 the
    diagonal ones (down-right, up-left, down-left, up-right), 8–11 the third
    ones (two right, two left, two down, two up).
    """
    size = check_size(size)
    site = np.arange(size * size).reshape(size, size)

    def shifted(dy, dx):
        return np.roll(site, (-dy, -dx), axis=(0, 1)).ravel()

    diagonal = [shifted(1, 1), shifted(-1, -1), shifted(1, -1), shifted(-1, 1)]
    third = [shifted(0, 2), shifted(0, -2), shifted(2, 0), shifted(-2, 0)]
    return np.concatenate([neighbour_table(size), np.stack(diagonal + third, axis=-1)], axis=1)


@numba.njit(cache=True)
def lattice_sums(lattice, out):
    """Write C_1, P, Σs (and C_2, C_3 if ``out`` has 5 entries) of one L×L torus into ``out`` (int64)."""
    size = lattice.shape[0]
    full = out.shape[0] > 3
    nn = 0
    plaq = 0
    total = 0
    diagonal = 0
    third = 0
    for y in range(size):
        row = lattice[y]
        below = lattice[(y + 1) % size]
        below2 = lattice[(y + 2) % size]
        for x in range(size):
            xr = (x + 1) % size
            s = np.int64(row[x])
            r = np.int64(row[xr])
            d = np.int64(below[x])
            dr = np.int64(below[xr])
            nn += s * (r + d)
            plaq += s * r * d * dr
            total += s
            if full:
                diagonal += s * (dr + below[x - 1 if x > 0 else size - 1])
                third += s * (row[(x + 2) % size] + below2[x])
    out[0] = nn
    out[1] = plaq
    out[2] = total
    if full:
        out[3] = diagonal
        out[4] = third


def energy_from_sums(sums: np.ndarray, model: PlaquetteModel, n_sites: int) -> np.ndarray:
    """Energy per spin from recorded :data:`SUMS` (last axis), −(J C_1 + K P)/N."""
    return -(model.coupling * sums[..., 0] + model.plaquette * sums[..., 1]) / n_sites
