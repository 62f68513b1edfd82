"""Flows, fixed points and ν of block rules from coarse-grained sample sets.

Input: RG datasets (:mod:`rgml.rg.coarse`) of one or more rules and lattice
sizes.  For each (rule, b):

* the flows T → T_eff by matching and projection, with each matched
  correlation's temperature and their spread, the fixed points T* and ν from
  the flow slopes, and T*(level) extrapolated to level → ∞
  (:class:`rgml.rg.flow.FlowAnalysis`);
* Swendsen's Monte Carlo RG at the grid temperature nearest Tc for every
  level pair and number of couplings (:mod:`rgml.rg.mcrg`): the thermal
  eigenvalue (y_T = 1/ν) from the even interactions and the magnetic one
  (y_h, exact 15/8) from the odd ones, from the extensive lattice sums
  S_α = N · (S_α/N) of the stored densities.

Errors resample whole blocks of each Markov chain (:mod:`rgml.blocking`), so
they hold for correlated samples.  All draws come from the stream keyed
(seed, "rg-bootstrap", rule, b).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.exact import TC
from rgml.params import default
from rgml.rg.flow import FlowAnalysis
from rgml.rg.mcrg import mcrg_nu, mcrg_yh
from rgml.rng import Stream, keyed

EXPONENT_COLUMNS = ["method", "rule", "L", "b", "level", "couplings", "nu", "nu_err", "T_fixed", "T_fixed_err",
                    "T_fixed_z", "slope", "y_T", "y_T_err", "y_h", "y_h_err", "y_h_z", "T_samples"]

#: y_h of the 2D Ising model (η = 1/4: y_h = (d + 2 − η)/2 = 15/8).
Y_H = 15 / 8


def group_by_rule(datasets: Iterable[xr.Dataset]) -> dict[tuple[str, int], dict[int, xr.Dataset]]:
    """RG datasets as ``{(rule, b): {L: dataset}}``."""
    groups: dict[tuple[str, int], dict[int, xr.Dataset]] = defaultdict(dict)
    for ds in datasets:
        groups[ds.attrs["rule"], int(ds.attrs["b"])][int(ds.attrs["size"])] = ds
    return dict(groups)


def nearest_tc_index(temperatures: np.ndarray) -> int:
    """Index of the grid temperature nearest Tc."""
    return int(np.argmin(np.abs(np.asarray(temperatures) - TC)))


def mcrg_rows(rule: str, b: int, size: int, temperatures: np.ndarray, levels: list[np.ndarray],
              odd: list[np.ndarray] | None, *, couplings: int, chains: int, stream: Stream, n_boot: int) -> list[dict]:
    """MCRG y_T = 1/ν and y_h at the temperature nearest Tc for every level pair (n, n+1) and 1…``couplings``.

    ``levels[n]``, ``odd[n]``: even and odd densities ``(temperature, sample, interaction)`` of level n
    (``odd`` None: no y_h, its columns NaN).
    ``chains``: interleaved Markov chains of the samples (the bootstrap's blocks). Any b: the level-n
    lattice has (L/bⁿ)² sites.
    """
    i = nearest_tc_index(temperatures)
    rows = []
    for n in range(len(levels) - 1):
        sites_n, sites_next = (size // b**n) ** 2, (size // b ** (n + 1)) ** 2
        for k in range(1, couplings + 1):
            thermal = mcrg_nu(levels[n][i] * sites_n, levels[n + 1][i] * sites_next, b, level=n, couplings=k,
                              stream=stream.child("mcrg", size, n, k), n_boot=n_boot, chains=chains)
            y_h = y_h_err = np.nan
            if odd is not None:
                magnetic = mcrg_yh(odd[n][i] * sites_n, odd[n + 1][i] * sites_next, b, level=n, couplings=k,
                                   stream=stream.child("mcrg-odd", size, n, k), n_boot=n_boot, chains=chains)
                y_h, y_h_err = magnetic.y_h, magnetic.y_h_err
            y_t = 1.0 / thermal.nu if thermal.nu > 0 else np.nan
            rows.append({"rule": rule, "method": "mcrg", "L": size, "b": b, "level": n, "couplings": k,
                         "nu": thermal.nu, "nu_err": thermal.nu_err, "T_fixed": np.nan, "T_fixed_err": np.nan,
                         "T_fixed_z": np.nan, "slope": thermal.eigenvalue,
                         "y_T": y_t, "y_T_err": thermal.nu_err * y_t**2,
                         "y_h": y_h, "y_h_err": y_h_err,
                         "y_h_z": (y_h - Y_H) / y_h_err if y_h_err > 0 else np.nan,
                         "T_samples": float(temperatures[i])})
    return rows


@dataclass(frozen=True)
class RGTables:
    """The tables of :func:`analyse` (pandas DataFrames).

    Attributes
    ----------
    flows:
        One row per (rule, method, L, b, level, T): T_eff ± error, each matched correlation's T_eff and their spread.
    exponents:
        Fixed points and flow-slope ν per (rule, method, L, level), MCRG y_T = 1/ν and y_h per (rule, L,
        level pair, couplings) (:data:`EXPONENT_COLUMNS`).
    levels:
        T*(level) extrapolated to level → ∞ per (rule, method, L).
    """

    flows: pd.DataFrame
    exponents: pd.DataFrame
    levels: pd.DataFrame

    def __iter__(self):
        return iter((self.flows, self.exponents, self.levels))


def analyse(datasets: Iterable[xr.Dataset], *, seed: int | Stream, n_boot: int = default("rg.bootstrap"),
            mcrg_couplings: int = default("rg.mcrg_couplings"), chains: int | dict[int, int] | None = None,
            log=lambda message: None) -> RGTables:
    """The flow, exponent and level-extrapolation tables of every rule in ``datasets`` (:class:`RGTables`).

    Any block size b: level n of L is matched against level n−1 of L/b (both must be present).
    ``chains`` (one int or ``{L: chains}``) are the interleaved Markov chains of the samples, the
    bootstrap's block units; None reads each store's ``chains`` attribute (1 when absent).  Stores
    without ``odd_densities`` get no y_h.  ``flows, exponents, levels = analyse(...)`` unpacks them.
    """
    flow_rows, exponent_rows, level_rows = [], [], []
    for (rule, b), by_size in sorted(group_by_rule(datasets).items()):
        temperatures = {L: ds["temperature"].values for L, ds in by_size.items()}
        densities = {L: list(np.moveaxis(ds["densities"].values, 1, 0)) for L, ds in by_size.items()}
        n_chains = {L: _chains_of(ds, L, chains) for L, ds in by_size.items()}
        stream = keyed(seed, "rg-bootstrap", rule, b)
        result = FlowAnalysis(temperatures, densities, b, chains=n_chains).analyse(stream=stream.child("flow"),
                                                                                 n_boot=n_boot)
        flow_rows += [{"rule": rule, **r} for r in result.flows.to_frame().to_dict("records")]
        exponent_rows += [{"rule": rule, "couplings": np.nan, **r}
                          for r in result.fixed_points.to_frame().to_dict("records")]
        level_rows += [{"rule": rule, **r} for r in result.levels.to_frame().to_dict("records")]
        for L, ds in by_size.items():
            odd = list(np.moveaxis(ds["odd_densities"].values, 1, 0)) if "odd_densities" in ds else None
            exponent_rows += mcrg_rows(rule, b, L, temperatures[L], densities[L], odd, couplings=mcrg_couplings,
                                       chains=n_chains[L], stream=stream, n_boot=n_boot)
        log(f"{rule} b={b}: flows for L = {sorted(by_size)}")
    exponents = pd.DataFrame(exponent_rows).reindex(columns=EXPONENT_COLUMNS)
    return RGTables(pd.DataFrame(flow_rows), exponents, pd.DataFrame(level_rows))


def _chains_of(ds: xr.Dataset, size: int, chains: int | dict[int, int] | None) -> int:
    """The chain count of one store: given per size, given for all, or its ``chains`` attribute."""
    if chains is None:
        return int(ds.attrs.get("chains", 1))
    return int(chains[size]) if isinstance(chains, dict) else int(chains)


def typical_sample(magnetization: np.ndarray) -> int:
    """Index of the configuration whose |m| is the median of a set: a typical one."""
    abs_m = np.abs(magnetization)
    return int(np.argsort(abs_m)[abs_m.size // 2])


def snapshot_temperatures(temperatures: np.ndarray) -> list[int]:
    """Grid indices nearest 0.88 Tc, Tc and 1.15 Tc: below, at and above the transition."""
    return [int(np.argmin(np.abs(np.asarray(temperatures) - t))) for t in (0.88 * TC, TC, 1.15 * TC)]
