"""Which coarse-graining is the better RG transformation? The comparison of block rules.

Every rule — majority, decimation, the likelihood-trained block RBM (``rbm``)
and the information-optimal filter (``rsmi``) — is judged the same way:

* **fixed point** T*: Swendsen matching at the deepest level of the largest
  lattice (the least distorted estimate);
* **ν**: Monte Carlo RG at the grid temperature nearest Tc on the largest
  lattice, from the deepest level pair whose coarser lattice is still
  ≥ :data:`SUMMARY_MIN_COARSE` sites across, with :data:`SUMMARY_COUPLINGS`
  even couplings (nn, nnn, plaquette); the flow-slope ν of the same matching
  level is reported beside it;
* **information kept**: the held-out bound on I(H:E) of the rule's block
  variable, every rule written as a filter P(h=+1|V) = σ(2λ·V)
  (:meth:`rgml.rg.rules.BlockRule.as_filter`) and evaluated with the *same*
  estimator, critic, geometry and stream (:func:`rule_information`).

Exact values: T* = Tc, ν = 1.

:func:`summary_by_block` is the comparison across block sizes b = 2, 3, 4:
per (rule, b) the verdicts of :func:`rgml.rg.convergence.assess_rules`
(T* only where the correlation ratio at Tc says the crossing is a fixed
point, ν only where it converges over level pairs, with its drift), the
information kept, and which rules are one map
(:func:`rgml.rg.similarity.rule_similarity`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.rg.convergence import RuleAssessment
from rgml.rg.rules import BlockRule
from rgml.rg.similarity import RuleSimilarity
from rgml.rng import Stream
from rgml.rsmi.information import mutual_information
from rgml.rsmi.partition import Geometry

#: MCRG ν of the summary: couplings and the smallest coarse lattice of the level pair.
SUMMARY_COUPLINGS = 3
SUMMARY_MIN_COARSE = 8

RULES = ("majority", "decimation", "rbm", "rsmi")


def rule_information(rules: Sequence[BlockRule], spins, *, temperature: float, buffer: int, environment: int,
                     seed: int | Stream, steps: int | None = None, log=lambda message: None) -> pd.DataFrame:
    """I(H:E) kept by every rule's block variable, same estimator, geometry and stream for all.

    ``spins``: ±1 configurations ``(samples, L, L)`` at ``temperature``; every
    rule must have the same block side b.  The RBM rule's bias (spin-flip
    asymmetry) is reported, and the estimate uses λ alone.  One row per rule.
    """
    sides = {rule.b for rule in rules}
    if len(sides) != 1:
        raise ValueError(f"rules: every rule must have the same block side, got {sorted(sides)}")
    b = sides.pop()
    geometry = Geometry(block=b, buffer=buffer, env=environment, dim=2)
    knobs = {} if steps is None else {"steps": steps}
    rows = []
    for rule in rules:
        block_filter = rule.as_filter()
        result = mutual_information(block_filter.weights, spins, geometry, seed=seed, temperature=temperature,
                                    **knobs)
        log(f"{rule.name}: I(H:E) >= {result.mi:.5f} ± {result.mi_err:.5f} nats")
        rows.append({"rule": rule.name, "mi_nats": result.mi, "mi_err": result.mi_err, "rule_bias": block_filter.bias,
                     "L": spins.shape[-1], "T": temperature, "block": b, "buffer": buffer, "environment": environment,
                     "estimator": result.estimator,
                     "filter": " ".join(f"{x:.4g}" for x in block_filter.weights.ravel())})
    return pd.DataFrame(rows)


def summary(exponents: pd.DataFrame, information: pd.DataFrame) -> pd.DataFrame:
    """One row per (rule, b): T*, ν (MCRG and flow slope), I(H:E), and deviations from exact."""
    rows = []
    pairs = sorted({(r, int(b)) for r, b in zip(exponents["rule"], exponents["b"])},
                   key=lambda p: (p[1], RULES.index(p[0]) if p[0] in RULES else len(RULES), p[0]))
    for rule, b in pairs:
        if rule not in RULES:
            continue
        e = exponents[(exponents["rule"] == rule) & (exponents["b"] == b)]
        largest = e["L"].max()
        match = e[(e["method"] == "flow_slope_matching") & (e["L"] == largest)].sort_values("level")
        deepest = match.iloc[-1] if len(match) else None
        mcrg = e[(e["method"] == "mcrg") & (e["L"] == largest) & (e["couplings"] == SUMMARY_COUPLINGS)
                 & (largest // b ** (e["level"] + 1) >= SUMMARY_MIN_COARSE)].sort_values("level")
        pair = mcrg.iloc[-1] if len(mcrg) else None
        info = information[(information["rule"] == rule)
                           & ((information["block"] == b) if "block" in information else True)]
        row = {
            "rule": rule, "L": int(largest), "b": b,
            "T_star": deepest["T_fixed"] if deepest is not None else np.nan,
            "T_star_err": deepest["T_fixed_err"] if deepest is not None else np.nan,
            "T_star_level": int(deepest["level"]) if deepest is not None else -1,
            "nu": pair["nu"] if pair is not None else np.nan,
            "nu_err": pair["nu_err"] if pair is not None else np.nan,
            "nu_levels": f"{int(pair['level'])}->{int(pair['level']) + 1}" if pair is not None else "",
            "nu_flow": deepest["nu"] if deepest is not None else np.nan,
            "nu_flow_err": deepest["nu_err"] if deepest is not None else np.nan,
            "mi_nats": float(info["mi_nats"].iloc[0]) if len(info) else np.nan,
            "mi_err": float(info["mi_err"].iloc[0]) if len(info) else np.nan,
        }
        row["T_star_rel_dev"] = (row["T_star"] - TC) / TC
        row["nu_dev"] = row["nu"] - 1.0
        row["nu_dev_sigma"] = row["nu_dev"] / row["nu_err"] if row["nu_err"] else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def summary_by_block(assessment: RuleAssessment, information: pd.DataFrame,
                     similarity: RuleSimilarity | None = None) -> pd.DataFrame:
    """One row per (rule, b) with the verdicts of :func:`rgml.rg.convergence.assess_rules`.

    Columns: the :class:`rgml.rg.convergence.VerdictTable` (T* only where it
    is a fixed point — ``T_star_status`` — and ν only where it converges over
    the level pairs — ``nu_status``, with ``nu_drift``), ``mi_nats``,
    ``mi_err`` and ``rule_bias`` from :func:`rule_information` (rows matched
    on rule and ``block``), and from ``similarity``
    (:func:`rgml.rg.similarity.rule_similarity` of the same rules):
    ``same_map_as`` / ``same_shape_as`` (the earlier rule this one
    duplicates as a map / in filter shape, "" if none), ``cosine_majority``
    and ``map_distance_majority``.
    """
    df = assessment.verdicts.to_frame()
    info = information.rename(columns={"block": "b"})[["rule", "b", "mi_nats", "mi_err", "rule_bias"]]
    df = df.merge(info, on=["rule", "b"], how="left")
    if similarity is not None:
        pairs = similarity.to_frame().set_index(["b", "rule", "other"])
        for column, same in (("same_map_as", similarity.same_map_as()),
                             ("same_shape_as", similarity.same_shape_as())):
            df[column] = [same.get((r, int(b)), "") for r, b in zip(df["rule"], df["b"])]
        for column, own in (("cosine", 1.0), ("map_distance", 0.0)):
            df[f"{column}_majority"] = [own if r == "majority" else float(pairs[column].get((b, r, "majority"), np.nan))
                                        for r, b in zip(df["rule"], df["b"])]
    df["T_star_rel_dev"] = (df["T_star"] - TC) / TC
    return df
