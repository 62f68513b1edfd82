"""Block-spin rules on batches of configurations (Kadanoff; seed paper §IV, Fig. 3).

A rule maps ``(..., L, L)`` ±1 int8 lattices to ``(..., L/b, L/b)`` by
looking at each b×b block:

* ``majority`` — the sign of the block's magnetization; for even b a tied
  block takes a fair coin from the keyed stream;
* ``decimation`` — the block's top-left spin.

In 1D, :func:`decimate_ring` keeps every b-th spin of ``(..., N)`` rings.
All functions work on NumPy or CuPy arrays.
"""

from __future__ import annotations

from rgml.backend import array_namespace
from rgml.rng import Stream

#: Coarse-graining stops before a lattice gets smaller than this many sites across.
MIN_SITES_ACROSS = 4


def check_divisible(size: int, b: int, *, what: str = "lattice size") -> int:
    """``size // b``, or a ValueError that says which sizes work."""
    if b < 2:
        raise ValueError(f"block size b must be an integer >= 2, got {b}")
    if size % b:
        raise ValueError(f"{what} {size} is not divisible by the block size b={b}; use a size that is a multiple of {b}")
    return size // b


def block_sums(spins, b: int):
    """Sum of the spins in each b×b block: ``(..., L/b, L/b)`` int16."""
    xp = array_namespace(spins)
    size = spins.shape[-1]
    n = check_divisible(size, b)
    blocks = spins.astype(xp.int16).reshape(*spins.shape[:-2], n, b, n, b)
    return blocks.sum(axis=(-3, -1))


def majority(spins, b: int, stream: Stream):
    """Majority rule; ties (even b) broken by a fair coin per tied block."""
    xp = array_namespace(spins)
    total = block_sums(spins, b)
    coarse = xp.sign(total).astype(xp.int8)
    if b % 2 == 0:
        coins = stream.spins(coarse.shape, xp)
        coarse = xp.where(total == 0, coins, coarse)
    return coarse


def decimation(spins, b: int, stream: Stream | None = None):
    """Keep the top-left spin of every b×b block (the stream is not used)."""
    check_divisible(spins.shape[-1], b)
    return spins[..., ::b, ::b].copy()


def decimate_ring(spins, b: int):
    """Keep every b-th spin of periodic rings ``(..., N)``: exact 1D decimation."""
    check_divisible(spins.shape[-1], b, what="ring size")
    return spins[..., ::b].copy()


def n_levels(size: int, b: int) -> int:
    """How many times a lattice of ``size`` can be coarse-grained by b while ≥ 4 sites across."""
    levels = 0
    while size % b == 0 and size // b >= MIN_SITES_ACROSS:
        size //= b
        levels += 1
    return levels
