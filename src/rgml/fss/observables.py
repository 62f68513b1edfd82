"""Thermodynamic observables of one lattice size from per-sample series, with reweighting.

Every observable here is a function of the means of nine per-sample
quantities (:data:`MOMENTS`) of the energy e and magnetization m per spin
and the structure factor f at the smallest wave vector (all per spin,
N = L² sites, β = 1/T, J = k_B = 1):

* energy ⟨e⟩ and specific heat C = N β² (⟨e²⟩ − ⟨e⟩²);
* ⟨|m|⟩, the susceptibilities χ' = N β (⟨m²⟩ − ⟨|m|⟩²) (finite-lattice
  stand-in for the connected one, which vanishes by symmetry) and
  χ = N β ⟨m²⟩;
* the Binder cumulant U₄ = 1 − ⟨m⁴⟩ / (3⟨m²⟩²) (Binder, Z. Phys. B 43,
  119 (1981)) and its β-derivative
  dU₄/dβ = −(1 − U₄) N [2⟨m²e⟩/⟨m²⟩ − ⟨m⁴e⟩/⟨m⁴⟩ − ⟨e⟩], and
  d ln⟨|m|⟩/dβ = N (⟨e⟩ − ⟨|m|e⟩/⟨|m|⟩) (Ferrenberg & Landau, PRB 44,
  5081 (1991)), both ∝ L^{1/ν} at Tc;
* the second-moment correlation length (Cooper, Freedman & Preston,
  Nucl. Phys. B 210, 210 (1982); Caracciolo et al., PRL 74, 2969 (1995))
  ξ = sqrt(⟨m²⟩/⟨f⟩ − 1) / (2 sin(k_min/2)), k_min = 2π/L, with
  f = |Σ_r s_r e^{i k·r}|² / N² averaged over k = (k_min, 0) and (0, k_min)
  (:func:`structure_factor_kmin`); ξ/L is universal at Tc.

Errors come from a jackknife over chain blocks (:mod:`rgml.blocking`):
:class:`Histograms` keeps the per-unit sums of the moments, so every
leave-one-unit-out replica of every observable is a difference of sums.

Single-histogram reweighting (Ferrenberg & Swendsen, PRL 61, 2635 (1988))
moves the samples taken at β_k to a nearby β with weights
exp(−(β − β_k) N e).  It is trusted while the shift of the mean energy it
implies, ≈ σ_E² |β − β_k|, stays within ``reach`` standard deviations σ_E of
the sampled total-energy histogram, i.e. |β − β_k| ≤ reach / σ_E
(:meth:`Histograms.window`); further out the weights are carried by a few
samples in the histogram's tail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.backend import array_namespace
from rgml.blocking import BLOCKS, block_labels, n_units, unit_sums

#: Per-sample quantities whose means determine every observable.
MOMENTS = ("e", "e2", "abs_m", "m2", "m4", "abs_m_e", "m2_e", "m4_e", "f")

#: Observables computed by :func:`observables_from_means`: name -> (units, long name).
OBSERVABLES: dict[str, tuple[str, str]] = {
    "energy": ("J", "energy per spin <e>"),
    "specific_heat": ("k_B", "specific heat per spin N beta^2 var(e)"),
    "abs_magnetization": ("1", "<|m|>"),
    "susceptibility_prime": ("1/J", "chi' = N beta (<m^2> - <|m|>^2)"),
    "susceptibility": ("1/J", "chi = N beta <m^2>"),
    "binder": ("1", "Binder cumulant U4 = 1 - <m^4>/(3 <m^2>^2)"),
    "xi_over_L": ("1", "second-moment correlation length over L"),
    "dbinder_dbeta": ("J", "dU4/dbeta"),
    "dlog_abs_m_dbeta": ("J", "d ln<|m|>/dbeta"),
}


def structure_factor_kmin(spins):
    """Per-sample f = |M̃(k_min)|² / N², averaged over k = (2π/L, 0) and (0, 2π/L).

    M̃(k) = Σ_r s_r e^{i k·r}; ⟨f⟩ is the structure factor at the smallest
    non-zero wave vector in the units of ⟨m²⟩ (f at k = 0 is m²), so
    ξ_2nd = sqrt(⟨m²⟩/⟨f⟩ − 1) / (2 sin(π/L)).

    Parameters
    ----------
    spins : array ``(..., L, L)`` of ±1 (NumPy or CuPy)

    Returns
    -------
    float64 array ``(...)`` on the spins' namespace.
    """
    xp = array_namespace(spins)
    size = spins.shape[-1]
    if spins.ndim < 2 or spins.shape[-2] != size:
        raise ValueError(f"spins: expected lattices of shape (..., L, L), got {spins.shape}")
    phase = 2.0 * np.pi * xp.arange(size, dtype=xp.float64) / size
    cos, sin = xp.cos(phase), xp.sin(phase)
    columns = spins.sum(axis=-2, dtype=xp.int32).astype(xp.float64)  # Σ_y s(y, x): profile along x
    rows = spins.sum(axis=-1, dtype=xp.int32).astype(xp.float64)  # Σ_x s(y, x): profile along y
    power = (columns @ cos) ** 2 + (columns @ sin) ** 2 + (rows @ cos) ** 2 + (rows @ sin) ** 2
    return power / (2.0 * float(size) ** 4)


@dataclass(frozen=True)
class SizeSeries:
    """Per-sample series of one lattice size at every temperature of its grid (the analysis input).

    Attributes
    ----------
    size : int
        Linear size L of the periodic L×L torus.
    temperatures : (n_T,) float
        Increasing temperatures in J/k_B.
    energy, magnetization : (n_T, n_samples) float
        Per spin, magnetization signed; stored order sample = step · chains + chain.
    fourier : (n_T, n_samples) float or None
        :func:`structure_factor_kmin` of every sample (needed for ξ_2nd only).
    chains : int
        Interleaved Markov chains per temperature.
    """

    size: int
    temperatures: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    fourier: np.ndarray | None = None
    chains: int = 1

    def __post_init__(self):
        t = np.asarray(self.temperatures, dtype=np.float64)
        arrays = {"energy": self.energy, "magnetization": self.magnetization}
        if self.fourier is not None:
            arrays["fourier"] = self.fourier
        for name, value in arrays.items():
            value = np.asarray(value, dtype=np.float64)
            if value.ndim != 2 or value.shape[0] != t.size:
                raise ValueError(f"{name}: expected shape (n_T={t.size}, n_samples), got {value.shape}")
            object.__setattr__(self, name, value)
        if len({a.shape for a in arrays.values()}) > 1:
            raise ValueError(f"energy, magnetization and fourier must share one shape, got "
                             f"{ {k: np.shape(v) for k, v in arrays.items()} }")
        if t.ndim != 1 or t.size < 1 or np.any(np.diff(t) <= 0) or np.any(t <= 0):
            raise ValueError(f"temperatures: expected positive, strictly increasing values, got {t}")
        if self.size < 2:
            raise ValueError(f"size: expected the linear size L >= 2, got {self.size}")
        object.__setattr__(self, "temperatures", t)

    @property
    def sites(self) -> int:
        return self.size * self.size

    @property
    def n_samples(self) -> int:
        return self.energy.shape[1]

    def moments(self, k: int) -> np.ndarray:
        """Per-sample :data:`MOMENTS` at temperature index ``k``: ``(n_samples, 9)``."""
        e, m = self.energy[k], self.magnetization[k]
        abs_m, m2 = np.abs(m), m * m
        f = self.fourier[k] if self.fourier is not None else np.full_like(e, np.nan)
        return np.stack([e, e * e, abs_m, m2, m2 * m2, abs_m * e, m2 * e, m2 * m2 * e, f], axis=-1)


def observables_from_means(means: np.ndarray, *, size: int, beta) -> dict[str, np.ndarray]:
    """Every observable of :data:`OBSERVABLES` from moment means ``(..., 9)`` at β (broadcast to ``(...)``)."""
    n = float(size * size)
    e, e2, am, m2, m4, ame, m2e, m4e, f = np.moveaxis(np.asarray(means, dtype=np.float64), -1, 0)
    beta = np.asarray(beta, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        binder = 1.0 - m4 / (3.0 * m2 * m2)
        ratio = m2 / f - 1.0
        xi = np.where(ratio >= 0, np.sqrt(np.abs(ratio)), np.nan) / (2.0 * np.sin(np.pi / size))
        return {
            "energy": e,
            "specific_heat": n * beta**2 * (e2 - e * e),
            "abs_magnetization": am,
            "susceptibility_prime": n * beta * (m2 - am * am),
            "susceptibility": n * beta * m2,
            "binder": binder,
            "xi_over_L": xi / size,
            "dbinder_dbeta": -(1.0 - binder) * n * (2.0 * m2e / m2 - m4e / m4 - e),
            "dlog_abs_m_dbeta": n * (e - ame / am),
        }


class Histograms:
    """Per-unit moment sums of one size: means, jackknife replicas and reweighted curves.

    Parameters
    ----------
    series : SizeSeries
    blocks : int, keyword-only
        Resampling units (chain blocks, :func:`rgml.blocking.block_labels`).
    """

    def __init__(self, series: SizeSeries, *, blocks: int = BLOCKS):
        self.series = series
        self.labels = block_labels(series.n_samples, chains=series.chains, blocks=blocks)
        self.units = n_units(self.labels)
        self.counts = np.bincount(self.labels, minlength=self.units).astype(np.float64)
        self.betas = 1.0 / series.temperatures
        self._sums = np.stack([unit_sums(self.labels, series.moments(k)) for k in range(len(self.betas))])
        order = np.argsort(self.labels, kind="stable")
        self._order = order
        self._bounds = np.searchsorted(self.labels[order], np.arange(self.units + 1))

    def means(self, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Moment means at the sampled temperature(s): central ``(n_T, 9)`` and replicas ``(U, n_T, 9)``."""
        sums = self._sums if k is None else self._sums[k: k + 1]
        total = sums.sum(axis=1)
        central = total / self.counts.sum()
        replicas = (total[None] - np.moveaxis(sums, 1, 0)) / (self.counts.sum() - self.counts)[:, None, None]
        return (central, replicas) if k is None else (central[0], replicas[:, 0])

    def observable(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """One observable at the sampled temperatures: central ``(n_T,)`` and replicas ``(U, n_T)``."""
        central, replicas = self.means()
        kw = {"size": self.series.size}
        return (observables_from_means(central, beta=self.betas, **kw)[name],
                observables_from_means(replicas, beta=self.betas, **kw)[name])

    def energy_width(self, k: int) -> float:
        """σ_E: standard deviation of the total energy N e sampled at temperature index k."""
        return float(self.series.sites * self.series.energy[k].std())

    def window(self, k: int, *, reach: float = 1.0) -> tuple[float, float]:
        """Range of β where reweighting from temperature index k is trusted: β_k ± reach / σ_E."""
        half = reach / max(self.energy_width(k), 1e-300)
        return self.betas[k] - half, self.betas[k] + half

    def reweighted(self, k: int, betas) -> tuple[np.ndarray, np.ndarray]:
        """Moment means reweighted from temperature index k to ``betas (J,)``: ``(J, 9)`` and ``(U, J, 9)``."""
        betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
        e = self.series.energy[k][self._order]
        exponent = -np.outer(e - e.mean(), betas - self.betas[k]) * self.series.sites  # (n, J), units in order
        weights = np.exp(exponent - exponent.max(axis=0))
        x = self.series.moments(k)[self._order]
        unit = [slice(lo, hi) for lo, hi in zip(self._bounds[:-1], self._bounds[1:])]
        weighted = np.stack([weights[u].T @ x[u] for u in unit])  # (U, J, 9)
        norm = np.stack([weights[u].sum(axis=0) for u in unit])  # (U, J)
        central = weighted.sum(axis=0) / norm.sum(axis=0)[:, None]
        replicas = (weighted.sum(axis=0) - weighted) / (norm.sum(axis=0) - norm)[..., None]
        return central, replicas

    def reweighted_observable(self, name: str, k: int, betas) -> tuple[np.ndarray, np.ndarray]:
        """One observable reweighted from index k to ``betas``: central ``(J,)`` and replicas ``(U, J)``."""
        betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
        central, replicas = self.reweighted(k, betas)
        kw = {"size": self.series.size, "beta": betas}
        return observables_from_means(central, **kw)[name], observables_from_means(replicas, **kw)[name]
