"""Self-learning cluster updates: Wolff clusters of the effective model, corrected exactly.

Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017):

1. Grow a Wolff cluster (U. Wolff, Phys. Rev. Lett. 62, 361 (1989)) in the
   *effective* model H_eff = E_0 − Σ_n J_n C_n: from a random seed site, every
   bond of shell n whose term is satisfied, J_n s_i s_j > 0, joins the cluster
   with probability p_n = 1 − exp(−2β|J_n|) (for J_n < 0 the bond links
   anti-aligned spins; flipping the whole cluster keeps it satisfied).  The
   proposal probabilities of a flip and its reverse differ only through the
   boundary bonds, so q(a→b)/q(b→a) = exp(−β[E_eff(b) − E_eff(a)]).
2. Accept the flip of the whole cluster with the Metropolis–Hastings ratio
   (Liu et al., Eq. (4))

       A(a→b) = min(1, exp(−β{[E(b) − E(a)] − [E_eff(b) − E_eff(a)]})),

   which makes the chain exact for the true model H whatever the fit.

Both energy changes are computed from the cluster alone: a boundary bond of
shell n (one end inside) changes the energy by 2 J s_i s_j, a plaquette by
2K P if an odd number of its corners is inside.  Each member reads its 3×3
neighbourhood once (spins and inside flags, from the first two shells'
columns) for its boundary bonds and its four plaquettes.  A shell whose coupling is
exactly 0 is never examined, so with K = 0 and J_eff = (1, 0, 0) the kernel
draws exactly what :func:`rgml.ising.wolff.wolff_sweeps` draws (seed site,
then one draw per aligned neighbour examined, in the same order) and
accepts every cluster without a draw: it *is* that Wolff update.

Randomness: chain c consumes ``bits(key[c], counter), bits(key[c], counter + 1), …``
in order — the seed site, one draw per candidate bond, and one acceptance draw
only when the ratio is below 1.
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.ising.wolff import DRAW_BUFFER, _refill
from rgml.rng import threshold32
from rgml.slmc.local import metropolis_lattice
from rgml.slmc.plaquette import lattice_sums

_ONE = np.uint64(1)
_SHIFT = np.uint64(32)
_TWO32 = 4294967296.0

#: Columns of the ``stats`` array of :func:`slmc_sweeps`.
CLUSTER_STATS = ("proposed", "accepted", "proposed_sites", "flipped_sites")


def bond_thresholds(temperatures, couplings) -> np.ndarray:
    """uint64 ``(chains, 3)`` thresholds of p_n = 1 − exp(−2|J_n|/T) for each shell n."""
    beta = 1.0 / np.asarray(temperatures, dtype=np.float64).reshape(-1, 1)
    j = np.abs(np.asarray(couplings, dtype=np.float64).reshape(1, -1))
    return threshold32(-np.expm1(-2.0 * beta * j))


@numba.njit(cache=True)
def _peek(buffer, position, key, counter):
    """Next draw of the stream without consuming it: (bits >> 32, position)."""
    if position == buffer.shape[0]:
        _refill(buffer, key, counter)
        position = 0
    return buffer[position], position


@numba.njit(cache=True)
def _draw(buffer, position, key, counter):
    """Next draw of the stream: (bits >> 32, position, counter)."""
    draw, position = _peek(buffer, position, key, counter)
    return draw, position + 1, counter + _ONE


@numba.njit(cache=True)
def _grow(flat, shells, signs, thresholds, seed_site, inside, members, stack, buffer, position, key, counter):
    """Grow the effective-model cluster from ``seed_site`` (spins unchanged, ``inside`` marked).

    Returns ``(cluster size, buffer position, counter)``; the sites are ``members[:size]``.
    Branch-free in the candidate bonds (whether a neighbour is a candidate and
    whether its draw links it are coin flips that a branch would mispredict):
    every neighbour is written at the current ends of ``members`` and
    ``stack`` (length L² + 1), which advance only if it joined; every
    neighbour looks at the next draw, only candidates consume it.
    """
    inside[seed_site] = 1
    members[0] = seed_site
    stack[0] = seed_site
    n = 1
    top = 1
    while top > 0:
        top -= 1
        site = stack[top]
        spin = np.int64(flat[site])
        for shell in range(3):
            sign = signs[shell]
            if sign == 0:
                continue
            threshold = thresholds[shell]
            for k in range(4 * shell, 4 * shell + 4):
                neighbour = shells[site, k]
                candidate = np.int64((inside[neighbour] == 0) & (sign * spin * flat[neighbour] > 0))
                draw, position = _peek(buffer, position, key, counter)
                joins = candidate & np.int64(draw < threshold)
                position += candidate
                counter += np.uint64(candidate)
                inside[neighbour] |= np.int8(joins)
                members[n] = neighbour
                stack[top] = neighbour
                n += joins
                top += joins
    return n, position, counter


@numba.njit(cache=True)
def _cluster_energy_change(flat, shells, active, inside, members, n, boundary):
    """Boundary pair sums B_n = Σ s_i s_j (i inside, j outside) per shell, and ΔP = Σ P over odd plaquettes.

    Flipping the cluster changes Σ_n J_n C_n by −2 Σ_n J_n B_n and the
    plaquette sum by −2 ΔP.  Shells with ``active[n] == 0`` are skipped.  Each
    plaquette with an odd number of inside corners is counted once, by its
    first inside corner in the order top-left, top-right, bottom-left,
    bottom-right (rows run down, columns right): a member is the top-left
    corner of its own plaquette, the top-right of the one to its left, the
    bottom-left of the one above and the bottom-right of the one above-left,
    and counts each unless a corner before it is inside.
    """
    boundary[:] = 0
    odd = 0
    for m in range(n):
        site = members[m]
        s = np.int64(flat[site])
        # the 3×3 neighbourhood: right, left, down, up, down-right, up-left, down-left, up-right
        r, lf, d, u = shells[site, 0], shells[site, 1], shells[site, 2], shells[site, 3]
        dr, ul, dl, ur = shells[site, 4], shells[site, 5], shells[site, 6], shells[site, 7]
        s_r, s_l, s_d, s_u = np.int64(flat[r]), np.int64(flat[lf]), np.int64(flat[d]), np.int64(flat[u])
        in_r, in_l, in_d, in_u = np.int64(inside[r]), np.int64(inside[lf]), np.int64(inside[d]), np.int64(inside[u])
        in_dr, in_ul, in_dl, in_ur = (np.int64(inside[dr]), np.int64(inside[ul]), np.int64(inside[dl]),
                                      np.int64(inside[ur]))
        boundary[0] += s * (s_r * (1 - in_r) + s_l * (1 - in_l) + s_d * (1 - in_d) + s_u * (1 - in_u))
        for shell in range(1, 3):
            if active[shell] == 0:
                continue
            total = 0
            for k in range(4 * shell, 4 * shell + 4):
                neighbour = shells[site, k]
                total += flat[neighbour] * np.int64(1 - inside[neighbour])
            boundary[shell] += s * total
        own = s * s_r * s_d * flat[dr] * ((1 + in_r + in_d + in_dr) & 1)
        left = s_l * s * flat[dl] * s_d * ((in_l + 1 + in_dl + in_d) & 1) * (1 - in_l)
        above = s_u * flat[ur] * s * s_r * ((in_u + in_ur + 1 + in_r) & 1) * (1 - in_u) * (1 - in_ur)
        above_left = flat[ul] * s_u * s_l * s * ((in_ul + in_u + in_l + 1) & 1) * (1 - in_ul) * (1 - in_u) * (1 - in_l)
        odd += own + left + above + above_left
    return odd


@numba.njit(parallel=True, cache=True)
def slmc_sweeps(spins, shells, thresholds, beta, true_couplings, eff_couplings,
                keys, counters, n_sweeps, clusters_per_sweep, local_per_sweep, local_thresholds, local_keys,
                local_done, stats, record):
    """Do ``n_sweeps[c]`` sweeps of ``clusters_per_sweep[c]`` SLMC cluster proposals in every chain.

    A sweep may end with ``local_per_sweep`` local Metropolis sweeps (a hybrid
    update); 0 is the pure SLMC of Liu et al.

    Parameters
    ----------
    spins:
        int8 ``(chains, L, L)``, updated in place; chains run in parallel.
    shells:
        :func:`rgml.slmc.plaquette.shell_table` of L.
    thresholds:
        uint64 ``(chains, 3)`` from :func:`bond_thresholds`.
    beta:
        float64 ``(chains,)``, 1/T.
    true_couplings:
        float64 ``(2,)``: J, K of the true model.
    eff_couplings:
        float64 ``(3,)``: J_1, J_2, J_3 of the effective model (0 = shell absent).
    keys, counters:
        uint64 ``(chains,)`` stream keys and next positions (advanced in place).
    n_sweeps, clusters_per_sweep:
        int64 ``(chains,)``.
    local_per_sweep, local_thresholds, local_keys, local_done:
        Local sweeps per sweep (int), their uint64 ``(chains, 25)`` thresholds
        (:func:`rgml.slmc.local.plaquette_thresholds`), uint64 ``(chains,)``
        keys and int64 ``(chains,)`` sweep counts (advanced in place); they draw
        exactly as :func:`rgml.slmc.local.plaquette_metropolis_sweeps` with those keys.
    stats:
        int64 ``(chains, 4)``; :data:`CLUSTER_STATS` are added to it.
    record:
        int64 ``(chains, n, k)``, k = 3 or 5: the sums of
        :func:`rgml.slmc.plaquette.lattice_sums` after sweep t go to ``record[c, t]`` for t < n.
    """
    chains, size, _ = spins.shape
    n_sites = size * size
    flat_spins = spins.reshape(chains, n_sites)
    coupling = true_couplings[0]
    plaquette = true_couplings[1]
    signs = np.zeros(3, np.int64)
    for shell in range(3):
        signs[shell] = 1 if eff_couplings[shell] > 0 else (-1 if eff_couplings[shell] < 0 else 0)
    active = signs.copy()
    active[0] = 1  # the true model's bonds are nearest-neighbour bonds
    for c in numba.prange(chains):
        flat = flat_spins[c]
        inside = np.zeros(n_sites, np.int8)
        members = np.empty(n_sites + 1, np.int64)
        stack = np.empty(n_sites + 1, np.int64)
        boundary = np.zeros(3, np.int64)
        buffer = np.empty(DRAW_BUFFER, np.uint64)
        above = np.empty(size + 2, np.int8)
        middle = np.empty(size + 2, np.int8)
        below = np.empty(size + 2, np.int8)
        position = DRAW_BUFFER
        key = keys[c]
        counter = counters[c]
        for t in range(n_sweeps[c]):
            for _ in range(clusters_per_sweep[c]):
                draw, position, counter = _draw(buffer, position, key, counter)
                seed_site = np.int64((draw * np.uint64(n_sites)) >> _SHIFT)
                n, position, counter = _grow(flat, shells, signs, thresholds[c], seed_site, inside, members,
                                             stack, buffer, position, key, counter)
                odd = _cluster_energy_change(flat, shells, active, inside, members, n, boundary)
                delta_true = 2.0 * (coupling * boundary[0] + plaquette * odd)
                delta_eff = 2.0 * (eff_couplings[0] * boundary[0] + eff_couplings[1] * boundary[1]
                                   + eff_couplings[2] * boundary[2])
                exponent = beta[c] * (delta_true - delta_eff)
                accept = True
                if exponent > 0.0:
                    draw, position, counter = _draw(buffer, position, key, counter)
                    accept = draw < np.uint64(np.floor(np.exp(-exponent) * _TWO32))
                for m in range(n):
                    site = members[m]
                    inside[site] = 0
                    if accept:
                        flat[site] = -flat[site]
                stats[c, 0] += 1
                stats[c, 2] += n
                if accept:
                    stats[c, 1] += 1
                    stats[c, 3] += n
            if local_per_sweep > 0:
                metropolis_lattice(spins[c], local_thresholds[c], local_keys[c], local_done[c],
                                   local_per_sweep, above, middle, below)
                local_done[c] += local_per_sweep
            if t < record.shape[1]:
                lattice_sums(spins[c], record[c, t])
        counters[c] = counter
