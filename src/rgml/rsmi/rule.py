"""The RSMI filter as an RG block rule (rule ``rsmi``).

A single-unit filter λ learned on b×b blocks (:func:`rgml.rsmi.fit`, usually
with its norm annealed up to a nearly deterministic rule) replaces each block
V by one ±1 spin drawn from P(h=+1|V) = σ(2 λ·V) (:func:`rgml.rsmi.apply_filter`).
It implements :class:`rgml.rg.rules.BlockRule`, so the RG stage treats it
exactly as majority rule (Koch-Janusz & Ringel, Nat. Phys. 14, 578 (2018)).

:class:`FilterRule` is the same map with its norm |λ| chosen: any b×b filter
direction (uniform, or a learned one) rescaled to a Euclidean norm |λ|, down
to a noisy rule (small |λ|) or up to the deterministic limit |λ| = ∞,
h = sign(λ·V) with a fair coin on ties.  The norm sets how much of the block
the coarse spin keeps, so rules of one direction and several norms test
whether keeping more information about the environment makes a better RG
transformation (:mod:`rgml.norm_scan`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

import math

from rgml.rg.rules import DETERMINISTIC_NORM, BlockFilter, BlockRule
from rgml.rng import Stream
from rgml.rsmi.apply import apply_filter
from rgml.rsmi.fit import FitResult


@dataclass(frozen=True)
class RSMIRule(BlockRule):
    """A learned b×b filter applied block by block: the RG rule ``rsmi``.

    Attributes
    ----------
    filters:
        ``(n_hidden, b, b)``; the first hidden unit is the rule.
    """

    filters: np.ndarray
    name: str = "rsmi"

    def __post_init__(self):
        filters = np.asarray(self.filters, np.float64)
        if filters.ndim != 3 or filters.shape[1] != filters.shape[2]:
            raise ValueError(f"RSMIRule: filters must be (n_hidden, b, b), got shape {filters.shape}")
        object.__setattr__(self, "filters", filters)

    @property
    def b(self) -> int:
        return int(self.filters.shape[-1])

    def coarse_grain(self, spins, stream: Stream):
        return apply_filter(spins, self.filters[:1], stream)

    def as_filter(self) -> BlockFilter:
        return BlockFilter(self.filters[0].copy())

    @classmethod
    def from_fit(cls, fit: FitResult) -> "RSMIRule":
        """The rule of a 2D fit with square blocks."""
        return cls(fit.filters)

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "RSMIRule":
        """The rule of an RSMI fit dataset (:data:`rgml.rsmi.fit.RSMI_FIT`)."""
        return cls(np.asarray(ds["lambda"].values, np.float64))


def norm_label(norm: float) -> str:
    """How a filter norm appears in rule names: ``0.25``, ``2``, ``inf``."""
    return "inf" if math.isinf(norm) else f"{norm:g}"


@dataclass(frozen=True)
class FilterRule(BlockRule):
    """A b×b filter direction at a chosen norm |λ|, applied block by block: P(h=+1|V) = σ(2 λ·V).

    Attributes
    ----------
    direction:
        ``(b, b)`` filter shape, stored with unit Euclidean norm (any
        non-zero array is accepted and normalised).
    norm:
        Euclidean norm |λ| of the rule's filter λ = norm · direction, > 0;
        ``math.inf`` is the deterministic limit sign(λ·V), a fair coin on ties
        (:func:`rgml.rsmi.apply_filter` with ``deterministic=True``).
    name:
        Rule name; it keys the coarse-graining stream
        (:func:`rgml.rg.coarse.rg_stream` keys by name and b), so every
        (family, norm, b) must have its own — the constructors make
        ``"<family>_norm<|λ|>"``.

    Notes
    -----
    The uniform direction at ``norm = inf`` is majority rule (Kadanoff); for
    odd b no block is tied, so it equals :class:`rgml.rg.Majority` exactly.
    """

    direction: np.ndarray
    norm: float
    name: str

    def __post_init__(self):
        direction = np.asarray(self.direction, np.float64)
        if direction.ndim == 3 and direction.shape[0] == 1:
            direction = direction[0]
        if direction.ndim != 2 or direction.shape[0] != direction.shape[1] or direction.shape[0] < 2:
            raise ValueError(f"FilterRule: direction must be a (b, b) filter with b >= 2, got shape {direction.shape}")
        length = float(np.linalg.norm(direction))
        if not np.isfinite(length) or length == 0.0:
            raise ValueError("FilterRule: direction must be a finite, non-zero filter")
        if not float(self.norm) > 0:
            raise ValueError(f"FilterRule: norm |lambda| must be > 0 (math.inf for the deterministic limit), "
                             f"got {self.norm}")
        object.__setattr__(self, "direction", direction / length)
        object.__setattr__(self, "norm", float(self.norm))

    @classmethod
    def uniform(cls, b: int, norm: float, *, name: str | None = None) -> "FilterRule":
        """All b² weights equal, Euclidean norm ``norm`` (``inf``: majority rule with coin ties)."""
        if int(b) < 2:
            raise ValueError(f"b: the block size must be an integer >= 2, got {b}")
        return cls(np.ones((int(b), int(b))), norm, name or f"uniform_norm{norm_label(norm)}")

    @classmethod
    def rescaled(cls, weights, norm: float, *, family: str = "rsmi", name: str | None = None) -> "FilterRule":
        """A learned filter ``(b, b)`` or ``(1, b, b)`` (e.g. ``fit.filters[:1]``) rescaled to norm ``norm``."""
        return cls(weights, norm, name or f"{family}_norm{norm_label(norm)}")

    @property
    def b(self) -> int:
        return int(self.direction.shape[-1])

    @property
    def deterministic(self) -> bool:
        """Whether the rule is the |λ| → ∞ limit sign(λ·V)."""
        return math.isinf(self.norm)

    @property
    def weights(self) -> np.ndarray:
        """λ ``(b, b)``; in the deterministic limit the direction at :data:`DETERMINISTIC_NORM`."""
        return self.direction * (DETERMINISTIC_NORM if self.deterministic else self.norm)

    def coarse_grain(self, spins, stream: Stream):
        return apply_filter(spins, self.weights[None], stream, deterministic=self.deterministic)

    def as_filter(self) -> BlockFilter:
        return BlockFilter(self.weights.copy())
