"""Which temperature does an ensemble of lattices look like?  One thermometer per observable.

An ensemble drawn from the Gibbs state of the nearest-neighbour Ising model
at one temperature T reads T on *every* thermometer.  An ensemble that is
not a Gibbs state at any single T — a mixture of temperatures, or the
stationary state of an RBM's Gibbs chain — reads different temperatures on
different observables; the spread is the evidence.  The thermometers here
invert, for L×L tori of one size:

* ``energy``: the mean energy per spin against Kaufman's exact finite-torus
  energy (:func:`rgml.rg.thermometer.projection_thermometer`).  For the
  nearest-neighbour model e = −2 G_nn, so this *is* the nearest-neighbour
  correlation thermometer;
* ``abs_m`` (⟨|m|⟩), ``m2`` (⟨m²⟩), ``nnn`` (the diagonal correlation
  G_nnn) and ``plaquette`` (the four-spin correlation of a plaquette):
  against Monte Carlo reference curves of the same L on a temperature grid
  (:class:`ReferenceCurves`, e.g. from the sample store), each fitted by a
  monotone decreasing piecewise-linear curve in T and inverted
  (:func:`rgml.rg.thermometer.isotonic_decreasing`,
  :func:`rgml.rg.thermometer.invert_monotone`); a reading beyond the grid is
  flagged ``below``/``above``, not clamped.

Errors: the ensemble's standard error (i.i.d. lattices, or chain blocks)
and the reference curve's error at the reading, both divided by the
curve's slope there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.backend import to_numpy
from rgml.blocking import BLOCKS
from rgml.columns import Columns
from rgml.ising.lattice import energy_2d, magnetization
from rgml.rg.correlations import interaction_densities
from rgml.rg.eta import mean_and_error
from rgml.rg.thermometer import INSIDE, invert_monotone, isotonic_decreasing, projection_thermometer

#: Observables of a lattice, in the column order of :func:`lattice_observables`.
OBSERVABLES = ("energy", "abs_m", "m2", "nnn", "plaquette")

#: Observables read against Monte Carlo reference curves (energy is read against the exact torus).
MONTE_CARLO = OBSERVABLES[1:]

_LONG = {
    "energy": "energy per spin (= -2 G_nn)", "abs_m": "<|m|> per spin", "m2": "<m^2> per spin^2",
    "nnn": "diagonal (next-nearest-neighbour) correlation", "plaquette": "four-spin plaquette correlation",
}


def lattice_observables(spins) -> np.ndarray:
    """Per-lattice observables ``(n, 5)`` of ±1 lattices ``(n, L, L)``, columns :data:`OBSERVABLES`."""
    lattices = np.asarray(to_numpy(spins))
    if lattices.ndim != 3 or lattices.shape[1] != lattices.shape[2]:
        raise ValueError(f"spins: expected lattices (n, L, L), got shape {lattices.shape}")
    m = to_numpy(magnetization(lattices)).astype(np.float64)
    dens = to_numpy(interaction_densities(lattices, 3))
    return np.stack([to_numpy(energy_2d(lattices)).astype(np.float64), np.abs(m), m * m,
                     dens[:, 1] / 2.0, dens[:, 2]], axis=1)


@dataclass(frozen=True)
class ReferenceCurves:
    """Monte Carlo means of the :data:`OBSERVABLES` on a temperature grid, for L×L tori of one size.

    Attributes
    ----------
    size:
        L.
    temperatures:
        ``(n_T,)`` increasing grid, J/k_B.
    mean, error:
        ``(n_T, 5)`` means and their standard errors.
    """

    size: int
    temperatures: np.ndarray
    mean: np.ndarray
    error: np.ndarray

    def __post_init__(self):
        t = np.asarray(self.temperatures, np.float64)
        if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
            raise ValueError("temperatures: need an increasing grid of at least two temperatures")
        shape = (t.size, len(OBSERVABLES))
        if np.shape(self.mean) != shape or np.shape(self.error) != shape:
            raise ValueError(f"mean and error must have shape {shape}, got {np.shape(self.mean)}, "
                             f"{np.shape(self.error)}")
        object.__setattr__(self, "temperatures", t)

    @classmethod
    def from_samples(cls, per_temperature: Sequence, temperatures: Sequence[float], *, chains: int = 1,
                     blocks: int | None = BLOCKS) -> "ReferenceCurves":
        """Reference curves from Monte Carlo samples ``(samples, L, L)`` per temperature (stored order).

        Errors are chain-block jackknife errors (:func:`rgml.rg.eta.mean_and_error`).
        """
        order = np.argsort(np.asarray(temperatures, np.float64))
        mean, error, sizes = [], [], set()
        for i in order:
            values = lattice_observables(per_temperature[i])
            sizes.add(int(np.shape(per_temperature[i])[-1]))
            pairs = [mean_and_error(values[:, a], chains=chains, blocks=blocks) for a in range(values.shape[1])]
            mean.append([p[0] for p in pairs])
            error.append([p[1] for p in pairs])
        if len(sizes) != 1:
            raise ValueError(f"per_temperature: every set must hold lattices of one size, got {sorted(sizes)}")
        return cls(sizes.pop(), np.asarray(temperatures, np.float64)[order], np.asarray(mean), np.asarray(error))

    def to_dataset(self) -> xr.Dataset:
        """Reference means and errors along (temperature, observable)."""
        dims = ("temperature", "observable")
        return xr.Dataset(
            {"mean": (dims, self.mean, {"long_name": "Monte Carlo mean"}),
             "error": (dims, self.error, {"long_name": "its standard error"})},
            coords={"temperature": ("temperature", self.temperatures, {"units": "J/k_B"}),
                    "observable": ("observable", np.array(OBSERVABLES, dtype=object))},
            attrs={"size": self.size},
        )

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "ReferenceCurves":
        return cls(int(ds.attrs["size"]), ds["temperature"].values, ds["mean"].values, ds["error"].values)


@dataclass(frozen=True)
class ThermometerReadings(Columns):
    """One row per observable: the ensemble's mean and the temperature it reads."""

    observable: np.ndarray
    value: np.ndarray
    value_err: np.ndarray
    T: np.ndarray
    T_err: np.ndarray
    reference: np.ndarray
    flag: np.ndarray

    DIM = "observable"
    KEYS = ("observable",)
    META = {
        "observable": ("1", "energy | abs_m | m2 | nnn | plaquette"), "value": ("1", "ensemble mean"),
        "value_err": ("1", "its standard error"), "T": ("J/k_B", "temperature the observable reads"),
        "T_err": ("J/k_B", "error of T (ensemble and reference)"),
        "reference": ("1", "exact (Kaufman torus) or monte_carlo (reference curves)"),
        "flag": ("1", "below/above: beyond the reference grid"),
    }


