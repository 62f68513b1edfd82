"""The self-learned effective model: a linear fit of true energies on neighbour-shell pair sums.

Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017) learn an effective
Ising model

    H_eff = E_0 − J_1 C_1 − J_2 C_2 − J_3 C_3

(C_n the pair sums of :mod:`rgml.slmc.plaquette`) by linear regression of the
true energies of configurations sampled at the temperature of interest.  Per
spin this reads e = e_0 − Σ_n J_n c_n with c_n = C_n / L², the form fitted
here by ordinary least squares.

Errors: the OLS covariance σ̂² (XᵀX)⁻¹ (σ̂² = residual sum of squares over
n − p) assumes independent residuals; training configurations stored a few
sweeps apart are not, so the covariance is multiplied by 2 τ_int of the
residual series (Sokal's estimator, :func:`rgml.stats.integrated_time`, in
units of the stored spacing, at least ½), the same effective-sample-size
correction :func:`rgml.stats.estimate` applies to means.  R² = 1 − SS_res/SS_tot
is the fraction of the energy variance the effective model explains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rgml.slmc.plaquette import SHELLS
from rgml.stats import integrated_time


@dataclass(frozen=True)
class EffectiveModel:
    """Fitted effective couplings (units of J) and the quality of the fit.

    Attributes
    ----------
    couplings, couplings_err:
        J_1 … J_n and their standard errors, ``(shells,)``.
    e0, e0_err:
        Constant energy per spin E_0 / L² and its error.
    r2:
        Coefficient of determination of the fit on the training set.
    residual_rms:
        Root-mean-square residual energy per spin.
    residual_tau:
        τ_int of the residual series used to widen the errors (stored samples).
    n_samples:
        Training configurations.
    temperature, size:
        Where the training configurations were sampled (NaN / 0 if unknown).
    """

    couplings: np.ndarray
    couplings_err: np.ndarray
    e0: float
    e0_err: float
    r2: float
    residual_rms: float
    residual_tau: float
    n_samples: int
    temperature: float = math.nan
    size: int = 0

    @property
    def shells(self) -> int:
        return int(self.couplings.shape[0])

    def padded(self) -> np.ndarray:
        """float64 ``(3,)``: J_1, J_2, J_3 with absent shells as 0 (the cluster kernel's input)."""
        out = np.zeros(len(SHELLS))
        out[: self.shells] = self.couplings
        return out

    @classmethod
    def exact(cls, couplings, *, e0: float = 0.0) -> "EffectiveModel":
        """A model with given couplings and no fit behind it (zero errors, R² = 1)."""
        couplings = np.asarray(couplings, dtype=np.float64).reshape(-1)
        _check_shells(couplings.shape[0])
        return cls(couplings, np.zeros_like(couplings), float(e0), 0.0, 1.0, 0.0, 0.5, 0)


def _check_shells(shells: int) -> int:
    if not 1 <= shells <= len(SHELLS):
        raise ValueError(f"shells: the effective model has 1 to {len(SHELLS)} neighbour shells, got {shells}")
    return shells


def fit_effective_model(
    pair_sums, energies, *, n_sites: int, shells: int = 3, temperature: float = math.nan, size: int = 0,
) -> EffectiveModel:
    """Least-squares fit of e = e_0 − Σ_n J_n C_n / N to training configurations.

    Parameters
    ----------
    pair_sums:
        int ``(chains, n, ≥ shells)`` or ``(n, ≥ shells)``: C_1, C_2, C_3 of each
        configuration (:func:`rgml.slmc.plaquette.pair_sums`), in sampling order
        along ``n`` for each chain.
    energies:
        float ``(chains, n)`` or ``(n,)``: true energy per spin of each configuration.
    n_sites:
        L², to turn pair sums into per-spin correlations.
    shells:
        Neighbour shells in the model (1 = nearest only … 3).
    temperature, size:
        Recorded with the result.
    """
    shells = _check_shells(shells)
    sums = np.asarray(pair_sums, dtype=np.float64)
    e = np.asarray(energies, dtype=np.float64)
    if sums.ndim == 2:
        sums, e = sums[None], e[None]
    if sums.ndim != 3 or sums.shape[:2] != e.shape or sums.shape[2] < shells:
        raise ValueError(
            f"pair_sums: expected shape (chains, n, >= {shells}) matching energies {np.shape(energies)}, "
            f"got {np.shape(pair_sums)}"
        )
    n_total = e.size
    if n_total <= shells + 2:
        raise ValueError(f"energies: need more than {shells + 2} configurations to fit {shells} shells, got {n_total}")
    design = np.concatenate([np.ones((*e.shape, 1)), -sums[..., :shells] / n_sites], axis=-1).reshape(n_total, -1)
    target = e.reshape(n_total)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ coef
    ss_res = float(residual @ residual)
    ss_tot = float(((target - target.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    sigma2 = ss_res / (n_total - design.shape[1])
    chains = residual.reshape(e.shape)
    tau = integrated_time(chains) if e.shape[1] >= 2 and np.ptp(chains) > 0 else 0.5
    covariance = sigma2 * max(2.0 * tau, 1.0) * np.linalg.pinv(design.T @ design)
    err = np.sqrt(np.maximum(np.diag(covariance), 0.0))
    return EffectiveModel(
        couplings=coef[1:].copy(), couplings_err=err[1:].copy(), e0=float(coef[0]), e0_err=float(err[0]),
        r2=float(r2), residual_rms=math.sqrt(ss_res / n_total), residual_tau=float(tau),
        n_samples=int(n_total), temperature=float(temperature), size=int(size),
    )
