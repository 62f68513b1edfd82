"""Scale the critic after training: its finite margin and the spread of its scores left as biases.

Where E tells the hidden state almost for certain — dimers in their columnar
phase, where E fixes the crystal — the optimal critic of
:mod:`rgml.rsmi.estimators` has scores that grow without bound, and one that
Adam left at a finite margin A between the right state and the others costs
every row about ``(M − 1) e^{−A}`` nats of the bound.  On L = 32 dimers at
T = 0.3 (8 × 8 blocks, 550 steps) every held-out configuration fell at least
0.48 mnat short (median 0.58): a bound 0.565 mnat low, 180 times its error.  Training does not close it: the
gradient that would widen the margin decays as e^{−A}, Adam's steps shrink once
it falls below the running scale of the earlier gradients, and the polish's
learning rate decays to zero.

So after the polish the critic's read-out is multiplied by the one scale β
that maximises the bound on training rows (temperature scaling: Guo, Pleiss,
Sun & Weinberger, ICML 2017).  Both bounds are concave in β — linear terms
minus log-sum-exps of ``β F`` — so the maximum is where their derivative
(:func:`derivatives_of`) changes sign, found by safeguarded Newton steps.  Any critic
gives a valid bound, and β is chosen on training rows only, so the held-out
estimate stays an estimate of a lower bound on I(H:E).

A margin is not all: where E fixes h the optimal InfoNCE critic ln P(h|E) + c(h)
gives every row the same score for the state it holds, while a critic whose
``tanh`` layer is not saturated gives the rows of one crystal scores that differ
with the defects in their E, and the bound pays the Jensen gap of those scores
(the *spread* of :func:`rgml.rsmi.estimators.infonce_shortfall`; on L = 32
dimers at T = 0.2, 0.169 of the bound's 0.187 µnat below ln 4).  A scale β
cannot remove it — it widens the spread as it widens the margin — so
:func:`calibrate` also multiplies the hidden layer's pre-activations by a scale
γ (a grid, :data:`HIDDEN_SCALES`, each γ with its best β), which saturates the
layer where the rows of one state sit deep on one side of its units and leaves
the critic alone where they do not.  Both scales are chosen on training rows.
On the default sweep's L = 32 dimers (two learned units, held-out bounds, µnat
below ln 4, β alone → β and γ): T = 0.2 0.187 → 0.0092 (γ = 5.7), T = 0.3
4.15 → 0.32 (γ = 5.7), T = 0.4 578 → 547 (γ = 16); in the Coulomb phase
(T ≥ 0.65) γ = 1, the bound unchanged.  At T = 0.2 what is left is the units'
own randomness: I(H:V) = ln 4 − 0.0090 µnat, the bound 0.0002 µnat below it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rgml.backend import array_namespace
from rgml.rsmi.critic import critic_hidden, critic_readout
from rgml.rsmi.estimators import check_estimator, pointwise

#: Range of the scale searched, ``[1 / SCALE_LIMIT, SCALE_LIMIT]``.
SCALE_LIMIT = 64.0

#: Scales γ of the critic's hidden pre-activations tried by :func:`calibrate`: ``2**(k/2)``, k = −2 … 8.
HIDDEN_SCALES = tuple(2.0 ** (k / 2) for k in range(-2, 9))

#: Relative change of β at which the search stops, and its most steps.
_TOLERANCE, _MAX_STEPS = 1e-10, 100


def _softmax_moments(x, weights_of, axis: int):
    """Mean and variance of ``x`` under ``softmax(weights_of)`` along ``axis``."""
    xp = array_namespace(x)
    w = xp.exp(weights_of - weights_of.max(axis=axis, keepdims=True))
    total = w.sum(axis=axis)
    mean = (w * x).sum(axis=axis) / total
    return mean, (w * x * x).sum(axis=axis) / total - mean * mean


def derivatives_of(name: str, log_q, scores):
    """``β ↦ (dI/dβ, d²I/dβ²)`` of bound ``name`` with scores ``β F`` (:mod:`rgml.rsmi.estimators`).

    Both bounds are ``(1/n) Σ_i Σ_m Q_im β F_im`` minus a log-sum-exp of ``β F``,
    whose derivatives are softmax moments of F: for InfoNCE the mean and
    variance of ``F_km`` under ``softmax_k(β F_km)`` (over rows, per state),
    weighted by ``q̄_m``; for BA those of ``F_im`` under ``softmax_m(β F_im)``
    (over states, per row; ``Σ_m Q_im = 1``), averaged over rows.  The
    second derivative is minus a variance: the bound is concave in β.  The
    work is on ``(M, n)`` copies: reductions over the few states of a
    row-major ``(n, M)`` array are several times slower.
    """
    xp = array_namespace(log_q, scores)
    q = xp.ascontiguousarray(xp.exp(log_q).T)
    f = xp.ascontiguousarray(scores.T)
    n = f.shape[1]
    linear = float((q * f).sum()) / n
    if check_estimator(name) == "infonce":
        q_bar = q.mean(axis=1)

        def derivatives(scale: float) -> tuple[float, float]:
            mean, variance = _softmax_moments(f, scale * f, axis=1)
            return linear - float((q_bar * mean).sum()), -float((q_bar * variance).sum())
    else:
        def derivatives(scale: float) -> tuple[float, float]:
            mean, variance = _softmax_moments(f, scale * f, axis=0)
            return linear - float(mean.sum()) / n, -float(variance.sum()) / n
    return derivatives


def critic_scale(name: str, log_q, scores) -> float:
    """The scale β of the critic's scores that maximises bound ``name`` on these rows.

    Parameters
    ----------
    name:
        ``"infonce"`` or ``"ba"`` (:mod:`rgml.rsmi.estimators`).
    log_q, scores:
        ``(n, M)`` ln P(h_m|V_i) and critic scores F of training rows.

    Returns
    -------
    β in ``[1/SCALE_LIMIT, SCALE_LIMIT]``: the maximum, by Newton steps kept
    inside the bracket of the slope's sign change (a geometric bisection where
    a step would leave it), or an end of the range when the bound still rises
    there.  ``SCALE_LIMIT`` means the rows showed no miss (E told h for certain
    on every one): the held-out bound is then about the entropy of h, and its
    error cannot see misses rarer than one in the held-out rows — on the exact
    6 × 6 dimers at T = 0.15 (order filters at norm 32, 4000 samples) it came out
    ln 4 ± 0 against the exact 4.1e-5 nats less.  A critic that knows nothing
    gets ``1/SCALE_LIMIT``.
    """
    derivatives = derivatives_of(name, log_q, scores)
    low, high = 1.0 / SCALE_LIMIT, SCALE_LIMIT
    if derivatives(high)[0] >= 0.0:
        return high
    if derivatives(low)[0] <= 0.0:
        return low
    scale = 1.0
    for _ in range(_MAX_STEPS):
        slope, curvature = derivatives(scale)
        if slope > 0.0:
            low = scale
        else:
            high = scale
        step = scale - slope / curvature if curvature < 0.0 else np.nan
        new = step if low < step < high else float(np.sqrt(low * high))
        if abs(new - scale) <= _TOLERANCE * scale:
            return float(new)
        scale = new
    return float(scale)


class Calibration(NamedTuple):
    """Scales of a calibrated critic (:func:`calibrate`) and its bound on the rows they were chosen on."""

    hidden_scale: float  # γ on the hidden layer's pre-activations
    scale: float  # β on the scores
    value: float  # the bound at (γ, β), nats


def calibrate(name: str, log_q, preactivations, critic: dict) -> Calibration:
    """The scales γ, β of ``β (W₂ tanh(γ (W₁ E + b₁)) + b₂)`` that maximise bound ``name`` on these rows.

    For each γ of :data:`HIDDEN_SCALES` the best β is :func:`critic_scale`'s; the
    pair with the highest bound is kept (the first, smallest γ, of equals).  The
    bound need not be concave in γ, hence the grid.

    Parameters
    ----------
    name:
        ``"infonce"`` or ``"ba"`` (:mod:`rgml.rsmi.estimators`).
    log_q:
        ``(n, M)`` ln P(h_m|V_i) of training rows.
    preactivations:
        ``(n, r)`` the critic's ``W₁ E + b₁`` on the same rows
        (:func:`rgml.rsmi.critic.critic_preactivation`).
    critic:
        The critic's parameters (:mod:`rgml.rsmi.critic`).
    """
    best = None
    for hidden_scale in HIDDEN_SCALES:
        scores = critic_readout(critic, critic_hidden(critic, preactivations, hidden_scale))
        scale = critic_scale(name, log_q, scores)
        value = float(pointwise(name, log_q, scale * scores).mean())
        if best is None or value > best.value:
            best = Calibration(hidden_scale, scale, value)
    return best


def scaled_critic(critic: dict, scale: float, hidden_scale: float = 1.0) -> dict:
    """The critic ``β (W₂ tanh(γ (W₁ E + b₁)) + b₂)`` of ``critic``: read-out ``W2``, ``b2`` scaled by
    ``β = scale``, hidden layer ``W1``, ``b1`` by ``γ = hidden_scale``."""
    hidden = {} if hidden_scale == 1.0 else {"W1": critic["W1"] * hidden_scale, "b1": critic["b1"] * hidden_scale}
    return critic | hidden | {"W2": critic["W2"] * scale, "b2": critic["b2"] * scale}
