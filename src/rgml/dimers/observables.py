"""Order parameter, dimer correlations and power-law fits for the interacting dimer model.

Columnar order (Alet et al., Phys. Rev. Lett. 94, 235702 (2005); Phys. Rev. E
74, 041124 (2006))::

    D_x = (2/N) Σ_r (−1)^x n_0(r),     D_y = (2/N) Σ_r (−1)^y n_1(r),

N = Ly Lx sites, so |D| = sqrt(D_x² + D_y²) is 1 in each of the four columnar
crystals and vanishes in the Coulomb phase as L grows.

Dimer correlations along a row: with both orientations by the x ↔ y symmetry,

    G(r) = ½ ⟨n_0(y, x) n_0(y, x+r) + n_1(y, x) n_1(y+r, x)⟩ − 1/16,
    C(r) = (−1)^r G(r),

averaged over all sites; 1/16 = ⟨n⟩² exactly (⟨n_0⟩ = ⟨n_1⟩ = 1/4 by
symmetry).  Along a row both the dipolar (electric-field) part and the
columnar part of G oscillate as (−1)^r, so C(r) is the staggered correlation
of the issue; at T = ∞ it decays as r⁻² (Fisher & Stephenson, Phys. Rev. 132,
1411 (1963)); for T > T_c the columnar part decays with a temperature-dependent
exponent (Alet et al. 2006) and the smaller of the two dominates.

On an L torus C(r) is fitted with its nearest periodic image and the leading
correction to scaling, ``A [r^(−α) + (L − r)^(−α)] (1 + b r⁻²)``, over a
stated range of r (:func:`fit_correlation_exponent`); without the correction a
fit from r = 4 reads an effective exponent ≈ 2.1 off the exact free-dimer
curve (:func:`rgml.dimers.exact.free_row_correlation`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import curve_fit

from rgml.dimers.lattice import check_dimers
from rgml.stats import jackknife


def columnar_order(dimers) -> np.ndarray:
    """``(D_x, D_y)`` of each configuration, float64 ``(..., 2)`` (module docstring)."""
    d = check_dimers(dimers).astype(np.int64)
    ly, lx = d.shape[-2:]
    sign_x = 1 - 2 * (np.arange(lx) % 2)
    sign_y = 1 - 2 * (np.arange(ly) % 2)
    d_x = (d[..., 0, :, :] * sign_x[None, :]).sum(axis=(-2, -1))
    d_y = (d[..., 1, :, :] * sign_y[:, None]).sum(axis=(-2, -1))
    return 2.0 * np.stack([d_x, d_y], axis=-1) / (ly * lx)


def _pair_counts(occupations, axis: int) -> np.ndarray:
    """Σ_i n_i n_(i+r) along ``axis`` (circular) for r = 0 … n−1, summed over the other lattice axis.

    By FFT, rounded to the integers the counts are, so the result is exact.
    """
    spectrum = np.fft.rfft(occupations, axis=axis)
    auto = np.rint(np.fft.irfft(spectrum * spectrum.conj(), n=occupations.shape[axis], axis=axis))
    return auto.sum(axis=-1 if axis == -2 else -2)


def row_correlation(dimers, *, staggered: bool = True) -> np.ndarray:
    """Dimer correlation along rows (and columns) of each configuration: float64 ``(samples, L/2 + 1)``.

    Entry r is ``C(r) = (−1)^r G(r)`` (or ``G(r)`` with ``staggered=False``),
    r = 0 … L/2, averaged over the sites of one configuration (module
    docstring).  Average over samples and use their scatter for errors.
    Square tori only.
    """
    d = check_dimers(dimers).astype(np.float64)
    if d.ndim != 4 or d.shape[-1] != d.shape[-2]:
        raise ValueError(f"dimers: expected (samples, 2, L, L), got shape {d.shape}")
    size = d.shape[-1]
    along_x = _pair_counts(d[:, 0], axis=-1)
    along_y = _pair_counts(d[:, 1], axis=-2)
    g = 0.5 * (along_x + along_y)[:, : size // 2 + 1] / (size * size) - 1.0 / 16.0
    if staggered:
        g = g * (1 - 2 * (np.arange(size // 2 + 1) % 2))
    return g


@dataclass(frozen=True)
class PowerLawFit:
    """``y = A [x^(−α) + (period − x)^(−α)] (1 + b x⁻²)`` fitted over ``x_min ≤ x ≤ x_max``.

    ``exponent_error`` and ``amplitude_error`` are jackknife errors over
    blocks of samples when the fit came from :func:`fit_correlation_exponent`,
    else from the covariance of the least-squares fit.  ``period`` is None for
    no image term; ``correction`` is b, or None when it was not fitted.
    """

    exponent: float
    exponent_error: float
    amplitude: float
    amplitude_error: float
    x_min: float
    x_max: float
    period: float | None
    chi2_per_dof: float
    correction: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _model(period, correction: bool):
    def power(x, a, alpha):
        return a * x ** (-alpha) if period is None else a * (x ** (-alpha) + (period - x) ** (-alpha))

    if correction:
        return lambda x, a, alpha, b: power(x, a, alpha) * (1.0 + b / x**2)
    return power


def fit_power_law(x, y, y_err, *, x_min: float, x_max: float, period: float | None = None,
                  correction: bool = False) -> PowerLawFit:
    """Weighted least-squares fit of ``y ≈ A x^(−α)`` (plus the periodic image at ``period − x``).

    Parameters
    ----------
    x, y, y_err:
        Points and their standard errors (1D arrays of one length).
    x_min, x_max:
        The fit range (inclusive); state it with the result.
    period:
        Lattice side for the image term, or None.
    correction:
        Multiply by ``1 + b x⁻²``, the leading correction to scaling of the
        free-dimer correlation (:func:`rgml.dimers.exact.free_row_correlation`).
    """
    x, y, y_err = (np.asarray(a, dtype=np.float64) for a in (x, y, y_err))
    keep = (x >= x_min) & (x <= x_max)
    n_params = 3 if correction else 2
    if keep.sum() < n_params + 1:
        raise ValueError(f"fit range [{x_min}, {x_max}] holds {keep.sum()} points; need at least {n_params + 1}")
    if not np.all(y_err[keep] > 0):
        raise ValueError("y_err: errors in the fit range must be > 0")
    xs, ys, es = x[keep], y[keep], y_err[keep]
    slope = -np.polyfit(np.log(xs), np.log(np.abs(ys)), 1)[0]
    guess = (float(ys[0] * xs[0] ** slope), float(slope)) + ((0.0,) if correction else ())
    model = _model(period, correction)
    params, cov = curve_fit(model, xs, ys, p0=guess, sigma=es, absolute_sigma=True, maxfev=20000)
    chi2 = float((((model(xs, *params) - ys) / es) ** 2).sum() / max(len(xs) - n_params, 1))
    errors = np.sqrt(np.diag(cov))
    return PowerLawFit(float(params[1]), float(errors[1]), float(params[0]), float(errors[0]),
                       float(x_min), float(x_max), period, chi2, float(params[2]) if correction else None)


def local_exponents(x, y, y_err) -> tuple[np.ndarray, np.ndarray]:
    """Effective exponents α_k = −ln(y_{k+1}/y_k) / ln(x_{k+1}/x_k) between neighbouring points, and errors.

    A pure power law ``y = A x^(−α)`` gives α at every k; a drift of α_k
    with x says where, and how far, the data leave it.  The errors add the
    relative errors of the two points in quadrature, as if independent.
    Returns two arrays one shorter than ``x`` (NaN where a ``y`` is ≤ 0).
    """
    x, y, y_err = (np.asarray(a, dtype=np.float64) for a in (x, y, y_err))
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = (y[:-1] > 0) & (y[1:] > 0)
        span = np.log(x[1:] / x[:-1])
        alpha = np.where(positive, -np.log(y[1:] / y[:-1]) / span, np.nan)
        error = np.where(positive, np.hypot(y_err[:-1] / y[:-1], y_err[1:] / y[1:]) / span, np.nan)
    return alpha, error


def fit_correlation_exponent(correlations, *, r_min: int, r_max: int, blocks: int = 20,
                             image: bool = True, correction: bool = True) -> PowerLawFit:
    """Fit ``C(r) = A [r^(−α) + (L − r)^(−α)] (1 + b r⁻²)`` to per-sample correlations, jackknife errors.

    Parameters
    ----------
    correlations:
        ``(samples, L/2 + 1)`` from :func:`row_correlation`, samples in
        sampling order (blocks of consecutive samples must be longer than
        τ_int for the error to hold; thinned samples are).
    r_min, r_max:
        Fit range in lattice spacings.
    blocks:
        Jackknife blocks.
    image:
        Include the nearest periodic image along the row; False fits a plain
        power law (for ranges r ≪ L).
    correction:
        Include the factor ``1 + b r⁻²`` (the free-dimer correlation has
        π² r² C(r) = 1.20 at r = 4, 1.06 at r = 8, 1.01 at r = 16).
    """
    c = np.asarray(correlations, dtype=np.float64)
    size = 2 * (c.shape[1] - 1)
    r = np.arange(c.shape[1], dtype=np.float64)

    def fit(sub: np.ndarray) -> PowerLawFit:
        err = sub.std(axis=0, ddof=1) / np.sqrt(sub.shape[0])
        return fit_power_law(r, sub.mean(axis=0), err, x_min=r_min, x_max=r_max, period=size if image else None,
                             correction=correction)

    central = fit(c)
    exponent = jackknife(lambda sub: fit(sub).exponent, (c,), blocks=blocks)
    amplitude = jackknife(lambda sub: fit(sub).amplitude, (c,), blocks=blocks)
    return PowerLawFit(central.exponent, exponent.error, central.amplitude, amplitude.error,
                       float(r_min), float(r_max), central.period, central.chi2_per_dof, central.correction)
