"""Where does the RBM flow go, and how much of that is the recipe?  The flow's systematics.

Iso, Shiba & Yokoo (PRE 97, 053304 (2018)) train an RBM on configurations of
many temperatures and find its Gibbs flow drifting towards Tc.  The end
point of :func:`rgml.rbm.flow_experiment` is read by one thermometer
(energy); this module asks what the end ensemble *is*:

* every end ensemble is read by several thermometers
  (:func:`rgml.rg.observable_thermometer.read_temperatures`: energy against
  the exact torus, ⟨|m|⟩, ⟨m²⟩, the diagonal and plaquette correlations
  against Monte Carlo curves of the same L).  A Gibbs state of one
  temperature reads the same T on all of them; their disagreement measures
  how far the end state is from any Gibbs state;
* the **training mixture** — the pooled training configurations themselves,
  an equal-weight mixture of the training temperatures — is read by the
  same thermometers: it is what a model that learned its data perfectly
  would produce, and the reference the flow's end point is compared with;
* the recipe is scanned: weight decay λ₂ × training seed × training set
  (all temperatures, or without those within ``exclude`` of Tc).  The
  spread of the end point over the scan is its systematic error.

Stream keys: replica 0 of every (training set, λ₂) draws from the int
``seed`` exactly as :func:`rgml.rbm.flow_experiment` keys it (so replica 0
of the full set at the workflow's λ₂ and sizes is the workflow's flow);
replica r > 0 from (seed, "rbm-flow-replica", r).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rgml.columns import Columns, TableSet
from rgml.exact import TC
from rgml.params import default
from rgml.rbm.data import split
from rgml.rbm.flow import flow_experiment
from rgml.rg.observable_thermometer import ReferenceCurves, read_temperatures
from rgml.rng import Stream, keyed

#: Training sets of the scan: every temperature, and all but those within ``exclude`` of Tc.
TRAINING_SETS = ("all", "without_tc")

_T = ("J/k_B", "temperature")


@dataclass(frozen=True)
class FlowReadings(Columns):
    """One row per (training set, λ₂, replica, source, observable): the temperature the ensemble reads."""

    training_set: np.ndarray
    l2: np.ndarray
    replica: np.ndarray
    source: np.ndarray
    observable: np.ndarray
    value: np.ndarray
    value_err: np.ndarray
    T: np.ndarray
    T_err: np.ndarray
    flag: np.ndarray
    meeting_step: np.ndarray
    steps: np.ndarray
    n_temperatures: np.ndarray

    DIM = "reading"
    KEYS = ("training_set", "l2", "replica", "source", "observable")
    META = {
        "training_set": ("1", "all | without_tc"), "l2": ("1", "weight decay of the flow RBM (NaN: mixture)"),
        "replica": ("1", "training seed index (-1: mixture)"),
        "source": ("1", "flow_end (final lattices of both starts) | training_mixture (the pooled training data)"),
        "observable": ("1", "thermometer"), "value": ("1", "ensemble mean"), "value_err": ("1", "its error"),
        "T": _T, "T_err": ("J/k_B", "error of T"), "flag": ("1", "below/above: beyond the reference grid"),
        "meeting_step": ("1", "first step from which the two starts' <|m|> agree (-1: never)"),
        "steps": ("1", "flow steps"), "n_temperatures": ("1", "temperatures in the training set"),
    }


@dataclass(frozen=True)
class EndPointRange(Columns):
    """One row per (scope, observable): the spread of the flow's end point over the scan, and the mixtures."""

    scope: np.ndarray
    observable: np.ndarray
    runs: np.ndarray
    T_min: np.ndarray
    T_max: np.ndarray
    T_median: np.ndarray
    T_err_median: np.ndarray
    mixture_all: np.ndarray
    mixture_without_tc: np.ndarray

    DIM = "range"
    KEYS = ("scope", "observable")
    META = {
        "scope": ("1", "all_runs, one training set (all | without_tc) or one weight decay (l2=...)"), "observable": ("1", "thermometer (all: every one)"),
        "runs": ("1", "flow runs read inside the grid"), "T_min": _T, "T_max": _T, "T_median": _T,
        "T_err_median": ("J/k_B", "median statistical error of one run"),
        "mixture_all": ("J/k_B", "the same thermometer on the mixture of all training temperatures"),
        "mixture_without_tc": ("J/k_B", "on the mixture without the temperatures near Tc"),
    }


@dataclass(frozen=True)
class FlowScan(TableSet):
    """Readings of every flow end point and training mixture (``readings``) and their spread (``ranges``)."""

    readings: FlowReadings
    ranges: EndPointRange

    TITLE = "RBM flow: end point under several thermometers, decays, seeds and training sets"
    MAIN = "readings"


