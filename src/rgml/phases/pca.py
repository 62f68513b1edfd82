"""Phases without labels: principal component analysis of spin configurations.

Wang (PRB 94, 195105 (2016)) showed that the leading principal component
of 2D Ising configurations pooled over temperatures is the uniform vector —
PCA discovers the magnetisation as the order parameter — and that the
projection on it separates the phases; Hu, Singh & Scalettar (PRE 95,
062122 (2017)) read critical properties off the finite-size scaling of such
projections.  Per lattice size L:

1. the configurations of every temperature (an evenly spaced subset in
   Monte Carlo time, ``fit_samples`` per temperature) are pooled, centred on
   their mean, and their leading ``n_components`` principal axes found by
   randomized subspace iteration (Halko, Martinsson & Tropp, SIAM Rev. 53,
   217 (2011)) from a keyed Gaussian start; the leading axis w₁ is signed so
   that Σ w₁ ≥ 0;
2. every configuration s is projected, p = (s − s̄) · w₁ (per spin:
   p / √N ≈ m when w₁ is uniform);
3. per temperature: the fraction of the variance along w₁,
   Var_T(p) / Σᵢ Var_T(sᵢ) (≈ ⟨m²⟩ N / N: near 1 in the ordered phase, ~χ/N
   above Tc), the mean |p| / √N and the Binder cumulant of the projection,
   U = 1 − ⟨p⁴⟩ / (3 ⟨p²⟩²) (Binder, Z. Phys. B 43, 119 (1981)).  Below Tc
   the configurations sit in the ±m sectors, so only |p| and even moments
   are used.

Across sizes, Tc comes from the crossings of U for successive sizes and
(Tc, ν) from the collapse of U against (T − Tc) L^{1/ν}
(:mod:`rgml.phases.fss`).  Errors: block bootstrap over chain blocks
(:mod:`rgml.phases.data`), the whole analysis repeated on each replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.params import default
from rgml.backend import array_namespace, to_numpy
from rgml.exact import TC
from rgml.phases.data import (SizeSamples, block_labels, bootstrap_means, check_bootstrap, collect,
                              config_attrs, config_from_attrs, evenly_spaced, spread, summary_table)
from rgml.phases.fss import scaling_analysis
from rgml.phases.numerics import one_blas_thread
from rgml.rng import Stream, as_stream


@dataclass(frozen=True)
class PCAConfig:
    """Knobs of the PCA analysis (all with defaults).

    Attributes
    ----------
    n_components:
        Principal components found (their explained-variance ratios are kept).
    fit_samples:
        Configurations per temperature, evenly spaced in Monte Carlo time,
        from which the components are found (None: all).  Every configuration
        is projected afterwards.
    oversample, power_iterations:
        Extra random directions and subspace iterations of the randomized
        eigensolver.
    blocks:
        Chain blocks per temperature for the bootstrap.
    n_boot:
        Bootstrap replicas.
    collapse_window:
        Binder-cumulant values (low, high) whose points must collapse (and take part in pair crossings).
    fss_min_size:
        Smallest size in the collapse (every size gets its curves and crossings).
    """

    n_components: int = default("phases.pca.n_components")
    fit_samples: int | None = default("phases.pca.fit_samples")
    oversample: int = 8
    power_iterations: int = 4
    blocks: int = default("phases.blocks")
    n_boot: int = default("phases.bootstrap")
    collapse_window: tuple[float, float] = (0.1, 0.65)
    fss_min_size: int = default("phases.fss_min_size")

    def __post_init__(self):
        if self.n_components < 1 or self.oversample < 0 or self.power_iterations < 0:
            raise ValueError("n_components must be >= 1, oversample and power_iterations >= 0")
        if self.fit_samples is not None and self.fit_samples < 1:
            raise ValueError(f"fit_samples: use a positive count or None (all), got {self.fit_samples}")
        check_bootstrap(self.n_boot, self.blocks)


def principal_components(x, n_components: int, stream: Stream, *, oversample: int = 8,
                         power_iterations: int = 4) -> tuple:
    """Leading principal axes of the rows of ``x`` by randomized subspace iteration.

    Parameters
    ----------
    x:
        ``(n, d)`` float data, already centred (NumPy or CuPy); the products run in its dtype.
    n_components:
        Axes wanted, k ≤ min(n, d).
    stream:
        Source of the Gaussian start ``(d, k + oversample)``.

    Returns
    -------
    (axes ``(k, d)`` orthonormal rows, variances ``(k,)`` = λ of the covariance
    x^T x / (n − 1), total variance = trace of the covariance), on the namespace of ``x``.
    """
    xp = array_namespace(x)
    n, d = x.shape
    width = min(n_components + oversample, n, d)
    if n_components > width:
        raise ValueError(f"n_components: at most min(samples, sites) = {min(n, d)}, got {n_components}")
    q, _ = xp.linalg.qr(x @ stream.normal((d, width), xp).astype(x.dtype))
    for _ in range(power_iterations):
        z, _ = xp.linalg.qr(x.T @ q)
        q, _ = xp.linalg.qr(x @ z)
    _, s, vt = xp.linalg.svd(q.T @ x, full_matrices=False)
    total = float((x * x).sum(dtype=xp.float64)) / (n - 1)
    return vt[:n_components], s[:n_components] ** 2 / (n - 1), total


@dataclass(frozen=True)
class PCAResult:
    """PCA of configurations at every size (host arrays).

    Attributes
    ----------
    sizes, temperatures:
        ``(n_L,)`` and ``(n_T,)``.
    explained_variance_ratio:
        ``(n_L, n_components)`` λ_k / Σ λ of the pooled configurations.
    cosine_uniform:
        ``(n_L,)`` |w₁ · 1| / √N, 1 for the uniform vector.
    weights:
        ``{L: (L, L)}`` the leading axis w₁ (unit norm, Σ w₁ ≥ 0).
    variance_fraction, variance_fraction_err:
        ``(n_L, n_T)`` share of each temperature's variance along w₁.
    abs_projection, abs_projection_err:
        ``(n_L, n_T)`` ⟨|p|⟩ / √N (≈ ⟨|m|⟩).
    binder, binder_err:
        ``(n_L, n_T)`` Binder cumulant of p.
    pair_sizes, tc_pairs, tc_pairs_err:
        ``(n_L − 1,)`` smaller size of each successive pair and the crossing of their U.
    tc, tc_err, nu, nu_err, collapse_quality:
        From the collapse of U (quality ≈ 1: within errors).
    fit_seconds:
        ``(n_L,)`` wall time of each size's PCA (not reproducible; everything else is).
    config:
        The :class:`PCAConfig`.
    """

    sizes: np.ndarray
    temperatures: np.ndarray
    explained_variance_ratio: np.ndarray
    cosine_uniform: np.ndarray
    weights: dict
    variance_fraction: np.ndarray
    variance_fraction_err: np.ndarray
    abs_projection: np.ndarray
    abs_projection_err: np.ndarray
    binder: np.ndarray
    binder_err: np.ndarray
    pair_sizes: np.ndarray
    tc_pairs: np.ndarray
    tc_pairs_err: np.ndarray
    tc: float
    tc_err: float
    nu: float
    nu_err: float
    collapse_quality: float
    fit_seconds: np.ndarray
    config: PCAConfig

    _CURVES = ("variance_fraction", "abs_projection", "binder")

    def to_dataset(self) -> xr.Dataset:
        """Named-dim dataset: curves on (size, temperature), spectrum on (size, component), w₁ per size."""
        coords = {
            "size": ("size", self.sizes, {"long_name": "linear lattice size L"}),
            "temperature": ("temperature", self.temperatures, {"units": "J/k_B", "long_name": "temperature"}),
            "component": ("component", np.arange(self.explained_variance_ratio.shape[1]),
                          {"long_name": "principal component index (0: leading)"}),
            "pair_size": ("pair_size", self.pair_sizes, {"long_name": "smaller size L of the pair (L, next L)"}),
        }
        long = {"variance_fraction": "share of the variance at T along the leading component",
                "abs_projection": "mean |projection| per spin on the leading component",
                "binder": "Binder cumulant of the projection on the leading component"}
        data = {}
        for name in self._CURVES:
            data[name] = (("size", "temperature"), getattr(self, name), {"long_name": long[name]})
            data[name + "_err"] = (("size", "temperature"), getattr(self, name + "_err"),
                                   {"long_name": "bootstrap standard error of " + name})
        data["explained_variance_ratio"] = (("size", "component"), self.explained_variance_ratio,
                                            {"long_name": "explained variance ratio of the pooled configurations"})
        data["cosine_uniform"] = ("size", self.cosine_uniform, {"long_name": "|cos| of leading axis and uniform"})
        data["fit_seconds"] = ("size", self.fit_seconds, {"units": "s", "long_name": "wall time of the PCA"})
        data["tc_pairs"] = ("pair_size", self.tc_pairs, {"units": "J/k_B", "long_name": "Binder crossing"})
        data["tc_pairs_err"] = ("pair_size", self.tc_pairs_err, {"units": "J/k_B"})
        for L, w in self.weights.items():
            data[f"weights_L{L}"] = ((f"y_L{L}", f"x_L{L}"), w, {"long_name": f"leading axis at L={L}"})
        for name, units in (("tc", "J/k_B"), ("tc_err", "J/k_B"), ("nu", "1"), ("nu_err", "1"),
                            ("collapse_quality", "1")):
            data[name] = ((), getattr(self, name), {"units": units})
        return xr.Dataset(data, coords=coords, attrs=config_attrs("pca", self.config))

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "PCAResult":
        sizes = np.asarray(ds["size"])
        values = {name: np.asarray(ds[name]) for name in ds.data_vars if not name.startswith("weights_L")}
        return cls(
            sizes=sizes, temperatures=np.asarray(ds["temperature"]), pair_sizes=np.asarray(ds["pair_size"]),
            weights={int(L): np.asarray(ds[f"weights_L{L}"]) for L in sizes},
            config=config_from_attrs(PCAConfig, ds.attrs),
            **{k: (float(v) if v.ndim == 0 else v) for k, v in values.items()},
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per (L, T): variance fraction, |projection| per spin, Binder cumulant, with errors."""
        rows = []
        for i, L in enumerate(self.sizes):
            for j, t in enumerate(self.temperatures):
                row = {"L": int(L), "T": float(t)}
                for name in self._CURVES:
                    row[name] = float(getattr(self, name)[i, j])
                    row[name + "_err"] = float(getattr(self, name + "_err")[i, j])
                rows.append(row)
        return pd.DataFrame(rows)

    def summary_frame(self) -> pd.DataFrame:
        """Tidy headline numbers (:func:`rgml.phases.data.summary_table`)."""
        rows = [("pca", L, "cosine_uniform", c, np.nan) for L, c in zip(self.sizes, self.cosine_uniform)]
        rows += [("pca", L, "explained_variance_ratio_1", r, np.nan)
                 for L, r in zip(self.sizes, self.explained_variance_ratio[:, 0])]
        rows += [("pca", L, "tc_binder_crossing", t, e) for L, t, e in zip(self.pair_sizes, self.tc_pairs,
                                                                            self.tc_pairs_err)]
        rows += [("pca", L, "fit_seconds", s, np.nan) for L, s in zip(self.sizes, self.fit_seconds)]
        rows += [("pca", None, "tc_collapse", self.tc, self.tc_err), ("pca", None, "nu_collapse", self.nu, self.nu_err),
                 ("pca", None, "collapse_quality", self.collapse_quality, np.nan)]
        return summary_table("pca", rows)


