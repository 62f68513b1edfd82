"""How close a filter learned on the link lattice is to the emergent fields: span cosines and noise share.

Filters learned by RSMI on dimers are ``(n_hidden, 2ℓ, 2ℓ)`` images of the
link lattice (:mod:`rgml.dimers.linklattice`): ``2ℓ²`` link cells and
``2ℓ²`` filler cells (site and face).  Three numbers describe them.

Span cosine
    The relevant coarse variables of the Coulomb phase are the block electric
    fields (E_x, E_y) (Gökmen et al., PRL 127, 240603 (2021); PRE 104, 064106
    (2021)), linear filters over the block's links
    (:func:`rgml.dimers.field_filters`).  A learned component λ_j is judged by
    the cosine of its angle with the plane they span, *in link space* (the
    filler cells dropped):

        cos_j = |P λ_j| / |λ_j|,    P the orthogonal projector on span(E_x, E_y);

    1 for any combination a E_x + b E_y, the sign and the mixing being
    irrelevant (a rotation of the two hidden units is the same coarse
    variable).  The cosines of the principal angles between span(λ_1 … λ_n)
    and the target plane (Björck & Golub, Math. Comp. 27, 579 (1973): the
    singular values of Q_λᵀ Q_E) say whether the components *jointly* cover
    both field directions — two filters both along E_x have span cosines 1 but
    a smallest principal cosine 0.

Order cosine
    Below T_c the relevant variables are the columnar order parameters
    ``D_x ∝ Σ (−1)^x n_0``, ``D_y ∝ Σ (−1)^y n_1`` (Alet et al., PRL 94, 235702
    (2005)), as filters :func:`order_filters`; same measure.

Noise share
    ``|λ_j restricted to the filler cells| / |λ_j|`` (Euclidean norms, a
    fraction of the filter norm, *not* of its square).  When the fillers are
    independent random bits (``link_lattice(noise=...)``) an ideal filter puts
    no weight on them; a random filter has share ≈ 1/√2.  With constant
    fillers the filler weights are a bias, not noise.

Link-space and full-image cosines are related by ``cos_cells = cos_links ·
sqrt(1 − share²)``.  All measures are invariant under ``λ → cλ`` (c ≠ 0).
"""

from __future__ import annotations

import numpy as np

from rgml.backend import to_numpy
from rgml.dimers.linklattice import cells_to_links, filler_mask


def order_filters(block: int) -> np.ndarray:
    """The block columnar order ``(D_x, D_y)`` as linear filters on ±1 links: float64 ``(2, 2, ℓ, ℓ)``.

    ``Σ_block (−1)^x n_0 = filters[0] · s + ¼ Σ (−1)^x`` with ``s = 2n − 1``
    (½ (−1)^x on horizontal links; the constant vanishes for even ℓ), and
    likewise ``(−1)^y`` on vertical links; the phases are relative to the
    block origin.  In each of the four columnar crystals one of them is
    ±ℓ²/2 and the other 0, so the two signs of ``D_x ± D_y`` label the four
    crystals: two bits, I(H:E) → ln 4.
    """
    if block < 1:
        raise ValueError(f"block: must be ≥ 1, got {block}")
    alternating = 1.0 - 2.0 * (np.arange(block) % 2)
    filters = np.zeros((2, 2, block, block))
    filters[0, 0] = 0.5 * alternating[None, :]
    filters[1, 1] = 0.5 * alternating[:, None]
    return filters


def _link_rows(filters) -> np.ndarray:
    """Link parts of cell-image filters ``(n, 2ℓ, 2ℓ)`` as rows ``(n, 2ℓ²)``."""
    f = to_numpy(filters).astype(np.float64)
    if f.ndim != 3 or f.shape[1] != f.shape[2] or f.shape[1] % 2:
        raise ValueError(f"filters: expected (n_hidden, 2ℓ, 2ℓ) link-lattice images, got shape {f.shape}")
    return cells_to_links(f).reshape(f.shape[0], -1)


def _target_basis(targets, n_links: int) -> np.ndarray:
    """Orthonormal basis ``(2ℓ², k)`` of the span of link-layout targets ``(k, 2, ℓ, ℓ)``."""
    t = np.asarray(targets, dtype=np.float64)
    if t.ndim != 4 or t.shape[1] != 2 or t.shape[1] * t.shape[2] * t.shape[3] != n_links:
        raise ValueError(f"targets: expected (k, 2, ℓ, ℓ) link-layout filters matching the block, got {t.shape}")
    q, _ = np.linalg.qr(t.reshape(t.shape[0], -1).T)
    return q


def span_cosines(filters, targets) -> np.ndarray:
    """``|P λ_j| / |λ_j|`` in link space for each filter: float64 ``(n_hidden,)`` in [0, 1].

    Parameters
    ----------
    filters:
        ``(n_hidden, 2ℓ, 2ℓ)`` link-lattice images (e.g. ``FitResult.filters``).
    targets:
        ``(k, 2, ℓ, ℓ)`` link-layout filters spanning the target space, e.g.
        :func:`rgml.dimers.field_filters` or :func:`order_filters`.
    """
    rows = _link_rows(filters)
    basis = _target_basis(targets, rows.shape[1])
    norms = np.linalg.norm(rows, axis=1)
    if not np.all(norms > 0):
        raise ValueError("filters: a filter has no weight on the links; its span cosine is undefined")
    return np.linalg.norm(rows @ basis, axis=1) / norms


def principal_cosines(filters, targets) -> np.ndarray:
    """Cosines of the principal angles between span(filters) and span(targets), link space, descending.

    float64 ``(min(rank filters, k),)``; all 1 when the filters span exactly
    the target space.
    """
    rows = _link_rows(filters)
    basis = _target_basis(targets, rows.shape[1])
    u, singular, _ = np.linalg.svd(rows.T, full_matrices=False)
    own = u[:, singular > singular.max() * 1e-10]
    return np.clip(np.linalg.svd(own.T @ basis, compute_uv=False), 0.0, 1.0)


def span_projection(filters, targets) -> np.ndarray:
    """Each target projected onto span(filters), link layout ``(k, 2, ℓ, ℓ)``, unit norm.

    For figures: the learned pair's best approximation of E_x and E_y, drawn
    next to the exact patterns (a target orthogonal to every filter gives zeros).
    """
    rows = _link_rows(filters)
    t = np.asarray(targets, dtype=np.float64)
    _target_basis(t, rows.shape[1])  # checks the layout
    u, singular, _ = np.linalg.svd(rows.T, full_matrices=False)
    own = u[:, singular > singular.max() * 1e-10]
    flat = t.reshape(t.shape[0], -1)
    projected = (flat @ own) @ own.T
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    projected = np.divide(projected, norms, out=np.zeros_like(projected), where=norms > 0)
    return projected.reshape(t.shape)


def noise_share(filters) -> np.ndarray:
    """``|λ_j on filler cells| / |λ_j|`` for each filter: float64 ``(n_hidden,)`` in [0, 1]."""
    f = to_numpy(filters).astype(np.float64)
    if f.ndim != 3 or f.shape[1] != f.shape[2] or f.shape[1] % 2:
        raise ValueError(f"filters: expected (n_hidden, 2ℓ, 2ℓ) link-lattice images, got shape {f.shape}")
    mask = filler_mask(f.shape[1] // 2)
    total = np.linalg.norm(f.reshape(f.shape[0], -1), axis=1)
    if not np.all(total > 0):
        raise ValueError("filters: a filter is zero; its noise share is undefined")
    return np.linalg.norm(f[:, mask], axis=1) / total
