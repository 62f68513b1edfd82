"""Directed-loop (worm) updates for interacting close-packed dimers on the torus.

The algorithm (Sandvik & Moessner, Phys. Rev. B 73, 144504 (2006); Alet et
al., Phys. Rev. E 74, 041124 (2006)) moves dimers along a closed
alternating loop, so every configuration it visits is close-packed:

1. pick a site ``s₀`` uniformly; its dimer ``(s₀, p)`` is the *moving dimer*
   and ``p`` the first *pivot*;
2. at the pivot ``p`` the moving dimer, now on the entrance link ``e`` of p,
   is placed on one of p's four links ``k`` (``k = e`` is a *bounce*) with
   the vertex probability ``P(e → k)`` below;
3. the site ``b`` at the other end of link k now carries two dimers (unless
   ``b = s₀``, which closes the loop: stop).  The dimer b had before becomes
   the moving dimer and its other end the next pivot; go to 2.

Every intermediate state differs from a close-packed one by an empty site s₀
and a doubly covered site.  Give it the weight ``exp(−v N_∥ / T)`` of its
occupied links; moving the dimer of pivot p changes only the parallel pairs
of that dimer, so the four candidate states of a vertex have weights
``w_k = exp(−v n_k / T)`` with ``n_k ∈ {0, 1, 2}`` the occupied links parallel
to link k across its two plaquettes.  If the vertex probabilities satisfy
``w_e P(e → k) = w_k P(k → e)``, the reverse loop (started at the same s₀)
has probability ratio ``Π w_new / w_old`` = the Boltzmann ratio of the final
and initial coverings: detailed balance, for every T including T = ∞ (all
w = 1).  Loops that wind around the torus change the winding numbers, so the
algorithm samples all topological sectors.

Vertex rules (both satisfy the equation above; tests check it):

* ``"heat_bath"``: ``P(e → k) = w_k / Σ w`` — bounces 1/4 of the time at T = ∞;
* ``"directed"``: the symmetric solution ``a_(ek) = w_e P(e → k)`` of the
  directed-loop equations with the least bounce weight,
  ``max(0, 2 w_max − Σ w)`` (Syljuåsen & Sandvik, Phys. Rev. E 66, 046701
  (2002); Alet et al. 2006) — no bounce at T = ∞.

The probabilities are tabulated per temperature for the 3⁴ = 81 combinations
of ``(n_0, …, n_3)`` and every entrance, as cumulative 32-bit integer
thresholds; a vertex consumes one draw ``bits(key, counter) >> 32``
(:mod:`rgml.rng`), a worm one more for ``s₀``.  The stream counter is part of
the chain state, so chains are resumable and reproducible bit for bit.

Links of a site are numbered ``k = 0, 1, 2, 3`` = right, left, down, up.
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.ising.wolff import DRAW_BUFFER, _refill

RULES = ("directed", "heat_bath")

#: Number of distinct neighbourhoods of a pivot: (n_0, …, n_3) ∈ {0, 1, 2}⁴.
N_NEIGHBOURHOODS = 81

_SHIFT = np.uint64(32)
_ONE = np.uint64(1)
_FULL = 1 << 32


def neighbourhood_counts() -> np.ndarray:
    """int64 ``(81, 4)``: the parallel-neighbour counts ``n_k`` of table row ``Σ n_k 3^k``."""
    index = np.arange(N_NEIGHBOURHOODS)[:, None]
    return (index // 3 ** np.arange(4)[None, :]) % 3


def directed_loop_weights(weights) -> np.ndarray:
    """Symmetric ``a`` (4 × 4) with row sums ``weights`` and the least trace (bounce weight).

    With ``w₁ ≥ w₂ ≥ w₃ ≥ w₄`` (sorted): if ``w₁ ≥ w₂ + w₃ + w₄`` only the
    largest bounces, ``a₁₁ = w₁ − w₂ − w₃ − w₄``, ``a₁ⱼ = wⱼ``.  Otherwise the
    trace is zero: writing the three perfect matchings of the four exits,
    ``a₃₄ = t₁``, ``a₂₄ = t₂``, ``a₂₃ = t₃`` fix the rest by the row sums,
    ``t₁ + t₂ + t₃ = (w₂ + w₃ + w₄ − w₁)/2``; we take ``t₃ = max(T/3,
    (w₂ + w₃ − w₁ − w₄)/2)`` (so ``a₁₄ ≥ 0``) and ``t₁ = t₂``, which is
    non-negative and gives 1/3 to every exit when all weights are equal.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (4,) or not np.all(w > 0):
        raise ValueError(f"weights: expected 4 positive vertex weights, got {weights!r}")
    order = np.argsort(-w, kind="stable")
    w1, w2, w3, w4 = w[order]
    a = np.zeros((4, 4))
    if w1 >= w2 + w3 + w4:
        a[0, 0] = w1 - (w2 + w3 + w4)
        a[0, 1:] = a[1:, 0] = (w2, w3, w4)
    else:  # differences of neighbours first: exact row sums even when two weights are ~1e-9 of the others
        total = 0.5 * ((w2 - w1) + w3 + w4)
        t3 = max(total / 3.0, 0.5 * ((w2 - w1) + (w3 - w4)))
        t1 = t2 = 0.5 * (total - t3)
        a[2, 3] = a[3, 2] = t1
        a[1, 3] = a[3, 1] = t2
        a[1, 2] = a[2, 1] = t3
        a[0, 1] = a[1, 0] = t1 + 0.5 * ((w1 - w3) + (w2 - w4))
        a[0, 2] = a[2, 0] = t2 + 0.5 * ((w1 - w2) + (w3 - w4))
        a[0, 3] = a[3, 0] = t3 + 0.5 * ((w1 - w2) - (w3 - w4))
    out = np.empty((4, 4))
    out[np.ix_(order, order)] = a
    return out


