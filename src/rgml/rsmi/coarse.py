"""The stochastic coarse variable of RSMI and the standard filters.

Each of ``n_hidden`` binary units ``h_j = ±1`` is drawn given the visible
block ``V`` (a ±1 vector of ``n_V`` spins) with

    P(h_j = +1 | V) = σ(2 λ_j · V),        σ(x) = 1 / (1 + e^{-x}),

independently across units (Koch-Janusz & Ringel, Nat. Phys. 14, 578 (2018);
DESIGN.md §3).  Equivalently ``P(h_j | V) = σ(2 h_j a_j)`` with the
pre-activation ``a_j = λ_j · V``, and ``ln P(h|V) = Σ_j [h_j a_j − ln(2 cosh a_j)]``.
The norm ``|λ_j|`` sets how deterministic the rule is: as ``|λ| → ∞`` it becomes
``h_j = sign(λ_j · V)``; the *deterministic limit* used here breaks the ties
``λ_j · V = 0`` with a fair coin (the convention of
``mutual_information_exact.json``).

Hidden states are enumerated as rows of :func:`hidden_states`, so that
expectations over ``h`` are exact sums over ``2**n_hidden`` terms.
"""

from __future__ import annotations

import numpy as np

from rgml.backend import array_namespace

#: Pre-activations with |λ·V| below this fraction of Σ|λ_i| count as exact ties.
TIE_TOLERANCE = 1e-9


def spin_states(n: int, xp=np):
    """All ``2**n`` configurations of ``n`` ±1 spins as float64 rows.

    Row ``m`` has spin ``j = +1`` where bit ``n - 1 - j`` of ``m`` is set (row 0
    is all −1, the last row all +1): the binary code of a configuration,
    first spin most significant, is its row index.
    """
    if not 0 <= n <= 24:
        raise ValueError(f"cannot enumerate 2**{n} spin states; n must lie in 0..24")
    m = np.arange(2**n)[:, None]
    shifts = np.arange(n - 1, -1, -1)[None, :]
    return xp.asarray(((m >> shifts) & 1) * 2.0 - 1.0)


def hidden_states(n_hidden: int, xp=np):
    """All ``2**n_hidden`` hidden configurations, ordered as :func:`spin_states`."""
    if not 1 <= n_hidden <= 8:
        raise ValueError(
            f"n_hidden must lie in 1..8 (expectations are exact sums over 2**n_hidden states), "
            f"got {n_hidden}"
        )
    return spin_states(n_hidden, xp)


def preactivation(visible, filters):
    """``a = V λᵀ``: ``(rows, n_V) × (n_hidden, n_V) → (rows, n_hidden)`` float64."""
    return visible @ filters.T


def hidden_log_probs(a, states):
    """``log P(h_m | V)`` for every hidden state: ``(rows, 2**n_hidden)``.

    Uses ``ln σ(2 h a) = h a − ln(2 cosh a)``, so only ``rows × n_hidden``
    transcendental functions are evaluated, overflow-free.

    Parameters
    ----------
    a:
        ``(rows, n_hidden)`` pre-activations λ·V.
    states:
        ``(2**n_hidden, n_hidden)`` from :func:`hidden_states`.
    """
    xp = array_namespace(a)
    magnitude = xp.abs(a)
    log_two_cosh = magnitude + xp.log1p(xp.exp(-2.0 * magnitude))
    return a @ states.T - log_two_cosh.sum(axis=1, keepdims=True)


def unit_probabilities(a, filters, *, deterministic: bool = False):
    """``P(h_j = +1 | V)`` per unit: ``(rows, n_hidden)``.

    With ``deterministic=True`` this is 1, 0 or ½ (a tie, see
    :data:`TIE_TOLERANCE`) according to the sign of ``a``.
    """
    xp = array_namespace(a)
    if not deterministic:
        return 0.5 * (1.0 + xp.tanh(a))  # σ(2a), overflow-free
    scale = xp.abs(filters).sum(axis=1)[None, :]
    tie = xp.abs(a) <= TIE_TOLERANCE * scale
    return xp.where(tie, 0.5, (a > 0).astype(xp.float64))


def hidden_probs(a, filters, states, *, deterministic: bool = False):
    """``P(h_m | V)`` for every hidden state: ``(rows, 2**n_hidden)``.

    Products of :func:`unit_probabilities` over units; exact zeros allowed
    (deterministic rules), so this is what exact enumeration uses.
    """
    p_up = unit_probabilities(a, filters, deterministic=deterministic)
    up = (states > 0)[None, :, :]
    factors = array_namespace(a).where(up, p_up[:, None, :], 1.0 - p_up[:, None, :])
    return factors.prod(axis=2)


def uniform_filter(block_shape: tuple[int, ...], *, norm: float = 1.0) -> np.ndarray:
    """All weights equal, Euclidean norm ``norm``: shape ``(1, *block_shape)``."""
    n = int(np.prod(block_shape))
    return np.full((1, *block_shape), norm / np.sqrt(n))


def decimation_filter(
    block_shape: tuple[int, ...], site: tuple[int, ...] | int, *, norm: float = 1.0
) -> np.ndarray:
    """Weight ``norm`` on one site of the block, zero elsewhere: ``(1, *block_shape)``."""
    filt = np.zeros((1, *block_shape))
    filt[(0, *np.atleast_1d(site))] = norm
    return filt
