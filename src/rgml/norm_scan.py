"""Does keeping more information make a better RG?  Rules of one shape at several filter norms.

Koch-Janusz & Ringel (Nat. Phys. 14, 578 (2018)) choose the block rule
P(h=+1|V) = σ(2 λ·V) that keeps the most information I(H:E) about the
block's environment.  For a fixed filter *direction* the norm |λ| sets how
noisy the rule is: |λ| → 0 keeps nothing, |λ| → ∞ is the deterministic
rule sign(λ·V).  So one family of rules at several norms — the uniform
filter (majority rule with coin ties at |λ| = ∞) and the learned RSMI
filter — spans rules that keep more or less information while their shape
stays put, and each is judged as an RG transformation exactly like every
other rule (:func:`rgml.rg.convergence.assess_rules`: T* with the
correlation-ratio criterion, MCRG ν at every level pair and their
convergence) next to its I(H:E) (:func:`rgml.rsmi.mutual_information`, the
same estimator, geometry and stream for every rule).  If "more information
↔ better RG" held, the RG quality would improve monotonically with I(H:E).

Each (family, |λ|, b) is its own rule name (:class:`rgml.rsmi.FilterRule`),
so its coarse-graining stream is independent of every other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.blocking import BLOCKS
from rgml.columns import Columns, TableSet
from rgml.rg.coarse import coarse_grain
from rgml.rg.convergence import COUPLINGS, DRIFT_MIN_COARSE, MIN_COARSE, StepTable, VerdictTable, assess_rules
from rgml.rng import Stream
from rgml.rsmi.fit import FitConfig
from rgml.rsmi.information import mutual_information
from rgml.rsmi.measures import filter_uniformity
from rgml.rsmi.partition import Geometry
from rgml.rsmi.rule import FilterRule

#: Filter norms |λ| of the scan (∞: the deterministic rule).
NORMS = (0.25, 0.5, 1.0, 2.0, 4.0, math.inf)

FAMILIES = ("uniform", "rsmi")


@dataclass(frozen=True)
class NormInformation(Columns):
    """One row per rule of the scan: its family, norm, shape and I(H:E)."""

    rule: np.ndarray
    b: np.ndarray
    family: np.ndarray
    norm: np.ndarray
    cosine_uniform: np.ndarray
    mi: np.ndarray
    mi_err: np.ndarray

    DIM = "scan_rule"
    KEYS = ("rule", "b")
    META = {
        "rule": ("1", "rule name <family>_norm<|lambda|>"), "b": ("1", "block size"),
        "family": ("1", "uniform | rsmi (the learned filter's direction)"),
        "norm": ("1", "Euclidean filter norm |lambda| (inf: sign(lambda.V), coin ties)"),
        "cosine_uniform": ("1", "|cos| between the filter and the uniform filter"),
        "mi": ("nats", "held-out lower bound on I(H:E)"), "mi_err": ("nats", "its standard error"),
    }


@dataclass(frozen=True)
class NormScan(TableSet):
    """The filter-norm scan: information, verdicts and level-by-level steps of every rule.

    :meth:`to_frame` joins ``information`` and ``verdicts`` into one row per rule.
    """

    information: NormInformation
    verdicts: VerdictTable
    steps: StepTable

    TITLE = "Filter-norm scan: information kept against RG quality"
    MAIN = "information"

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: family, norm, I(H:E) ± err, T* (status), ν (status, drift), quality in σ."""
        df = self.information.to_frame().merge(self.verdicts.to_frame(), on=["rule", "b"], how="left")
        df["T_star_dev_sigma"] = np.abs(df["T_star_z"])
        df["nu_dev_sigma"] = np.abs(df["nu_z"])
        df["nu_last_step_sigma"] = np.abs(df["nu_last_step"] / df["nu_last_step_err"])
        return df


