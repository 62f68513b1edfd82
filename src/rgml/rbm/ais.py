"""Annealed importance sampling of ln Z (Salakhutdinov & Murray, ICML 2008).

A chain of distributions interpolates from a base-rate model ``A`` with no
couplings to the target RBM ``B`` (Neal, Stat. Comput. 11, 125 (2001))::

    p*_β(v) = exp[((1−β) a_A + β a)ᵀ v] · Π_j (1 + e^{β (b_j + (vW)_j)}),    0 = β_0 < … < β_K = 1,

which is the visible marginal of the joint ``p_β(v,h) ∝ exp[((1−β)a_A + βa)ᵀv
+ β(bᵀh + vᵀWh)]`` (S&M 2008, Eq. 13–15).  ``p*_0`` factorises, so
``Z_0 = 2^{N_h} Π_i (1 + e^{a_{A,i}})`` is known and ``v_1 ~ p_0`` is exact.
Each run carries the log weight

    ln w = Σ_{k=1}^{K} [ln p*_{β_k}(v_k) − ln p*_{β_{k−1}}(v_k)],   v_{k+1} ~ T_k(v_k | ·),

where ``T_k`` is one Gibbs sweep h|v, v|h of ``p_{β_k}``.  Then
``E[w] = Z_B / Z_0`` and ``ln Ẑ_B = ln Z_0 + ln mean(w)``.  The error is the
delta-method standard error ``sd(w) / (√M mean(w))`` over the ``M``
independent runs; S&M's interval ``ln(mean(w) ± 3 sd(w)/√M)`` is reported
too.  ``ln Ẑ`` is biased low when the weights are heavy-tailed (Jensen), so a
small effective sample size is the warning sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rgml.backend import to_numpy
from rgml.rbm.kernels import bernoulli
from rgml.rbm.model import RBM
from rgml.rbm.numerics import sigmoid, softplus
from rgml.rng import Stream


@dataclass(frozen=True)
class AISResult:
    """Outcome of :func:`ais_log_partition` (all in nats).

    Attributes
    ----------
    log_z:
        ln Ẑ = ln Z_0 + ln mean(w).
    log_z_err:
        Standard error of ``log_z`` (delta method over the runs).
    log_z_lower, log_z_upper:
        ln(mean(w) ∓ 3 sd(w)/√M) + ln Z_0 (S&M 2008); ``-inf`` when the lower
        bracket is not positive.
    log_weights:
        ln w of each run, host array ``(n_runs,)``.
    log_z_base:
        ln Z_0 of the base-rate model.
    n_betas:
        Number of inverse temperatures including 0 and 1.
    """

    log_z: float
    log_z_err: float
    log_z_lower: float
    log_z_upper: float
    log_weights: np.ndarray
    log_z_base: float
    n_betas: int

    @property
    def effective_sample_size(self) -> float:
        """(Σw)² / Σw² — the number of runs the weighted average is worth."""
        w = np.exp(self.log_weights - self.log_weights.max())
        return float(w.sum() ** 2 / (w * w).sum())


def annealing_schedule(n_betas: int = 14_500) -> np.ndarray:
    """Inverse temperatures 0 → 1 spaced as in S&M 2008 §4.

    Their 14 500 values put 500 uniformly in [0, 0.5), 4 000 in [0.5, 0.9)
    and 10 000 in [0.9, 1]; this keeps those proportions for any ``n_betas``.
    """
    if n_betas < 3:
        raise ValueError(f"annealing_schedule: need at least 3 inverse temperatures, got {n_betas}")
    n1 = max(1, round(n_betas * 500 / 14_500))
    n2 = max(1, round(n_betas * 4_000 / 14_500))
    n3 = n_betas - n1 - n2
    return np.concatenate(
        [
            np.linspace(0.0, 0.5, n1, endpoint=False),
            np.linspace(0.5, 0.9, n2, endpoint=False),
            np.linspace(0.9, 1.0, n3),
        ]
    )


def ais_log_partition(
    model: RBM,
    stream: Stream,
    *,
    n_runs: int = 100,
    n_betas: int = 14_500,
    betas=None,
    base_visible_bias=None,
    side: str = "visible",
) -> AISResult:
    """Estimate ln Z of ``model`` by annealed importance sampling.

    Parameters
    ----------
    model:
        The target RBM; evaluated in float64.
    stream:
        Random stream; consumes ``n_runs · (N_v + (K−1)(N_v + N_h))`` draws.
    n_runs:
        Independent AIS runs ``M``.
    n_betas:
        Length of the default :func:`annealing_schedule`.
    betas:
        An explicit increasing schedule from 0 to 1 (overrides ``n_betas``).
    base_visible_bias:
        Biases ``a_A`` of the base-rate model on the annealed layer; S&M use
        the data's logits (:func:`rgml.rbm.model.logit_of_means`).  Default 0
        (uniform base).
    side:
        ``"visible"`` anneals over visible states as in S&M; ``"hidden"``
        runs the same algorithm on the transposed machine.
    """
    if n_runs < 2:
        raise ValueError(f"ais_log_partition: n_runs must be at least 2 for an error estimate, got {n_runs}")
    if side not in ("visible", "hidden"):
        raise ValueError(f"ais_log_partition: side must be 'visible' or 'hidden', not {side!r}")
    model = model.as_float64()
    target = model if side == "visible" else model.transposed()
    xp = target.xp
    dtype = target.weights.dtype
    schedule = annealing_schedule(n_betas) if betas is None else np.asarray(betas, dtype=np.float64)
    if schedule[0] != 0.0 or schedule[-1] != 1.0 or np.any(np.diff(schedule) <= 0):
        raise ValueError("ais_log_partition: betas must increase strictly from 0 to 1")
    n_v, n_h = target.n_visible, target.n_hidden
    base = xp.zeros(n_v, dtype=dtype) if base_visible_bias is None else xp.asarray(base_visible_bias, dtype=dtype)
    log_z_base = n_h * math.log(2.0) + float(softplus(base).sum())

    w, a, b = target.weights, target.visible_bias, target.hidden_bias
    v = bernoulli(xp.broadcast_to(sigmoid(base), (n_runs, n_v)).copy(), stream)
    log_w = xp.zeros(n_runs, dtype=xp.float64)
    bias_shift = a - base
    for k in range(1, len(schedule)):
        beta, beta_prev = float(schedule[k]), float(schedule[k - 1])
        x = v @ w + b
        log_w += (beta - beta_prev) * (v @ bias_shift)
        log_w += (softplus(beta * x) - softplus(beta_prev * x)).sum(axis=1)
        if k == len(schedule) - 1:
            break
        h = bernoulli(sigmoid(beta * x), stream)
        v = bernoulli(sigmoid((1.0 - beta) * base + beta * (h @ w.T + a)), stream)

    log_weights = to_numpy(log_w)
    peak = float(log_weights.max())
    r = np.exp(log_weights - peak)
    mean, sd = float(r.mean()), float(r.std(ddof=1))
    half_width = 3.0 * sd / math.sqrt(n_runs)
    lower = math.log(mean - half_width) + peak + log_z_base if mean > half_width else -math.inf
    return AISResult(
        log_z=math.log(mean) + peak + log_z_base,
        log_z_err=sd / (math.sqrt(n_runs) * mean),
        log_z_lower=lower,
        log_z_upper=math.log(mean + half_width) + peak + log_z_base,
        log_weights=log_weights,
        log_z_base=log_z_base,
        n_betas=len(schedule),
    )
