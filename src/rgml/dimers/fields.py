"""The emergent electric field of the dimer Coulomb phase, and block rules built on it.

Lattice field
-------------
On the bipartite square lattice a close-packed dimer configuration defines a
divergence-free lattice vector field (Huse, Krauth, Moessner & Sondhi, PRL 91,
167004 (2003); Fradkin et al., PRB 69, 224415 (2004); Henley, "The Coulomb
phase", Annu. Rev. Condens. Matter Phys. 1, 179 (2010)):

    E_l = σ_l (n_l − 1/4),    σ_l = η(y, x) = (−1)^(x+y),

on the link ``l`` owned by site ``(y, x)`` (:mod:`rgml.dimers.lattice`),
pointing in +x or +y; ``σ`` orients links from sublattice A to B and the
1/4 is ``1/z`` for coordination z = 4.  Its lattice divergence at a site is
``η (n_site − 1)`` where ``n_site`` is the number of dimers touching it, so
div E = 0 is exactly the close-packing constraint.  E is the gradient of the
height field rotated by 90°; at long wavelengths its fluctuations are those of
a free Coulomb field with dipolar correlations, which is why the block field is
the expected relevant coarse variable (Gökmen et al., PRL 127, 240603 (2021)).

Block fields as filters
-----------------------
The block field of an ``ℓ × ℓ`` block of sites is the sum of E over the
``2 ℓ²`` links the block's sites own (their right and down links).  In the
±1 link variables ``s = 2n − 1`` that RSMI coarse-grains it is linear:

    E_k(block) = f_k · s + c_k,    f_k = ½ η on direction-k links, 0 elsewhere,

with ``c_k = ¼ Σ_block η``, zero for even ℓ.  The filters are returned in the
link layout ``(2, ℓ, ℓ)`` = (direction, y, x) of the block, with η taken
relative to the block origin: a block whose origin is on sublattice B has the
opposite sign, which a ±h coarse variable does not see.

Naive block rules
-----------------
With no Coulomb-phase knowledge one would count dimers by orientation
(Koch-Janusz & Ringel, Nat. Phys. 14, 578 (2018) ask whether RSMI beats such a
rule): the occupations ``N_h``, ``N_v`` of the block's horizontal and vertical
links, or their difference ``N_h − N_v`` whose sign is the block's majority
orientation.  Both are linear in ``s`` too (:func:`occupation_filters`,
:func:`orientation_filter`).
"""

from __future__ import annotations

import numpy as np

from rgml.dimers.lattice import check_dimers, staggered_sign
from rgml.rng import Stream, as_stream


def electric_field(dimers) -> np.ndarray:
    """Lattice electric field ``E = η (n − 1/4)``, float64 ``(..., 2, Ly, Lx)`` (module docstring)."""
    d = check_dimers(dimers)
    eta = staggered_sign(*d.shape[-2:])
    return eta * (d.astype(np.float64) - 0.25)


def divergence(field) -> np.ndarray:
    """Lattice divergence ``E_x(r) − E_x(r − x̂) + E_y(r) − E_y(r − ŷ)``, ``(..., Ly, Lx)``.

    Zero at every site exactly when the configuration is close-packed.
    """
    f = np.asarray(field, dtype=np.float64)
    e_x, e_y = f[..., 0, :, :], f[..., 1, :, :]
    return e_x - np.roll(e_x, 1, axis=-1) + e_y - np.roll(e_y, 1, axis=-2)


def _check_block(size: tuple[int, int], block: int) -> None:
    if block < 1 or size[0] % block or size[1] % block:
        raise ValueError(f"block: {block} must be ≥ 1 and divide the lattice sides {size}")


def _block_sums(values, block: int) -> np.ndarray:
    """Sums over non-overlapping ``block × block`` tiles of the last two axes."""
    v = np.asarray(values)
    ly, lx = v.shape[-2:]
    _check_block((ly, lx), block)
    tiles = v.reshape(*v.shape[:-2], ly // block, block, lx // block, block)
    return tiles.sum(axis=(-3, -1))


def block_fields(dimers, block: int) -> np.ndarray:
    """Block electric fields ``(E_x, E_y)`` of the tiling by ``block × block`` blocks.

    Returns float64 ``(..., 2, Ly/ℓ, Lx/ℓ)``: component k of block ``(i, j)``
    is the sum of E_k over the links owned by the sites
    ``[iℓ, (i+1)ℓ) × [jℓ, (j+1)ℓ)``.
    """
    return _block_sums(electric_field(dimers), block)


def field_filters(block: int) -> np.ndarray:
    """The block fields as linear filters on ±1 link variables: float64 ``(2, 2, ℓ, ℓ)``.

    ``filters[k]`` in the link layout ``(direction, y, x)`` of a block whose
    origin is on sublattice A: ``E_k(block) = filters[k] · s + ¼ Σ η``
    (module docstring; the constant vanishes for even ℓ).  These are the
    targets the learned RSMI filters are compared with.
    """
    eta = staggered_sign(block, block).astype(np.float64)
    filters = np.zeros((2, 2, block, block))
    filters[0, 0] = 0.5 * eta
    filters[1, 1] = 0.5 * eta
    return filters


def occupation_filters(block: int) -> np.ndarray:
    """Filters counting the block's horizontal and vertical dimers: float64 ``(2, 2, ℓ, ℓ)``.

    ``N_h = filters[0] · s + ℓ²/2`` and ``N_v = filters[1] · s + ℓ²/2``
    (½ on the links of one direction).
    """
    filters = np.zeros((2, 2, block, block))
    filters[0, 0] = 0.5
    filters[1, 1] = 0.5
    return filters


def orientation_filter(block: int) -> np.ndarray:
    """The majority-orientation filter: ``N_h − N_v = filter · s``, float64 ``(2, ℓ, ℓ)``."""
    occupation = occupation_filters(block)
    return occupation[0] - occupation[1]


def block_orientation(dimers, block: int) -> np.ndarray:
    """``N_h − N_v`` of each block of the tiling, int64 ``(..., Ly/ℓ, Lx/ℓ)``."""
    d = check_dimers(dimers).astype(np.int64)
    return _block_sums(d[..., 0, :, :] - d[..., 1, :, :], block)


def majority_orientation(dimers, block: int, *, seed: int | Stream) -> np.ndarray:
    """The naive block rule: +1 where a block holds more horizontal than vertical dimers.

    Returns int8 ``(..., Ly/ℓ, Lx/ℓ)`` of ±1; ties ``N_h = N_v`` are broken by
    a fair coin from the stream ``as_stream(seed, "dimers-majority", ℓ)``
    (the deterministic limit of the RSMI coarse variable breaks ties the same
    way, :mod:`rgml.rsmi.coarse`).
    """
    difference = block_orientation(dimers, block)
    coin = as_stream(seed, "dimers-majority", block).spins(difference.shape)
    return np.where(difference > 0, 1, np.where(difference < 0, -1, coin)).astype(np.int8)