def _size_pca(s: SizeSamples, config: PCAConfig, stream: Stream) -> dict:
    """Components, per-temperature moments (central and bootstrap) of one size."""
    xp = array_namespace(s.spins)
    n_t, n = s.temperatures.size, s.size * s.size
    picks = evenly_spaced(np.arange(s.n_samples), config.fit_samples)
    x = xp.concatenate([s.flat(t, picks, dtype=np.float32) for t in range(n_t)])  # sums of ±1: exact in float32
    mean = x.mean(axis=0, dtype=xp.float64)
    x -= mean.astype(np.float32)
    axes, variances, total = principal_components(x, config.n_components, stream.child("start"),
                                                  oversample=config.oversample,
                                                  power_iterations=config.power_iterations)
    del x
    w = axes[0].astype(xp.float64) * (1.0 if float(axes[0].sum()) >= 0 else -1.0)
    w32, offset = w.astype(np.float32), float(mean @ w)
    labels = block_labels(s.n_samples, chains=s.chains, blocks=config.blocks)
    moments, replicas, site_var = [], [], []
    for t in range(n_t):
        rows = s.flat(t, dtype=np.float32)
        p = (rows @ w32).astype(xp.float64) - offset
        site_var.append(float(n - (rows.mean(axis=0, dtype=xp.float64) ** 2).sum()))  # Σᵢ Var_T(sᵢ), sᵢ² = 1
        q = xp.stack([xp.abs(p) / np.sqrt(n), p * p, p**4, p], axis=1)
        central, boot = bootstrap_means(q, labels, stream.child("bootstrap", float(s.temperatures[t])),
                                        config.n_boot)
        moments.append(central)
        replicas.append(boot)
    return {
        "weights": to_numpy(w).reshape(s.size, s.size).copy(),
        "cosine": abs(float(w.sum())) / np.sqrt(n),
        "ratio": to_numpy(variances) / total,
        "moments": np.stack(moments),  # (T, 4): |p|/√N, p², p⁴, p
        "replicas": np.stack(replicas, axis=1),  # (boot, T, 4)
        "site_var": np.asarray(site_var),
    }


