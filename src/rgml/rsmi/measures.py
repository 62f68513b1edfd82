"""Shape measures of RSMI filters.

All functions take filters of shape ``(n_hidden, *block_shape)`` (1D blocks
``(n_hidden, b)``, 2D blocks ``(n_hidden, b, b)``) and return one value per
hidden unit.  They depend only on the filter's shape: ``λ → cλ`` (c > 0)
leaves them unchanged, and so does ``λ → −λ``, which only relabels h ↔ −h.
"""

from __future__ import annotations

import numpy as np

from rgml.backend import to_numpy


def _flat(filters) -> np.ndarray:
    filt = to_numpy(filters).astype(np.float64)
    if filt.ndim < 2:
        raise ValueError(f"filters must have shape (n_hidden, *block_shape), got {filt.shape}")
    return filt.reshape(filt.shape[0], -1)


def filter_uniformity(filters) -> np.ndarray:
    """|cos| of the angle between each filter and the uniform filter.

    ``|Σ_i λ_i| / (|λ| √n_V)``: 1 for the uniform (block-average) rule of
    Koch-Janusz & Ringel's 2D Ising result, ``1/√n_V`` for decimation.
    """
    flat = _flat(filters)
    return np.abs(flat.sum(axis=1)) / (np.linalg.norm(flat, axis=1) * np.sqrt(flat.shape[1]))


def boundary_mask(block_shape: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of the block's boundary sites (the outer ring; both ends in 1D)."""
    mask = np.zeros(block_shape, dtype=bool)
    for axis in range(len(block_shape)):
        index = [slice(None)] * len(block_shape)
        index[axis] = [0, block_shape[axis] - 1]
        mask[tuple(index)] = True
    return mask


def boundaryness(filters) -> np.ndarray:
    """Weight on the block boundary relative to the bulk.

    Defined as the mean |λ_i| over boundary sites (the outer ring of the
    block; the two end sites of a 1D block) divided by the mean |λ_i| over the
    interior sites.  The uniform filter has boundaryness 1; values above 1
    mean a boundary-weighted filter, the shape Gökmen et al. find for RSMI
    filters of larger blocks at criticality (PRE 104, 064106 (2021)),
    because boundary spins carry the information about the environment.
    Decimation onto a boundary spin gives ``inf``.

    Blocks with no interior (side ≤ 2) have every site on the boundary, and
    the measure is undefined: NaN.
    """
    filt = to_numpy(filters).astype(np.float64)
    mask = boundary_mask(filt.shape[1:]).ravel()
    weights = np.abs(_flat(filt))
    if mask.all():
        return np.full(weights.shape[0], np.nan)
    boundary = weights[:, mask].mean(axis=1)
    interior = weights[:, ~mask].mean(axis=1)
    out = np.full(weights.shape[0], np.inf)
    np.divide(boundary, interior, out=out, where=interior > 0)
    return out


def weight_share(filters) -> np.ndarray:
    """Share of the squared norm carried by the largest weight, ``max_i λ_i² / |λ|²``.

    1 for decimation (one site), ``1/n_V`` for the uniform filter.
    """
    flat = _flat(filters)
    squares = flat * flat
    return squares.max(axis=1) / squares.sum(axis=1)