def read_monte_carlo(value: float, value_err: float, reference: ReferenceCurves, observable: str
                     ) -> tuple[float, float, str]:
    """T (and its error, flag) at which the reference curve of ``observable`` equals ``value``."""
    a = OBSERVABLES.index(observable)
    grid_err = np.maximum(reference.error[:, a], 1e-12)
    curve = isotonic_decreasing(reference.mean[:, a], 1.0 / grid_err**2)
    t, slope, flag = invert_monotone(reference.temperatures, curve, value)
    if flag != INSIDE or not slope < 0:
        return np.nan, np.nan, flag
    curve_err = float(np.interp(t, reference.temperatures, reference.error[:, a]))
    return float(t), float(np.hypot(value_err, curve_err) / abs(slope)), INSIDE


def read_temperatures(spins, reference: ReferenceCurves | None = None, *, chains: int = 1,
                      blocks: int | None = None) -> ThermometerReadings:
    """The temperature every observable of an ensemble of L×L lattices reads.

    Parameters
    ----------
    spins:
        ±1 lattices ``(n, L, L)``.
    reference:
        Monte Carlo curves of the same L; without them only ``energy`` is read.
    chains, blocks:
        Error units: ``blocks=None`` treats lattices as independent (e.g. the
        final states of independent chains); else chain blocks of stored samples.
    """
    values = lattice_observables(spins)
    size = np.asarray(to_numpy(spins)).shape[-1]
    if reference is not None and reference.size != size:
        raise ValueError(f"reference: curves are for L={reference.size}, the lattices have L={size}")
    rows = []
    for a, name in enumerate(OBSERVABLES):
        value, err = mean_and_error(values[:, a], chains=chains, blocks=blocks)
        if name == "energy":
            t, t_err = projection_thermometer(spins)
            flag = INSIDE if np.isfinite(t) else ("below" if value < -1 else "above")
            if blocks is not None and np.isfinite(t):  # rescale the i.i.d. error to the block error
                iid = values[:, a].std(ddof=1) / np.sqrt(values.shape[0])
                t_err = t_err * err / iid if iid > 0 else t_err
            rows.append({"observable": name, "value": value, "value_err": err, "T": t, "T_err": t_err,
                         "reference": "exact", "flag": flag})
        elif reference is not None:
            t, t_err, flag = read_monte_carlo(value, err, reference, name)
            rows.append({"observable": name, "value": value, "value_err": err, "T": t, "T_err": t_err,
                         "reference": "monte_carlo", "flag": flag})
    return ThermometerReadings.from_rows(rows)
