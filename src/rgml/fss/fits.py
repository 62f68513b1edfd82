"""Finite-size-scaling fits with jackknife errors, and the exact finite-torus targets.

Fits are weighted least squares of a straight line y = a + s·x, weights
1/σ² from the jackknife errors of y, repeated on every leave-one-unit-out
replica (same weights) so that the error of each parameter is a jackknife
error that carries every correlation between the points — e.g. Binder
crossings of (L, 2L) and (2L, 4L) share the 2L data, and the shift fit uses
the replicas of the Tc estimate.  χ² uses the jackknife covariance of the
points.

Scaling forms (2D Ising, ν = 1, γ/ν = 7/4, β/ν = 1/8; Onsager, Phys. Rev. 65,
117 (1944); Yang, Phys. Rev. 85, 808 (1952); finite-size scaling: Fisher &
Barber, PRL 28, 1516 (1972); Binder, Z. Phys. B 43, 119 (1981)):

* χ'_max ∝ L^{γ/ν}: slope of ln χ'_max against ln L;
* T_max(L) − Tc ∝ L^{−1/ν}: slope of ln(T_max − Tc) against ln L;
* dU₄/dβ at Tc ∝ L^{1/ν}, ⟨|m|⟩ at Tc ∝ L^{−β/ν};
* crossings of (L, 2L) approach Tc as L^{−(1/ν + ω)} (ω the leading
  correction exponent; ω = 2 for the 2D Ising model): Tc is the intercept
  of the crossings against L^{−(1/ν + ω)};
* C_max = c₀ + c₁ ln L, compared with the same fit of Kaufman's exact
  finite-torus C_max (Ferdinand & Fisher, Phys. Rev. 185, 832 (1969):
  c₁ = (8/π) K_c² ≈ 0.4945 as L → ∞).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from rgml.blocking import jackknife_covariance
from rgml.exact import TC, kaufman_specific_heat
from rgml.fss.curves import Replicated

#: Exact 2D Ising exponents (Onsager 1944, Yang 1952) the estimates are compared with.
EXACT = {"nu": 1.0, "inv_nu": 1.0, "gamma_over_nu": 1.75, "beta_over_nu": 0.125, "omega": 2.0}


def _line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(intercept, slope) of the weighted least-squares line; last axis of y are the points."""
    sw, sx, sxx = w.sum(), (w * x).sum(), (w * x * x).sum()
    sy, sxy = (w * y).sum(axis=-1), (w * x * y).sum(axis=-1)
    det = sw * sxx - sx * sx
    return np.stack([(sxx * sy - sx * sxy) / det, (sw * sxy - sx * sy) / det])


def fit_line(x, points: list[Replicated]) -> tuple[Replicated, Replicated, float, int]:
    """Weighted straight-line fit y = a + s·x of replicated points: ``(a, s, χ², dof)``.

    With two points the line goes through them (dof 0, χ² 0); with one the
    slope is NaN and the intercept is that point.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.array([p.value for p in points])
    replicas = np.stack([p.replicas for p in points], axis=-1)  # (U, p)
    units = replicas.shape[0]
    nan = Replicated(np.nan, np.full(units, np.nan))
    ok = np.isfinite(y) & np.all(np.isfinite(replicas), axis=0)
    if ok.sum() == 0:
        return nan, nan, np.nan, 0
    x, y, replicas = x[ok], y[ok], replicas[:, ok]
    if ok.sum() == 1:
        return Replicated(float(y[0]), replicas[:, 0]), nan, 0.0, 0
    errors = np.sqrt(np.diag(jackknife_covariance(replicas)))
    w = 1.0 / np.maximum(errors, 1e-300) ** 2
    a, s = _line(x, y, w)
    rep = _line(x, replicas, w)
    dof = int(ok.sum()) - 2
    chi2 = 0.0
    if dof > 0:
        resid = y - (a + s * x)
        cov = jackknife_covariance(replicas)
        chi2 = float(resid @ np.linalg.lstsq(cov, resid, rcond=None)[0])
    return Replicated(float(a), rep[0]), Replicated(float(s), rep[1]), chi2, dof


def kaufman_specific_heat_max(size: int, *, bounds: tuple[float, float] = (1.9, 3.2)) -> tuple[float, float]:
    """Exact (T_max, C_max) of the L×L torus: the maximum of :func:`rgml.exact.kaufman_specific_heat`."""
    best = minimize_scalar(lambda t: -float(kaufman_specific_heat(size, t)), bounds=bounds, method="bounded",
                           options={"xatol": 1e-10})
    return float(best.x), float(-best.fun)


def power_law_exponent(sizes, values: list[Replicated]) -> tuple[Replicated, float, int]:
    """Exponent p of values ∝ L^p: slope of ln(value) against ln L, with χ² and dof."""
    logs = [v.map(np.log) for v in values]
    _, slope, chi2, dof = fit_line(np.log(np.asarray(sizes, dtype=np.float64)), logs)
    return slope, chi2, dof


def shift_exponent(sizes, positions: list[Replicated], tc: Replicated) -> tuple[Replicated, float, int]:
    """1/ν from T_max(L) − Tc ∝ L^{−1/ν}, Tc replicated (blind) or fixed (replicas all equal)."""
    gaps = [Replicated(np.log(abs(p.value - tc.value)) if p.value != tc.value else np.nan,
                       np.log(np.abs(p.replicas - tc.replicas)))
            for p in positions]
    signs = {np.sign(p.value - tc.value) for p in positions}
    if len(signs) != 1:  # the peaks do not all lie on one side of Tc: no power law to fit
        units = tc.replicas.size
        return Replicated(np.nan, np.full(units, np.nan)), np.nan, 0
    _, slope, chi2, dof = fit_line(np.log(np.asarray(sizes, dtype=np.float64)), gaps)
    return slope.map(np.negative), chi2, dof


def extrapolate_crossings(small_sizes, crossings: list[Replicated], *, inv_nu: float = EXACT["inv_nu"],
                          omega: float = EXACT["omega"]) -> tuple[Replicated, float, int]:
    """Tc from crossings of (L, bL): intercept of T_cross against L^{−(1/ν + ω)} (one crossing: itself)."""
    x = np.asarray(small_sizes, dtype=np.float64) ** -(inv_nu + omega)
    intercept, _, chi2, dof = fit_line(x, crossings)
    return intercept, chi2, dof


def fixed(value: float, units: int) -> Replicated:
    """A constant as a :class:`Replicated` (e.g. the exact Tc in a shift fit)."""
    return Replicated(float(value), np.full(units, float(value)))


def exact_tc(units: int) -> Replicated:
    return fixed(TC, units)
