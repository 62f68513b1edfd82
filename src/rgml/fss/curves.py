"""Peaks and crossings of reweighted observable curves, with jackknife replicas.

Both searches start from the values at the sampled temperatures and refine
them on a fine β grid inside the window where single-histogram reweighting
from one sampled temperature is trusted (:meth:`Histograms.window`):

* :func:`find_peak` — the maximum of χ' or C of one size (Ferrenberg &
  Swendsen, PRL 61, 2635 (1988) use exactly this to locate peaks between
  simulated temperatures), refined by the parabola through the three
  highest fine-grid points;
* :func:`find_crossing` — where the curves of two sizes cross (Binder
  cumulant, ξ/L; Binder, Z. Phys. B 43, 119 (1981)), by linear
  interpolation of their difference on the fine grid; both sizes are
  reweighted from their samples at the same temperature.

Every result is a :class:`Replicated`: the estimate on all data and its
leave-one-unit-out replicas (one per chain block, :mod:`rgml.blocking`),
from which any derived quantity gets a jackknife error.  Replicas of
different sizes are paired by unit index; the sizes are independent runs,
so leaving unit i out of both at once still estimates the variance without
bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.blocking import jackknife_error
from rgml.fss.observables import Histograms

#: Fine-grid points per reweighting window.
POINTS = 41


@dataclass(frozen=True)
class Replicated:
    """An estimate on all data and its jackknife replicas ``(U,)``."""

    value: float
    replicas: np.ndarray

    @property
    def error(self) -> float:
        return float(jackknife_error(self.replicas))

    def map(self, func) -> "Replicated":
        """Apply an elementwise function to the estimate and every replica."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return Replicated(float(func(np.float64(self.value))), func(self.replicas))


def _fine_grid(hists: list[Histograms], ks: list[int], reach: float, points: int) -> np.ndarray | None:
    """Increasing temperatures on the intersection of the windows of (histogram, index) pairs."""
    lo = max(h.window(k, reach=reach)[0] for h, k in zip(hists, ks))
    hi = min(h.window(k, reach=reach)[1] for h, k in zip(hists, ks))
    if not hi > lo > 0:
        return None
    return 1.0 / np.linspace(hi, lo, points)