def _curves(m: np.ndarray, site_var: np.ndarray) -> dict:
    """Variance fraction, |p| per spin and Binder cumulant from moment means (..., T, 4)."""
    abs_p, p2, p4, p1 = m[..., 0], m[..., 1], m[..., 2], m[..., 3]
    return {"variance_fraction": (p2 - p1**2) / site_var, "abs_projection": abs_p,
            "binder": 1.0 - p4 / (3.0 * p2**2)}


def pca_phases(samples, config: PCAConfig = PCAConfig(), *, seed: int | Stream,
               log: Callable[[str], None] | None = None) -> PCAResult:
    """PCA of the configurations at every size, with Tc and ν from the scaling of the leading projection.

    Parameters
    ----------
    samples:
        Sample stores (``xarray.Dataset``) or :class:`rgml.phases.data.SizeSamples`, one per size,
        as a sequence or ``{L: ...}`` (:func:`rgml.phases.data.collect`); one temperature grid.
    config:
        :class:`PCAConfig`.
    seed:
        Root seed or stream; keyed ``("phases", "pca")``, then per size and temperature.
    log:
        Optional progress callback.

    Returns
    -------
    :class:`PCAResult`.
    """
    data = collect(samples)
    root = as_stream(seed, "phases", "pca")
    sizes = np.array(list(data), dtype=np.int64)
    temps = next(iter(data.values())).temperatures
    per_size, seconds = {}, []
    with one_blas_thread():
        for L, s in data.items():
            start = time.perf_counter()
            per_size[L] = _size_pca(s, config, root.child(int(L)))
            seconds.append(time.perf_counter() - start)
            if log:
                log(f"pca L={L}: cos(w1, uniform) = {per_size[L]['cosine']:.4f} "
                    f"ratio_1 = {per_size[L]['ratio'][0]:.3f} ({seconds[-1]:.1f} s)")
    central = {k: np.stack([_curves(per_size[L]["moments"], per_size[L]["site_var"])[k] for L in data])
               for k in PCAResult._CURVES}
    boot = {k: np.stack([_curves(per_size[L]["replicas"], per_size[L]["site_var"])[k] for L in data], axis=1)
            for k in PCAResult._CURVES}  # (boot, L, T)
    errors = {k: spread(boot[k]) for k in boot}
    fss = scaling_analysis(temps, sizes, central["binder"], boot["binder"], window=tuple(config.collapse_window),
                           min_size=config.fss_min_size)
    if log:
        log(f"pca collapse: Tc = {fss['collapse_tc']:.4f} ± {fss['collapse_tc_err']:.4f} (exact {TC:.6f}), "
            f"nu = {fss['nu']:.3f} ± {fss['nu_err']:.3f}, quality {fss['collapse_quality']:.2f}")
    return PCAResult(
        sizes=sizes, temperatures=temps.copy(),
        explained_variance_ratio=np.stack([per_size[L]["ratio"] for L in data]),
        cosine_uniform=np.array([per_size[L]["cosine"] for L in data]),
        weights={int(L): per_size[L]["weights"] for L in data},
        variance_fraction=central["variance_fraction"], variance_fraction_err=errors["variance_fraction"],
        abs_projection=central["abs_projection"], abs_projection_err=errors["abs_projection"],
        binder=central["binder"], binder_err=errors["binder"],
        pair_sizes=sizes[:-1].copy(), tc_pairs=fss["tc_pairs"], tc_pairs_err=fss["tc_pairs_err"],
        tc=float(fss["collapse_tc"]), tc_err=fss["collapse_tc_err"], nu=float(fss["nu"]), nu_err=fss["nu_err"],
        collapse_quality=float(fss["collapse_quality"]),
        fit_seconds=np.array(seconds), config=config,
    )
