"""Block rules: the :class:`BlockRule` protocol every coarse-graining implements.

A block rule maps ±1 lattices ``(..., L, L)`` to ``(..., L/b, L/b)`` by
looking at each b×b block, drawing any randomness from a keyed stream.  The
fixed rules live here (:class:`Majority`, :class:`Decimation`); the learned
ones implement the same protocol in their own stages —
:class:`rgml.rbm.block.BlockRBMRule` (the likelihood-trained block RBM) and
:class:`rgml.rsmi.rule.RSMIRule` (the information-optimal filter) — so that
all of them define one RG transformation each, applied identically at every
temperature and level, whose fixed point, ν and retained information are
measured the same way (:mod:`rgml.rg.coarse`, :mod:`rgml.comparison`).

Every rule can also be written as a filter: P(h=+1|V) = σ(2 λ·V + c) over
the block V (:meth:`BlockRule.as_filter`), the form in which the mutual
information its block variable keeps about the environment is estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from rgml.rg.blocks import check_divisible, decimation, majority
from rgml.rng import Stream

#: |λ| at which a deterministic rule is written as a filter: σ(2·50) = 1 to double precision, so
#: sign(λ·V) with fair-coin ties.
DETERMINISTIC_NORM = 50.0


@dataclass(frozen=True)
class BlockFilter:
    """A block rule as a filter: P(h=+1|V) = σ(2 λ·V + bias).

    Attributes
    ----------
    weights:
        λ, shape ``(b, b)``.
    bias:
        Offset of the pre-activation (zero for spin-flip-symmetric rules).
    """

    weights: np.ndarray
    bias: float = 0.0


@runtime_checkable
class BlockRule(Protocol):
    """A b×b coarse-graining rule.

    Attributes
    ----------
    name:
        ``"majority"``, ``"decimation"``, ``"rbm"``, ``"rsmi"``, …
    b:
        Block side.
    """

    name: str
    b: int

    def coarse_grain(self, spins, stream: Stream):
        """±1 int8 ``(..., L, L)`` → ``(..., L/b, L/b)`` on the namespace of ``spins``."""
        ...

    def as_filter(self) -> BlockFilter:
        """The rule as a filter λ (b×b) with bias: P(h=+1|V) = σ(2 λ·V + bias)."""
        ...


@dataclass(frozen=True)
class Majority(BlockRule):
    """Sign of the block magnetization; a tied block (even b) takes a fair coin (Kadanoff)."""

    b: int = 2
    name: str = "majority"

    def coarse_grain(self, spins, stream: Stream):
        return majority(spins, self.b, stream)

    def as_filter(self) -> BlockFilter:
        return BlockFilter(np.full((self.b, self.b), DETERMINISTIC_NORM / self.b))


@dataclass(frozen=True)
class Decimation(BlockRule):
    """Keep the block's top-left spin (the stream is not used)."""

    b: int = 2
    name: str = "decimation"

    def coarse_grain(self, spins, stream: Stream):
        return decimation(spins, self.b, stream)

    def as_filter(self) -> BlockFilter:
        weights = np.zeros((self.b, self.b))
        weights[0, 0] = DETERMINISTIC_NORM
        return BlockFilter(weights)


FIXED_RULES = {"majority": Majority, "decimation": Decimation}
LEARNED_RULES = ("rbm", "rsmi")
RULES = (*FIXED_RULES, *LEARNED_RULES)


def fixed_rule(name: str, b: int) -> BlockRule:
    """The fixed rule ``name`` (majority or decimation) with block side ``b``."""
    if name not in FIXED_RULES:
        learned = f"; {name!r} is learned: pass its trained rule object" if name in LEARNED_RULES else ""
        raise ValueError(f"rule: unknown fixed block rule {name!r}{learned}; use one of {', '.join(FIXED_RULES)}")
    if b < 2:
        raise ValueError(f"b: the block size must be an integer >= 2, got {b}")
    return FIXED_RULES[name](b)


def check_rule(rule: BlockRule, size: int) -> None:
    """``rule`` can coarse-grain an L×L lattice of side ``size`` (L a multiple of b)."""
    if not isinstance(rule, BlockRule):
        raise TypeError(f"rule: expected a BlockRule (majority, decimation, rbm, rsmi), got {type(rule).__name__}")
    check_divisible(size, rule.b)