def vertex(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum of sampled curves ``y (..., J)`` on increasing ``x (J,)``, refined by a parabola.

    Returns ``(x_max, y_max, interior)``; where the largest point is at an end
    of the grid (``interior`` False) it is returned unrefined.
    """
    y = np.asarray(y, dtype=np.float64)
    filled = np.where(np.isfinite(y), y, -np.inf)
    j = np.argmax(filled, axis=-1)
    interior = (j > 0) & (j < x.size - 1) & np.isfinite(np.take_along_axis(filled, j[..., None], -1)[..., 0])
    jc = np.clip(j, 1, x.size - 2)
    x0, x1, x2 = x[jc - 1], x[jc], x[jc + 1]
    y0, y1, y2 = (np.take_along_axis(y, (jc + s)[..., None], -1)[..., 0] for s in (-1, 0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
        a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom
        b = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / denom
        c = y1 - a * x1**2 - b * x1
        xv, yv = -b / (2 * a), c - b**2 / (4 * a)
    good = interior & (a < 0)
    x_end = x[j]
    y_end = np.take_along_axis(y, j[..., None], -1)[..., 0]
    return np.where(good, xv, x_end), np.where(good, yv, y_end), good


@dataclass(frozen=True)
class Peak:
    """Maximum of an observable of one size."""

    position: Replicated  # T at the maximum, J/k_B
    height: Replicated
    source: float  # sampled temperature reweighted from (NaN: sampled values only)
    resolved: bool  # the maximum lies inside a reweighting window


def find_peak(hist: Histograms, name: str, *, reach: float = 1.0, points: int = POINTS) -> Peak:
    """Maximum of observable ``name`` of one size, refined by reweighting.

    The three sampled temperatures around the largest sampled value are
    candidate sources; each is reweighted over its window, and the one whose
    maximum is interior and nearest its own temperature (in units of the
    window) wins.  If none has an interior maximum, the largest sampled
    value is returned with ``resolved = False``.
    """
    nodes, node_replicas = hist.observable(name)
    k0 = int(np.nanargmax(nodes))
    best, best_score = None, np.inf
    for k in range(max(k0 - 1, 0), min(k0 + 2, nodes.size)):
        temps = _fine_grid([hist], [k], reach, points)
        if temps is None:
            continue
        central, replicas = hist.reweighted_observable(name, k, 1.0 / temps)
        t_max, y_max, inside = vertex(temps, central)
        score = abs(1.0 / t_max - hist.betas[k]) / (1.0 / temps[0] - 1.0 / temps[-1])
        if inside and score < best_score:
            best, best_score = (k, temps, t_max, y_max, replicas), score
    if best is None:
        t = hist.series.temperatures
        return Peak(Replicated(float(t[k0]), np.full(hist.units, t[k0])),
                    Replicated(float(nodes[k0]), node_replicas[:, k0]), np.nan, False)
    k, temps, t_max, y_max, replicas = best
    t_rep, y_rep, _ = vertex(temps, replicas)
    return Peak(Replicated(float(t_max), t_rep), Replicated(float(y_max), y_rep),
                float(hist.series.temperatures[k]), True)


@dataclass(frozen=True)
class Crossing:
    """Where an observable of two sizes takes the same value."""

    temperature: Replicated  # J/k_B
    value: Replicated
    source: float  # sampled temperature both sizes were reweighted from (NaN: between sampled values)
    reweighted: bool


def _roots(x: np.ndarray, d: np.ndarray, near: float) -> tuple[float, int]:
    """Downward zero of ``d(x)`` (from > 0 to ≤ 0) nearest ``near`` by linear interpolation, and its interval."""
    ok = np.isfinite(d)
    down = np.flatnonzero(ok[:-1] & ok[1:] & (d[:-1] > 0) & (d[1:] <= 0))
    if down.size == 0:
        return np.nan, -1
    roots = x[down] + d[down] / (d[down] - d[down + 1]) * (x[down + 1] - x[down])
    i = int(np.argmin(np.abs(roots - near)))
    return float(roots[i]), int(down[i])


def _root_and_value(x, d, y, near) -> tuple[float, float]:
    root, j = _roots(x, d, near)
    if j < 0:
        return np.nan, np.nan
    return root, float(np.interp(root, x[j: j + 2], y[j: j + 2]))


def _replicated_root(x, d_central, y_central, d_replicas, y_replicas, near: float) -> tuple[Replicated, Replicated]:
    root, value = _root_and_value(x, d_central, y_central, near)
    pairs = np.array([_root_and_value(x, d, y, root) for d, y in zip(d_replicas, y_replicas)])
    return Replicated(root, pairs[:, 0]), Replicated(value, pairs[:, 1])


def find_crossing(small: Histograms, large: Histograms, name: str, *, reach: float = 1.0,
                  points: int = POINTS) -> Crossing | None:
    """Crossing of observable ``name`` of two sizes (U₄ or ξ/L), refined by reweighting.

    On the temperatures both sizes sampled, the bracket where
    d = O_large − O_small changes sign from + to − most significantly (in
    units of its error) is the crossing's; both sizes are then reweighted from
    the bracket end nearest the linearly interpolated crossing (or the other
    end) over the intersection of their windows.  Without a root there, the
    crossing is interpolated linearly between the sampled temperatures
    (``reweighted = False``).  Returns None when d never changes sign.
    """
    if small.units != large.units:
        raise ValueError(f"the two sizes have {small.units} and {large.units} resampling units; "
                         "use one blocks value that is a multiple of every size's chains")
    t_small, t_large = small.series.temperatures, large.series.temperatures
    i_small, i_large = np.nonzero(np.isclose(t_small[:, None], t_large[None, :], rtol=0, atol=1e-9))
    if i_small.size < 2:
        return None
    o_small, r_small = small.observable(name)
    o_large, r_large = large.observable(name)
    t = t_small[i_small]
    d = o_large[i_large] - o_small[i_small]
    d_rep = r_large[:, i_large] - r_small[:, i_small]
    d_err = jackknife_error(d_rep)
    down = np.flatnonzero(np.isfinite(d[:-1] + d[1:]) & (d[:-1] > 0) & (d[1:] <= 0))
    if down.size == 0:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        significance = (d[down] - d[down + 1]) / np.hypot(d_err[down], d_err[down + 1])
    j = int(down[np.nanargmax(np.where(np.isfinite(significance), significance, np.inf))])
    t_lin = t[j] + d[j] / (d[j] - d[j + 1]) * (t[j + 1] - t[j])
    for jj in sorted((j, j + 1), key=lambda q: abs(t[q] - t_lin)):
        ks, kl = int(i_small[jj]), int(i_large[jj])
        temps = _fine_grid([small, large], [ks, kl], reach, points)
        if temps is None:
            continue
        c_small, rep_small = small.reweighted_observable(name, ks, 1.0 / temps)
        c_large, rep_large = large.reweighted_observable(name, kl, 1.0 / temps)
        if np.isnan(_roots(temps, c_large - c_small, t_lin)[0]):
            continue
        root, value = _replicated_root(temps, c_large - c_small, c_small, rep_large - rep_small, rep_small, t_lin)
        return Crossing(root, value, float(t[jj]), True)
    y_small = o_small[i_small][j: j + 2]
    root, value = _replicated_root(t[j: j + 2], d[j: j + 2], y_small, d_rep[:, j: j + 2],
                                   r_small[:, i_small][:, j: j + 2], t_lin)
    return Crossing(root, value, np.nan, False)


def value_at(hist: Histograms, name: str, temperature: Replicated, *, reach: float = 1.0,
             points: int = POINTS) -> Replicated:
    """Observable ``name`` of one size at a replicated temperature (e.g. an estimate of Tc).

    Reweighted from the sampled temperature nearest the estimate; replica i of
    the result uses replica i of both the data and the temperature.
    """
    t_grid = hist.series.temperatures
    k = int(np.argmin(np.abs(1.0 / t_grid - 1.0 / temperature.value)))
    temps = _fine_grid([hist], [k], reach, points)
    central, replicas = hist.reweighted_observable(name, k, 1.0 / temps)
    value = float(np.interp(temperature.value, temps, central, left=np.nan, right=np.nan))
    reps = np.array([np.interp(t, temps, r, left=np.nan, right=np.nan)
                     for t, r in zip(temperature.replicas, replicas)])
    return Replicated(value, reps)
