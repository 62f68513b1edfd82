"""Data collapse O(L, T) L^{−a} = f((T − Tc) L^{1/ν}) and its quality (Houdayer & Hartmann 2004).

Quality measure of Houdayer & Hartmann, PRB 70, 014418 (2004), Eq. (9):
for every point (x_ij, y_ij ± dy_ij) of size i, the master curve at x_ij is
the weighted least-squares line through the points of every *other* size
that bracket x_ij (the nearest on either side); with its value Y_ij ± dY_ij

    S = (1/𝒩) Σ_{ij} (y_ij − Y_ij)² / (dy_ij² + dY_ij²),

summed over the 𝒩 points that some other size brackets.  S ≈ 1 means the
sizes agree within errors; S ≫ 1 that they do not collapse.  Only points with
|x| ≤ ``window`` enter (the scaling region).  :func:`fit_collapse` minimises
S over (Tc, 1/ν, a) (Nelder–Mead) and repeats the minimisation on every
jackknife replica of the data for the errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from rgml.blocking import jackknife_error


@dataclass(frozen=True)
class CollapseData:
    """An observable of several sizes on their temperature grids, with jackknife replicas.

    ``values[i]`` ``(n_T_i,)``, ``replicas[i]`` ``(U, n_T_i)``, ``errors[i]`` its jackknife errors.
    """

    sizes: np.ndarray
    temperatures: list[np.ndarray]
    values: list[np.ndarray]
    replicas: list[np.ndarray]

    @property
    def errors(self) -> list[np.ndarray]:
        return [jackknife_error(r) for r in self.replicas]


def quality(sizes, temperatures, values, errors, *, tc: float, inv_nu: float, exponent: float,
            window: float = 1.5) -> tuple[float, int]:
    """Houdayer–Hartmann S of the collapse y = O L^{−exponent} against x = (T − Tc) L^{1/ν}.

    Returns ``(S, 𝒩)``; S is NaN when no point is bracketed by another size.
    """
    xs, ys, dys = [], [], []
    for size, t, v, e in zip(sizes, temperatures, values, errors):
        x = (np.asarray(t) - tc) * float(size) ** inv_nu
        keep = (np.abs(x) <= window) & np.isfinite(v) & np.isfinite(e) & (e > 0)
        scale = float(size) ** -exponent
        order = np.argsort(x[keep])
        xs.append(x[keep][order])
        ys.append(np.asarray(v)[keep][order] * scale)
        dys.append(np.asarray(e)[keep][order] * scale)
    total, terms = 0.0, 0
    for i, (x, y, dy) in enumerate(zip(xs, ys, dys)):
        sums = np.zeros((5, x.size))  # K, Kx, Kxx, Ky, Kxy per point
        for j, (xo, yo, dyo) in enumerate(zip(xs, ys, dys)):
            if j == i or xo.size < 2:
                continue
            lo = np.clip(np.searchsorted(xo, x, side="right") - 1, 0, xo.size - 2)
            inside = (xo[lo] <= x) & (x <= xo[lo + 1])  # the nearest points on either side
            for k in (lo, lo + 1):
                w = np.where(inside, 1.0 / dyo[k] ** 2, 0.0)
                sums += np.stack([w, w * xo[k], w * xo[k] ** 2, w * yo[k], w * xo[k] * yo[k]])
        k_, kx, kxx, ky, kxy = sums
        det = k_ * kxx - kx**2
        used = (k_ > 0) & (det > 0)
        if not used.any():
            continue
        xu, k_, kx, kxx, ky, kxy, det = x[used], k_[used], kx[used], kxx[used], ky[used], kxy[used], det[used]
        curve = ((kxx * ky - kx * kxy) + xu * (k_ * kxy - kx * ky)) / det
        curve_var = (kxx - 2.0 * xu * kx + xu**2 * k_) / det
        total += float(np.sum((y[used] - curve) ** 2 / (dy[used] ** 2 + curve_var)))
        terms += int(used.sum())
    return (total / terms if terms else np.nan), terms


@dataclass(frozen=True)
class CollapseFit:
    """Minimum of S over (Tc, 1/ν, a) with jackknife errors."""

    quality: float
    terms: int
    tc: float
    tc_err: float
    inv_nu: float
    inv_nu_err: float
    exponent: float
    exponent_err: float


def _minimise(data: CollapseData, values, errors, start, window, *, scale: float = 1.0) -> np.ndarray:
    def objective(p):
        s, n = quality(data.sizes, data.temperatures, values, errors, tc=p[0], inv_nu=p[1], exponent=p[2],
                       window=window)
        return s if np.isfinite(s) and n >= 3 else 1e12

    steps = scale * np.array([0.01, 0.1, 0.05])
    simplex = np.vstack([start, start + np.diag(steps)])
    best = minimize(objective, start, method="Nelder-Mead",
                    options={"initial_simplex": simplex, "xatol": 1e-4, "fatol": 1e-4, "maxiter": 1000})
    return best.x


def fit_collapse(data: CollapseData, *, start: tuple[float, float, float], window: float = 1.5) -> CollapseFit:
    """Minimise S over (Tc, 1/ν, a) from ``start``; errors from re-minimising every jackknife replica."""
    errors = data.errors
    best = _minimise(data, data.values, errors, np.asarray(start, dtype=np.float64), window)
    s, n = quality(data.sizes, data.temperatures, data.values, errors, tc=best[0], inv_nu=best[1],
                   exponent=best[2], window=window)
    units = data.replicas[0].shape[0]
    reps = np.array([_minimise(data, [r[u] for r in data.replicas], errors, best, window, scale=0.25)
                     for u in range(units)])
    err = jackknife_error(reps)
    return CollapseFit(float(s), int(n), float(best[0]), float(err[0]), float(best[1]), float(err[1]),
                       float(best[2]), float(err[2]))