def vertex_probabilities(temperature: float, *, interaction: float = -1.0, rule: str = "directed") -> np.ndarray:
    """``P[row, e, k]``: probability that the dimer entering on link e leaves on link k, float64 ``(81, 4, 4)``.

    Rows are the neighbourhoods of :func:`neighbourhood_counts`; weights
    ``w_k = exp(−v n_k / T)`` (T = ``np.inf`` gives w = 1).
    """
    if rule not in RULES:
        raise ValueError(f"rule: unknown vertex rule {rule!r}; use one of {', '.join(RULES)}")
    temperature = float(temperature)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 (np.inf allowed), got {temperature}")
    n = neighbourhood_counts()
    log_w = -interaction * n / temperature
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))  # ≤ 1: no overflow at small T
    if rule == "heat_bath":
        return np.broadcast_to((w / w.sum(axis=1, keepdims=True))[:, None, :], (N_NEIGHBOURHOODS, 4, 4)).copy()
    return np.stack([directed_loop_weights(row) / row[:, None] for row in w])


def vertex_table(probabilities) -> np.ndarray:
    """Cumulative 32-bit thresholds of vertex probabilities: uint64 ``(81, 4, 4)``.

    Exit k is taken when ``thresholds[row, e, k−1] ≤ r < thresholds[row, e, k]``
    for the draw ``r = bits >> 32``; the last threshold is 2³², so a row
    always picks an exit.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    cumulative = np.floor(np.cumsum(p, axis=-1) * _FULL)
    cumulative[..., -1] = _FULL
    return np.minimum(cumulative, _FULL).astype(np.uint64)


@numba.njit(cache=True)
def _neighbourhood(d, y, x, ly, lx):
    """Table row ``Σ_k n_k 3^k`` of pivot (y, x): n_k = occupied links parallel to its link k."""
    yp = y + 1 if y + 1 < ly else 0
    ym = y - 1 if y > 0 else ly - 1
    xp = x + 1 if x + 1 < lx else 0
    xm = x - 1 if x > 0 else lx - 1
    right = d[0, ym, x] + d[0, yp, x]
    left = d[0, ym, xm] + d[0, yp, xm]
    down = d[1, y, xm] + d[1, y, xp]
    up = d[1, ym, xm] + d[1, ym, xp]
    return right + 3 * left + 9 * down + 27 * up


@numba.njit(cache=True)
def _link(y, x, k, ly, lx):
    """(direction, y, x) of link k of site (y, x)."""
    if k == 0:
        return 0, y, x
    if k == 1:
        return 0, y, x - 1 if x > 0 else lx - 1
    if k == 2:
        return 1, y, x
    return 1, y - 1 if y > 0 else ly - 1, x


@numba.njit(cache=True)
def _neighbour(y, x, k, ly, lx):
    if k == 0:
        return y, x + 1 if x + 1 < lx else 0
    if k == 1:
        return y, x - 1 if x > 0 else lx - 1
    if k == 2:
        return y + 1 if y + 1 < ly else 0, x
    return y - 1 if y > 0 else ly - 1, x


@numba.njit(cache=True)
def _occupied(d, y, x, k, ly, lx):
    a, b, c = _link(y, x, k, ly, lx)
    return d[a, b, c]


@numba.njit(cache=True)
def _worm(d, table, key, counter, buffer, position):
    """One closed worm on configuration ``d`` (2, Ly, Lx), updated in place.

    Returns ``(vertices visited, counter, buffer position)``.
    """
    ly, lx = d.shape[1], d.shape[2]
    if position == buffer.shape[0]:
        _refill(buffer, key, counter)
        position = 0
    start = np.int64((buffer[position] * np.uint64(ly * lx)) >> _SHIFT)
    position += 1
    counter += _ONE
    y0, x0 = start // lx, start % lx
    k0 = 0
    while k0 < 3 and _occupied(d, y0, x0, k0, ly, lx) == 0:
        k0 += 1
    y, x = _neighbour(y0, x0, k0, ly, lx)
    entrance = k0 ^ 1  # opposite link: 0 ↔ 1, 2 ↔ 3
    steps = 0
    while True:
        steps += 1
        row = _neighbourhood(d, y, x, ly, lx)
        if position == buffer.shape[0]:
            _refill(buffer, key, counter)
            position = 0
        r = buffer[position]
        position += 1
        counter += _ONE
        k = 0
        while r >= table[row, entrance, k]:
            k += 1
        if k != entrance:
            a, b, c = _link(y, x, entrance, ly, lx)
            d[a, b, c] = 0
            a, b, c = _link(y, x, k, ly, lx)
            d[a, b, c] = 1
        by, bx = _neighbour(y, x, k, ly, lx)
        if by == y0 and bx == x0:
            break
        back = k ^ 1  # the link from b to the pivot
        j = 0
        while j == back or _occupied(d, by, bx, j, ly, lx) == 0:
            j += 1
        y, x = _neighbour(by, bx, j, ly, lx)
        entrance = j ^ 1
    return steps, counter, position


@numba.njit(cache=True)
def configuration_statistics(d, out):
    """``out[:] = (N_∥, Σ(−1)^x n_0, Σ(−1)^y n_1, W_x, W_y)`` of one configuration (2, Ly, Lx)."""
    ly, lx = d.shape[1], d.shape[2]
    n_par = 0
    col_x = 0
    col_y = 0
    for y in range(ly):
        yp = y + 1 if y + 1 < ly else 0
        for x in range(lx):
            xp = x + 1 if x + 1 < lx else 0
            n_par += d[0, y, x] * d[0, yp, x] + d[1, y, x] * d[1, y, xp]
            col_x += d[0, y, x] * (1 - 2 * (x % 2))
            col_y += d[1, y, x] * (1 - 2 * (y % 2))
    w_x = 0
    for y in range(ly):
        w_x += d[0, y, 0] * (1 - 2 * (y % 2))
    w_y = 0
    for x in range(lx):
        w_y += d[1, 0, x] * (1 - 2 * (x % 2))
    out[0] = n_par
    out[1] = col_x
    out[2] = col_y
    out[3] = w_x
    out[4] = w_y


#: Columns of the per-sweep record of :func:`worm_sweeps`.
RECORD_FIELDS = ("n_parallel", "columnar_x_sum", "columnar_y_sum", "winding_x", "winding_y")


@numba.njit(parallel=True, cache=True)
def worm_sweeps(dimers, tables, keys, counters, n_sweeps, worms_per_sweep, moves, worms, record, every, snapshots):
    """Do ``n_sweeps[c]`` sweeps of ``worms_per_sweep[c]`` worms in every chain (chains in parallel).

    Parameters
    ----------
    dimers:
        int8 ``(chains, 2, L, L)``, updated in place.
    tables:
        uint64 ``(chains, 81, 4, 4)`` from :func:`vertex_table`.
    keys, counters:
        uint64 ``(chains,)`` stream keys and next stream positions (advanced in place).
    n_sweeps, worms_per_sweep:
        int64 ``(chains,)``.
    moves, worms:
        int64 ``(chains,)``: vertices visited and worms closed are added.
    record:
        int64 ``(chains, n, 5)``; if n > 0 the :data:`RECORD_FIELDS` after
        sweep t are written to ``record[c, t]`` for t < n (pilot runs).
    every, snapshots:
        int64 ``(chains,)`` and int8 ``(chains, m, 2, L, L)``: the
        configuration after sweep ``(j + 1) · every[c]`` is copied to
        ``snapshots[c, j]`` for j < m (production: one kernel call per block
        of stored samples, not per sample).
    """
    for c in numba.prange(dimers.shape[0]):
        d = dimers[c]
        buffer = np.empty(DRAW_BUFFER, np.uint64)
        position = DRAW_BUFFER
        key = keys[c]
        counter = counters[c]
        visited = 0
        for t in range(n_sweeps[c]):
            for _ in range(worms_per_sweep[c]):
                steps, counter, position = _worm(d, tables[c], key, counter, buffer, position)
                visited += steps
            if t < record.shape[1]:
                configuration_statistics(d, record[c, t])
            if snapshots.shape[1] and (t + 1) % every[c] == 0 and (t + 1) // every[c] <= snapshots.shape[1]:
                snapshots[c, (t + 1) // every[c] - 1] = d
        counters[c] = counter
        moves[c] += visited
        worms[c] += n_sweeps[c] * worms_per_sweep[c]
