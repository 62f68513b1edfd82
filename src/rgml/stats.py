"""Error bars for Monte Carlo averages: autocorrelation times, jackknife, bootstrap.

Convention (Sokal, "Monte Carlo methods in statistical mechanics", Cargèse
lectures 1996, §3): the integrated autocorrelation time is

    τ_int = ½ + Σ_{t≥1} ρ(t),

so independent samples have τ_int = ½, a chain of N samples holds
N / (2 τ_int) effectively independent ones, and the error of its mean is
sqrt(2 τ_int σ² / N).  τ_int is in units of the spacing of the series (sweeps
for a series recorded every sweep, stored samples for a thinned one).

The sum is cut at Sokal's automatic window: the smallest M with
M ≥ c·τ_int(M), c = 6 by default, which balances the bias of truncation
against the variance of the noisy tail (var τ̂ ≈ 2(2M + 1)/N · τ²).

Series are 1D ``(n,)`` or several independent chains ``(chains, n)``.  They
are moved to the host with :func:`rgml.backend.to_numpy`; the results are
plain floats.  Derived quantities (Binder cumulant, specific heat from energy
samples) get their errors from :func:`jackknife` or :func:`bootstrap`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.fft
from scipy.special import chdtrc

from rgml.backend import array_namespace, to_numpy
from rgml.rng import Stream

#: A chain shorter than this many τ_int gives an unreliable τ_int (and error);
#: the same rule of thumb as emcee (Foreman-Mackey et al., PASP 125, 306 (2013)).
RELIABLE_LENGTH_IN_TAU = 50.0


def chi2_pvalue(chi2: float, dof: int) -> float:
    """Upper tail P(χ²_dof ≥ ``chi2``) of the χ² distribution with ``dof`` degrees of freedom.

    The function ``scipy.stats.chi2.sf`` evaluates (``scipy.special.chdtrc``), called directly:
    importing scipy.stats costs about a second, paid by every job that would.
    """
    return float(chdtrc(dof, chi2))


@dataclass(frozen=True)
class Stats:
    """A Monte Carlo estimate: mean, error of the mean, τ_int and sample count.

    Attributes
    ----------
    mean : float
        The estimate.
    error : float
        One standard error of ``mean``, accounting for autocorrelation.
    tau_int : float
        Integrated autocorrelation time (Sokal's convention, ½ for independent
        samples); NaN for resampling estimates of derived quantities.
    n : int
        Number of samples used (all chains together).
    reliable : bool
        False when the chains are shorter than ``RELIABLE_LENGTH_IN_TAU``
        times τ_int, so that τ_int and ``error`` are probably underestimated.
    """

    mean: float
    error: float
    tau_int: float
    n: int
    reliable: bool = True

    @property
    def n_eff(self) -> float:
        """Effective number of independent samples, n / (2 τ_int)."""
        return self.n / (2.0 * self.tau_int)

    def __str__(self) -> str:
        text = _format_with_error(self.mean, self.error)
        if not math.isnan(self.tau_int):
            text += f" τ={self.tau_int:.1f}"
        return text if self.reliable else text + " (unreliable: chain too short for τ)"


def _format_with_error(mean: float, error: float) -> str:
    """``-1.4953(21)``: the value to the precision of two digits of its error."""
    if not (math.isfinite(error) and error > 0 and math.isfinite(mean)):
        return f"{mean:.6g} ± {error:.2g}"
    decimals = 1 - math.floor(math.log10(error))
    scaled_error = round(error * 10.0**decimals)
    if decimals > 0:
        return f"{mean:.{decimals}f}({scaled_error})"
    return f"{round(mean, decimals):.0f}({round(error, decimals):.0f})"


def _as_chains(x) -> np.ndarray:
    """The series as a float64 host array of shape (chains, n), checked."""
    chains = np.asarray(to_numpy(x), dtype=np.float64)
    if chains.ndim == 1:
        chains = chains[None, :]
    if chains.ndim != 2 or chains.shape[1] < 2:
        raise ValueError(
            f"expected a series of shape (n,) or (chains, n) with n >= 2, got shape {np.shape(x)}"
        )
    if not np.all(np.isfinite(chains)):
        raise ValueError("the series contains NaN or infinite values; drop them before estimating")
    return chains


def autocorrelation(x, *, mean: float | None = None) -> np.ndarray:
    """Normalised autocorrelation function ρ(t), t = 0 … n−1, by FFT.

    Each chain is centred on its own mean (or on ``mean`` when the exact
    mean is known, e.g. 0 for the magnetization of a symmetric model: then a
    chain stuck in one sector shows its true, long memory); the autocovariance
    C(t) = (1/n) Σ_i (x_i − x̄)(x_{i+t} − x̄) is averaged over chains and
    divided by C(0).  A constant series has ρ = (1, 0, 0, …).

    Parameters
    ----------
    x : array_like, shape (n,) or (chains, n)
    """
    chains = _as_chains(x)
    n = chains.shape[1]
    rho = np.zeros(n)
    rho[0] = 1.0
    if np.all(np.ptp(chains, axis=1) == 0) and (mean is None or np.all(chains == mean)):
        return rho
    centred = chains - (chains.mean(axis=1, keepdims=True) if mean is None else mean)
    size = scipy.fft.next_fast_len(2 * n, real=True)
    spectrum = scipy.fft.rfft(centred, n=size, axis=1)
    acov = scipy.fft.irfft(spectrum * spectrum.conj(), n=size, axis=1)[:, :n].mean(axis=0)
    return acov / acov[0]


def integrated_time(x, *, c: float = 6.0, mean: float | None = None) -> float:
    """Integrated autocorrelation time τ_int with Sokal's automatic window.

    τ_int(M) = ½ + Σ_{t=1}^{M} ρ(t), evaluated at the smallest M ≥ 1 with
    M ≥ c·τ_int(M).  Such an M always exists: with every chain centred on
    its own mean, Σ_{t=1}^{n−1} ρ(t) = −½, so τ_int(n−1) = 0.  For a series
    shorter than a few c·τ the window therefore lands at a lag comparable to
    the series length and the estimate is biased low; :func:`estimate`
    reports this as ``Stats.reliable = False``.

    Parameters
    ----------
    x : array_like, shape (n,) or (chains, n)
    c : float, keyword-only
        Window factor; 5–10 is usual, larger trades variance for less bias.
    mean : float, keyword-only
        Known exact mean to centre on (see :func:`autocorrelation`).  The
        window then need not exist within the series; if it does not, the
        value at the largest lag is returned (a lower bound).

    Returns
    -------
    τ_int in units of the series spacing (½ for independent samples and for a
    constant series).
    """
    rho = autocorrelation(x, mean=mean)
    tau = 0.5 + np.cumsum(rho[1:])  # tau[M - 1] = τ_int(M)
    window = np.arange(1, rho.size) >= c * tau
    return float(tau[np.argmax(window)] if window.any() else tau[-1])


def tau_error(tau, n_samples, *, c: float = 6.0):
    """Statistical error of an :func:`integrated_time` estimate (same units as ``tau``).

    Madras & Sokal, J. Stat. Phys. 50, 109 (1988): with the
    window M ≈ c·τ_int, var(τ̂_int) ≈ 2(2M + 1) τ_int² / N for N samples (all
    chains together).  Works elementwise on arrays.
    """
    tau = np.asarray(tau, dtype=np.float64)
    window = np.ceil(c * tau)
    return tau * np.sqrt(2.0 * (2.0 * window + 1.0) / np.asarray(n_samples, dtype=np.float64))


def stored_tau(series, chains: int) -> float:
    """τ_int along each chain's stored sequence (units: stored samples).

    ``series`` is one temperature's stored samples in sampling order with the
    chains interleaved (sample = step · chains + chain); a trailing partial
    step is dropped.
    """
    series = np.asarray(series)
    n = series.size - series.size % chains
    return integrated_time(series[:n].reshape(-1, chains).T)


def estimate(x, *, c: float = 6.0) -> Stats:
    """Mean of a correlated series with an error bar from its τ_int.

    error = sqrt(2 τ_int s² / N), with s² the sample variance about the grand
    mean over all N values of all chains (so chains that disagree widen the
    error) and τ_int from :func:`integrated_time`.

    Parameters
    ----------
    x : array_like, shape (n,) or (chains, n)
        Measurements in sequence order along the last axis.
    c : float, keyword-only
        Window factor of :func:`integrated_time`.
    """
    chains = _as_chains(x)
    tau = integrated_time(chains, c=c)
    n_total = chains.size
    variance = chains.var(ddof=1)
    error = math.sqrt(2.0 * max(tau, 0.0) * variance / n_total)
    reliable = tau > 0 and chains.shape[1] >= RELIABLE_LENGTH_IN_TAU * tau
    return Stats(float(chains.mean()), error, tau, n_total, reliable)


def _sample_arrays(data) -> tuple[list, int]:
    """``data`` as a list of arrays with a common leading length n ≥ 2."""
    arrays = [data] if hasattr(data, "shape") else list(data)
    if not arrays:
        raise ValueError("data must hold at least one array of samples")
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"the arrays in data must share their leading (sample) axis, got lengths {lengths}")
    return arrays, lengths.pop()


def jackknife(
    estimator: Callable[..., float], data: Sequence | np.ndarray, *, blocks: int = 50
) -> Stats:
    """Blocked jackknife estimate and error of ``estimator(*data)``.

    The samples are cut into ``blocks`` contiguous blocks of (nearly) equal
    size; θ_i is the estimator without block i.  With θ the estimate on all
    data and θ̄ the mean of the θ_i (Efron & Stein 1981; Efron, *The
    Jackknife, the Bootstrap and Other Resampling Plans*, 1982)::

        mean  = B θ − (B − 1) θ̄                 (bias-corrected to O(1/n²))
        error = sqrt((B − 1)/B Σ_i (θ_i − θ̄)²)

    Blocks much longer than τ_int make the error valid for correlated samples.

    Parameters
    ----------
    estimator : callable
        Takes the arrays of ``data`` (subsampled along axis 0) and returns a float.
    data : array or sequence of arrays
        Samples along the leading axis, e.g. ``(energies,)`` or ``(m,)``.
    blocks : int, keyword-only
        Number of blocks B, 2 ≤ B ≤ n.
    """
    arrays, n = _sample_arrays(data)
    if not 2 <= blocks <= n:
        raise ValueError(f"blocks must be between 2 and the number of samples ({n}), got {blocks}")
    xp = array_namespace(*arrays)
    edges = np.linspace(0, n, blocks + 1).astype(int)
    full = float(estimator(*arrays))
    leave_out = np.array(
        [
            float(estimator(*[xp.concatenate([a[:lo], a[hi:]]) for a in arrays]))
            for lo, hi in zip(edges[:-1], edges[1:])
        ]
    )
    theta_bar = leave_out.mean()
    error = math.sqrt((blocks - 1) / blocks * np.sum((leave_out - theta_bar) ** 2))
    return Stats(blocks * full - (blocks - 1) * theta_bar, error, math.nan, n)


def bootstrap(
    estimator: Callable[..., float],
    data: Sequence | np.ndarray,
    *,
    stream: Stream,
    n_resamples: int = 1000,
    block_size: int = 1,
) -> Stats:
    """Bootstrap estimate and error of ``estimator(*data)`` (Efron 1979).

    Each resample draws n // block_size blocks of ``block_size`` consecutive
    samples with replacement (block_size = 1 is the ordinary bootstrap; blocks
    longer than τ_int keep correlated samples' errors honest, Künsch 1989).
    The estimate is ``estimator(*data)``; its error the standard deviation of
    the resampled estimates.

    Parameters
    ----------
    estimator : callable
        Takes the arrays of ``data`` (resampled along axis 0) and returns a float.
    data : array or sequence of arrays
        Samples along the leading axis.
    stream : rgml.rng.Stream, keyword-only
        Source of the resampling indices; advanced by n_resamples · (n // block_size).
    n_resamples : int, keyword-only
        Number of bootstrap resamples (≥ 2).
    block_size : int, keyword-only
        Length of the resampled blocks, 1 ≤ block_size ≤ n / 2.
    """
    arrays, n = _sample_arrays(data)
    n_blocks = n // block_size if block_size >= 1 else 0
    if n_blocks < 2:
        raise ValueError(f"block_size must be between 1 and n/2 = {n / 2:g}, got {block_size}")
    if n_resamples < 2:
        raise ValueError(f"n_resamples must be at least 2, got {n_resamples}")
    xp = array_namespace(*arrays)
    offsets = xp.arange(block_size, dtype=xp.int64)
    resampled = np.empty(n_resamples)
    for i in range(n_resamples):
        starts = (stream.bits(n_blocks, xp) % np.uint64(n_blocks)).astype(xp.int64) * block_size
        index = (starts[:, None] + offsets).ravel()
        resampled[i] = float(estimator(*[a[index] for a in arrays]))
    return Stats(float(estimator(*arrays)), float(resampled.std(ddof=1)), math.nan, n)
