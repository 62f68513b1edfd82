"""Variational lower bounds on I(H:E) with the expectation over h taken exactly.

Notation: ``n`` rows (pairs V_i, E_i drawn from the data), ``M = 2**n_hidden``
hidden states, ``Q_im = P(h_m | V_i)`` (:mod:`rgml.rsmi.coarse`), critic
scores ``F_im = f(h_m, E_i)`` (:mod:`rgml.rsmi.critic`), ``q̄_m = (1/n) Σ_i Q_im``.

**InfoNCE** (van den Oord et al. 2018; Poole et al., ICML 2019).  With the
whole set of ``n`` rows as the contrastive batch and the positive included,

    I_NCE = (1/n) Σ_i Σ_m Q_im F_im − Σ_m q̄_m ln D_m,
    D_m = (1/n) Σ_k exp F_km.

Drawing ``h_i ~ P(h|V_i)`` in the usual estimator and averaging over that draw
exactly (Rao–Blackwell) gives this expression: same expectation, so it is
still a lower bound on I(H:E) in expectation, with no sampling noise and an
analytic gradient (no Gumbel-softmax relaxation; DESIGN.md §5).  Because ``h``
is discrete the contrastive sum costs ``O(n M)``, not ``O(n²)``.  It is the
per-state Donsker–Varadhan bound ``Σ_m P(h_m) KL(P(E|h_m) ‖ P(E))``, tight for
``F = ln P(h|E) + c(h)``.

**Barber–Agakov** (Barber & Agakov, NIPS 2003), with ``π_im = softmax_m F_im``
as the variational posterior q(h|E):

    I_BA = −Σ_m q̄_m ln q̄_m + (1/n) Σ_i Σ_m Q_im ln π_im.

The plug-in entropy of the few-state marginal is nearly unbiased.

Each objective returns its value and its gradients with respect to
``ln Q`` (rows, M) and ``F`` (rows, M); the chain rule to the filters is
:func:`filter_gradient`.  :func:`pointwise` gives per-row terms ``ψ_i`` whose
mean is the estimate and which linearise it (influence function), so the
standard error of a held-out estimate is the standard error of a mean of ψ
over independent configurations.  :func:`infonce_shortfall` splits how far
the InfoNCE bound falls short of ``ln M``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rgml.backend import array_namespace

ESTIMATORS = ("infonce", "ba")


def check_estimator(name: str) -> str:
    """Return ``name`` if it is a known estimator, else raise saying what to use."""
    if name not in ESTIMATORS:
        raise ValueError(f"unknown MI estimator {name!r}; use one of {', '.join(ESTIMATORS)}")
    return name


def _logsumexp(x, axis: int):
    xp = array_namespace(x)
    top = x.max(axis=axis, keepdims=True)
    return (top + xp.log(xp.exp(x - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def objective(name: str, log_q, scores):
    """Bound value and its gradients.

    Parameters
    ----------
    name:
        ``"infonce"`` or ``"ba"``.
    log_q:
        ``(n, M)`` log P(h_m|V_i).
    scores:
        ``(n, M)`` critic scores F.

    Returns
    -------
    (value, grad_log_q, grad_scores):
        The bound in nats (float) and ``(n, M)`` derivatives.
    """
    xp = array_namespace(log_q, scores)
    n = log_q.shape[0]
    q = xp.exp(log_q)
    q_bar = q.mean(axis=0)
    if check_estimator(name) == "infonce":
        log_d = _logsumexp(scores, axis=0) - np.log(n)
        value = float((q * scores).sum() / n - (q_bar * log_d).sum())
        weights = xp.exp(scores - log_d[None, :]) / n  # softmax over rows, per state
        grad_scores = q / n - q_bar[None, :] * weights
        grad_log_q = q * (scores - log_d[None, :]) / n
    else:
        log_pi = scores - _logsumexp(scores, axis=1)[:, None]
        log_q_bar = xp.log(q_bar)
        value = float(-(q_bar * log_q_bar).sum() + (q * log_pi).sum() / n)
        grad_scores = (q - xp.exp(log_pi)) / n
        grad_log_q = q * (log_pi - log_q_bar[None, :] - 1.0) / n
    return value, grad_log_q, grad_scores


def pointwise(name: str, log_q, scores):
    """Per-row terms ψ_i: ``mean(ψ)`` is the bound and ψ its influence function.

    InfoNCE: ``ψ_i = Σ_m Q_im (F_im − ln D_m) − Σ_m q̄_m e^{F_im} / D_m + 1``;
    BA: ``ψ_i = Σ_m Q_im (ln π_im − ln q̄_m)``.
    """
    xp = array_namespace(log_q, scores)
    n = log_q.shape[0]
    q = xp.exp(log_q)
    q_bar = q.mean(axis=0)
    if check_estimator(name) == "infonce":
        log_d = _logsumexp(scores, axis=0) - np.log(n)
        shifted = scores - log_d[None, :]
        return (q * shifted).sum(axis=1) - (q_bar[None, :] * xp.exp(shifted)).sum(axis=1) + 1.0
    log_pi = scores - _logsumexp(scores, axis=1)[:, None]
    return (q * (log_pi - xp.log(q_bar)[None, :])).sum(axis=1)


def filter_gradient(grad_log_q, a, states, visible):
    """Chain rule from ``∂/∂ ln Q`` to the filters λ.

    ``∂ ln P(h_m|V_i) / ∂a_ij = h_mj − tanh a_ij`` for ``P(h_j|V) = σ(2 h_j a_j)``,
    and ``a = V λᵀ``.

    Parameters
    ----------
    grad_log_q:
        ``(n, M)`` from :func:`objective`.
    a:
        ``(n, n_hidden)`` pre-activations.
    states:
        ``(M, n_hidden)`` hidden states.
    visible:
        ``(n, n_V)`` float visible spins.

    Returns
    -------
    ``(n_hidden, n_V)`` gradient.
    """
    xp = array_namespace(a)
    grad_a = grad_log_q @ states - xp.tanh(a) * grad_log_q.sum(axis=1, keepdims=True)
    return grad_a.T @ visible


class Shortfall(NamedTuple):
    """``ln M − I_NCE`` in three non-negative parts (nats), :func:`infonce_shortfall`."""

    marginal: float
    spread: float
    cross: float


def infonce_shortfall(log_q, scores) -> Shortfall:
    """Split ``ln M − I_NCE`` of these rows into the marginal, spread and cross terms.

    With ``w_km = Q_km / Σ_k Q_km`` the rows' weights in state m,
    ``A_m = Σ_k w_km e^{F_km}`` and ``R_m = (1/n) Σ_k (1 − Q_km) e^{F_km}``,
    ``D_m = q̄_m A_m + R_m`` and the bound of this module's docstring is exactly

        I_NCE = H(q̄) − Σ_m q̄_m [ln A_m − Σ_k w_km F_km] − Σ_m q̄_m ln(1 + R_m / (q̄_m A_m)),

    so ``ln M − I_NCE = marginal + spread + cross`` with

    - ``marginal = ln M − H(q̄)``: the hidden marginal's distance from uniform;
    - ``spread``: the Jensen gap of the scores state m gets on the rows that hold m
      (≥ 0, ≈ half their variance): zero for a critic whose score on a row's own state
      does not vary between rows, as for the optimal ``F = ln P(h|E) + c(h)`` where E
      fixes h; units that are not deterministic put weight Q_km on rows of the other
      states too, whose scores for m are low, and that adds about ⟨H(H|V)⟩ even for the
      optimal critic (L = 32 dimers at T = 0.2, the calibrated critic of
      :mod:`rgml.rsmi.calibration`: a spread of 0.0083 µnat, ⟨H(H|V)⟩ = 0.0089);
    - ``cross``: the weight of the scores state m gets on rows holding other states
      (≥ 0): where rows whose E points at another state show, and the cost of a
      finite margin between the states.

    Parameters
    ----------
    log_q, scores:
        ``(n, M)`` ln P(h_m|V_i) and critic scores F, as for :func:`objective`; states
        with Q = 0 on every row (q̄_m = 0) add nothing to any part.
    """
    log_q = np.asarray(log_q, np.float64)
    scores = np.asarray(scores, np.float64)
    n, m_states = log_q.shape
    q = np.exp(log_q)
    held = q.sum(axis=0) > 0.0  # a state no row holds (its probabilities underflowed) adds nothing
    q, scores = q[:, held], scores[:, held]
    mass = q.sum(axis=0)
    q_bar = mass / n
    weights = q / mass
    top = scores.max(axis=0)
    log_a = top + np.log((weights * np.exp(scores - top)).sum(axis=0))
    log_r = top + np.log(((1.0 - q) * np.exp(scores - top)).sum(axis=0) / n)
    spread = log_a - (weights * scores).sum(axis=0)
    cross = np.logaddexp(0.0, log_r - np.log(q_bar) - log_a)
    marginal = np.log(m_states) + float((q_bar * np.log(q_bar)).sum())
    return Shortfall(float(marginal), float((q_bar * spread).sum()), float((q_bar * cross).sum()))
