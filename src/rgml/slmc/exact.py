"""Exact distribution of tiny plaquette-model tori by enumeration, and a sampler test against it.

On an L×L torus with L² ≤ 16 all 2^(L²) configurations can be listed.  The
energy H = −J C_1 − K P and |M| depend on a configuration only through
(C_1, P, |M|), so the joint density of states g(C_1, P, |M|) gives every
equilibrium distribution of (E, |M|) exactly, at any T, J and K.  A sampler is
tested by Pearson's chi-square of its (C_1, P, |M|) histogram against
g · exp(−H/T) / Z, pooling the rarest levels until every bin expects ≥ 5 counts
(as the sampler tests of :mod:`rgml.ising` do).  The samples must be nearly
independent (thinned by a few τ_int) for the p-value to hold.
"""

from __future__ import annotations

import numpy as np

from rgml.slmc.plaquette import PlaquetteModel, pair_sums, plaquette_sum
from rgml.stats import chi2_pvalue

#: Largest L² that :func:`density_of_states` enumerates (2^16 states).
MAX_SITES = 16


def density_of_states(size: int) -> np.ndarray:
    """int64 ``(levels, 4)``: rows (C_1, P, |M|, count) of every configuration of the L×L torus, sorted."""
    n_sites = size * size
    if not 2 <= size or n_sites > MAX_SITES:
        raise ValueError(f"size: enumeration covers 2 <= L with L*L <= {MAX_SITES}, got {size}")
    codes = np.arange(2**n_sites, dtype=np.int64)
    spins = (2 * ((codes[:, None] >> np.arange(n_sites)) & 1) - 1).astype(np.int8).reshape(-1, size, size)
    table = np.stack([pair_sums(spins)[:, 0], plaquette_sum(spins), np.abs(spins.sum(axis=(1, 2), dtype=np.int64))],
                     axis=1)
    keys, counts = np.unique(table, axis=0, return_counts=True)
    return np.concatenate([keys, counts[:, None]], axis=1)


def level_probabilities(levels: np.ndarray, temperature: float, model: PlaquetteModel = PlaquetteModel()) -> np.ndarray:
    """Boltzmann probability of each (C_1, P, |M|) level of :func:`density_of_states` at T."""
    levels = np.asarray(levels)
    energy = -(model.coupling * levels[:, 0] + model.plaquette * levels[:, 1])
    log_w = np.log(levels[:, 3].astype(np.float64)) - energy / temperature
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def histogram_p_value(sums, levels: np.ndarray, temperature: float, model: PlaquetteModel = PlaquetteModel()) -> float:
    """Chi-square p-value of sampled (C_1, P, M) against the exact level probabilities.

    Parameters
    ----------
    sums:
        int ``(..., k ≥ 3)``: recorded :data:`rgml.slmc.plaquette.SUMS` (C_1, P, M first).
    levels:
        :func:`density_of_states` of the sampled size (or the reference table).
    temperature, model:
        The distribution sampled.
    """
    levels = np.asarray(levels)
    flat = np.asarray(sums).reshape(-1, np.shape(sums)[-1])[:, :3].copy()
    flat[:, 2] = np.abs(flat[:, 2])
    index = {tuple(row[:3]): i for i, row in enumerate(levels.tolist())}
    try:
        observed = np.bincount([index[tuple(row)] for row in flat.tolist()], minlength=len(levels)).astype(float)
    except KeyError as missing:
        raise ValueError(f"sums: level {missing} does not exist on this torus; wrong size or corrupted sums") from None
    expected = level_probabilities(levels, temperature, model) * observed.sum()
    obs, exp, acc_o, acc_e = [], [], 0.0, 0.0
    for i in np.argsort(expected, kind="stable"):  # pool the rarest levels until each bin expects >= 5
        acc_o, acc_e = acc_o + observed[i], acc_e + expected[i]
        if acc_e >= 5:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    if not obs:
        raise ValueError("sums: too few samples for a chi-square test (need at least 5 expected in one bin)")
    obs[-1] += acc_o
    exp[-1] += acc_e
    obs, exp = np.array(obs), np.array(exp)
    return chi2_pvalue(((obs - exp) ** 2 / exp).sum(), len(obs) - 1)
