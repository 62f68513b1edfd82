"""Where the Binder cumulants of two sizes cross: a finite-size estimate of Tc.

K. Binder, Z. Phys. B 43, 119 (1981): U_4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²) is
scale-invariant at the critical point, so U_4(T) of two sizes cross at T_c up
to corrections that shrink with L.  The difference d(T) = U_4(L_b) − U_4(L_a)
is curved over a grid much wider than the crossing region, so a straight line
through all of it misplaces the root; it is fitted instead (weighted least
squares, weights 1/σ_d²) over the ``points`` temperatures nearest to the first
sign change of d — by default just the bracketing pair, i.e. linear
interpolation — and the crossing T* = −intercept/slope gets its error by linear
propagation of the fit covariance.
"""

from __future__ import annotations

import math

import numpy as np

from rgml.stats import Stats


def binder_crossing(temperatures, binder_a, error_a, binder_b, error_b, *, points: int = 2) -> Stats:
    """Crossing temperature of two Binder-cumulant curves on a common grid.

    Parameters
    ----------
    temperatures:
        ``(n,)`` increasing temperatures (J/k_B), n ≥ 2, bracketing the crossing.
    binder_a, error_a, binder_b, error_b:
        ``(n,)`` U_4 and its standard error for the two sizes.
    points:
        Temperatures used in the linear fit (2 ≤ points ≤ n), those nearest the
        first sign change of d(T); more points lower the noise but add the
        curvature of d to the estimate.

    Returns
    -------
    :class:`rgml.stats.Stats` with ``mean`` = T*, ``error`` its standard error
    (``tau_int`` NaN, ``n`` the number of temperatures used).  ``reliable`` is
    False when d(T) does not change sign on the grid (the line is then fitted
    to the ``points`` temperatures of smallest |d| and extrapolated).
    """
    t = np.asarray(temperatures, dtype=np.float64)
    d = np.asarray(binder_b, dtype=np.float64) - np.asarray(binder_a, dtype=np.float64)
    sigma = np.hypot(np.asarray(error_a, dtype=np.float64), np.asarray(error_b, dtype=np.float64))
    if t.ndim != 1 or t.size < 2 or d.shape != t.shape or sigma.shape != t.shape:
        raise ValueError(f"temperatures and the Binder arrays must be 1D of one length >= 2, got {t.shape}, {d.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("temperatures: must be strictly increasing")
    if not np.all(sigma > 0):
        raise ValueError("error_a, error_b: every difference needs a positive error")
    if not 2 <= points <= t.size:
        raise ValueError(f"points: must be between 2 and the number of temperatures ({t.size}), got {points}")
    changes = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
    reliable = changes.size > 0
    if reliable:
        middle = 0.5 * (t[changes[0]] + t[changes[0] + 1])
        chosen = np.sort(np.argsort(np.abs(t - middle), kind="stable")[:points])
    else:
        chosen = np.sort(np.argsort(np.abs(d), kind="stable")[:points])
    t, d, sigma = t[chosen], d[chosen], sigma[chosen]
    centre = t.mean()
    design = np.stack([np.ones_like(t), t - centre], axis=1) / sigma[:, None]
    covariance = np.linalg.inv(design.T @ design)
    intercept, slope = covariance @ design.T @ (d / sigma)
    if slope == 0:
        return Stats(math.nan, math.nan, math.nan, int(t.size), False)
    crossing = centre - intercept / slope
    gradient = np.array([-1.0 / slope, intercept / slope**2])
    error = math.sqrt(gradient @ covariance @ gradient)
    return Stats(float(crossing), error, math.nan, int(t.size), bool(reliable))
