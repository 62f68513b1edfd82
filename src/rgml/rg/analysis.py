"""Flows, fixed points and ν of block rules from coarse-grained sample sets.

Input: RG datasets (:mod:`rgml.rg.coarse`) of one or more rules and lattice
sizes.  For each (rule, b):

* the flows T → T_eff by matching and projection, their fixed points T* and
  ν from the flow slopes, with bootstrap errors (:class:`rgml.rg.flow.FlowAnalysis`);
* Swendsen's Monte Carlo RG ν at the grid temperature nearest Tc for every
  level pair and number of even couplings (:func:`rgml.rg.mcrg.mcrg_nu`),
  from the extensive lattice sums S_α = N · (S_α/N) of the stored densities.

All draws come from the stream keyed (seed, "rg-bootstrap", rule, b).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from rgml.exact import TC
from rgml.params import default
from rgml.rg.flow import FlowAnalysis
from rgml.rg.mcrg import mcrg_nu
from rgml.rng import Stream, keyed

EXPONENT_COLUMNS = ["method", "rule", "L", "b", "level", "couplings", "nu", "nu_err", "T_fixed", "T_fixed_err",
                    "slope"]


def group_by_rule(datasets: Iterable[xr.Dataset]) -> dict[tuple[str, int], dict[int, xr.Dataset]]:
    """RG datasets as ``{(rule, b): {L: dataset}}``."""
    groups: dict[tuple[str, int], dict[int, xr.Dataset]] = defaultdict(dict)
    for ds in datasets:
        groups[ds.attrs["rule"], int(ds.attrs["b"])][int(ds.attrs["size"])] = ds
    return dict(groups)


def nearest_tc_index(temperatures: np.ndarray) -> int:
    """Index of the grid temperature nearest Tc."""
    return int(np.argmin(np.abs(np.asarray(temperatures) - TC)))


def mcrg_rows(rule: str, b: int, size: int, temperatures: np.ndarray, levels: list[np.ndarray], *,
              couplings: int, stream: Stream, n_boot: int, chains: int = 1) -> list[dict]:
    """MCRG ν at the temperature nearest Tc for every level pair (n, n+1) and 1…``couplings`` couplings.

    ``levels[n]``: densities ``(temperature, sample, interaction)`` of level n; ``chains``: interleaved
    Markov chains of the samples (the bootstrap's blocks, :func:`rgml.rg.mcrg.mcrg_nu`).  Any b: the
    level-n lattice has (L/bⁿ)² sites.
    """
    i = nearest_tc_index(temperatures)
    rows = []
    for n in range(len(levels) - 1):
        sites_n, sites_next = (size // b**n) ** 2, (size // b ** (n + 1)) ** 2
        for k in range(1, couplings + 1):
            est = mcrg_nu(levels[n][i] * sites_n, levels[n + 1][i] * sites_next, b, level=n, couplings=k,
                          stream=stream.child("mcrg", size, n, k), n_boot=n_boot, chains=chains)
            rows.append({"rule": rule, "method": "mcrg", "L": size, "b": b, "level": n, "couplings": k,
                         "nu": est.nu, "nu_err": est.nu_err, "T_fixed": np.nan, "T_fixed_err": np.nan,
                         "slope": est.eigenvalue, "T_samples": float(temperatures[i])})
    return rows


def analyse(datasets: Iterable[xr.Dataset], *, seed: int | Stream, n_boot: int = default("rg.bootstrap"),
            mcrg_couplings: int = default("rg.mcrg_couplings"), chains: int | dict[int, int] = 1,
            log=lambda message: None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flow table and the exponent table of every rule in ``datasets``.

    Any block size b: level n of L is matched against level n−1 of L/b (both
    must be present) and MCRG uses (L/bⁿ)² sites at level n.  ``chains``
    (one int or ``{L: chains}``) are the interleaved Markov chains of the
    samples, the bootstrap's block units (1: blocks of consecutive stored
    samples, which are contiguous in every chain too).

    Returns
    -------
    (flows, exponents):
        ``flows``: one row per (rule, method, L, b, level, T) with T_eff ± error;
        ``exponents``: fixed points and ν per (rule, method, L, level) and the
        MCRG ν per (rule, L, level pair, couplings) (:data:`EXPONENT_COLUMNS`).
    """
    flow_rows, exponent_rows = [], []
    for (rule, b), by_size in sorted(group_by_rule(datasets).items()):
        temperatures = {L: ds["temperature"].values for L, ds in by_size.items()}
        densities = {L: list(np.moveaxis(ds["densities"].values, 1, 0)) for L, ds in by_size.items()}
        stream = keyed(seed, "rg-bootstrap", rule, b)
        flows, fixed = FlowAnalysis(temperatures, densities, b, chains=chains).run(stream=stream.child("flow"),
                                                                                  n_boot=n_boot)
        flow_rows += [{"rule": rule, **r} for r in flows]
        exponent_rows += [{"rule": rule, "couplings": np.nan, **r} for r in fixed]
        for L, levels in densities.items():
            exponent_rows += mcrg_rows(rule, b, L, temperatures[L], levels, couplings=mcrg_couplings,
                                       stream=stream, n_boot=n_boot,
                                       chains=chains.get(L, 1) if isinstance(chains, dict) else chains)
        log(f"{rule} b={b}: flows for L = {sorted(by_size)}")
    exponents = pd.DataFrame(exponent_rows)
    exponents = exponents[[*EXPONENT_COLUMNS, *(["T_samples"] if "T_samples" in exponents else [])]]
    return pd.DataFrame(flow_rows), exponents


def typical_sample(magnetization: np.ndarray) -> int:
    """Index of the configuration whose |m| is the median of a set: a typical one."""
    abs_m = np.abs(magnetization)
    return int(np.argsort(abs_m)[abs_m.size // 2])


def snapshot_temperatures(temperatures: np.ndarray) -> list[int]:
    """Grid indices nearest 0.88 Tc, Tc and 1.15 Tc: below, at and above the transition."""
    return [int(np.argmin(np.abs(np.asarray(temperatures) - t))) for t in (0.88 * TC, TC, 1.15 * TC)]
