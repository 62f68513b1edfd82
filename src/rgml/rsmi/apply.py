"""Coarse-grain whole lattices with a learned RSMI filter.

The lattice is tiled by non-overlapping blocks of side ``b`` starting at the
origin (the blocks of :func:`rgml.rsmi.partition.block_positions` with its
default stride), and each block ``V`` is replaced by one ±1 spin drawn from
``P(h=+1|V) = σ(2 λ·V)`` — the RSMI rule used by the RG stage as rule
``rsmi``.  With ``deterministic=True`` the spin is ``sign(λ·V)`` with ties
broken by a fair coin, the ``|λ| → ∞`` limit.
"""

from __future__ import annotations

import numpy as np

from rgml.backend import array_namespace, to_numpy
from rgml.rng import Stream
from rgml.rsmi.coarse import unit_probabilities


def apply_filter(spins, filters, stream: Stream, *, deterministic: bool = False):
    """Block-spin configurations from a single-unit RSMI filter.

    Parameters
    ----------
    spins:
        ±1 ``int8`` lattices ``(..., L, L)`` for a 2D filter or rings
        ``(..., N)`` for a 1D one, any leading batch axes (NumPy or CuPy);
        L (N) must be a multiple of the block side b.
    filters:
        ``(1, b, b)`` or ``(1, b)``: one hidden unit, as in
        :attr:`rgml.rsmi.FitResult.filters`.
    stream:
        Source of the stochastic decisions (one uniform per block spin).
    deterministic:
        Use ``sign(λ·V)``, a fair coin on ties, instead of sampling.

    Returns
    -------
    ``int8`` ±1 array ``(..., L/b, L/b)`` or ``(..., N/b)`` on the namespace
    of ``spins``.
    """
    xp = array_namespace(spins)
    filt = to_numpy(filters).astype(np.float64)
    if filt.ndim not in (2, 3) or filt.shape[0] != 1 or len(set(filt.shape[1:])) != 1:
        raise ValueError(
            f"filters of shape {filt.shape} cannot coarse-grain: pass one hidden unit, (1, b, b) for "
            "tori or (1, b) for rings (e.g. result.filters[:1])"
        )
    dim, b = filt.ndim - 1, filt.shape[1]
    lattice = spins.shape[spins.ndim - dim :]
    if spins.ndim < dim or len(set(lattice)) != 1 or lattice[0] % b:
        raise ValueError(
            f"spins of shape {tuple(spins.shape)} do not end in a square lattice divisible by the block "
            f"side {b} of filters {filt.shape}"
        )
    batch, m = spins.shape[: spins.ndim - dim], lattice[0] // b
    if dim == 2:
        blocks = spins.reshape(*batch, m, b, m, b)
        blocks = xp.moveaxis(blocks, -3, -2).reshape(*batch, m, m, b * b)
    else:
        blocks = spins.reshape(*batch, m, b)
    weights = xp.asarray(filt.reshape(1, b**dim))
    a = blocks.astype(xp.float64) @ weights[0]
    p_up = unit_probabilities(a.reshape(-1, 1), weights, deterministic=deterministic).reshape(a.shape)
    u = stream.uniform(a.shape, xp)
    return xp.where(u < p_up, 1, -1).astype(xp.int8)
