"""The dimer stage's tables: thermodynamics per (L, T) and the Coulomb-phase correlation at T = ∞.

Errors are autocorrelation-aware (:func:`rgml.stats.estimate`, the stored
series of the interleaved chains split back into chains).  Observables, per
site of the L × L torus: energy e = ⟨E⟩/L² (|v| units), the columnar order
|D| = |(D_x, D_y)| and its susceptibility-like L²⟨D²⟩, and the winding
fluctuation ⟨W_x² + W_y²⟩, which is non-zero in the Coulomb phase and
vanishes in the columnar crystal (Alet et al., Phys. Rev. E 74, 041124 (2006)).
The staggered row correlation at T = ∞ decays as r⁻² (Fisher & Stephenson,
Phys. Rev. 132, 1411 (1963)); its fit and the exact infinite-lattice values
(:func:`rgml.dimers.exact.free_row_correlation`) fill the correlation table.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from rgml.dimers.exact import free_row_correlation
from rgml.dimers.observables import fit_correlation_exponent, row_correlation
from rgml.stats import estimate

#: Columns of :func:`correlation_rows`.
CORRELATION_COLUMNS = ["L", "r", "C", "C_err", "C_exact_infinite", "z", "exponent", "exponent_err",
                       "fit_r_min", "fit_r_max"]


def _by_chain(series: np.ndarray, chains: int) -> np.ndarray:
    """A stored series of ``chains`` interleaved chains as ``(chains, n)`` (a trailing partial round dropped)."""
    return series[: series.size - series.size % chains].reshape(-1, chains).T


def summary_rows(ds: xr.Dataset) -> list[dict]:
    """One row per temperature of a dimer sample store: e, ⟨|D|⟩, L²⟨D²⟩, ⟨W²⟩ with errors, τ_int, thinning."""
    size, chains = ds.sizes["x"], int(ds.attrs["chains"])
    rows = []
    for i, t in enumerate(ds["temperature"].values):
        def stat(series):
            return estimate(_by_chain(np.asarray(series, np.float64), chains))

        e = stat(ds["energy"].values[i])
        d = np.hypot(ds["columnar_x"].values[i], ds["columnar_y"].values[i])
        order, order2 = stat(d), stat(size * size * d**2)
        winding = stat(ds["winding_x"].values[i] ** 2 + ds["winding_y"].values[i] ** 2)
        rows.append({"L": size, "T": float(t), "energy": e.mean, "energy_err": e.error, "energy_tau_int": e.tau_int,
                     "columnar_order": order.mean, "columnar_order_err": order.error,
                     "L2_D2": order2.mean, "L2_D2_err": order2.error,
                     "winding_variance": winding.mean, "winding_variance_err": winding.error,
                     "tau_int_sweeps": float(ds["tau_int"].values[i]), "thin_sweeps": int(ds["thin"].values[i]),
                     "sector_frozen": bool(ds["sector_frozen"].values[i])})
    return rows


def correlation_rows(dimers, *, r_min: int, log=lambda message: None) -> list[dict]:
    """C(r) of the staggered row correlation for r = 1…L/2, its r⁻ᵖ fit on r_min…L/2−1 and the exact values.

    ``dimers``: link occupations ``(samples, 2, L, L)`` at T = ∞.  On a torus
    too small for the fit the exponent columns are NaN (and ``log`` says why).
    Raises ValueError if ``dimers`` are not link occupations (0/1, shape ``(samples, 2, L, L)``).
    """
    c = row_correlation(dimers)
    size = np.shape(dimers)[-1]
    r_max = size // 2 - 1
    try:
        fit = fit_correlation_exponent(c, r_min=r_min, r_max=r_max)
        exponent, exponent_err = fit.exponent, fit.exponent_error
    except ValueError as exc:
        log(f"L={size}: no power-law fit of C(r) ({exc})")
        exponent = exponent_err = np.nan
    exact = free_row_correlation(size // 2)
    mean, err = c.mean(axis=0), c.std(axis=0, ddof=1) / np.sqrt(c.shape[0])
    log(f"L={size} T=inf: C(r) ~ r^-{exponent:.3f} ± {exponent_err:.3f} (fit r = {r_min}..{r_max}, exact 2)")
    return [{"L": size, "r": r, "C": mean[r], "C_err": err[r], "C_exact_infinite": exact[r],
             "z": (mean[r] - exact[r]) / err[r] if err[r] > 0 else np.nan,
             "exponent": exponent, "exponent_err": exponent_err, "fit_r_min": r_min, "fit_r_max": r_max}
            for r in range(1, size // 2 + 1)]
