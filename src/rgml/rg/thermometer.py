"""Effective temperature of a coarse-grained ensemble, two ways.

``projection``
    Project the coarse ensemble onto the nearest-neighbour Ising model of
    its own size: T_eff solves e_Kaufman(L', T_eff) = ⟨e⟩ with
    e = −(nearest-neighbour density) and L' the coarse linear size (exact
    finite torus, :func:`rgml.exact.kaufman_temperature`).  Block spins carry
    longer-range couplings too, so this one-coupling projection shifts the
    fixed point away from Tc.
``matching``
    Swendsen's matching (PRB 20, 2080 (1979)): T_eff is the temperature at
    which a reference ensemble — the L/b lattice coarse-grained one level
    less — has the same short-range correlations (nearest, next-nearest,
    plaquette) as the ensemble at hand.  The reference is known on a grid of
    temperatures: each correlation is fitted by a monotone (isotonic)
    piecewise-linear curve in T and inverted; a target beyond the grid is
    reported as ``below`` / ``above`` the grid rather than clamped to its end
    (clamping creates spurious fixed points).  So is a target within
    :data:`EDGE_SIGMAS` standard errors of the curve's end value: it cannot be
    told apart from one beyond the grid (at the hot end, a correlation that
    has decayed to noise; at the cold end, one saturated at 1), and matching
    it to the last grid interval would turn noise into a flow towards the
    grid.  A correlation with zero variance (every configuration the same)
    carries no temperature information and is not used.  The remaining
    per-correlation temperatures are combined with fixed inverse-variance
    weights.

All functions here take means (and errors) of densities and return floats;
:mod:`rgml.rg.flow` bootstraps them over samples for error bars.
"""

from __future__ import annotations

import numpy as np

from rgml.backend import to_numpy
from rgml.exact import THERMOMETER_RANGE, kaufman_energy, kaufman_specific_heat, kaufman_temperature
from rgml.ising.lattice import energy_2d

BELOW, INSIDE, ABOVE = "below", "", "above"

#: A matched correlation within this many standard errors of the end of the reference curve counts as
#: beyond that end of the grid.
EDGE_SIGMAS = 2.0


