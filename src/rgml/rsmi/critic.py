"""Separable critic on the environment, with hand-written gradients.

The variational bounds of :mod:`rgml.rsmi.estimators` need a critic
``f(h, E)``.  For binary coarse variables the hidden side of a separable
critic ``f(h, E) = u(h) · φ(E)`` can be a one-hot embedding of the
``M = 2**n_hidden`` states, so the critic is one network on E with one score
per hidden state:

    φ(E) = W₂ tanh(W₁ E + b₁) + b₂,     f(h_m, E) = φ(E)_m,

a one-hidden-layer perceptron (width ``r``).  It sees E only, never V, which
is what makes the bounds bounds on I(H:E).  Parameters live in a plain dict
``{"W1": (r, n_E), "b1": (r,), "W2": (M, r), "b2": (M,)}`` on the array
namespace of the data; gradients are derived by hand (checked against
finite differences in ``tests/test_rsmi_gradients.py``).
"""

from __future__ import annotations

from rgml.backend import array_namespace
from rgml.rng import Stream

#: Parameter names, in a fixed order.
CRITIC_PARAMS = ("W1", "b1", "W2", "b2")


def init_critic(n_env: int, n_states: int, width: int, stream: Stream, xp) -> dict:
    """Random critic parameters (LeCun-normal first layer, small read-out).

    Parameters
    ----------
    n_env:
        Number of environment sites n_E.
    n_states:
        Number of hidden states ``2**n_hidden``.
    width:
        Hidden-layer width r.
    stream:
        Source of the initial weights.
    xp:
        Array namespace of the parameters.
    """
    if width < 1:
        raise ValueError(f"critic width must be at least 1, got {width}")
    return {
        "W1": stream.normal((width, n_env), xp) / n_env**0.5,
        "b1": xp.zeros(width),
        "W2": 0.1 * stream.normal((n_states, width), xp) / width**0.5,
        "b2": xp.zeros(n_states),
    }


def cast_critic(params: dict, dtype) -> dict:
    """The parameters as ``dtype`` (no copy where they already are).

    A reduced-precision training step runs the critic on a float32 copy of
    float64 master parameters and casts the gradients back
    (:attr:`rgml.rsmi.fit.FitConfig.critic_dtype`).
    """
    return {name: value.astype(dtype, copy=False) for name, value in params.items()}


def critic_forward(params: dict, env):
    """Scores ``f(h_m, E)`` for every row and hidden state.

    Parameters
    ----------
    params:
        From :func:`init_critic`.
    env:
        ``(rows, n_E)`` float environment spins.

    Returns
    -------
    (scores, hidden):
        ``(rows, M)`` scores and the ``(rows, r)`` hidden activations that
        :func:`critic_backward` needs.
    """
    hidden = critic_hidden(params, critic_preactivation(params, env))
    return critic_readout(params, hidden), hidden


def critic_preactivation(params: dict, env):
    """``W₁ E + b₁``, ``(rows, r)``: the critic's hidden layer before its ``tanh``."""
    return env @ params["W1"].T + params["b1"]


def critic_hidden(params: dict, preactivation, hidden_scale: float = 1.0):
    """``tanh(γ (W₁ E + b₁))``, ``(rows, r)``; ``γ = hidden_scale`` (:mod:`rgml.rsmi.calibration`)."""
    xp = array_namespace(preactivation)
    return xp.tanh(preactivation if hidden_scale == 1.0 else hidden_scale * preactivation)


def critic_readout(params: dict, hidden):
    """Scores ``W₂ h + b₂``, ``(rows, M)``, of hidden activations ``h``."""
    return hidden @ params["W2"].T + params["b2"]


def critic_backward(params: dict, env, hidden, grad_scores) -> dict:
    """Gradients of an objective with respect to the critic parameters.

    Parameters
    ----------
    params, env, hidden:
        As in :func:`critic_forward`.
    grad_scores:
        ``(rows, M)`` derivative of the objective with respect to the scores.
    """
    grad_hidden = (grad_scores @ params["W2"]) * (1.0 - hidden * hidden)
    return {
        "W1": grad_hidden.T @ env,
        "b1": grad_hidden.sum(axis=0),
        "W2": grad_scores.T @ hidden,
        "b2": grad_scores.sum(axis=0),
    }
