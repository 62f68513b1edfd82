"""How much a given coarse-graining keeps: held-out I(H:E) of a fixed filter on samples.

Any block rule written as a filter P(h=+1|V) = σ(2 λ·V)
(:meth:`rgml.rg.rules.BlockRule.as_filter`) is evaluated with the same
variational estimator, critic and geometry as the RSMI fits, with the
filters held fixed and only the critic trained (Koch-Janusz & Ringel, Nat.
Phys. 14, 578 (2018): the information a block variable keeps about its
environment).  The bound is reported on held-out configurations, in nats.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rgml.params import default
from rgml.rg.rules import BlockFilter, BlockRule
from rgml.rng import Stream, as_stream
from rgml.rsmi.fit import FitConfig, FitResult, configurations, fit_with_stream
from rgml.rsmi.partition import Geometry
from rgml.streaming import ConfigurationSet


def as_filters(rule) -> np.ndarray:
    """``(1, *block_shape)`` filters from a :class:`BlockRule`, a :class:`BlockFilter` or an array."""
    if isinstance(rule, BlockRule):
        rule = rule.as_filter()
    if isinstance(rule, BlockFilter):
        rule = rule.weights
    filters = np.asarray(rule, np.float64)
    return filters[None] if filters.ndim in (1, 2) and filters.shape[0] != 1 else filters


def information_stream(seed: int | Stream, size: int, temperature: float | None) -> Stream:
    """The stream of an information estimate: keyed (seed, "compare-mi", L, T) — the same for every rule,
    so all rules see the same split, critic initialisation and minibatches."""
    return as_stream(seed, "compare-mi", size, *(() if temperature is None else (float(temperature),)))


def mutual_information(rule, samples, geometry: Geometry | None = None, *, seed: int | Stream,
                       temperature: float | None = None, config: FitConfig | None = None, **knobs) -> FitResult:
    """Held-out lower bound on I(H:E) kept by a fixed rule on configurations.

    Parameters
    ----------
    rule:
        A block rule, a :class:`BlockFilter`, or filters λ ``(b, b)`` / ``(1, b, b)``.
    samples:
        ±1 configurations ``(samples, L, L)``, or a sample set with one temperature selected.
    geometry:
        Partition; default: the rule's block, with the config's ``rsmi.buffer``
        and ``rsmi.environment`` (use ``Geometry(b, buffer, None)`` for "the
        environment is the rest of the lattice").
    seed:
        Root seed or stream (:func:`information_stream`).
    config, knobs:
        Estimator settings; the filters are always held fixed.

    Returns
    -------
    :class:`rgml.rsmi.FitResult` whose ``mi ± mi_err`` (nats) is the estimate.
    """
    filters = as_filters(rule)
    spins, temperature = configurations(samples, temperature)
    if geometry is None:
        geometry = Geometry(block=filters.shape[-1], buffer=default("rsmi.buffer"), env=default("rsmi.environment"),
                            dim=filters.ndim - 1)
    config = replace(config or FitConfig(), learn_filters=False, **knobs)
    size = spins.head(1).shape[-1] if isinstance(spins, ConfigurationSet) else spins.shape[-1]
    result = fit_with_stream(spins, geometry, information_stream(seed, size, temperature), config,
                             init_filters=filters)
    return replace(result, size=size, temperature=temperature)
