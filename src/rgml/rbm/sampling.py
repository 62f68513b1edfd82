"""Block Gibbs sampling from an RBM: v → h → v′.

One Gibbs step draws ``h ~ P(h|v)`` and then ``v′ ~ P(v|h)`` for every chain
at once (the layers are conditionally independent, Hinton 2002).  Chains
are rows; all draws come from the stream in the order h then v per step.
"""

from __future__ import annotations

from rgml.rbm.kernels import bernoulli
from rgml.rbm.model import RBM
from rgml.rng import Stream


def gibbs_step(model: RBM, v, stream: Stream):
    """One sweep v → h → v′ for each row of ``v`` (0/1); returns the new visible rows."""
    return model.sample_visible(model.sample_hidden(v, stream), stream)


def run_chains(model: RBM, v, n_steps: int, stream: Stream):
    """``n_steps`` Gibbs sweeps from the visible rows ``v``; returns the final rows."""
    for _ in range(n_steps):
        v = gibbs_step(model, v, stream)
    return v


def generate(model: RBM, n_samples: int, stream: Stream, *, n_steps: int = 1000, init=None):
    """Independent samples from the model: one chain per sample, ``n_steps`` sweeps each.

    Parameters
    ----------
    model:
        The RBM.
    n_samples:
        Number of chains, each contributing its last state.
    stream:
        Random stream.
    n_steps:
        Gibbs sweeps per chain; enough to forget the start (check by
        comparing observables at ``n_steps`` and ``2·n_steps``).
    init:
        Starting visible rows ``(n_samples, n_visible)``; default uniformly
        random 0/1 (a T = ∞ start).

    Returns
    -------
    0/1 array ``(n_samples, n_visible)`` in the model's dtype.
    """
    xp = model.xp
    if init is None:
        init = bernoulli(xp.full((n_samples, model.n_visible), 0.5, dtype=model.weights.dtype), stream)
    elif init.shape != (n_samples, model.n_visible):
        raise ValueError(f"generate: init has shape {init.shape}, expected {(n_samples, model.n_visible)}")
    return run_chains(model, init, n_steps, stream)
