"""Which block rules are the same map?  Filter cosines and map distances between rules.

Every rule is a filter P(h=+1|V) = σ(2 λ·V + c) on its b×b block
(:meth:`rgml.rg.rules.BlockRule.as_filter`).  Two rules can be compared

* by **shape**: the cosine between their λ (1 for parallel filters,
  whatever their norms);
* as **maps**: the mean |P_a(h=+1|V) − P_b(h=+1|V)| over blocks V — the
  total-variation distance between the two rules' block spins, i.e. the
  smallest fraction of block spins on which the two can differ under any
  coupling of their coins.  It sees what the cosine cannot: the norm (how
  noisy the rule is) and the blocks on which λ·V is nearly tied.  The blocks
  are the b×b blocks of given configurations (e.g. the samples at Tc, the
  ones that matter for the RG), or all 2^{b²} blocks with equal weight.

Filters are compared *oriented* (:func:`oriented`): λ and −λ (with the bias)
give the same block spins up to the global flip h → −h, a symmetry of the
zero-field Ising model that a learned rule picks by chance (the RSMI fit has
no preferred sign), so each filter is taken with Σλ ≥ 0.

Rules at the same b whose cosine is at least :data:`SAME_COSINE` have the
same *shape* (``same_shape_as``: they differ at most in how noisy they are
and in how near-ties are decided); if moreover their map distance is at most
:data:`SAME_DISTANCE` they are one *map* (``same_map_as``).  The comparison
counts such rules once (DESIGN.md §8) and names, for each rule, the first
rule (in the order given) that it duplicates.  The thresholds are
conventions, stated in the table; the cosine and the distance are the
measurements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rgml.backend import to_numpy
from rgml.columns import Columns
from rgml.rg.rules import BlockRule

#: Filters at least this parallel (cosine) have the same shape ...
SAME_COSINE = 0.98
#: ... and, if their block spins differ on at most this fraction of blocks, are one map.
SAME_DISTANCE = 0.01

#: Blocks of at most this many sites are enumerated when no configurations are given.
ENUMERATE_MAX_SITES = 16


@dataclass(frozen=True)
class RuleSimilarity(Columns):
    """One row per ordered pair of rules at one b: shape cosine, map distance and the verdict."""

    b: np.ndarray
    rule: np.ndarray
    other: np.ndarray
    cosine: np.ndarray
    map_distance: np.ndarray
    same_shape: np.ndarray
    same_map: np.ndarray

    DIM = "pair"
    KEYS = ("b", "rule", "other")
    META = {
        "b": ("1", "block size"), "rule": ("1", "block rule"), "other": ("1", "the rule compared with"),
        "cosine": ("1", "cosine between the two filters lambda, each oriented to sum(lambda) >= 0"),
        "map_distance": ("1", "mean |P_rule(h=+1|V) - P_other(h=+1|V)| over blocks V"),
        "same_shape": ("1", f"cosine >= {SAME_COSINE:g}"),
        "same_map": ("1", f"cosine >= {SAME_COSINE:g} and map_distance <= {SAME_DISTANCE:g}"),
    }

    def same_map_as(self) -> dict[tuple[str, int], str]:
        """``{(rule, b): first earlier rule that is the same map, or ""}`` in the order the rules were given."""
        return self._first_match(self.same_map)

    def same_shape_as(self) -> dict[tuple[str, int], str]:
        """``{(rule, b): first earlier rule with the same filter shape, or ""}``."""
        return self._first_match(self.same_shape)

    def _first_match(self, flags: np.ndarray) -> dict[tuple[str, int], str]:
        out: dict[tuple[str, int], str] = {}
        for b in dict.fromkeys(self.b.tolist()):
            rows = self.b == b
            order = list(dict.fromkeys(self.rule[rows].tolist()))
            for i, name in enumerate(order):
                match = [other for other in order[:i]
                         if np.any(rows & (self.rule == name) & (self.other == other) & flags)]
                out[name, int(b)] = match[0] if match else ""
        return out


def block_configurations(b: int, spins=None, *, max_blocks: int = 200_000) -> np.ndarray:
    """Blocks V as ±1 rows ``(n, b²)``: all b×b blocks of ``spins (samples, L, L)`` (at most ``max_blocks``,
    the first ones in sample order), or every one of the 2^{b²} blocks when ``spins`` is None."""
    if spins is None:
        if b * b > ENUMERATE_MAX_SITES:
            raise ValueError(f"b={b}: 2^{b * b} blocks are too many to enumerate; pass spins to sample blocks")
        codes = np.arange(2 ** (b * b))[:, None] >> np.arange(b * b)[None, :]
        return (2 * (codes & 1) - 1).astype(np.float64)
    lattices = to_numpy(spins)
    n, size = lattices.shape[0], lattices.shape[-1]
    if size % b:
        raise ValueError(f"spins: lattice size {size} is not a multiple of b={b}")
    m = size // b
    blocks = lattices.reshape(n, m, b, m, b).transpose(0, 1, 3, 2, 4).reshape(-1, b * b)
    return blocks[:max_blocks].astype(np.float64)


def oriented(rule: BlockRule) -> tuple[np.ndarray, float]:
    """The rule's filter λ (flattened) and bias, signs flipped if Σλ < 0 (h → −h relabels the block spin)."""
    f = rule.as_filter()
    weights = np.asarray(f.weights, np.float64).ravel()
    sign = -1.0 if weights.sum() < 0 else 1.0
    return sign * weights, sign * float(f.bias)


def up_probability(rule: BlockRule, blocks: np.ndarray) -> np.ndarray:
    """P(h=+1|V) = σ(2 λ·V + c) of the :func:`oriented` rule for blocks ``(n, b²)`` (overflow-free)."""
    weights, bias = oriented(rule)
    x = 2.0 * blocks @ weights + bias
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rule_similarity(rules: Sequence[BlockRule], spins=None, *, max_blocks: int = 200_000) -> RuleSimilarity:
    """Cosines and map distances between every ordered pair of ``rules`` of the same b.

    Parameters
    ----------
    rules:
        Block rules (any mix of b; only rules of equal b are compared), in
        the order in which ``same_map_as`` prefers them.
    spins:
        Configurations whose blocks weight the map distance, ``{b: array}`` or
        one array ``(samples, L, L)`` used for every b it divides; None:
        all 2^{b²} blocks equally (b ≤ 4).
    max_blocks:
        At most this many blocks per b.
    """
    names = [(r.name, r.b) for r in rules]
    if len(set(names)) != len(names):
        raise ValueError(f"rules: names must be unique per b, got {names}")
    rows = []
    for b in dict.fromkeys(r.b for r in rules):
        group = [r for r in rules if r.b == b]
        source = spins.get(b) if isinstance(spins, dict) else spins
        if source is not None and to_numpy(source).shape[-1] % b:
            source = None
        blocks = block_configurations(b, source, max_blocks=max_blocks)
        probs = {r.name: up_probability(r, blocks) for r in group}
        flats = {r.name: oriented(r)[0] for r in group}
        for r in group:
            for other in group:
                if other is r:
                    continue
                u, v = flats[r.name], flats[other.name]
                cosine = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
                distance = float(np.mean(np.abs(probs[r.name] - probs[other.name])))
                rows.append({"b": b, "rule": r.name, "other": other.name, "cosine": cosine,
                             "map_distance": distance, "same_shape": bool(cosine >= SAME_COSINE),
                             "same_map": bool(cosine >= SAME_COSINE and distance <= SAME_DISTANCE)})
    return RuleSimilarity.from_rows(rows)
