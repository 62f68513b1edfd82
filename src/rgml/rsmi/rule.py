"""The RSMI filter as an RG block rule (rule ``rsmi``).

A single-unit filter λ learned on b×b blocks (:func:`rgml.rsmi.fit`, usually
with its norm annealed up to a nearly deterministic rule) replaces each block
V by one ±1 spin drawn from P(h=+1|V) = σ(2 λ·V) (:func:`rgml.rsmi.apply_filter`).
It implements :class:`rgml.rg.rules.BlockRule`, so the RG stage treats it
exactly as majority rule (Koch-Janusz & Ringel, Nat. Phys. 14, 578 (2018)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.rg.rules import BlockFilter, BlockRule
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