def training_subsets(temperatures: Sequence[float], *, exclude: float) -> dict[str, list[int]]:
    """Indices of the temperatures of each training set: ``all`` and ``without_tc`` (|T − Tc| > exclude)."""
    t = np.asarray(temperatures, np.float64)
    keep = [i for i in range(t.size) if abs(t[i] - TC) > exclude]
    if not keep or len(keep) == t.size:
        raise ValueError(f"exclude={exclude}: the set without temperatures within it of Tc must be a proper, "
                         f"non-empty subset of {t.tolist()}")
    return {"all": list(range(t.size)), "without_tc": keep}


def replica_seed(seed: int | Stream, replica: int) -> int | Stream:
    """The seed of training replica ``replica`` (0: ``seed`` itself, keyed as the workflow keys the flow)."""
    return seed if replica == 0 else keyed(seed, "rbm-flow-replica", replica)


def flow_scan(per_temperature: Sequence, temperatures: Sequence[float], reference: ReferenceCurves, *,
              seed: int | Stream, l2: Sequence[float] = (0.01, 0.03, 0.1), replicas: int = 3,
              exclude: float = 0.1, n_hidden: int = default("rbm.flow_hidden"), epochs: int = default("rbm.epochs"),
              steps: int = default("rbm.flow_steps"), chains: int = default("rbm.flow_chains"), xp=None,
              log=lambda message: None) -> FlowScan:
    """Run the RBM flow for every weight decay × replica × training set and read every end point.

    Parameters
    ----------
    per_temperature:
        ±1 lattices ``(samples, L, L)`` per temperature (arrays or sets, sampling order).
    temperatures:
        Their temperatures, J/k_B.
    reference:
        Monte Carlo curves of the same L (:meth:`ReferenceCurves.from_samples`).
    seed:
        Root seed or stream (see the module docstring).
    l2, replicas, exclude:
        Weight decays, training seeds per (set, λ₂), and the half-width
        around Tc left out of the ``without_tc`` training set.
    n_hidden, epochs, steps, chains:
        The flow experiment's recipe (:func:`rgml.rbm.flow_experiment`).
    """
    if replicas < 1 or not l2:
        raise ValueError(f"need at least one weight decay and one replica, got l2={l2}, replicas={replicas}")
    subsets = training_subsets(temperatures, exclude=exclude)
    rows = []
    for name, index in subsets.items():
        sets = [per_temperature[i] for i in index]
        pooled = np.concatenate([np.asarray(split(s)[0]) for s in sets])
        for r in read_temperatures(pooled, reference).to_frame().to_dict("records"):
            rows.append({"training_set": name, "l2": np.nan, "replica": -1, "source": "training_mixture",
                         "meeting_step": -1, "steps": 0, "n_temperatures": len(index), **_reading(r)})
        for decay in l2:
            for replica in range(replicas):
                result = flow_experiment(sets, seed=replica_seed(seed, replica), n_hidden=n_hidden, epochs=epochs,
                                         l2=float(decay), steps=steps, chains=chains, xp=xp)
                final = np.concatenate([run.spins for run in result.runs])
                readings = read_temperatures(final, reference).to_frame()
                meeting = -1 if result.meeting is None else result.meeting
                for r in readings.to_dict("records"):
                    rows.append({"training_set": name, "l2": float(decay), "replica": replica, "source": "flow_end",
                                 "meeting_step": meeting, "steps": steps, "n_temperatures": len(index),
                                 **_reading(r)})
                log(f"{name} l2={decay:g} replica {replica}: met at {meeting}, "
                    + ", ".join(f"{r['observable']} {r['T']:.3f}" for r in readings.to_dict("records")))
    readings = FlowReadings.from_rows(rows)
    return FlowScan(readings, end_point_ranges(readings))


def _reading(r: dict) -> dict:
    return {k: r[k] for k in ("observable", "value", "value_err", "T", "T_err", "flag")}


def end_point_ranges(readings: FlowReadings) -> EndPointRange:
    """Min, max and median of the flow end points per observable: over all runs, per training set, per λ₂."""
    df = readings.to_frame()
    ends = df[(df["source"] == "flow_end") & np.isfinite(df["T"])]
    mix = df[df["source"] == "training_mixture"].set_index(["training_set", "observable"])["T"]
    rows = []
    scopes = [("all_runs", ends), *((name, ends[ends["training_set"] == name]) for name in TRAINING_SETS),
              *((f"l2={decay:g}", ends[ends["l2"] == decay]) for decay in sorted(set(ends["l2"])))]
    for scope, part in scopes:
        for observable in [*dict.fromkeys(df["observable"]), "all"]:
            sel = part if observable == "all" else part[part["observable"] == observable]
            if sel.empty:
                continue
            rows.append({
                "scope": scope, "observable": observable, "runs": len(sel),
                "T_min": float(sel["T"].min()), "T_max": float(sel["T"].max()),
                "T_median": float(sel["T"].median()), "T_err_median": float(sel["T_err"].median()),
                "mixture_all": float(mix.get(("all", observable), np.nan)),
                "mixture_without_tc": float(mix.get(("without_tc", observable), np.nan)),
            })
    return EndPointRange.from_rows(rows)
