"""Visible block, buffer and environment: the RSMI partition of a lattice.

Real-space mutual-information RG (Koch-Janusz & Ringel, Nat. Phys. 14, 578
(2018)) splits the lattice around a block into three parts:

* V, the *visible* block of ``L_V`` sites per side that is coarse-grained;
* B, a *buffer* of width ``L_B`` around it that is discarded, so that the
  short-range correlations across the block surface do not dominate
  (Lenggenhager et al., PRX 10, 011037 (2020));
* E, the *environment*: a shell of width ``L_E`` around the buffer whose
  information the coarse variable should keep.

Distances are Chebyshev (square shells).  Lattices are periodic, so a block
may sit anywhere and its neighbourhood wraps; the window
``L_V + 2 (L_B + L_E)`` must fit on the lattice without overlapping itself.
With ``env=None`` the environment is every site of the lattice outside the
block and its buffer — the convention of the exact references on small tori
(``mutual_information_exact.json``); its offsets then depend on the lattice
size.
Configurations are ``int8`` ±1 arrays of shape ``(samples, L, L)`` (2D torus)
or ``(samples, N)`` (1D ring).

Statistics must treat a configuration as the unit: all block positions taken
from one configuration are correlated, so the train / held-out split is by
configuration (:func:`split_configurations`) and error bars are computed per
configuration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from rgml.backend import array_namespace
from rgml.rng import Stream


@dataclass(frozen=True)
class Geometry:
    """Block, buffer and environment sizes of an RSMI partition.

    Parameters
    ----------
    block:
        Visible block side ``L_V`` (sites), ≥ 1.
    buffer:
        Buffer width ``L_B`` (sites) between block and environment, ≥ 0.
    env:
        Environment shell width ``L_E`` (sites), ≥ 1; ``None``: every site
        outside the block and the buffer (the rest of the lattice).
    dim:
        1 for rings, 2 for square tori.
    """

    block: int
    buffer: int = 0
    env: int | None = 1
    dim: int = 2

    def __post_init__(self):
        if self.dim not in (1, 2):
            raise ValueError(f"Geometry.dim must be 1 (ring) or 2 (torus), got {self.dim}")
        if self.block < 1:
            raise ValueError(f"Geometry.block (L_V) must be at least 1, got {self.block}")
        if self.buffer < 0:
            raise ValueError(f"Geometry.buffer (L_B) must be ≥ 0, got {self.buffer}")
        if self.env is not None and self.env < 1:
            raise ValueError(f"Geometry.env (L_E) must be at least 1 (or None: the rest of the lattice), got {self.env}")

    @property
    def window(self) -> int:
        """Side of the region V ∪ B ∪ E: the smallest lattice that holds it.

        With ``env=None`` the block, the buffer and at least one environment site.
        """
        if self.env is None:
            return self.block + 2 * self.buffer + 1
        return self.block + 2 * (self.buffer + self.env)

    @property
    def block_shape(self) -> tuple[int, ...]:
        """Shape of a filter over the block: ``(L_V,)`` or ``(L_V, L_V)``."""
        return (self.block,) * self.dim

    def visible_offsets(self) -> np.ndarray:
        """``(n_V, dim)`` site offsets of V from the block origin, C order."""
        return _cube(range(self.block), self.dim)

    def environment_offsets(self, size: int | None = None) -> np.ndarray:
        """``(n_E, dim)`` site offsets of the environment, C order.

        A site belongs to E when its Chebyshev distance from V lies in
        ``(L_B, L_B + L_E]``.  With ``env=None`` E is every site of the
        lattice of side ``size`` outside V and the buffer (offsets in
        ``[−L_B, size − L_B)``, which wrap onto distinct sites); ``size`` is
        then required.
        """
        if self.env is None:
            if size is None:
                raise ValueError("Geometry with env=None (the rest of the lattice) needs the lattice size")
            self.check_size(size)
            cube = _cube(range(-self.buffer, size - self.buffer), self.dim)
            return cube[_distance_to_block(cube, self.block) > self.buffer]
        reach = self.buffer + self.env
        cube = _cube(range(-reach, self.block + reach), self.dim)
        dist = _distance_to_block(cube, self.block)
        return cube[(dist > self.buffer) & (dist <= reach)]

    def check_size(self, size: int) -> None:
        """Raise if the window does not fit on a lattice of side ``size``."""
        if size < self.window:
            raise ValueError(
                f"lattice side {size} is smaller than the RSMI window "
                f"L_V + 2(L_B + L_E) = {self.window}; use a larger lattice or a smaller "
                f"block/buffer/env ({self})"
            )

    def as_attrs(self) -> dict:
        """Plain-dict form for store attributes: block, buffer, env, dim."""
        return asdict(self)


def _cube(values, dim: int) -> np.ndarray:
    grids = np.meshgrid(*([np.asarray(values)] * dim), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


def _distance_to_block(offsets: np.ndarray, block: int) -> np.ndarray:
    """Chebyshev distance of each offset from the block ``[0, block)^dim``."""
    below = np.maximum(-offsets, 0)
    above = np.maximum(offsets - (block - 1), 0)
    return np.max(np.maximum(below, above), axis=1)


def block_positions(size: int, geometry: Geometry, *, stride: int | None = None) -> np.ndarray:
    """Block origins on a regular grid of a periodic lattice.

    Parameters
    ----------
    size:
        Lattice side L (or ring length N).
    geometry:
        The partition; its window must fit (``size ≥ geometry.window``).
    stride:
        Grid spacing in sites; default ``geometry.block`` (non-overlapping
        tiling, the blocks :func:`rgml.rsmi.apply_filter` coarse-grains).
        ``stride=1`` takes every translation.

    Returns
    -------
    int64 array ``(n_positions, dim)``.
    """
    geometry.check_size(size)
    stride = geometry.block if stride is None else stride
    if stride < 1:
        raise ValueError(f"block stride must be at least 1, got {stride}")
    return _cube(range(0, size, stride), geometry.dim)


def site_indices(size: int, geometry: Geometry, positions) -> tuple[np.ndarray, np.ndarray]:
    """Flat site indices of V and E for each block position.

    Returns ``(visible, environment)`` int64 arrays of shapes
    ``(n_positions, n_V)`` and ``(n_positions, n_E)`` indexing a configuration
    flattened in C order (``y * L + x``), with periodic wrap.
    """
    geometry.check_size(size)
    positions = np.asarray(positions, dtype=np.int64).reshape(-1, geometry.dim)

    def flat(offsets):
        sites = (positions[:, None, :] + offsets[None, :, :]) % size
        index = sites[..., 0]
        for axis in range(1, geometry.dim):
            index = index * size + sites[..., axis]
        return index

    return flat(geometry.visible_offsets()), flat(geometry.environment_offsets(size))


def extract(spins, geometry: Geometry, positions):
    """Cut V and E out of every configuration at every block position.

    Parameters
    ----------
    spins:
        ±1 ``int8`` configurations ``(samples, L, L)`` or ``(samples, N)``
        (NumPy or CuPy).
    geometry:
        The partition.
    positions:
        ``(n_positions, dim)`` block origins, e.g. from :func:`block_positions`.

    Returns
    -------
    (visible, environment):
        ``int8`` arrays ``(samples, n_positions, n_V)`` and
        ``(samples, n_positions, n_E)`` on the namespace of ``spins``; sites in
        the C order of :meth:`Geometry.visible_offsets` and
        :meth:`Geometry.environment_offsets`.
    """
    xp = array_namespace(spins)
    if spins.ndim != geometry.dim + 1:
        raise ValueError(
            f"spins of shape {tuple(spins.shape)} do not match a {geometry.dim}D geometry; "
            f"expected (samples, {', '.join(['L'] * geometry.dim)})"
        )
    if geometry.dim == 2 and spins.shape[1] != spins.shape[2]:
        raise ValueError(f"2D configurations must be square tori, got shape {tuple(spins.shape)}")
    size = spins.shape[-1]
    vis, env = site_indices(size, geometry, positions)
    flat = spins.reshape(spins.shape[0], -1)
    # take, not flat[:, index]: fancy indexing after a slice returns a transposed, non-contiguous array that
    # every later reshape to rows copies again; take gathers straight into C order, ~4x faster (NumPy 2.x)
    return xp.take(flat, xp.asarray(vis), axis=1), xp.take(flat, xp.asarray(env), axis=1)


#: Fewest configurations a fit accepts: :func:`split_configurations`' 20 chunks of at least two each.
MIN_CONFIGURATIONS = 40


def row_bytes(size: int, geometry: Geometry, *, stride: int | None = None) -> int:
    """Memory one L×L configuration costs a fit: the lattice and its (V, E) windows, int8 (bytes)."""
    positions = len(block_positions(size, geometry, stride=stride))
    return size * size + positions * (len(geometry.visible_offsets()) + len(geometry.environment_offsets(size)))


def split_configurations(
    n_samples: int, stream: Stream, *, holdout: float = 0.2, n_chunks: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Split configuration indices into training and held-out sets.

    The ``n_samples`` configurations are cut into ``n_chunks`` contiguous
    chunks (in the order given, i.e. Monte Carlo time) and a random
    ``round(holdout * n_chunks)`` of the chunks are held out.  Contiguous chunks
    keep autocorrelated neighbours of a training configuration out of the
    held-out set except at chunk edges.

    Returns
    -------
    (train, heldout):
        Sorted int64 index arrays (host NumPy).
    """
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout fraction must lie in (0, 1), got {holdout}")
    if n_samples < n_chunks:
        raise ValueError(
            f"need at least n_chunks = {n_chunks} configurations to split, got {n_samples}; "
            "pass more samples or a smaller n_chunks"
        )
    n_held = min(max(int(round(holdout * n_chunks)), 1), n_chunks - 1)
    chunks = np.array_split(np.arange(n_samples, dtype=np.int64), n_chunks)
    order = np.asarray(stream.permutation(n_chunks))
    held = np.sort(np.concatenate([chunks[i] for i in order[:n_held]]))
    train = np.sort(np.concatenate([chunks[i] for i in order[n_held:]]))
    return train, held