def scan_rules(b: int, learned=None, *, norms: Sequence[float] = NORMS,
               families: Sequence[str] = FAMILIES) -> list[FilterRule]:
    """The rules of the scan: each family's direction at each norm (``learned``: the RSMI filter ``(b, b)``)."""
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"families: choose from {FAMILIES}, got {sorted(unknown)}")
    if "rsmi" in families and learned is None:
        raise ValueError("learned: the rsmi family needs the learned filter (e.g. fit.filters[:1])")
    rules = []
    for family in families:
        for norm in norms:
            rules.append(FilterRule.uniform(b, norm) if family == "uniform"
                         else FilterRule.rescaled(learned, norm, family=family))
    if any(rule.b != b for rule in rules):
        raise ValueError(f"learned: the filter has b={rules[-1].b}, the scan b={b}")
    return rules


def norm_scan(samples: Sequence[xr.Dataset], mi_samples: xr.Dataset, learned=None, *, b: int = 2,
              seed: int | Stream, norms: Sequence[float] = NORMS, families: Sequence[str] = FAMILIES,
              geometry: Geometry | None = None, mi_steps: int | None = None, mi_config: FitConfig | None = None,
              n_boot: int = 100,
              couplings: int = COUPLINGS, min_coarse: int = MIN_COARSE, drift_min_coarse: int = DRIFT_MIN_COARSE,
              chains: int | dict[int, int] = 1,
              blocks: int | None = BLOCKS, log=lambda message: None) -> NormScan:
    """Coarse-grain, assess and measure I(H:E) for every (family, norm) rule at block size ``b``.

    Parameters
    ----------
    samples:
        2D sample sets (``spins (temperature, sample, y, x)``); the largest L
        and L/b are coarse-grained (others are ignored: the verdicts use the
        largest lattice and its matching partner only).
    mi_samples:
        One temperature's sample set (e.g. Tc, ``ds.sel(temperature=T)``) on
        which every rule's I(H:E) is estimated, same stream for all.
    learned:
        The learned RSMI filter ``(b, b)`` or ``(1, b, b)`` (direction only).
    seed:
        Root seed or stream.
    norms, families:
        The grid (:data:`NORMS`, :data:`FAMILIES`).
    geometry, mi_steps, mi_config:
        Partition, estimator steps and estimator settings
        (:class:`rgml.rsmi.FitConfig`) of the I(H:E) estimate (defaults: the
        config's ``rsmi.buffer``, ``rsmi.environment``, ``rsmi.steps``).
    n_boot, couplings, min_coarse, drift_min_coarse, chains, blocks:
        As in :func:`rgml.rg.convergence.assess_rules` (``sizes="largest"``).
    """
    by_size = {int(ds.sizes["x"]): ds for ds in samples}
    size = max(by_size)
    if size // b not in by_size:
        raise ValueError(f"samples: the largest L={size} needs L/b={size // b} too; got {sorted(by_size)}")
    rules = scan_rules(b, learned, norms=norms, families=families)
    knobs = {} if mi_steps is None else {"steps": mi_steps}
    info_rows, verdicts, steps = [], [], []
    for rule in rules:
        datasets = []
        for L in (size, size // b):
            ds = coarse_grain(by_size[L], rule, seed=seed)
            datasets.append(ds[["densities"]].assign_attrs(ds.attrs))
        assessed = assess_rules(datasets, seed=seed, n_boot=n_boot, couplings=couplings, min_coarse=min_coarse,
                                drift_min_coarse=drift_min_coarse, chains=chains, blocks=blocks, sizes="largest")
        verdicts.append(assessed.verdicts.to_frame())
        steps.append(assessed.steps.to_frame())
        mi = mutual_information(rule, mi_samples, geometry, seed=seed, config=mi_config, **knobs)
        info_rows.append({"rule": rule.name, "b": b, "family": rule.name.split("_norm")[0], "norm": rule.norm,
                          "cosine_uniform": float(filter_uniformity(rule.direction[None])[0]),
                          "mi": mi.mi, "mi_err": mi.mi_err})
        v = verdicts[-1].iloc[0]
        log(f"{rule.name}: I(H:E) = {mi.mi:.4f} ± {mi.mi_err:.4f}, T* {v['T_star_status']} "
            f"{v['T_star_crossing']:.4f}, nu {v['nu_status']} [{v['nu_drift']}]")
    return NormScan(NormInformation.from_rows(info_rows),
                    VerdictTable.from_rows(pd.concat(verdicts).to_dict("records")),
                    StepTable.from_rows(pd.concat(steps).to_dict("records")))
