"""The RBM flow of Iso, Shiba & Yokoo (PRE 97, 053304 (2018)).

An RBM trained on Ising configurations from many temperatures defines a
Markov map on lattices, one block Gibbs step ``v → h → v′``
(:func:`rgml.rbm.sampling.gibbs_step`).  Iterating it from a configuration
and measuring each step's effective temperature gives the *RBM flow*; Iso et
al. found it drifting towards Tc from both sides.  Here flows start from a
T = 0-like (all spins up, ``"ordered"``) or T = ∞-like (independent fair
spins, ``"disordered"``) ensemble of ``n_chains`` lattices, and each step
records the mean |m| over chains with its standard error and, if a
thermometer is given, the effective temperature.

The thermometer is injected (the RG stage provides it, DESIGN.md §2): any
callable ``thermometer(spins) -> (T_eff, T_err)`` taking ±1 int8 lattices
``(chains, L, L)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.backend import array_namespace, to_numpy
from rgml.exact import TC
from rgml.ising.lattice import magnetization
from rgml.params import default
from rgml.rbm.data import as_set, split, training_units
from rgml.rbm.model import RBM, spins_to_units, units_to_spins
from rgml.rbm.sampling import gibbs_step
from rgml.rbm.temperature import model_of, model_variables
from rgml.rbm.train import TrainConfig, train
from rgml.rg.thermometer import projection_thermometer
from rgml.rng import Stream, as_stream
from rgml.streaming import DEFAULT_BUDGET_BYTES, concatenate, in_memory_if_fits, training_row_bytes

STARTS = ("ordered", "disordered")

#: Flows from the two starts have *met* once their mean |m| differ by at most this much.
MEET_TOLERANCE = 0.02

Thermometer = Callable[[object], tuple[float, float]]


@dataclass(frozen=True)
class FlowResult:
    """Observables along one RBM flow, step 0 being the start.

    Attributes
    ----------
    start:
        ``"ordered"``, ``"disordered"`` or ``"given"``.
    abs_magnetization, abs_magnetization_err:
        Mean |m| per spin over chains and its standard error, ``(n_steps + 1,)``.
    temperature, temperature_err:
        Thermometer readings ``(n_steps + 1,)`` in J/k_B, NaN without a thermometer.
    spins:
        Final configurations ``(chains, L, L)`` int8 (host).
    """

    start: str
    abs_magnetization: np.ndarray
    abs_magnetization_err: np.ndarray
    temperature: np.ndarray
    temperature_err: np.ndarray
    spins: np.ndarray

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.abs_magnetization.shape[0])


def initial_spins(start: str, n_chains: int, shape: tuple[int, int], stream: Stream, *, xp=np):
    """Start ensemble: all +1 (``"ordered"``) or independent fair spins (``"disordered"``)."""
    if start == "ordered":
        return xp.ones((n_chains, *shape), dtype=xp.int8)
    if start == "disordered":
        return stream.spins((n_chains, *shape), xp)
    raise ValueError(f"rbm_flow: start must be one of {STARTS}, not {start!r}")


def rbm_flow(
    model: RBM,
    start,
    n_steps: int,
    stream: Stream,
    *,
    shape: tuple[int, int] | None = None,
    n_chains: int = 256,
    thermometer: Thermometer | None = None,
) -> FlowResult:
    """Iterate ``v → h → v′`` ``n_steps`` times and record |m| and T_eff per step.

    Parameters
    ----------
    model:
        RBM with ``L·L`` visible units (row-major sites).
    start:
        ``"ordered"``, ``"disordered"``, or a ±1 int8 array ``(chains, L, L)``.
    n_steps:
        Gibbs steps.
    stream:
        Draws for the start (disordered) and every step.
    shape:
        Lattice shape ``(L, L)``; default square from ``n_visible``.
    n_chains:
        Lattices in the ensemble (ignored when ``start`` is an array).
    thermometer:
        ``thermometer(spins) -> (T_eff, T_err)`` applied at every step.
    """
    xp = model.xp
    if shape is None:
        side = math.isqrt(model.n_visible)
        if side * side != model.n_visible:
            raise ValueError(f"rbm_flow: {model.n_visible} visible units is not a square lattice; pass shape=")
        shape = (side, side)
    if isinstance(start, str):
        spins, label = initial_spins(start, n_chains, shape, stream, xp=xp), start
    else:
        spins, label = xp.asarray(start, dtype=xp.int8), "given"
    n = spins.shape[0]
    units = spins_to_units(spins, dtype=model.weights.dtype)
    m, m_err, t, t_err = [], [], [], []

    def record(lattices):
        abs_m = to_numpy(xp.abs(lattices.reshape(n, -1).astype(xp.float64).mean(axis=1)))
        m.append(float(abs_m.mean()))
        m_err.append(float(abs_m.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan)
        reading = thermometer(lattices) if thermometer is not None else (math.nan, math.nan)
        t.append(float(reading[0]))
        t_err.append(float(reading[1]))

    record(spins)
    for _ in range(n_steps):
        units = gibbs_step(model, units, stream)
        spins = units_to_spins(units, shape=shape)
        record(spins)
    return FlowResult(label, np.asarray(m), np.asarray(m_err), np.asarray(t), np.asarray(t_err), to_numpy(spins))


def meeting_step(ordered: FlowResult, disordered: FlowResult, tolerance: float = MEET_TOLERANCE) -> int | None:
    """First step from which the two flows' mean |m| stay within ``tolerance`` of each other.

    ``None`` if they are still apart at the last step.
    """
    apart = np.abs(ordered.abs_magnetization - disordered.abs_magnetization) > tolerance
    if apart[-1]:
        return None
    return int(np.flatnonzero(apart)[-1] + 1) if apart.any() else 0


@dataclass(frozen=True)
class FlowExperiment:
    """Iso et al.'s experiment: an RBM trained on all temperatures, flowed from an ordered and a disordered start.

    The RBM is trained by CD-1 with weight decay ``l2`` on the training part
    (first 80 %) of every temperature's configurations.  Its Gibbs chain is
    the flow, so how fast the two starts forget where they came from is the
    chain's mixing time; their common end point is the model's stationary
    ensemble, whose T_eff (projection thermometer, :mod:`rgml.rg.thermometer`)
    and ⟨|m|⟩ are measured on the final lattices of both flows together.

    Attributes
    ----------
    model:
        The trained RBM (host).
    runs:
        One :class:`FlowResult` per start (``"ordered"``, ``"disordered"``).
    end_temperature, end_temperature_err:
        T_eff of the final lattices of both flows, J/k_B.
    end_abs_m, end_abs_m_err:
        Their ⟨|m|⟩.
    meeting:
        First step from which the flows' ⟨|m|⟩ stay within :data:`MEET_TOLERANCE` (None: never).
    size, l2:
        L, and the weight decay of the training.
    """

    model: RBM
    runs: tuple[FlowResult, ...]
    end_temperature: float
    end_temperature_err: float
    end_abs_m: float
    end_abs_m_err: float
    meeting: int | None
    size: int
    l2: float

    def to_dataset(self) -> xr.Dataset:
        """The flow store's dataset: the model, |m| and T_eff per (start, step), the end point."""
        runs = self.runs
        ds = xr.Dataset(
            {
                **model_variables(self.model),
                "abs_m": (("start", "step"), np.stack([r.abs_magnetization for r in runs]), {"long_name": "<|m|>"}),
                "abs_m_err": (("start", "step"), np.stack([r.abs_magnetization_err for r in runs])),
                "T_eff": (("start", "step"), np.stack([r.temperature for r in runs]),
                          {"long_name": "projected temperature (Kaufman energy of the L x L torus)",
                           "units": "J/k_B"}),
                "T_eff_err": (("start", "step"), np.stack([r.temperature_err for r in runs]), {"units": "J/k_B"}),
                "final_spins": (("start", "chain", "y", "x"), np.stack([r.spins[:16] for r in runs])),
                "end_T_eff": ((), self.end_temperature,
                              {"long_name": "T_eff of the final lattices of both flows", "units": "J/k_B"}),
                "end_T_eff_err": ((), self.end_temperature_err, {"units": "J/k_B"}),
                "end_abs_m": ((), self.end_abs_m, {"long_name": "<|m|> of the final lattices of both flows"}),
                "end_abs_m_err": ((), self.end_abs_m_err),
            },
            coords={"start": ("start", np.array([r.start for r in runs], dtype=object)),
                    "step": ("step", np.arange(runs[0].abs_magnetization.size))},
        )
        ds.attrs.update({"size": self.size, "n_hidden": self.model.n_hidden, "l2": self.l2,
                         "meet_tolerance": MEET_TOLERANCE, "meeting_step": -1 if self.meeting is None else self.meeting})
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "FlowExperiment":
        runs = tuple(FlowResult(str(start), ds["abs_m"].values[k], ds["abs_m_err"].values[k], ds["T_eff"].values[k],
                                ds["T_eff_err"].values[k], ds["final_spins"].values[k])
                     for k, start in enumerate(ds["start"].values))
        meeting = int(ds.attrs["meeting_step"])
        return cls(model_of(ds), runs, float(ds["end_T_eff"]), float(ds["end_T_eff_err"]), float(ds["end_abs_m"]),
                   float(ds["end_abs_m_err"]), None if meeting < 0 else meeting, int(ds.attrs["size"]),
                   float(ds.attrs["l2"]))

    def table(self):
        """``rbm_flow.csv``: each start's last step and the flows' common end point, against Tc."""
        common = {"L": self.size, "n_hidden": self.model.n_hidden, "l2": self.l2,
                  "step": self.runs[0].abs_magnetization.size - 1,
                  "meeting_step": -1 if self.meeting is None else self.meeting}
        rows = [common | {"start": r.start, "abs_m": float(r.abs_magnetization[-1]),
                          "abs_m_err": float(r.abs_magnetization_err[-1]), "T_eff": float(r.temperature[-1]),
                          "T_eff_err": float(r.temperature_err[-1])} for r in self.runs]
        rows.append(common | {"start": "both (end point)", "abs_m": self.end_abs_m, "abs_m_err": self.end_abs_m_err,
                              "T_eff": self.end_temperature, "T_eff_err": self.end_temperature_err})
        df = pd.DataFrame(rows)
        df["Tc"] = TC
        df["T_eff_minus_Tc"] = df["T_eff"] - TC
        return df


