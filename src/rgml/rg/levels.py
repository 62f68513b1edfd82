"""Extrapolating the fixed point T*(n) of the level-n RG map to n → ∞.

Near the fixed point every irrelevant coupling of the coarse-grained
Hamiltonian shrinks by the factor b^{y_irr} = b^{−ω} per RG step, so the
fixed point of the level-n map — found by matching ensembles that still
carry the irrelevant couplings the nearest-neighbour start put there —
approaches the true one geometrically (Swendsen, PRL 42, 859 (1979); PRB 20,
2080 (1979)):

    T*(n) = T*_∞ + a · b^{−ω n}.

For the 2D Ising model the leading irrelevant exponent is ω = 2 (y = −2;
the same ω governs the L^{−2} corrections of finite-size scaling), so the
level-to-level steps of T* should shrink by b^ω = 4; the χ² of the fit
checks that.  With ω fixed the model is a straight line
in x = b^{−ω n}; its intercept is T*_∞.  Levels share their samples, so the
error is the spread of the same fit repeated on every bootstrap replica of
the T*(n) (which carries their correlations), and χ² uses the replicas'
covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Leading irrelevant exponent of the 2D Ising fixed point.
OMEGA_2D_ISING = 2.0


@dataclass(frozen=True)
class LevelExtrapolation:
    """T*_∞ from T*(n) = T*_∞ + a · b^{−ω n} fitted over ``levels``."""

    t_inf: float
    t_inf_err: float
    amplitude: float
    amplitude_err: float
    chi2: float
    dof: int
    omega: float
    levels: tuple[int, ...]


def _line(x, y, w):
    sw, sx, sxx = w.sum(), (w * x).sum(), (w * x * x).sum()
    sy, sxy = (w * y).sum(axis=-1), (w * x * y).sum(axis=-1)
    det = sw * sxx - sx * sx
    return (sxx * sy - sx * sxy) / det, (sw * sxy - sx * sy) / det


def extrapolate_levels(
    levels, t_star, *, b: int, replicas: np.ndarray | None = None, errors=None, omega: float = OMEGA_2D_ISING,
) -> LevelExtrapolation:
    """Fit T*(n) = T*_∞ + a · b^{−ω n} and return T*_∞ with its error.

    Parameters
    ----------
    levels : (p,) int
        RG levels n of the fixed points.
    t_star : (p,) float
        T*(n) in J/k_B; non-finite entries are left out.
    b : int, keyword-only
        Block size.
    replicas : (replicas, p) float, keyword-only
        Bootstrap replicas of T*(n) made from the same resamples at every
        level; give these (preferred) or ``errors``.
    errors : (p,) float, keyword-only
        Standard errors of T*(n), treated as independent (without replicas).
    omega : float, keyword-only
        Correction exponent ω (2 for the 2D Ising model).

    Returns
    -------
    :class:`LevelExtrapolation`; with one usable level, T*_∞ is that level's
    T* (dof −1 says nothing was extrapolated); NaN with none.
    """
    levels = np.asarray(levels, dtype=np.int64)
    t_star = np.asarray(t_star, dtype=np.float64)
    if replicas is None and errors is None:
        raise ValueError("give the bootstrap replicas of T*(n) (replicas=) or their errors (errors=)")
    if replicas is not None:
        replicas = np.asarray(replicas, dtype=np.float64)
        ok = np.isfinite(t_star) & (np.isfinite(replicas).sum(axis=0) > 1)
        sigma = np.array([np.nanstd(replicas[:, i], ddof=1) if ok[i] else np.nan for i in range(t_star.size)])
    else:
        sigma = np.asarray(errors, dtype=np.float64)
        ok = np.isfinite(t_star) & np.isfinite(sigma)
    ok &= sigma > 0
    used = tuple(int(n) for n in levels[ok])
    if not used:
        return LevelExtrapolation(np.nan, np.nan, np.nan, np.nan, np.nan, 0, omega, ())
    if len(used) == 1:
        i = int(np.flatnonzero(ok)[0])
        return LevelExtrapolation(float(t_star[i]), float(sigma[i]), np.nan, np.nan, np.nan, -1, omega, used)
    x = float(b) ** (-omega * levels[ok].astype(np.float64))
    y, w = t_star[ok], 1.0 / sigma[ok] ** 2
    t_inf, slope = _line(x, y, w)
    dof = len(used) - 2
    if replicas is not None:
        reps = replicas[:, ok]
        reps = reps[np.all(np.isfinite(reps), axis=1)]
        fits = np.array(_line(x, reps, w))
        t_err, a_err = np.std(fits, axis=1, ddof=1)
        cov = np.cov(reps, rowvar=False)
    else:
        det = w.sum() * (w * x * x).sum() - (w * x).sum() ** 2
        t_err, a_err = np.sqrt((w * x * x).sum() / det), np.sqrt(w.sum() / det)
        cov = np.diag(sigma[ok] ** 2)
    resid = y - (t_inf + slope * x)
    chi2 = float(resid @ np.linalg.lstsq(cov, resid, rcond=None)[0]) if dof > 0 else 0.0
    return LevelExtrapolation(float(t_inf), float(t_err), float(slope), float(a_err), chi2, dof, omega, used)
