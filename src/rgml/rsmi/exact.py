"""Exact mutual information I(H:E) of RSMI coarse-grainings on small systems.

Every exact computation here has the same two steps:

1. the joint distribution ``P(V, E)`` of the visible block and the
   environment, as a matrix over (block state, environment state), from the
   transfer matrix of the infinite 1D chain (:func:`chain_joint`) or from
   enumerating a small torus (:func:`torus_joint`);
2. ``P(h, E) = Σ_V P(h|V) P(V, E)`` with the coarse-graining conditional of
   :mod:`rgml.rsmi.coarse`, and

       I(H:E) = Σ_{h,E} P(h,E) ln[P(h,E) / (P(h) P(E))]      (nats).

The sum is evaluated term by term as the non-negative
``q [(1+r) ln(1+r) − r]``, ``q = P(h)P(E)``, ``r = P(h,E)/q − 1``, which keeps
full relative precision even when I ≈ 1e-7 (weakly coupled chains).

These are the only way to know an estimator is right (DESIGN.md §5); the
reference values are ``mutual_information_exact.json`` (Lenggenhager et al.,
PRX 10, 011037 (2020) for the 1D numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import xlog1py

from rgml.exact import torus_distribution, torus_states
from rgml.rsmi.coarse import hidden_probs, hidden_states, preactivation, spin_states
from rgml.rsmi.partition import Geometry, site_indices


@dataclass(frozen=True)
class JointVE:
    """Exact joint distribution of a visible block and its environment.

    Attributes
    ----------
    probs:
        ``(2**n_V, n_E_states)`` probabilities P(V, E); rows follow
        ``visible_states``, columns the environment states that occur.
    visible_states:
        ``(2**n_V, n_V)`` ±1 block configurations (:func:`rgml.rsmi.coarse.spin_states`),
        sites in the C order of the block.
    """

    probs: np.ndarray
    visible_states: np.ndarray

    def visible_environment_mi(self) -> float:
        """I(V:E) in nats: the ceiling any coarse-graining of V can reach."""
        return _mutual_information(self.probs)

    def mutual_information(self, filters, *, deterministic: bool = False) -> float:
        """I(H:E) in nats for filters λ of shape ``(n_hidden, *block_shape)``.

        Parameters
        ----------
        filters:
            One filter per hidden unit; ``P(h_j=+1|V) = σ(2 λ_j·V)``.
        deterministic:
            Use the limit ``|λ| → ∞``: ``h_j = sign(λ_j·V)``, ties broken by a
            fair coin.
        """
        filters = np.asarray(filters, dtype=np.float64)
        n_v = self.visible_states.shape[1]
        flat = filters.reshape(filters.shape[0], -1)
        if flat.shape[1] != n_v:
            raise ValueError(
                f"filters of shape {filters.shape} do not match a block of {n_v} sites; "
                "pass (n_hidden, *block_shape)"
            )
        a = preactivation(self.visible_states, flat)
        p_h_given_v = hidden_probs(a, flat, hidden_states(flat.shape[0]), deterministic=deterministic)
        return _mutual_information(p_h_given_v.T @ self.probs)


def _mutual_information(joint: np.ndarray) -> float:
    """I(X:Y) in nats of a joint probability matrix (rows X, columns Y)."""
    joint = joint / joint.sum()
    q = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    occupied = q > 0
    r = joint[occupied] / q[occupied] - 1.0
    return float(np.sum(q[occupied] * (xlog1py(1.0 + r, r) - r)))


def _transition(coupling: float, distance: int) -> np.ndarray:
    """P(s' | s) over ``distance`` bonds of the infinite chain, indices (s, s') with 0 ↔ −1.

    Row-normalised power of the transfer matrix ``exp(K s s')``:
    ``(1 + s s' tanh^d K) / 2``.
    """
    t = np.tanh(coupling) ** distance
    return 0.5 * np.array([[1.0 + t, 1.0 - t], [1.0 - t, 1.0 + t]])


def chain_joint(coupling: float, block: int, *, buffer: int = 0) -> JointVE:
    """Joint P(V, E) of the infinite 1D Ising chain.

    V is ``block`` consecutive spins, the buffers are ``buffer`` spins on each
    side, and E = (e_L, e_R) are the two spins just beyond the buffers.  By the
    Markov property of the chain, I(H:E) with these two spins equals the MI
    with the whole rest of the chain.

    Parameters
    ----------
    coupling:
        K = J/(k_B T) ≥ 0.
    block:
        L_V, number of visible spins.
    buffer:
        L_B ≥ 0.

    Returns
    -------
    :class:`JointVE` with 4 environment columns, index ``2 [e_L=+1] + [e_R=+1]``.
    """
    if not np.isfinite(coupling) or coupling < 0:
        raise ValueError(f"chain coupling K must be finite and ≥ 0, got {coupling}")
    if block < 1 or buffer < 0:
        raise ValueError(f"need block ≥ 1 and buffer ≥ 0, got block={block}, buffer={buffer}")
    visible = spin_states(block)
    up = (visible > 0).astype(np.int64)
    far = _transition(coupling, buffer + 1)
    near = _transition(coupling, 1)
    # Π_i P(v_{i+1} | v_i) inside the block; e_L carries the stationary ½
    weight = np.ones(len(visible))
    for i in range(block - 1):
        weight = weight * near[up[:, i], up[:, i + 1]]
    probs = np.empty((len(visible), 4))
    for e_left in (0, 1):
        for e_right in (0, 1):
            probs[:, 2 * e_left + e_right] = (
                0.5 * far[e_left, up[:, 0]] * weight * far[up[:, -1], e_right]
            )
    return JointVE(probs=probs, visible_states=visible)


def torus_joint(size: int, coupling: float, block: int, *, buffer: int = 0, env: int | None = None) -> JointVE:
    """Joint P(V, E) on an L×L Ising torus, by enumerating all 2^{L²} states.

    V is the ``block × block`` square at the origin, the buffer the sites within
    Chebyshev distance ``buffer`` of it, and E every other site (``env=None``,
    the convention of ``mutual_information_exact.json``) or the shell of width
    ``env`` beyond the buffer (:class:`rgml.rsmi.partition.Geometry`).

    Uses :func:`rgml.exact.torus_states` / :func:`rgml.exact.torus_distribution`,
    so ``size`` ≤ 5 (L = 5 enumerates 2^25 states, about 1 GB; L = 4 is instant).

    Parameters
    ----------
    size:
        Torus side L.
    coupling:
        K = J/(k_B T) > 0.
    """
    if not np.isfinite(coupling) or coupling <= 0:
        raise ValueError(f"torus coupling K must be finite and > 0, got {coupling}")
    visible_sites, environment_sites = _torus_sites(size, block, buffer, env)
    states, _ = torus_states(size)
    probs = np.asarray(torus_distribution(size, 1.0 / coupling), dtype=np.float64)
    flat = np.asarray(states).reshape(len(states), -1) > 0
    v_code = _binary_code(flat[:, visible_sites])
    e_code = _binary_code(flat[:, environment_sites])
    e_values, e_index = np.unique(e_code, return_inverse=True)
    n_v = 2 ** len(visible_sites)
    joint = np.bincount(v_code * len(e_values) + e_index, weights=probs, minlength=n_v * len(e_values))
    return JointVE(probs=joint.reshape(n_v, len(e_values)), visible_states=spin_states(len(visible_sites)))


def _torus_sites(size: int, block: int, buffer: int, env: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of V (block at the origin) and E on an L×L torus."""
    origin = np.zeros((1, 2), dtype=np.int64)
    if env is not None:
        visible, environment = site_indices(size, Geometry(block, buffer, env, dim=2), origin)
        return visible[0], environment[0]
    span = np.arange(-buffer, block + buffer)
    if span.size > size:
        raise ValueError(f"block {block} with buffer {buffer} does not fit on a {size}×{size} torus")
    inside = np.zeros((size, size), dtype=bool)
    inside[np.ix_(span % size, span % size)] = True
    environment = np.flatnonzero(~inside.ravel())
    if environment.size == 0:
        raise ValueError(
            f"block {block} with buffer {buffer} covers the whole {size}×{size} torus; "
            "no environment is left"
        )
    visible = (np.arange(block)[:, None] * size + np.arange(block)[None, :]).ravel()
    return visible, environment


def _binary_code(up: np.ndarray) -> np.ndarray:
    """Row index in :func:`spin_states` order of boolean "spin up" rows."""
    weights = 2 ** np.arange(up.shape[1] - 1, -1, -1, dtype=np.int64)
    return up.astype(np.int64) @ weights