def flow_experiment(per_temperature, *, seed: int | Stream, n_hidden: int = default("rbm.flow_hidden"),
                    epochs: int = default("rbm.epochs"), l2: float = default("rbm.flow_l2"),
                    steps: int = default("rbm.flow_steps"), chains: int = default("rbm.flow_chains"), xp=None,
                    budget_bytes: int = DEFAULT_BUDGET_BYTES, log=lambda message: None) -> FlowExperiment:
    """Train the flow RBM on all temperatures and run the flow from both starts (Iso, Shiba & Yokoo 2018).

    Parameters
    ----------
    per_temperature:
        One set (or array) of ±1 lattices ``(samples, L, L)`` per temperature, in
        sampling order; the first 80 % of each are pooled for training.
    seed:
        Root seed (keyed (seed, "rbm-flow", L, n_hidden)) or stream.
    n_hidden, epochs, l2, steps, chains:
        Defaults: the config's ``rbm.flow_hidden``, ``rbm.epochs``, ``rbm.flow_l2``,
        ``rbm.flow_steps``, ``rbm.flow_chains``.
    budget_bytes:
        Training data held in memory at most; a larger pool is read group by
        group (:func:`rgml.streaming.in_memory_if_fits`).
    """
    sets = [as_set(s) for s in per_temperature]
    size = sets[0].head(1).shape[-1]
    pooled = in_memory_if_fits(concatenate([split(s)[0] for s in sets]), training_row_bytes(size), budget_bytes)
    log(f"RBM flow L={size}: training on {pooled.n} configurations from {len(sets)} temperatures"
        + pooled.reading())
    xp = xp or array_namespace(pooled.head(1))
    stream = as_stream(seed, "rbm-flow", size, n_hidden)
    config = TrainConfig(n_hidden=n_hidden, epochs=epochs, method="cd", k=1, l2=l2, logz="none")
    model = train(training_units(pooled, xp), config, seed=stream.child("train")).model
    runs = tuple(rbm_flow(model, start, steps, stream.child(start), n_chains=chains,
                          thermometer=projection_thermometer) for start in STARTS)
    final = np.concatenate([r.spins for r in runs])
    t_end, t_end_err = projection_thermometer(final)
    m_final = np.abs(magnetization(final))
    for r in runs:
        log(f"{r.start} start: |m| {r.abs_magnetization[0]:.3f} -> {r.abs_magnetization[-1]:.3f}, "
            f"T_eff -> {r.temperature[-1]:.4f}")
    return FlowExperiment(model.to(np), runs, t_end, t_end_err, float(m_final.mean()),
                          float(m_final.std(ddof=1) / np.sqrt(m_final.size)), meeting_step(*runs), size, float(l2))
