"""Monte Carlo renormalization group: ν from the linearised RG matrix (Swendsen, PRL 42, 859 (1979)).

With H⁽ⁿ⁾ = −Σ_α K_α⁽ⁿ⁾ S_α⁽ⁿ⁾ at level n and the chain rule

    ∂⟨S_α⁽ⁿ⁺¹⁾⟩/∂K_β⁽ⁿ⁾ = Σ_γ ∂⟨S_α⁽ⁿ⁺¹⁾⟩/∂K_γ⁽ⁿ⁺¹⁾ · T_γβ,    T_γβ = ∂K_γ⁽ⁿ⁺¹⁾/∂K_β⁽ⁿ⁾,

both derivatives are connected correlation functions of one simulation:

    B_αβ = ⟨S_α⁽ⁿ⁺¹⁾ S_β⁽ⁿ⁾⟩ − ⟨S_α⁽ⁿ⁺¹⁾⟩⟨S_β⁽ⁿ⁾⟩,
    A_αγ = ⟨S_α⁽ⁿ⁺¹⁾ S_γ⁽ⁿ⁺¹⁾⟩ − ⟨S_α⁽ⁿ⁺¹⁾⟩⟨S_γ⁽ⁿ⁺¹⁾⟩,

so T = A⁻¹ B.  At the critical point its largest eigenvalue is
λ_t = b^{1/ν}.  S_α are the extensive lattice sums of the even
interactions (:data:`rgml.rg.correlations.INTERACTIONS`) — T is not
invariant under rescaling them level by level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.rng import Stream


@dataclass(frozen=True)
class MCRGEstimate:
    level: int  # the pair (level, level + 1)
    couplings: int
    eigenvalue: float
    nu: float
    nu_err: float
    eigenvalue_err: float


def rg_matrix(sums_n: np.ndarray, sums_next: np.ndarray) -> np.ndarray:
    """T = A⁻¹ B from per-sample lattice sums ``(samples, k)`` of levels n and n+1."""
    dn = sums_n - sums_n.mean(axis=0)
    dm = sums_next - sums_next.mean(axis=0)
    count = sums_n.shape[0]
    a = dm.T @ dm / count
    b = dm.T @ dn / count
    return np.linalg.solve(a, b)


def leading_eigenvalue(matrix: np.ndarray) -> float:
    """Largest real part among the eigenvalues of a (non-symmetric) matrix."""
    return float(np.max(np.linalg.eigvals(matrix).real))


def _eigenvalue(sums_n: np.ndarray, sums_next: np.ndarray) -> float:
    """λ_t of one (re)sample; NaN when A is singular (too few samples for the couplings)."""
    try:
        return leading_eigenvalue(rg_matrix(sums_n, sums_next))
    except np.linalg.LinAlgError:
        return np.nan


def mcrg_nu(
    sums_n: np.ndarray, sums_next: np.ndarray, b: int, *, level: int, couplings: int,
    stream: Stream, n_boot: int = 200,
) -> MCRGEstimate:
    """ν = ln b / ln λ_t from the first ``couplings`` interactions, with a bootstrap error.

    Parameters
    ----------
    sums_n, sums_next:
        Extensive lattice sums ``(samples, ≥ couplings)`` of levels n and n+1
        for the same configurations, sampled at (or nearest to) Tc.
    """
    x, y = sums_n[:, :couplings], sums_next[:, :couplings]
    lam = _eigenvalue(x, y)
    n = x.shape[0]
    boot = np.empty(n_boot)
    for i in range(n_boot):
        idx = (stream.bits(n) % np.uint64(n)).astype(np.int64)
        boot[i] = _eigenvalue(x[idx], y[idx])
    nu = np.log(b) / np.log(lam) if lam > 1 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        boot_nu = np.where(boot > 1, np.log(b) / np.log(np.where(boot > 1, boot, 2.0)), np.nan)
    ok = np.isfinite(boot_nu)
    return MCRGEstimate(
        level=level, couplings=couplings, eigenvalue=lam, nu=float(nu),
        nu_err=float(np.std(boot_nu[ok], ddof=1)) if ok.sum() > 1 else np.nan,
        eigenvalue_err=float(np.nanstd(boot, ddof=1)) if np.isfinite(boot).sum() > 1 else np.nan,
    )
