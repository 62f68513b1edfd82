"""How local a receptive field is: its radius of gyration on the torus.

A field ``f`` over the sites of an ``Ly × Lx`` periodic lattice defines the
weights ``w_i = f_i² / Σ_k f_k²`` (sign-blind: a field that is positive on
one patch and negative on another is as local as the patches).  Its squared
radius of gyration about a site ``c`` is ``Σ_i w_i d(i, c)²`` with ``d`` the
minimal-image distance; the field's radius of gyration is the smallest of
these over all ``c`` — the natural centre on a torus, where a mean position
is undefined::

    R_g(f)² = min_c Σ_i w_i d(i, c)².

For all ``c`` at once this is a circular convolution of ``w`` with the
kernel ``d(·, 0)²``, done by FFT.  The reference is the uniform map
(``w_i = 1/N``), whose ``R_g² = mean_i d(i, 0)²`` is the same for every
centre (≈ L²/6 for an L×L torus).  The *relative* radius of gyration
``ρ = R_g(f) / R_g(uniform)`` is 0 for a single site and 1 for a map spread
evenly over the lattice.  This is the locality measure of the L1 sweep
(Mehta & Schwab, arXiv:1410.3831: L1 makes receptive fields local).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.backend import array_namespace, to_numpy
from rgml.params import default
from rgml.rbm.data import as_set, split, training_units
from rgml.rbm.train import TrainConfig, train
from rgml.rng import keyed


def torus_squared_distance(shape: tuple[int, int], *, xp) -> object:
    """``d(i, 0)²`` on an ``Ly × Lx`` torus (minimal image), shape ``(Ly, Lx)``."""
    ly, lx = shape
    dy = xp.minimum(xp.arange(ly), ly - xp.arange(ly)).astype(xp.float64)
    dx = xp.minimum(xp.arange(lx), lx - xp.arange(lx)).astype(xp.float64)
    return dy[:, None] ** 2 + dx[None, :] ** 2


def uniform_radius_of_gyration(shape: tuple[int, int]) -> float:
    """R_g of the uniform map on an ``Ly × Lx`` torus (lattice units)."""
    ly, lx = shape
    mean_sq = sum(min(y, ly - y) ** 2 for y in range(ly)) / ly + sum(min(x, lx - x) ** 2 for x in range(lx)) / lx
    return math.sqrt(mean_sq)


def radius_of_gyration(fields, shape: tuple[int, int]):
    """R_g (lattice units) of each column of ``fields`` ``(Ly·Lx, n_units)`` on the torus.

    A column that is identically zero has no position; it gets NaN.
    """
    xp = array_namespace(fields)
    ly, lx = shape
    if fields.ndim != 2 or fields.shape[0] != ly * lx:
        raise ValueError(
            f"radius_of_gyration: fields must be ({ly * lx}, n_units) for a {ly}×{lx} lattice, got {fields.shape}"
        )
    power = xp.asarray(fields, dtype=xp.float64).T.reshape(-1, ly, lx) ** 2
    norm = power.sum(axis=(1, 2))
    weights = power / xp.where(norm > 0, norm, 1.0)[:, None, None]
    kernel = xp.fft.rfft2(torus_squared_distance(shape, xp=xp))
    spread = xp.fft.irfft2(xp.fft.rfft2(weights) * kernel, s=shape)
    r2 = xp.maximum(spread.reshape(spread.shape[0], -1).min(axis=1), 0.0)
    return xp.where(norm > 0, xp.sqrt(r2), xp.nan)


def relative_radius_of_gyration(fields, shape: tuple[int, int]):
    """ρ = R_g / R_g(uniform) of each column of ``fields`` (0 = one site, 1 = spread out)."""
    return radius_of_gyration(fields, shape) / uniform_radius_of_gyration(shape)


def strongest_unit(fields) -> int:
    """Index of the unit whose receptive field ``(..., n_units)`` has the largest power Σ_i f_i²."""
    fields = np.asarray(fields)
    return int(np.argmax((fields**2).reshape(-1, fields.shape[-1]).sum(axis=0)))


def locality(fields, shape: tuple[int, int]) -> float:
    """Summary ρ of a layer: the per-unit ρ averaged with weights ``Σ_i f_i²``.

    Weighting by the field's power keeps units that L1 has all but switched
    off (tiny, noise-like fields) from dominating the average.
    """
    xp = array_namespace(fields)
    rho = relative_radius_of_gyration(fields, shape)
    power = (xp.asarray(fields, dtype=xp.float64) ** 2).sum(axis=0)
    keep = power > 0
    return float((rho[keep] * power[keep]).sum() / power[keep].sum())


@dataclass(frozen=True)
class LocalitySweep:
    """Single-layer RBMs trained at increasing L1 strength and the locality of their receptive fields.

    Attributes
    ----------
    l1:
        L1 strengths λ₁.
    fields:
        Receptive fields W ``(l1, y, x, hidden)``.
    locality:
        Power-weighted relative radius of gyration ρ per strength (:func:`locality`).
    size, temperature:
        L and T (J/k_B) of the training data.
    """

    l1: np.ndarray
    fields: np.ndarray
    locality: np.ndarray
    size: int
    temperature: float

    def to_dataset(self) -> xr.Dataset:
        ds = xr.Dataset(
            {"field": (("l1", "y", "x", "hidden"), self.fields, {"long_name": "receptive fields W"}),
             "locality": (("l1",), self.locality, {"long_name": "radius of gyration relative to a uniform map"})},
            coords={"l1": ("l1", np.asarray(self.l1, np.float64)), "temperature": ((), self.temperature)},
        )
        ds.attrs["size"] = self.size
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "LocalitySweep":
        return cls(ds["l1"].values, ds["field"].values, ds["locality"].values, int(ds.attrs["size"]),
                   float(ds["temperature"].values))


def locality_sweep(spins, l1_values=default("rbm.l1"), *, seed, temperature: float,
                   n_hidden: int = default("rbm.n_hidden"), epochs: int = default("rbm.epochs"), xp=None,
                   log=lambda message: None) -> LocalitySweep:
    """Mehta & Schwab's observation, measured: single-layer RBMs at each L1 strength and their locality.

    ``spins``: ±1 lattices ``(samples, L, L)`` (array or set) of one
    temperature; trained on the first 80 % (defaults: the config's ``rbm.l1``,
    ``rbm.n_hidden`` and ``rbm.epochs``).  Each
    strength draws from (seed, "rbm-l1", L, T, λ₁).
    """
    spins = as_set(spins)
    size = spins.head(1).shape[-1]
    xp = xp or array_namespace(spins.head(1))
    train_spins, _ = split(spins)
    fields, measure = [], []
    for l1 in l1_values:
        config = TrainConfig(n_hidden=n_hidden, epochs=epochs, l1=l1, logz="none")
        model = train(training_units(train_spins, xp), config,
                      seed=keyed(seed, "rbm-l1", size, float(temperature), float(l1))).model
        fields.append(to_numpy(model.weights).reshape(size, size, n_hidden))
        measure.append(locality(model.weights, (size, size)))
        log(f"L1 = {l1:g}: locality {measure[-1]:.3f}")
    return LocalitySweep(np.asarray(l1_values, np.float64), np.stack(fields), np.asarray(measure), size,
                         float(temperature))
