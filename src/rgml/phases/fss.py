"""Finite-size scaling of curves y_L(T) measured on one temperature grid for several sizes L.

Near a continuous transition a dimensionless quantity (a Binder cumulant, a
classifier's mean output) scales as y_L(T) = f((T − Tc) L^{1/ν}) (Fisher &
Barber, PRL 28, 1516 (1972)).  Three ways to read Tc and ν off such curves:

``level_crossing``
    Where one decreasing curve passes a level (0.5 for a classifier output,
    Carrasquilla & Melko, Nat. Phys. 13, 431 (2017)), read off its monotone
    (isotonic) fit by linear interpolation between grid points.
``pair_crossing`` / ``extrapolate``
    Where the curves of two sizes cross (Binder, Z. Phys. B 43, 119 (1981)),
    and the extrapolation of pseudo-critical temperatures
    Tc(L) = Tc + a L^{−1/ν} in L.
``collapse_quality`` / ``fit_collapse``
    The data collapse: the (Tc, ν) for which every curve, plotted against
    x = (T − Tc) L^{1/ν}, lies on the others within errors.  The quality is
    the mean of (y_i − Y_j(x_i))² / (σ_i² + σ_Y²) over every point i of one
    curve and every other curve j that spans its x, Y_j the linear
    interpolation of curve j — the measure of Houdayer & Hartmann (PRB 70,
    014418 (2004)) with each other curve interpolated on its own instead of a
    local master-curve fit.  It is ≈ 1 for a collapse within errors.  Only
    points with y inside a fixed ``window`` enter as points i, so the set of
    points that must collapse does not depend on the trial (Tc, ν).

:func:`scaling_analysis` runs them all on one family of curves and their
bootstrap replicas.  All functions take host arrays; NaN where there is no
crossing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.optimize

from rgml.phases.data import spread
from rgml.rg.thermometer import INSIDE, invert_monotone, isotonic_decreasing

#: Search box of the collapse fit: ν in [NU_RANGE] and Tc within the temperature grid.
NU_RANGE = (0.3, 3.0)


def level_crossing(temperatures: np.ndarray, curve: np.ndarray, level: float = 0.5, *,
                   errors: np.ndarray | None = None) -> float:
    """Temperature where a decreasing ``curve(T)`` passes ``level`` (NaN if it never does on the grid).

    The curve is first made monotone by a weighted isotonic fit (weights 1/σ², or equal).
    """
    t = np.asarray(temperatures, dtype=np.float64)
    y = np.asarray(curve, dtype=np.float64)
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return np.nan
    w = np.ones(ok.sum()) if errors is None else 1.0 / np.maximum(np.asarray(errors)[ok], 1e-12) ** 2
    fit = isotonic_decreasing(y[ok], w)
    tc, _, flag = invert_monotone(t[ok], fit, level)
    return float(tc) if flag == INSIDE else np.nan


def pair_crossing(temperatures: np.ndarray, small: np.ndarray, large: np.ndarray, *,
                  window: tuple[float, float] | None = None, near: float | None = None) -> float:
    """Where the curves of a smaller and a larger size cross, the larger one falling faster.

    With d = small − large, a crossing is a sign change of d from − to +
    between neighbouring grid points (located by linear interpolation).  Only
    grid points where both curves lie inside ``window`` count (far from Tc
    both curves sit at their limits and d is noise).  Of several crossings,
    the one nearest ``near`` is taken, or else the one with the largest jump
    of d.  NaN when there is none.
    """
    t = np.asarray(temperatures, dtype=np.float64)
    a, b = np.asarray(small, dtype=np.float64), np.asarray(large, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if window is not None:
        ok &= (np.minimum(a, b) >= window[0]) & (np.maximum(a, b) <= window[1])
    t, d = t[ok], (a - b)[ok]
    ups = np.flatnonzero((d[:-1] < 0) & (d[1:] >= 0))
    if ups.size == 0:
        return np.nan
    crossings = t[ups] - d[ups] * (t[ups + 1] - t[ups]) / (d[ups + 1] - d[ups])
    pick = np.argmin(np.abs(crossings - near)) if near is not None else np.argmax(d[ups + 1] - d[ups])
    return float(crossings[pick])


class Extrapolation(NamedTuple):
    """Straight-line fit Tc(L) = tc + slope · L^{−exponent}."""

    tc: float
    slope: float
    chi2: float  #: χ² per degree of freedom (NaN with two points)
    tc_err: float  #: standard error of tc from the given errors (not scaled by χ²)


def extrapolate(sizes: np.ndarray, tc: np.ndarray, *, errors: np.ndarray | None = None,
                exponent: float = 1.0) -> Extrapolation:
    """Weighted straight-line fit Tc(L) = Tc + a L^{−exponent} (exponent = 1/ν).

    NaN unless at least two finite Tc(L) with positive errors (χ² needs three).
    """
    x = np.asarray(sizes, dtype=np.float64) ** (-exponent)
    y = np.asarray(tc, dtype=np.float64)
    err = np.ones_like(y) if errors is None else np.asarray(errors, dtype=np.float64)
    ok = np.isfinite(y) & np.isfinite(err) & (err > 0)
    if ok.sum() < 2:
        return Extrapolation(np.nan, np.nan, np.nan, np.nan)
    x, y, w = x[ok], y[ok], 1.0 / err[ok] ** 2
    s0, s1, s2 = w.sum(), (w * x).sum(), (w * x * x).sum()
    det = s0 * s2 - s1 * s1
    intercept = ((w * y).sum() * s2 - (w * x * y).sum() * s1) / det
    slope = (s0 * (w * x * y).sum() - s1 * (w * y).sum()) / det
    dof = x.size - 2
    chi2 = float(np.sum(w * (y - intercept - slope * x) ** 2) / dof) if dof > 0 else np.nan
    return Extrapolation(float(intercept), float(slope), chi2, float(np.sqrt(s2 / det)))


def scaling_variable(temperatures: np.ndarray, size: float, tc: float, nu: float) -> np.ndarray:
    """x = (T − Tc) L^{1/ν}."""
    return (np.asarray(temperatures, dtype=np.float64) - tc) * float(size) ** (1.0 / nu)


def collapse_quality(temperatures: np.ndarray, sizes: np.ndarray, curves: np.ndarray, errors: np.ndarray,
                     tc: float, nu: float, *, window: tuple[float, float]) -> float:
    """Mean squared normalised distance of each curve from the others at the same x (≈ 1: a good collapse).

    Parameters
    ----------
    temperatures:
        ``(n_T,)`` increasing grid.
    sizes:
        ``(n_L,)`` linear sizes.
    curves, errors:
        ``(n_L, n_T)`` values and standard errors (NaN: missing).
    tc, nu:
        Trial critical temperature and exponent.
    window:
        ``(low, high)``: only points with low ≤ y ≤ high are compared.

    Returns
    -------
    The quality, ``inf`` when no point of one curve lies within the x-range of another.
    """
    return _Collapse(temperatures, sizes, curves, errors, window)(tc, nu)


class _Collapse:
    """:func:`collapse_quality` for one family of curves, with what does not depend on (Tc, ν) done once."""

    def __init__(self, temperatures, sizes, curves, errors, window):
        self.t = np.asarray(temperatures, dtype=np.float64)
        self.y = np.asarray(curves, dtype=np.float64)
        self.var = np.asarray(errors, dtype=np.float64) ** 2
        self.sizes = np.asarray(sizes, dtype=np.float64)
        n_l, n_t = self.y.shape
        self.j = np.broadcast_to(np.arange(n_l)[None, :, None], (n_l, n_l, n_t))
        with np.errstate(invalid="ignore"):
            inside = np.isfinite(self.y) & (self.y >= window[0]) & (self.y <= window[1])
        self.use = inside[:, None, :] & ~np.eye(n_l, dtype=bool)[:, :, None]  # (p, j, i)
        self.y_p = np.broadcast_to(self.y[:, None, :], self.use.shape)
        self.var_p = np.broadcast_to(self.var[:, None, :], self.use.shape)

    def __call__(self, tc: float, nu: float) -> float:
        if not (np.isfinite(nu) and NU_RANGE[0] / 2 <= nu <= 2 * NU_RANGE[1]):
            return np.inf
        t = self.t
        # curve j at the x of point (p, i) is curve j at T' = Tc + (T_i − Tc)(L_p / L_j)^{1/ν} on the common grid
        ratio = (self.sizes[:, None] / self.sizes[None, :]) ** (1.0 / nu)
        t_prime = tc + (t - tc) * ratio[:, :, None]
        lo = np.searchsorted(t, t_prime, side="right") - 1
        np.clip(lo, 0, t.size - 2, out=lo)
        frac = (t_prime - t[lo]) / (t[lo + 1] - t[lo])
        y_j = self.y[self.j, lo] * (1.0 - frac) + self.y[self.j, lo + 1] * frac
        use = self.use & (t_prime >= t[0]) & (t_prime <= t[-1]) & np.isfinite(y_j)
        if not use.any():
            return np.inf
        var_j = self.var[self.j, lo] * (1.0 - frac) + self.var[self.j, lo + 1] * frac
        return float(np.mean((self.y_p[use] - y_j[use]) ** 2 / (self.var_p[use] + var_j[use])))


def fit_collapse(temperatures: np.ndarray, sizes: np.ndarray, curves: np.ndarray, errors: np.ndarray, *,
                 window: tuple[float, float], start: tuple[float, float] | None = None,
                 grid: int = 25) -> tuple[float, float, float]:
    """(Tc, ν, quality) minimising :func:`collapse_quality`.

    Without ``start``, a ``grid × grid`` scan over Tc in the temperature grid
    and ν in :data:`NU_RANGE` (log-spaced) picks the starting point; then
    Nelder–Mead polishes it (Nelder & Mead, Comput. J. 7, 308 (1965)).
    Returns NaNs with fewer than two curves.
    """
    t = np.asarray(temperatures, dtype=np.float64)
    curves = np.asarray(curves, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    if len(sizes) < 2:
        return np.nan, np.nan, np.nan
    errors = np.where(np.isfinite(errors) & (errors > 0), errors, np.nanmax(errors[np.isfinite(errors)],
                                                                           initial=1e-3))

    quality = _Collapse(t, sizes, curves, errors, window)

    def cost(params):
        return quality(params[0], float(np.exp(params[1])))

    if start is None:
        tcs = np.linspace(t[0], t[-1], grid)
        nus = np.geomspace(*NU_RANGE, grid)
        scan = np.array([[cost((tc, np.log(nu))) for nu in nus] for tc in tcs])
        i, j = np.unravel_index(np.argmin(scan), scan.shape)
        x0 = np.array([tcs[i], np.log(nus[j])])
        step = np.array([tcs[1] - tcs[0], np.log(nus[1] / nus[0])])
    else:
        x0 = np.array([start[0], np.log(start[1])])
        step = np.array([0.01, 0.05])
    if not np.isfinite(cost(x0)):
        return np.nan, np.nan, np.nan
    simplex = np.array([x0, x0 + [step[0], 0.0], x0 + [0.0, step[1]]])
    res = scipy.optimize.minimize(cost, x0, method="Nelder-Mead",
                                  options={"initial_simplex": simplex, "xatol": 1e-4, "fatol": 1e-4,
                                           "maxiter": 400})
    tc, nu = float(res.x[0]), float(np.exp(res.x[1]))
    if not (t[0] <= tc <= t[-1] and NU_RANGE[0] <= nu <= NU_RANGE[1]):
        return np.nan, np.nan, np.nan
    return tc, nu, float(res.fun)


def _scaled(error, badness):
    """Error times sqrt(max(1, χ²/dof or collapse quality)): a fit worse than its errors widens them."""
    return error * np.sqrt(np.maximum(1.0, np.nan_to_num(badness, nan=1.0)))


def scaling_estimates(temperatures: np.ndarray, sizes: np.ndarray, curves: np.ndarray, errors: np.ndarray, *,
                      window: tuple[float, float], level: float | None = None, exponent: float = 1.0,
                      min_size: int = 0, tc_size_errors: np.ndarray | None = None,
                      start: dict | None = None) -> dict:
    """Central finite-size-scaling estimates of one family of decreasing curves ``(n_L, n_T)``.

    Parameters are those of :func:`scaling_analysis`, plus ``errors`` (the curves' standard errors,
    weights of the level crossings and of the collapse), ``tc_size_errors`` (weights of the
    extrapolation; equal if None) and ``start``, an earlier result of this function to start the
    collapse fit from and to pick the pair crossings nearest to (for bootstrap replicas).

    Returns
    -------
    dict: ``tc_pairs (n_L − 1,)``; with ``level``: ``tc_size (n_L,)``, ``tc``, ``slope``, ``chi2``;
    ``collapse_tc``, ``nu``, ``collapse_quality``.
    """
    t = np.asarray(temperatures, dtype=np.float64)
    sizes = np.asarray(sizes)
    use = sizes >= min_size
    near = start["tc_pairs"] if start is not None else [None] * (len(sizes) - 1)
    out = {"tc_pairs": np.array([pair_crossing(t, curves[i], curves[i + 1], window=window, near=near[i])
                                 for i in range(len(sizes) - 1)])}
    if level is not None:
        out["tc_size"] = np.array([level_crossing(t, curves[j], level, errors=errors[j]) for j in range(len(sizes))])
        weights = None if tc_size_errors is None else np.asarray(tc_size_errors)[use]
        line = extrapolate(sizes[use], out["tc_size"][use], errors=weights, exponent=exponent)
        out.update(tc=line.tc, slope=line.slope, chi2=line.chi2)
    if start is None:
        fit = fit_collapse(t, sizes[use], curves[use], errors[use], window=window)
    elif np.isfinite(start["collapse_tc"]):
        fit = fit_collapse(t, sizes[use], curves[use], errors[use], window=window,
                           start=(start["collapse_tc"], start["nu"]))
    else:
        fit = (np.nan, np.nan, np.nan)
    out.update(collapse_tc=fit[0], nu=fit[1], collapse_quality=fit[2])
    return out


#: Estimates whose errors are widened by the badness of their fit (χ²/dof or collapse quality).
_FIT_BADNESS = {"tc": "chi2", "collapse_tc": "collapse_quality", "nu": "collapse_quality"}


def scaling_analysis(temperatures: np.ndarray, sizes: np.ndarray, curves: np.ndarray, replicas: np.ndarray, *,
                     window: tuple[float, float], level: float | None = None, exponent: float = 1.0,
                     min_size: int = 0) -> dict:
    """Every finite-size-scaling estimate of one family of decreasing curves, with bootstrap errors.

    Parameters
    ----------
    temperatures, sizes:
        ``(n_T,)`` grid and ``(n_L,)`` increasing sizes.
    curves, replicas:
        ``(n_L, n_T)`` curves and their bootstrap replicas ``(n_boot, n_L, n_T)``.
    window:
        Curve values that take part in pair crossings and the collapse.
    level:
        If given, Tc(L) is the crossing of each curve with it and Tc its
        extrapolation in L^{−exponent}.
    min_size:
        Sizes below it are left out of the extrapolation and the collapse
        (their crossings are still reported).

    Returns
    -------
    The dict of :func:`scaling_estimates` plus ``curve_err (n_L, n_T)`` and an ``<name>_err`` for
    every estimate: the spread of the same estimate over the replicas; the errors of fits are
    multiplied by sqrt(max(1, χ²/dof)) or sqrt(max(1, quality)), so that a fit the data reject does
    not claim their precision.
    """
    t = np.asarray(temperatures, dtype=np.float64)
    errors = spread(replicas)
    tc_size_errors = None
    if level is not None:
        boot = np.array([[level_crossing(t, c, level, errors=e) for c, e in zip(r, errors)] for r in replicas])
        tc_size_errors = spread(boot)
    options = dict(window=window, level=level, exponent=exponent, min_size=min_size, tc_size_errors=tc_size_errors)
    out = scaling_estimates(t, sizes, curves, errors, **options)
    boot = [scaling_estimates(t, sizes, r, errors, start=out, **options) for r in replicas]
    for key in ("tc_pairs", "tc_size", "tc", "collapse_tc", "nu"):
        if key in out:
            err = spread(np.stack([np.asarray(b[key], dtype=np.float64) for b in boot]))
            out[key + "_err"] = _scaled(err, out[_FIT_BADNESS[key]]) if key in _FIT_BADNESS else err
    out["curve_err"] = errors
    return out
