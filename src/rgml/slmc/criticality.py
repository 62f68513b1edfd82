"""Where the Binder cumulants of two sizes cross: a finite-size estimate of Tc.

K. Binder, Z. Phys. B 43, 119 (1981): U_4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²) is
scale-invariant at the critical point, so U_4(T) of two sizes cross at T_c up
to corrections that shrink with L.  The difference d(T) = U_4(L_b) − U_4(L_a)
is fitted by a straight line (weighted least squares, weights 1/σ_d²) over the
temperatures given — choose them around the crossing — and the crossing
T* = −intercept/slope gets its error by linear propagation of the fit covariance.
"""

from __future__ import annotations

import math

import numpy as np

from rgml.stats import Stats


def binder_crossing(temperatures, binder_a, error_a, binder_b, error_b) -> Stats:
    """Crossing temperature of two Binder-cumulant curves on a common grid.

    Parameters
    ----------
    temperatures:
        ``(n,)`` temperatures (J/k_B), n ≥ 2, bracketing the crossing.
    binder_a, error_a, binder_b, error_b:
        ``(n,)`` U_4 and its standard error for the two sizes.

    Returns
    -------
    :class:`rgml.stats.Stats` with ``mean`` = T*, ``error`` its standard error
    (``tau_int`` NaN, ``n`` the number of temperatures).  ``reliable`` is False
    when the crossing lies outside the grid or d(T) does not change sign within it.
    """
    t = np.asarray(temperatures, dtype=np.float64)
    d = np.asarray(binder_b, dtype=np.float64) - np.asarray(binder_a, dtype=np.float64)
    sigma = np.hypot(np.asarray(error_a, dtype=np.float64), np.asarray(error_b, dtype=np.float64))
    if t.ndim != 1 or t.size < 2 or d.shape != t.shape or sigma.shape != t.shape:
        raise ValueError(f"temperatures and the Binder arrays must be 1D of one length >= 2, got {t.shape}, {d.shape}")
    if not np.all(sigma > 0):
        raise ValueError("error_a, error_b: every difference needs a positive error")
    centre = t.mean()
    design = np.stack([np.ones_like(t), t - centre], axis=1) / sigma[:, None]
    covariance = np.linalg.inv(design.T @ design)
    intercept, slope = covariance @ design.T @ (d / sigma)
    if slope == 0:
        return Stats(math.nan, math.nan, math.nan, t.size, False)
    crossing = centre - intercept / slope
    gradient = np.array([-1.0 / slope, intercept / slope**2])
    error = math.sqrt(gradient @ covariance @ gradient)
    reliable = bool(t.min() <= crossing <= t.max() and np.any(d > 0) and np.any(d < 0))
    return Stats(float(crossing), error, math.nan, int(t.size), reliable)
