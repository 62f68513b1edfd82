"""Is a block rule an RG transformation with a fixed point?  T*, ν and their level-to-level convergence.

For one block rule (any b) on sample sets of several sizes, level by level
on the largest lattice L (the step n−1 → n):

* **T*(n)**: the crossing of Swendsen's matching map at level n (level n of
  L against level n−1 of L/b, :class:`rgml.rg.flow.FlowAnalysis`), with its
  chain-block bootstrap error;
* **R_nn(n)**: the nearest-neighbour correlation ratio of the same two
  ensembles at Tc (:func:`rgml.rg.eta.correlation_ratios`), which says
  whether level n reproduces level n−1 of L/b at all;
* **ν(n−1 → n)**: Monte Carlo RG at the grid temperature nearest Tc
  (Swendsen, PRL 42, 859 (1979)), every level pair from one joint block
  bootstrap (:func:`rgml.rg.mcrg.mcrg_levels`), so the step
  ν(n) − ν(n−1) has an error that knows both share their samples.

and one verdict per rule:

* T* is the crossing of the deepest level; it is reported only where R_nn
  at that level is compatible with 1 within :data:`rgml.rg.eta.RATIO_SIGMAS`
  σ (``fixed_point``).  Otherwise the crossing is where a temperature shift
  compensates a block spin that is not rescaled (``eta_artefact`` when R_nn
  is also compatible with b^{−η}, decimation's value; ``unrescaled`` when
  it is neither), or there is none (``no_crossing``).
* ν is that of the deepest level pair whose coarse lattice is at least
  ``min_coarse`` sites across, reported only if ν is the same at every
  level pair whose coarse lattice is at least ``drift_min_coarse`` across
  (default: every pair the lattice has): χ² of the steps ν(n) − ν(n−1) with
  their bootstrap covariance, p > :data:`CONVERGED_P` (``converged``); else
  ``no_convergence`` and ν is NaN — the drift (all pairs, ``nu_drift``) is
  the result.  A tested pair without a thermal eigenvalue λ_t > 1 (ν NaN)
  is ``no_convergence`` too.  With a single pair nothing can be said (``single_pair``,
  ν reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.blocking import BLOCKS
from rgml.columns import Columns, TableSet
from rgml.exact import TC
from rgml.params import default
from rgml.rg.analysis import group_by_rule, nearest_tc_index
from rgml.rg.eta import RATIO_SIGMAS, correlation_ratios
from rgml.rg.flow import FlowAnalysis
from rgml.rg.mcrg import mcrg_levels
from rgml.rng import Stream, keyed
from rgml.stats import chi2_pvalue

#: ν counts as converged when constancy over the tested level pairs has a χ² p-value above this.
CONVERGED_P = 1e-3

#: Even couplings (nn, nnn, plaquette) of the MCRG ν of the verdict, and the smallest coarse lattice of a pair.
COUPLINGS = 3
MIN_COARSE = 8
#: Pairs whose coarse lattice is at least this many sites across enter the convergence test (4: all of them).
DRIFT_MIN_COARSE = 4

T_STATUSES = ("fixed_point", "eta_artefact", "unrescaled", "no_crossing")
NU_STATUSES = ("converged", "no_convergence", "single_pair", "no_estimate")

_T = ("J/k_B", "temperature")


@dataclass(frozen=True)
class StepTable(Columns):
    """One row per (rule, b, level n): the RG step n−1 → n on the largest lattice."""

    rule: np.ndarray
    b: np.ndarray
    L: np.ndarray
    level: np.ndarray
    coarse_size: np.ndarray
    T_star: np.ndarray
    T_star_err: np.ndarray
    T_star_z: np.ndarray
    ratio_nn: np.ndarray
    ratio_nn_err: np.ndarray
    ratio_nn_z: np.ndarray
    eta_reference: np.ndarray
    nu: np.ndarray
    nu_err: np.ndarray
    nu_step: np.ndarray
    nu_step_err: np.ndarray

    DIM = "step"
    KEYS = ("rule", "b", "level")
    META = {
        "rule": ("1", "block rule"), "b": ("1", "block size"), "L": ("1", "largest lattice"),
        "level": ("1", "RG step n-1 -> n"), "coarse_size": ("1", "L / b^n"),
        "T_star": ("J/k_B", "crossing of the matching map of level n"), "T_star_err": ("J/k_B", "error of T_star"),
        "T_star_z": ("1", "(T_star - Tc) / T_star_err"),
        "ratio_nn": ("1", "G_nn(level n of L) / G_nn(level n-1 of L/b) at Tc"), "ratio_nn_err": ("1", "its error"),
        "ratio_nn_z": ("1", "(ratio_nn - 1) / ratio_nn_err"), "eta_reference": ("1", "b^(-1/4)"),
        "nu": ("1", "MCRG nu from levels n-1 and n"), "nu_err": ("1", "joint block-bootstrap error"),
        "nu_step": ("1", "nu(n-1 -> n) - nu(n-2 -> n-1)"), "nu_step_err": ("1", "its joint bootstrap error"),
    }


@dataclass(frozen=True)
class VerdictTable(Columns):
    """One row per (rule, b): T*, ν and the information needed to believe them."""

    rule: np.ndarray
    b: np.ndarray
    L: np.ndarray
    T_star: np.ndarray
    T_star_err: np.ndarray
    T_star_z: np.ndarray
    T_star_level: np.ndarray
    T_star_crossing: np.ndarray
    T_star_status: np.ndarray
    ratio_nn: np.ndarray
    ratio_nn_err: np.ndarray
    nu: np.ndarray
    nu_err: np.ndarray
    nu_z: np.ndarray
    nu_levels: np.ndarray
    nu_deepest: np.ndarray
    nu_deepest_err: np.ndarray
    nu_status: np.ndarray
    nu_drift: np.ndarray
    nu_chi2: np.ndarray
    nu_dof: np.ndarray
    nu_p: np.ndarray
    nu_last_step: np.ndarray
    nu_last_step_err: np.ndarray
    couplings: np.ndarray
    min_coarse: np.ndarray
    drift_min_coarse: np.ndarray

    DIM = "rule_b"
    KEYS = ("rule", "b")
    META = {
        "rule": ("1", "block rule"), "b": ("1", "block size"), "L": ("1", "largest lattice"),
        "T_star": ("J/k_B", "fixed point (NaN unless T_star_status is fixed_point)"),
        "T_star_err": ("J/k_B", "error of T_star"), "T_star_z": ("1", "(T_star - Tc) / T_star_err"),
        "T_star_level": ("1", "level of the matching map"),
        "T_star_crossing": ("J/k_B", "the crossing itself, whatever its status"),
        "T_star_status": ("1", "fixed_point | eta_artefact | unrescaled | no_crossing"),
        "ratio_nn": ("1", "R_nn at T_star_level"), "ratio_nn_err": ("1", "its error"),
        "nu": ("1", "MCRG nu of the deepest usable pair (NaN unless nu_status is converged)"),
        "nu_err": ("1", "error of nu"), "nu_z": ("1", "(nu - 1) / nu_err"),
        "nu_levels": ("1", "the pair n-1->n of nu"),
        "nu_deepest": ("1", "nu of that pair whatever the status"), "nu_deepest_err": ("1", "its error"),
        "nu_status": ("1", "converged | no_convergence | single_pair | no_estimate"),
        "nu_drift": ("1", "nu of every level pair, first to last"),
        "nu_chi2": ("1", "chi2 of nu constant over the tested pairs"), "nu_dof": ("1", "tested pairs - 1"),
        "nu_p": ("1", "p-value of nu_chi2"),
        "nu_last_step": ("1", "nu(deepest tested) - nu(the pair before)"), "nu_last_step_err": ("1", "its error"),
        "couplings": ("1", "even MCRG couplings"), "min_coarse": ("1", "smallest coarse lattice of the quoted pair"),
        "drift_min_coarse": ("1", "smallest coarse lattice of a tested pair"),
    }


@dataclass(frozen=True)
class RuleAssessment(TableSet):
    """Level-by-level T*, R_nn and ν of every rule (``steps``) and one verdict per rule (``verdicts``)."""

    steps: StepTable
    verdicts: VerdictTable

    TITLE = "Block rules: fixed points, nu and their convergence"
    MAIN = "verdicts"


def constancy(values: np.ndarray, replicas: np.ndarray) -> tuple[float, int, float]:
    """χ², dof and p of "all ``values`` are equal", from the bootstrap covariance of their steps.

    ``replicas (R, p)`` are joint bootstrap replicas of ``values (p,)``; the
    p − 1 steps v_{i+1} − v_i and their covariance over finite replicas give
    χ² = dᵀ C⁻¹ d.  With fewer than two values: (nan, 0, nan).
    """
    values = np.asarray(values, np.float64)
    if values.size < 2 or not np.all(np.isfinite(values)):
        return np.nan, 0, np.nan
    steps = np.diff(values)
    reps = np.diff(np.asarray(replicas, np.float64), axis=1)
    reps = reps[np.all(np.isfinite(reps), axis=1)]
    if len(reps) < 2 * steps.size + 2:
        return np.nan, 0, np.nan
    cov = np.atleast_2d(np.cov(reps, rowvar=False))
    chi2 = float(steps @ np.linalg.lstsq(cov, steps, rcond=None)[0])
    return chi2, int(steps.size), chi2_pvalue(chi2, steps.size)


def t_status(t_star: float, ratio_z: float, eta_z: float, sigmas: float) -> str:
    """The status of a matching crossing (see the module docstring)."""
    if not np.isfinite(t_star):
        return "no_crossing"
    if np.isfinite(ratio_z) and abs(ratio_z) > sigmas:
        return "eta_artefact" if np.isfinite(eta_z) and abs(eta_z) <= sigmas else "unrescaled"
    return "fixed_point"


def assess_rules(datasets: Iterable[xr.Dataset], *, seed: int | Stream, n_boot: int = default("rg.bootstrap"),
                 couplings: int = COUPLINGS, min_coarse: int = MIN_COARSE,
                 drift_min_coarse: int = DRIFT_MIN_COARSE, chains: int | dict[int, int] = 1,
                 blocks: int | None = BLOCKS, sizes: str = "all", log=lambda message: None) -> RuleAssessment:
    """T*, R_nn and ν level by level on the largest lattice of every (rule, b), and their verdicts.

    Parameters
    ----------
    datasets:
        RG datasets (:data:`rgml.rg.coarse.RG_BLOCKS`) of any rules, b and
        sizes; each (rule, b) needs its largest L and L/b.
    seed:
        Root seed or stream.  The matching bootstrap is drawn from
        (seed, "rg-bootstrap", rule, b) → "flow" exactly as
        :func:`rgml.rg.analyse` draws it, so with ``sizes="all"`` and the same
        ``n_boot``, ``chains`` and ``blocks`` the T* rows equal its
        ``flow_slope_matching`` rows; the MCRG levels use its child
        ("mcrg-levels", L, couplings).
    n_boot:
        Bootstrap replicas.
    couplings, min_coarse, drift_min_coarse:
        MCRG couplings, the smallest coarse lattice of the level pair whose ν
        is quoted, and of the pairs that enter the convergence test.
    chains, blocks:
        Chain-block resampling units (:mod:`rgml.blocking`).
    sizes:
        ``"all"``: every size enters the matching analysis (as in
        :func:`rgml.rg.analyse`); ``"largest"``: only L and L/b (cheaper;
        the draws, hence the errors, then differ from the full analysis).
    """
    if sizes not in ("all", "largest"):
        raise ValueError(f"sizes: 'all' or 'largest', got {sizes!r}")
    datasets = list(datasets)
    ratios = correlation_ratios(datasets, chains=chains, blocks=blocks, interactions=("nn",)).to_frame()
    step_rows, verdict_rows = [], []
    for (rule, b), by_size in sorted(group_by_rule(datasets).items()):
        size = max(by_size)
        if size // b not in by_size:
            raise ValueError(f"rule {rule}, b={b}: the largest lattice L={size} needs L/b={size // b} for matching; "
                             f"got sizes {sorted(by_size)}")
        used = by_size if sizes == "all" else {L: by_size[L] for L in (size, size // b)}
        temperatures = {L: ds["temperature"].values for L, ds in used.items()}
        densities = {L: list(np.moveaxis(ds["densities"].values, 1, 0)) for L, ds in used.items()}
        stream = keyed(seed, "rg-bootstrap", rule, b)
        flows = FlowAnalysis(temperatures, densities, b, blocks=blocks, chains=chains, methods=("matching",))
        _, fixed = flows.run(stream=stream.child("flow"), n_boot=n_boot)
        fixed = {r["level"]: r for r in fixed if r["L"] == size}
        i = nearest_tc_index(temperatures[size])
        sums = [d[i] * (size // b**n) ** 2 for n, d in enumerate(densities[size])]
        n_chains = chains.get(size, 1) if isinstance(chains, dict) else chains
        mcrg = mcrg_levels(sums, b, couplings=couplings, stream=stream.child("mcrg-levels", size, couplings),
                           n_boot=n_boot, blocks=blocks, chains=n_chains)
        r = ratios[(ratios["rule"] == rule) & (ratios["b"] == b) & (ratios["L"] == size)].set_index("level")
        rows = _step_rows(rule, b, size, fixed, r, mcrg)
        step_rows += rows
        verdict_rows.append(_verdict(rule, b, size, rows, r, mcrg, couplings=couplings, min_coarse=min_coarse,
                                     drift_min_coarse=drift_min_coarse))
        v = verdict_rows[-1]
        log(f"{rule} b={b} L={size}: T* {v['T_star_status']} ({v['T_star_crossing']:.4f}), "
            f"nu {v['nu_status']} [{v['nu_drift']}]")
    return RuleAssessment(StepTable.from_rows(step_rows), VerdictTable.from_rows(verdict_rows))


def _step_rows(rule, b, size, fixed, ratios, mcrg) -> list[dict]:
    rows = []
    for n in range(1, len(mcrg.nu) + 1):
        fp = fixed.get(n, {})
        t, t_err = fp.get("T_fixed", np.nan), fp.get("T_fixed_err", np.nan)
        ratio = ratios.loc[n] if n in ratios.index else None
        p = n - 1
        step = step_err = np.nan
        if p > 0:
            step = mcrg.nu[p] - mcrg.nu[p - 1]
            diffs = mcrg.replicas[:, p] - mcrg.replicas[:, p - 1]
            ok = np.isfinite(diffs)
            step_err = float(np.std(diffs[ok], ddof=1)) if ok.sum() > 1 else np.nan
        rows.append({
            "rule": rule, "b": b, "L": size, "level": n, "coarse_size": size // b**n,
            "T_star": t, "T_star_err": t_err, "T_star_z": (t - TC) / t_err if t_err > 0 else np.nan,
            "ratio_nn": ratio["ratio"] if ratio is not None else np.nan,
            "ratio_nn_err": ratio["ratio_err"] if ratio is not None else np.nan,
            "ratio_nn_z": ratio["z_one"] if ratio is not None else np.nan,
            "eta_reference": ratio["eta_reference"] if ratio is not None else b ** -0.25,
            "nu": mcrg.nu[p], "nu_err": mcrg.nu_err[p], "nu_step": step, "nu_step_err": step_err,
        })
    return rows


def _verdict(rule, b, size, rows, ratios, mcrg, *, couplings, min_coarse, drift_min_coarse) -> dict:
    with_t = [r for r in rows if np.isfinite(r["T_star"])]
    deepest = max((r["level"] for r in rows), default=0)
    t_row = next((r for r in rows if r["level"] == deepest), None)
    crossing_row = with_t[-1] if with_t and with_t[-1]["level"] == deepest else None
    ratio = ratios.loc[deepest] if deepest in ratios.index else None
    status = t_status(crossing_row["T_star"] if crossing_row else np.nan,
                      ratio["z_one"] if ratio is not None else np.nan,
                      ratio["z_eta"] if ratio is not None else np.nan, RATIO_SIGMAS)
    crossing = crossing_row["T_star"] if crossing_row else np.nan
    t_err = crossing_row["T_star_err"] if crossing_row else np.nan
    usable = [r["level"] - 1 for r in rows if r["coarse_size"] >= min_coarse and np.isfinite(r["nu"])]
    tested = [r["level"] - 1 for r in rows if r["coarse_size"] >= drift_min_coarse]
    undefined = any(not np.isfinite(mcrg.nu[p]) for p in tested)  # λ_t ≤ 1 at a level: no thermal eigenvalue
    chi2, dof, p = ((np.nan, 0, np.nan) if len(tested) < 2 or undefined
                    else constancy(mcrg.nu[tested], mcrg.replicas[:, tested]))
    if not usable:
        nu_status = "no_estimate"
    elif len(tested) < 2:
        nu_status = "single_pair"
    elif undefined:
        nu_status = "no_convergence"
    else:
        nu_status = "converged" if p > CONVERGED_P else "no_convergence"
    last = usable[-1] if usable else None
    nu_deep = mcrg.nu[last] if last is not None else np.nan
    nu_deep_err = mcrg.nu_err[last] if last is not None else np.nan
    report_nu = nu_status in ("converged", "single_pair")
    last_row = next((r for r in rows if len(tested) > 1 and r["level"] == tested[-1] + 1), None)
    return {
        "rule": rule, "b": b, "L": size,
        "T_star": crossing if status == "fixed_point" else np.nan,
        "T_star_err": t_err if status == "fixed_point" else np.nan,
        "T_star_z": (crossing - TC) / t_err if status == "fixed_point" and t_err > 0 else np.nan,
        "T_star_level": deepest, "T_star_crossing": crossing, "T_star_status": status,
        "ratio_nn": t_row["ratio_nn"] if t_row else np.nan, "ratio_nn_err": t_row["ratio_nn_err"] if t_row else np.nan,
        "nu": nu_deep if report_nu else np.nan, "nu_err": nu_deep_err if report_nu else np.nan,
        "nu_z": (nu_deep - 1.0) / nu_deep_err if report_nu and nu_deep_err > 0 else np.nan,
        "nu_levels": f"{last}->{last + 1}" if last is not None else "",
        "nu_deepest": nu_deep, "nu_deepest_err": nu_deep_err, "nu_status": nu_status,
        "nu_drift": " -> ".join(f"{v:.3f}" for v in mcrg.nu),
        "nu_chi2": chi2, "nu_dof": dof, "nu_p": p,
        "nu_last_step": last_row["nu_step"] if last_row else np.nan,
        "nu_last_step_err": last_row["nu_step_err"] if last_row else np.nan,
        "couplings": couplings, "min_coarse": min_coarse, "drift_min_coarse": drift_min_coarse,
    }
