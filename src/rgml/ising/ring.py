"""Exact independent samples of the periodic 1D Ising ring.

The ring ``H = -Σ_i s_i s_{i+1}`` (N sites, periodic) is a Markov chain in
the site index once ``s_0`` is fixed.  With the transfer matrix
``T(a, b) = exp(K a b)`` and ``T^n(a, b) = (λ₊ⁿ + a b λ₋ⁿ) / 2``
(λ₊ = 2 cosh K, λ₋ = 2 sinh K), the exact conditional of site ``i`` given
site ``i-1 = a`` and the closing spin ``s_0 = c`` is

    P(s_i = s | a, c) ∝ exp(K a s) · (1 + s c tᴺ⁻ⁱ),     t = tanh K,

so one pass over the sites draws a configuration exactly from the Boltzmann
distribution — no Markov chain in time, no autocorrelation, no ergodicity
trap (DESIGN.md §5 warns that fixed-order Metropolis on a zero-field ring is
not ergodic).
"""

from __future__ import annotations

import numpy as np

from rgml.rng import Stream


def sample_ring(size: int, coupling: float, n_samples: int, stream: Stream, *, xp=np):
    """Draw ``n_samples`` exact configurations of a periodic ring.

    Parameters
    ----------
    size:
        Number of spins N ≥ 2.
    coupling:
        K = J/(k_B T) ≥ 0 (dimensionless).
    n_samples:
        Number of independent configurations.
    stream:
        Random stream; ``size * n_samples`` uniforms are consumed.

    Returns
    -------
    int8 array ``(n_samples, size)`` of ±1 spins.
    """
    if size < 2:
        raise ValueError(f"ring size must be at least 2, got {size}")
    if not np.isfinite(coupling) or coupling < 0:
        raise ValueError(f"ring coupling K must be finite and ≥ 0, got {coupling}")
    u = stream.uniform((n_samples, size), xp)
    spins = xp.empty((n_samples, size), dtype=xp.int8)
    first = xp.where(u[:, 0] < 0.5, 1, -1).astype(xp.int8)
    spins[:, 0] = first
    t = np.tanh(coupling)
    closing = first.astype(xp.float64)
    previous = closing
    for i in range(1, size):
        tn = t ** (size - i)
        # log-odds of s_i = +1 versus -1 given s_{i-1} and the closing spin s_0
        log_odds = 2.0 * coupling * previous + xp.log1p(closing * tn) - xp.log1p(-closing * tn)
        p_up = 0.5 * (1.0 + xp.tanh(0.5 * log_odds))  # logistic σ(log_odds), overflow-free
        spins[:, i] = xp.where(u[:, i] < p_up, 1, -1)
        previous = spins[:, i].astype(xp.float64)
    return spins
