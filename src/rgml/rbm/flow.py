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

from rgml.backend import to_numpy
from rgml.rbm.model import RBM, spins_to_units, units_to_spins
from rgml.rbm.sampling import gibbs_step
from rgml.rng import Stream

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
