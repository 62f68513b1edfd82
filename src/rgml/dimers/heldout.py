"""Chain-aware error bars for held-out I(H:E) on dimer samples.

:func:`rgml.rsmi.evaluation.evaluate` gives the standard error of the
held-out bound from the per-configuration influence terms ψ (their mean is
the bound, :func:`rgml.rsmi.estimators.pointwise`) as a series in sampling
order, with its τ_int.  The dimer sampler interleaves chains (sample =
step · chains + chain) and, below T_c, each chain stays in its columnar
crystal: ψ then repeats with the period of the chains, the autocorrelation of
the interleaved series oscillates, and its τ_int estimate can drop to zero —
a zero error bar.  Here ψ is recomputed from the fit's critic and filters on
the same held-out configurations (:func:`heldout_terms`, mean equal to the
fit's ``mi``), and its error is a block jackknife over contiguous blocks of
steps *within each chain* (:func:`rgml.blocking.block_labels`; Efron, SIAM
1982; Berg, World Scientific 2004), which holds whether chains mix or not.
"""

from __future__ import annotations

import numpy as np

from rgml.backend import to_numpy
from rgml.blocking import BLOCKS, block_labels, jackknife_error
from rgml.rsmi.coarse import hidden_log_probs, hidden_states, preactivation
from rgml.rsmi.critic import critic_forward
from rgml.rsmi.estimators import pointwise
from rgml.rsmi.fit import FitResult

#: Configurations pushed through the critic at once.
_CHUNK = 256


def heldout_scores(result: FitResult, heldout) -> tuple[np.ndarray, np.ndarray]:
    """Per block row of the held-out set: ``(log_q, scores)``, each ``(rows, 2**n_hidden)``.

    ``log_q`` is ln P(h_m|V) of the fit's filters (:mod:`rgml.rsmi.coarse`), ``scores`` the critic's
    F(h_m, E) (:mod:`rgml.rsmi.critic`); rows are ordered configuration by configuration, each
    configuration's blocks together.  ``heldout`` and ``result`` as in :func:`heldout_terms`.
    """
    if not result.critic:
        raise ValueError("result: the fit holds no critic (read back from a store?); refit to get held-out terms")
    visible, environment = heldout
    filters = np.asarray(result.filters, np.float64).reshape(result.filters.shape[0], -1)
    states = hidden_states(filters.shape[0])
    log_q, scores = [], []
    for start in range(0, len(visible), _CHUNK):
        v = to_numpy(visible[start:start + _CHUNK]).reshape(-1, visible.shape[-1]).astype(np.float64)
        e = to_numpy(environment[start:start + _CHUNK]).reshape(-1, environment.shape[-1]).astype(np.float64)
        log_q.append(hidden_log_probs(preactivation(v, filters), states))
        scores.append(critic_forward(result.critic, e)[0])
    return np.concatenate(log_q), np.concatenate(scores)


def heldout_terms(result: FitResult, heldout, scored=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-configuration terms of the held-out set: ``(psi, psi_visible, h_given_v)``.

    ``heldout`` are the held-out ``(visible, environment)`` rows the fit was
    scored on (:func:`rgml.rsmi.fit.split_pairs` with the fit's stream and
    settings; the indices of their configurations are
    :func:`rgml.rsmi.fit.split_indices`); ``result`` must hold its critic.
    The mean of ``psi`` is ``result.mi`` up to rounding.  ``psi_visible``
    are the terms of I(H:V) = H(H) − H(H|V): the Barber–Agakov form with the
    exact posterior P(h|V) in place of the critic's.  H is drawn from V
    alone, so by data processing (Cover & Thomas, *Elements of Information
    Theory*, Thm 2.8.1) I(H:E) ≤ I(H:V): the true I(H:E) lies between the
    fit's bound and this.  ``h_given_v`` is the entropy −Σ_h P(h|V) ln P(h|V)
    of the hidden units given the block (nats; their own randomness at the
    filter norm): its mean is what I(H:V) = H(H) − ⟨H(H|V)⟩ loses against
    the entropy of the hidden marginal, at most n_hidden ln 2.  ``scored``: the rows'
    :func:`heldout_scores`, where the caller has them.
    """
    log_q, scores = heldout_scores(result, heldout) if scored is None else scored
    psi = pointwise(result.estimator, log_q, scores)
    psi_visible = pointwise("ba", log_q, log_q)
    h_given_v = -(np.exp(log_q) * log_q).sum(axis=1)
    shape = heldout[0].shape[:2]
    return tuple(terms.reshape(shape).mean(axis=1) for terms in (psi, psi_visible, h_given_v))


def chain_jackknife_error(held, psi, *, n_samples: int, chains: int, images: int = 1,
                          blocks: int = BLOCKS) -> float:
    """Block-jackknife error of ``mean(psi)`` with units = blocks of steps within each chain.

    Parameters
    ----------
    held, psi:
        Held-out configuration indices (:func:`rgml.rsmi.fit.split_indices`) and their terms
        (:func:`heldout_terms`).
    n_samples:
        Configurations the sampler stored (sample = step · chains + chain).
    chains:
        Interleaved chains of the sampler.
    images:
        Rows per stored configuration (4 with :func:`rgml.dimers.rsmi.symmetry_images`,
        whose images share their configuration's unit).
    blocks:
        Units wanted over the whole set (:func:`rgml.blocking.block_labels`).
    """
    held = np.asarray(held, np.int64)
    psi = np.asarray(psi, np.float64)
    labels = block_labels(n_samples, chains=chains, blocks=blocks)[held // images]
    _, units = np.unique(labels, return_inverse=True)
    sums = np.bincount(units, weights=psi)
    counts = np.bincount(units).astype(np.float64)
    if len(sums) < 2:
        raise ValueError("held-out set falls in one resampling unit; use more blocks or more samples")
    replicas = (sums.sum() - sums) / (counts.sum() - counts)
    return float(jackknife_error(replicas))