def projection_temperature(nn_density: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """T_eff from the mean nearest-neighbour density of ``size``×``size`` lattices.

    Parameters
    ----------
    nn_density:
        Mean of S_nn / L'² (between 0 and 2), any shape.
    size:
        Linear size L' of the coarse lattices.

    Returns
    -------
    (T_eff, flag) — T_eff in J/k_B, NaN where the energy is out of the torus'
    reach (flag ``below`` for a perfectly ordered ensemble, ``above`` for one
    hotter than T = 1000).
    """
    energy = -np.asarray(nn_density, dtype=np.float64)
    e_cold, e_hot = kaufman_energy(size, np.array(THERMOMETER_RANGE))
    flag = np.where(energy <= e_cold, BELOW, np.where(energy >= e_hot, ABOVE, INSIDE))
    inside = flag == INSIDE
    t_eff = np.full(energy.shape, np.nan)
    if inside.any():
        t_eff[inside] = kaufman_temperature(size, energy[inside])
    return t_eff, flag


def projection_thermometer(spins) -> tuple[float, float]:
    """T_eff of an ensemble of L×L lattices ``(n, L, L)`` from its mean energy, with its error.

    The projection of :func:`projection_temperature`; the error follows from
    the energy's standard error and de/dT = c(T), Kaufman's exact finite-torus
    specific heat at T_eff.  Returns ``(T_eff, error)`` in J/k_B (error NaN
    for fewer than two lattices or an ensemble out of the thermometer's range).
    """
    e = to_numpy(energy_2d(spins))
    size = spins.shape[-1]
    t = float(projection_temperature(-np.atleast_1d(e.mean()), size)[0][0])
    if not np.isfinite(t) or e.size < 2:
        return t, np.nan
    return t, float(e.std(ddof=1) / np.sqrt(e.size) / kaufman_specific_heat(size, t))


def isotonic_decreasing(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-increasing fit (pool-adjacent-violators)."""
    blocks: list[list[float]] = []  # [weighted mean, weight, count]
    for v, w in zip(values, weights):
        blocks.append([float(v), float(w), 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([np.full(c, m) for m, _, c in blocks])


def invert_monotone(grid_t: np.ndarray, curve: np.ndarray, target: float) -> tuple[float, float, str]:
    """Temperature where a non-increasing piecewise-linear ``curve(grid_t)`` equals ``target``.

    Returns ``(T, slope dcurve/dT there, flag)``; outside the curve's range
    ``T`` is NaN and the flag says on which side of the grid it lies.
    """
    if target > curve[0]:
        return np.nan, np.nan, BELOW
    if target < curve[-1]:
        return np.nan, np.nan, ABOVE
    # first grid interval [i, i+1] with curve[i] >= target >= curve[i+1] and a non-zero drop
    for i in range(len(grid_t) - 1):
        hi, lo = curve[i], curve[i + 1]
        if hi >= target >= lo and hi > lo:
            slope = (lo - hi) / (grid_t[i + 1] - grid_t[i])
            return grid_t[i] + (target - hi) / slope, slope, INSIDE
    return np.nan, np.nan, BELOW if target >= curve[0] else ABOVE


def edge_side(curve: np.ndarray, target: float, cold_margin: float, hot_margin: float) -> str:
    """``below`` / ``above`` if ``target`` lies beyond, or within the margin of, the cold / hot end of a
    non-increasing ``curve``; else ``""`` (inside)."""
    if target >= curve[0] - cold_margin:
        return BELOW
    if target <= curve[-1] + hot_margin:
        return ABOVE
    return INSIDE


def matching_weights(grid_t, grid_mean, grid_err, target_mean, target_err) -> tuple[np.ndarray, np.ndarray]:
    """Inverse-variance weights of the per-correlation temperatures and grid-edge flags (fixed before
    bootstrapping).

    Shapes: grid_* ``(m, k)``, target_* ``(n, k)``; returns ``(weights, edges)``, both ``(n, k)``:
    the weight is zero where a correlation cannot be inverted, has zero variance, or lies at or
    within :data:`EDGE_SIGMAS` of an end of the grid, and ``edges`` says which end (``""`` inside).
    """
    weights = np.zeros(target_mean.shape)
    edges = np.full(target_mean.shape, INSIDE, dtype=object)
    for a in range(grid_mean.shape[1]):
        curve = isotonic_decreasing(grid_mean[:, a], 1.0 / np.maximum(grid_err[:, a], 1e-12) ** 2)
        grid_sigma = np.interp(target_mean[:, a], curve[::-1], grid_err[::-1, a])
        for j, target in enumerate(target_mean[:, a]):
            margins = [EDGE_SIGMAS * np.hypot(target_err[j, a], grid_err[end, a]) for end in (0, -1)]
            edges[j, a] = edge_side(curve, target, *margins)
            if edges[j, a] != INSIDE or target_err[j, a] == 0:
                continue
            _, slope, flag = invert_monotone(grid_t, curve, target)
            if flag == INSIDE and slope < 0:
                sigma_t = np.hypot(target_err[j, a], grid_sigma[j]) / abs(slope)
                weights[j, a] = 1.0 / max(sigma_t, 1e-12) ** 2
    return weights, edges


def matching_components(
    grid_t, grid_mean, grid_weight, target_mean, weights, edges=None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-correlation matched temperatures of ``n`` target ensembles, before they are combined.

    Arguments as in :func:`matching_temperature`.  Returns ``(T_a (n, k), flag (n,))``:
    T_a is NaN where correlation a is not used (zero weight, or outside the grid);
    the flag is ``below``/``above`` where no correlation is used.  The spread of the
    T_a is Swendsen's own check for irrelevant-operator effects (PRB 20, 2080 (1979)).
    """
    curves = [isotonic_decreasing(grid_mean[:, a], grid_weight[:, a]) for a in range(grid_mean.shape[1])]
    temps = np.full(target_mean.shape, np.nan)
    flags = np.full(target_mean.shape[0], INSIDE, dtype=object)
    for j in range(target_mean.shape[0]):
        sides = []
        for a, curve in enumerate(curves):
            t, _, flag = invert_monotone(grid_t, curve, target_mean[j, a])
            sides.append(flag if flag != INSIDE or edges is None else edges[j, a])
            if flag == INSIDE and weights[j, a] > 0:
                temps[j, a] = t
        if not np.isfinite(temps[j]).any():
            flags[j] = BELOW if sides.count(BELOW) >= sides.count(ABOVE) else ABOVE
    return temps, flags


def matching_temperature(
    grid_t, grid_mean, grid_weight, target_mean, weights, edges=None
) -> tuple[np.ndarray, np.ndarray]:
    """Matched temperatures of ``n`` target ensembles against a reference grid.

    Parameters
    ----------
    grid_t:
        ``(m,)`` increasing reference temperatures.
    grid_mean, grid_weight:
        ``(m, k)`` mean correlations of the reference ensembles and the
        isotonic-fit weights (1/σ²).
    target_mean:
        ``(n, k)`` mean correlations of the ensembles to be matched.
    weights, edges:
        ``(n, k)`` from :func:`matching_weights` (``edges`` default: all inside).

    Returns
    -------
    (T_eff ``(n,)``, flag ``(n,)``): the inverse-variance weighted mean of the
    per-correlation temperatures (:func:`matching_components`); NaN with flag
    ``below``/``above`` where no correlation can be matched inside the grid;
    the flag is the side most of them lie beyond or at (ties: ``below``).
    """
    temps, flags = matching_components(grid_t, grid_mean, grid_weight, target_mean, weights, edges)
    return combine_components(temps, weights), flags


def combine_components(temps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over the last axis of the finite per-correlation temperatures (NaN where none)."""
    weights = np.broadcast_to(weights, temps.shape)
    t_eff = np.full(temps.shape[:-1], np.nan)
    for j in np.ndindex(*temps.shape[:-1]):
        used = np.isfinite(temps[j])
        if used.any():
            t_eff[j] = np.average(temps[j][used], weights=weights[j][used])
    return t_eff
