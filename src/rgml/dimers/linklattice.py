"""Dimer configurations as ±1 images that the RSMI code coarse-grains unchanged.

Choice
------
:mod:`rgml.rsmi` cuts visible blocks and environments out of square ±1
lattices (:class:`rgml.rsmi.partition.Geometry`, one variable per site).  A
dimer configuration has two variables per site, so it is drawn on the
``2Ly × 2Lx`` *link lattice* of Koch-Janusz & Ringel (Nat. Phys. 14, 578
(2018); the ``loadNSplit_DimerandVBS`` layout of the RSMI-NE code of Gökmen et
al., PRL 127, 240603 (2021)): the unit cell of site ``(y, x)`` becomes the
2 × 2 cells

    (2y,   2x) site filler       (2y,   2x+1) horizontal link (y, x)–(y, x+1)
    (2y+1, 2x) vertical link     (2y+1, 2x+1) face filler
               (y, x)–(y+1, x)

holding ``s = 2n − 1`` on the links.  The filler cells hold a constant or,
as in the papers, independent random ±1 *noise* bits: a noise cell is
decoupled from the lattice, so a good filter puts no weight on it (the test
of issue acceptance 3), whereas a constant cell acts as a bias of the filter.

Why this rather than a two-channel ``Geometry``: the whole RSMI stage —
``extract``, ``fit`` with streamed ``ConfigurationSet`` (give it
``transform=link_lattice``), ``apply_filter``, the exact MI of
:mod:`rgml.rsmi.exact` — then works on dimers without a change, and a
filter is an image that can be drawn next to the electric-field pattern.  It
costs a factor two in visible variables, half of them fillers.

Geometry in cells
-----------------
Blocks, buffers and environments counted in *sites* of the dimer lattice are
``Geometry(2ℓ, 2L_B, 2L_E)`` on the link lattice (:func:`link_geometry`), and
block origins must be even cells (the default stride, the block size 2ℓ, is;
any even stride is).  Then a visible block is exactly the ``2ℓ²`` links owned
by the ``ℓ × ℓ`` sites of the block (plus ``2ℓ²`` fillers), and the
environment is exactly the links owned by the sites whose Chebyshev distance
from the block lies in ``(L_B, L_B + L_E]`` — per axis the cells of a unit
cell ``k`` sites away are ``2k − 1`` or ``2k`` cells away, so the shells map
one to one.  A side-L dimer torus holds a window of ``ℓ + 2(L_B + L_E)``
sites (the link lattice ``2L ≥ 2ℓ + 4(L_B + L_E)``).

Filters learned on a ``(2ℓ, 2ℓ)`` block convert to the link layout
``(2, ℓ, ℓ)`` of :mod:`rgml.dimers.fields` with :func:`cells_to_links`, and
back with :func:`links_to_cells`; :func:`filler_mask` selects the noise cells of a block,
:func:`environment_fillers` the filler cells of an environment.

Dimer configurations are not symmetric under ``s → −s`` (that would break
close packing): fit with ``flip_augment=False``.
"""

from __future__ import annotations

import numpy as np

from rgml.dimers.lattice import check_dimers
from rgml.rng import Stream, bits
from rgml.rsmi.partition import Geometry


def _interleave(horizontal, vertical, site, face) -> np.ndarray:
    """Cells ``(..., 2Ly, 2Lx)`` from four ``(..., Ly, Lx)`` arrays (broadcast), in the layout above."""
    shape = np.broadcast_shapes(horizontal.shape, vertical.shape, site.shape, face.shape)
    dtype = np.result_type(horizontal, vertical, site, face)
    cells = np.empty((*shape[:-2], 2 * shape[-2], 2 * shape[-1]), dtype)
    cells[..., 0::2, 0::2] = site
    cells[..., 0::2, 1::2] = horizontal
    cells[..., 1::2, 0::2] = vertical
    cells[..., 1::2, 1::2] = face
    return cells


