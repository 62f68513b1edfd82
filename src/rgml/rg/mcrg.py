"""Monte Carlo renormalization group: ν from the linearised RG matrix (Swendsen, PRL 42, 859 (1979)).

With H⁽ⁿ⁾ = −Σ_α K_α⁽ⁿ⁾ S_α⁽ⁿ⁾ at level n and the chain rule

    ∂⟨S_α⁽ⁿ⁺¹⁾⟩/∂K_β⁽ⁿ⁾ = Σ_γ ∂⟨S_α⁽ⁿ⁺¹⁾⟩/∂K_γ⁽ⁿ⁺¹⁾ · T_γβ,    T_γβ = ∂K_γ⁽ⁿ⁺¹⁾/∂K_β⁽ⁿ⁾,

both derivatives are connected correlation functions of one simulation:

    B_αβ = ⟨S_α⁽ⁿ⁺¹⁾ S_β⁽ⁿ⁾⟩ − ⟨S_α⁽ⁿ⁺¹⁾⟩⟨S_β⁽ⁿ⁾⟩,
    A_αγ = ⟨S_α⁽ⁿ⁺¹⁾ S_γ⁽ⁿ⁺¹⁾⟩ − ⟨S_α⁽ⁿ⁺¹⁾⟩⟨S_γ⁽ⁿ⁺¹⁾⟩,

so T = A⁻¹ B.  S_α are extensive lattice sums — T is not invariant under
rescaling them level by level.  The matrix splits into two sectors:

* even interactions (:data:`rgml.rg.correlations.INTERACTIONS`): at the
  critical point the largest eigenvalue is λ_t = b^{y_t}, y_t = 1/ν
  (:func:`mcrg_nu`);
* odd interactions (:data:`rgml.rg.correlations.ODD_INTERACTIONS`, the
  magnetization first): λ_h = b^{y_h}, y_h = 15/8 in 2D (Swendsen, PRL 42,
  859 (1979)) (:func:`mcrg_yh`).  ⟨S_α⟩ = 0 for odd α at zero field, so the
  correlations are taken about zero, not about the sample mean.

:func:`mcrg_levels` gives ν of every level pair of one sample set from one
joint bootstrap, so that the level-to-level drift has an honest error.

Errors come from a bootstrap over whole blocks of each Markov chain
(:mod:`rgml.blocking`, ``blocks`` units; ``blocks=None`` resamples single
configurations, as rgml did before, which underestimates errors of
correlated samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.blocking import BLOCKS, block_labels, bootstrap_counts, sample_labels
from rgml.rng import Stream


@dataclass(frozen=True)
class MCRGEstimate:
    level: int  # the pair (level, level + 1)
    couplings: int
    eigenvalue: float
    nu: float
    nu_err: float
    eigenvalue_err: float


@dataclass(frozen=True)
class MCRGMagnetic:
    """Magnetic eigenvalue λ_h of the odd sector and y_h = ln λ_h / ln b, with bootstrap errors."""

    level: int  # the pair (level, level + 1)
    couplings: int
    eigenvalue: float
    eigenvalue_err: float
    y_h: float
    y_h_err: float


def _covariances(sums_n: np.ndarray, sums_next: np.ndarray, centre: bool) -> tuple[np.ndarray, np.ndarray]:
    """A = ⟨S⁽ⁿ⁺¹⁾S⁽ⁿ⁺¹⁾⟩ and B = ⟨S⁽ⁿ⁺¹⁾S⁽ⁿ⁾⟩, connected unless ``centre=False``."""
    dn = sums_n - sums_n.mean(axis=0) if centre else sums_n
    dm = sums_next - sums_next.mean(axis=0) if centre else sums_next
    count = sums_n.shape[0]
    return dm.T @ dm / count, dm.T @ dn / count


def rg_matrix(sums_n: np.ndarray, sums_next: np.ndarray, *, centre: bool = True) -> np.ndarray:
    """T = A⁻¹ B from per-sample lattice sums ``(samples, k)`` of levels n and n+1.

    ``centre=False`` takes the correlations about zero (odd interactions, whose mean vanishes by symmetry).
    """
    return np.linalg.solve(*_covariances(sums_n, sums_next, centre))


def leading_eigenvalue(matrix: np.ndarray) -> float:
    """Largest real part among the eigenvalues of a (non-symmetric) matrix."""
    return float(np.max(np.linalg.eigvals(matrix).real))


def _solved_eigenvalue(a: np.ndarray, b: np.ndarray) -> float:
    """Leading eigenvalue of A⁻¹B; NaN when A is singular (too few samples for the couplings)."""
    try:
        return leading_eigenvalue(np.linalg.solve(a, b))
    except np.linalg.LinAlgError:
        return np.nan


def _eigenvalue(sums_n: np.ndarray, sums_next: np.ndarray, centre: bool = True) -> float:
    """Leading eigenvalue of one sample set (:func:`rg_matrix`); NaN when A is singular."""
    return _solved_eigenvalue(*_covariances(sums_n, sums_next, centre))


def _labels(n: int, blocks: int | None, chains: int) -> np.ndarray:
    return sample_labels(n) if blocks is None else block_labels(n, chains=chains, blocks=blocks)


def _bootstrap(x, y, *, centre, stream, n_boot, blocks, chains) -> tuple[float, np.ndarray]:
    """Leading eigenvalue of the data and of ``n_boot`` block-bootstrap resamples.

    The resamples are those of ``n_boot`` successive :func:`rgml.blocking.bootstrap_indices`
    draws, carried as counts (:func:`rgml.blocking.bootstrap_counts` draws the same units).
    """
    counts = bootstrap_counts(_labels(x.shape[0], blocks, chains), stream, (n_boot,))
    return _eigenvalue(x, y, centre), _weighted_eigenvalues(x, y, counts, centre=centre)


def _std(values: np.ndarray) -> float:
    ok = np.isfinite(values)
    return float(np.std(values[ok], ddof=1)) if ok.sum() > 1 else np.nan


def mcrg_nu(
    sums_n: np.ndarray, sums_next: np.ndarray, b: int, *, level: int, couplings: int,
    stream: Stream, n_boot: int = 200, blocks: int | None = BLOCKS, chains: int = 1,
) -> MCRGEstimate:
    """ν = ln b / ln λ_t from the first ``couplings`` even interactions, with a block-bootstrap error.

    Parameters
    ----------
    sums_n, sums_next:
        Extensive lattice sums ``(samples, ≥ couplings)`` of levels n and n+1
        for the same configurations, sampled at (or nearest to) Tc, in stored
        order (sample = step · chains + chain).
    blocks, chains:
        Bootstrap units: ``blocks`` contiguous blocks of the ``chains``
        interleaved chains (:func:`rgml.blocking.block_labels`); ``None``
        resamples single configurations (the pre-block behaviour, bitwise).
    """
    x, y = sums_n[:, :couplings], sums_next[:, :couplings]
    lam, boot = _bootstrap(x, y, centre=True, stream=stream, n_boot=n_boot, blocks=blocks, chains=chains)
    nu = np.log(b) / np.log(lam) if lam > 1 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        boot_nu = np.where(boot > 1, np.log(b) / np.log(np.where(boot > 1, boot, 2.0)), np.nan)
    return MCRGEstimate(
        level=level, couplings=couplings, eigenvalue=lam, nu=float(nu),
        nu_err=_std(boot_nu), eigenvalue_err=float(np.nanstd(boot, ddof=1)) if np.isfinite(boot).sum() > 1 else np.nan,
    )


def mcrg_yh(
    odd_n: np.ndarray, odd_next: np.ndarray, b: int, *, level: int, couplings: int,
    stream: Stream, n_boot: int = 200, blocks: int | None = BLOCKS, chains: int = 1,
) -> MCRGMagnetic:
    """y_h = ln λ_h / ln b from the first ``couplings`` odd interactions, with a block-bootstrap error.

    Parameters
    ----------
    odd_n, odd_next:
        Extensive lattice sums ``(samples, ≥ couplings)`` of the odd
        interactions (:func:`rgml.rg.correlations.odd_interaction_densities`
        times the number of sites) of levels n and n+1, at (or nearest to) Tc.
    blocks, chains:
        As in :func:`mcrg_nu`.
    """
    x, y = odd_n[:, :couplings], odd_next[:, :couplings]
    lam, boot = _bootstrap(x, y, centre=False, stream=stream, n_boot=n_boot, blocks=blocks, chains=chains)
    with np.errstate(invalid="ignore", divide="ignore"):
        y_h = float(np.log(lam) / np.log(b)) if lam > 0 else np.nan
        boot_y = np.where(boot > 0, np.log(np.where(boot > 0, boot, 1.0)) / np.log(b), np.nan)
    return MCRGMagnetic(level=level, couplings=couplings, eigenvalue=lam, eigenvalue_err=_std(boot),
                        y_h=y_h, y_h_err=_std(boot_y))


@dataclass(frozen=True)
class MCRGLevels:
    """ν of every level pair (n, n+1) of one sample set, from one joint block bootstrap.

    The same resampled blocks are used for every pair, so the replicas carry
    the correlations between pairs (they share samples) and differences
    between pairs, the level drift, get honest errors.

    Attributes
    ----------
    levels:
        First level n of each pair ``(pairs,)``.
    couplings:
        Even couplings used.
    eigenvalue, nu, nu_err:
        λ_t, ν = ln b / ln λ_t and its bootstrap error per pair.
    replicas:
        ν of every bootstrap replica ``(n_boot, pairs)`` (NaN where λ_t ≤ 1 or A is singular).
    """

    levels: np.ndarray
    couplings: int
    eigenvalue: np.ndarray
    nu: np.ndarray
    nu_err: np.ndarray
    replicas: np.ndarray


def _weighted_eigenvalues(x: np.ndarray, y: np.ndarray, weights: np.ndarray, *, centre: bool = True) -> np.ndarray:
    """Leading eigenvalue of T = A⁻¹B for every row of sample ``weights (R, n)`` (counts of a resample).

    ``centre=False`` takes the correlations about zero, as :func:`rg_matrix` does.  NaN where A is singular.
    """
    if centre:
        x = x - x.mean(axis=0)
        y = y - y.mean(axis=0)  # covariances do not depend on the shift; it keeps the products small
    total = weights.sum(axis=1)[:, None]
    k = x.shape[1]
    yy = np.einsum("si,sj->sij", y, y).reshape(len(y), k * k)
    yx = np.einsum("si,sj->sij", y, x).reshape(len(y), k * k)
    a = (weights @ yy / total).reshape(-1, k, k)
    b = (weights @ yx / total).reshape(-1, k, k)
    if centre:
        mx, my = weights @ x / total, weights @ y / total
        a -= np.einsum("ri,rj->rij", my, my)
        b -= np.einsum("ri,rj->rij", my, mx)
    try:
        return np.linalg.eigvals(np.linalg.solve(a, b)).real.max(axis=1)
    except np.linalg.LinAlgError:  # some resample is singular: those alone get NaN
        return np.array([_solved_eigenvalue(a[r], b[r]) for r in range(len(weights))])


def _nu_of(eigenvalues: np.ndarray, b: int) -> np.ndarray:
    lam = np.asarray(eigenvalues, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(lam > 1, np.log(b) / np.log(np.where(lam > 1, lam, 2.0)), np.nan)


def mcrg_levels(
    sums: list[np.ndarray], b: int, *, couplings: int, stream: Stream, n_boot: int = 200,
    blocks: int | None = BLOCKS, chains: int = 1,
) -> MCRGLevels:
    """ν from every level pair (n, n+1) of one sample set, with one joint block bootstrap (Swendsen 1979).

    Parameters
    ----------
    sums:
        Extensive even lattice sums ``(samples, ≥ couplings)`` of levels 0, 1, …
        of the same configurations (at or nearest Tc), in stored order.
    b:
        Block size.
    couplings:
        Use the first ``couplings`` even interactions.
    stream, n_boot, blocks, chains:
        As in :func:`mcrg_nu`; one draw of ``n_boot`` resamples serves every pair.

    Returns
    -------
    :class:`MCRGLevels`; the central values equal :func:`mcrg_nu` of each pair.
    """
    if len(sums) < 2:
        raise ValueError(f"sums: need at least two levels for one level pair, got {len(sums)}")
    n = sums[0].shape[0]
    if any(s.shape[0] != n for s in sums) or any(s.shape[1] < couplings for s in sums):
        raise ValueError(f"sums: every level needs the same samples and >= {couplings} couplings, "
                         f"got shapes {[s.shape for s in sums]}")
    labels = _labels(n, blocks, chains)
    counts = bootstrap_counts(labels, stream, (n_boot,))
    central, replicas = [], []
    for level in range(len(sums) - 1):
        x, y = sums[level][:, :couplings], sums[level + 1][:, :couplings]
        central.append(_eigenvalue(x, y))
        replicas.append(_weighted_eigenvalues(x, y, counts))
    eigenvalue = np.asarray(central)
    boot_nu = _nu_of(np.stack(replicas, axis=1), b)
    return MCRGLevels(levels=np.arange(len(sums) - 1), couplings=couplings, eigenvalue=eigenvalue,
                      nu=_nu_of(eigenvalue, b), nu_err=np.array([_std(boot_nu[:, p]) for p in range(boot_nu.shape[1])]),
                      replicas=boot_nu)