def link_lattice(dimers, *, filler: int = 1, noise: Stream | None = None, first_sample: int = 0) -> np.ndarray:
    """Draw configurations on the link lattice: int8 ±1 ``(samples, 2Ly, 2Lx)``.

    Parameters
    ----------
    dimers:
        int8 link occupations ``(samples, 2, Ly, Lx)``.
    filler:
        Value (+1 or −1) of the site and face cells when ``noise`` is None.
    noise:
        If given, every filler cell of sample ``i`` is a fair ±1 bit, a pure
        function of the stream key, ``first_sample + i`` and the cell
        (``bits(key, (first_sample + i) · 4 Ly Lx + cell)``), so a sample gets
        the same noise however the set is cut into groups.
    first_sample:
        Index of ``dimers[0]`` in the whole sample set (for ``noise``).
    """
    d = check_dimers(dimers)
    if d.ndim != 4:
        raise ValueError(f"dimers: expected (samples, 2, Ly, Lx), got shape {d.shape}")
    s = (2 * d - 1).astype(np.int8)
    n, _, ly, lx = d.shape
    if noise is None:
        if filler not in (1, -1):
            raise ValueError(f"filler: expected +1 or −1, got {filler}")
        fill = np.full((1, ly, lx), filler, np.int8)
        return _interleave(s[:, 0], s[:, 1], fill, fill)
    n_cells = 4 * ly * lx
    counters = (np.arange(first_sample, first_sample + n, dtype=np.uint64)[:, None] * np.uint64(n_cells)
                + np.arange(n_cells, dtype=np.uint64)[None, :])
    coin = ((bits(noise.key, counters) >> np.uint64(63)).astype(np.int8) * 2 - 1).reshape(n, 2 * ly, 2 * lx)
    return _interleave(s[:, 0], s[:, 1], coin[:, 0::2, 0::2], coin[:, 1::2, 1::2])


def link_geometry(block: int, buffer: int = 0, env: int = 1) -> Geometry:
    """The RSMI partition on the link lattice for a block, buffer and environment counted in sites."""
    return Geometry(block=2 * block, buffer=2 * buffer, env=2 * env, dim=2)


def link_ids(ly: int, lx: int | None = None) -> np.ndarray:
    """Link lattice of link indices: int64 ``(2Ly, 2Lx)``, ``k·Ly·Lx + y·Lx + x`` on links, −1 on fillers.

    Cut it with :func:`rgml.rsmi.partition.extract` to see which links a
    geometry puts in V and E (indices into ``dimers.reshape(-1)`` per sample).
    """
    lx = ly if lx is None else lx
    index = np.arange(2 * ly * lx, dtype=np.int64).reshape(2, ly, lx)
    filler = np.full((ly, lx), -1, np.int64)
    return _interleave(index[0], index[1], filler, filler)


def cells_to_links(cells) -> np.ndarray:
    """Link entries of block images ``(..., 2ℓ, 2ℓ)`` in the link layout ``(..., 2, ℓ, ℓ)``."""
    c = np.asarray(cells)
    if c.shape[-1] % 2 or c.shape[-2] % 2:
        raise ValueError(f"cells: block images must have even sides, got shape {c.shape}")
    return np.stack([c[..., 0::2, 1::2], c[..., 1::2, 0::2]], axis=-3)


def links_to_cells(links, *, filler: float = 0.0) -> np.ndarray:
    """Block images ``(..., 2ℓ, 2ℓ)`` of link-layout arrays ``(..., 2, ℓ, ℓ)``, ``filler`` on the other cells.

    E.g. ``links_to_cells(field_filters(8))`` are the electric-field filters
    as (2, 16, 16) images comparable with filters learned on the link lattice.
    """
    l_ = np.asarray(links)
    if l_.ndim < 3 or l_.shape[-3] != 2:
        raise ValueError(f"links: expected shape (..., 2, ℓ, ℓ), got {l_.shape}")
    fill = np.full(l_.shape[-2:], filler, dtype=np.result_type(l_, type(filler)))
    return _interleave(l_[..., 0, :, :], l_[..., 1, :, :], fill, fill)


def environment_fillers(geometry: Geometry) -> np.ndarray:
    """bool ``(n_E,)``: True on the site and face cells among the environment offsets of a link geometry.

    Block origins are even cells (module docstring), so a cell's kind follows from the parity of its
    offset: fillers have dy + dx even (site: both even, face: both odd), links odd.
    """
    return geometry.environment_offsets().sum(axis=1) % 2 == 0


def filler_mask(block: int) -> np.ndarray:
    """bool ``(2ℓ, 2ℓ)``: True on the site and face cells of a block image (noise or constant)."""
    mask = np.zeros((2 * block, 2 * block), bool)
    mask[0::2, 0::2] = True
    mask[1::2, 1::2] = True
    return mask
