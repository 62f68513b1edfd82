"""RG flows T → T_eff, their fixed points and ν, with bootstrap errors.

The input is, for every lattice size L, the per-sample interaction
densities (:mod:`rgml.rg.correlations`) of the raw samples (level 0) and of
each coarse-graining level, ``densities[L][n]`` of shape
``(temperature, sample, k)``.  The one-step RG map at level n is

* ``matching``: T ↦ T_eff, the temperature of the L/b lattice whose level
  n−1 matches level n of L at T;
* ``projection``: T⁽ⁿ⁻¹⁾ ↦ T⁽ⁿ⁾, the projected temperatures of levels n−1
  and n of the same samples (T⁽⁰⁾ = T).

Its fixed point T* is where the map crosses the diagonal, and with the
slope λ = dT_out/dT_in there (= dK'/dK at the fixed point),
ν = ln b / ln λ.  Errors come from a bootstrap over samples (each (L, T)
resampled independently; the stored samples are nearly independent by
construction), propagated through the whole analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.rg.thermometer import INSIDE, matching_temperature, matching_weights, projection_temperature
from rgml.rng import Stream

#: Correlations used for matching: nearest, next-nearest, plaquette.
MATCHED = 3


@dataclass(frozen=True)
class FixedPoint:
    """Crossing of a one-step RG map with the diagonal."""

    t_star: float
    t_star_err: float
    slope: float
    nu: float
    nu_err: float


def crossing(t_in: np.ndarray, t_out: np.ndarray) -> tuple[float, float]:
    """Where T_out(T_in) crosses the diagonal upwards, and the slope there.

    Takes the first and last sign change of d = T_out − T_in from − to +
    (scanning in increasing T_in over finite points), fits a straight line to
    those points plus one neighbour on each side and returns its crossing with
    the diagonal and its slope; (nan, nan) when there is no crossing.
    """
    ok = np.isfinite(t_in) & np.isfinite(t_out)
    x, y = t_in[ok], t_out[ok]
    order = np.argsort(x)
    x, y = x[order], y[order]
    d = y - x
    ups = np.flatnonzero((d[:-1] < 0) & (d[1:] >= 0))
    if ups.size == 0:
        return np.nan, np.nan
    lo, hi = max(ups[0] - 1, 0), min(ups[-1] + 3, x.size)
    slope, intercept = np.polyfit(x[lo:hi], y[lo:hi], 1)
    if slope == 1.0:
        return np.nan, np.nan
    return intercept / (1.0 - slope), slope


def nu_from_slope(slope: float, b: int) -> float:
    """ν = ln b / ln λ; NaN unless the map is expanding (λ > 1)."""
    return float(np.log(b) / np.log(slope)) if slope > 1 else np.nan


def _nanstd(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Standard deviation (ddof=1) over finite entries; NaN where fewer than two."""
    ok = np.isfinite(values)
    count = ok.sum(axis=axis)
    filled = np.where(ok, values, 0.0)
    mean = filled.sum(axis=axis) / np.maximum(count, 1)
    dev = np.where(ok, values - np.expand_dims(mean, axis), 0.0)
    var = (dev**2).sum(axis=axis) / np.maximum(count - 1, 1)
    return np.where(count > 1, np.sqrt(var), np.nan)


def _errors(densities: np.ndarray) -> np.ndarray:
    return densities.std(axis=1, ddof=1) / np.sqrt(densities.shape[1])


class FlowAnalysis:
    """Effective temperatures and fixed points of one block rule on several sizes.

    Parameters
    ----------
    temperatures:
        ``{L: (n_T,)}`` bare temperature grids (increasing).
    densities:
        ``{L: [level 0, level 1, …]}`` arrays ``(n_T, samples, k)``.
    b:
        Block size of the rule.
    """

    def __init__(self, temperatures: dict[int, np.ndarray], densities: dict[int, list[np.ndarray]], b: int):
        self.temperatures = {L: np.asarray(t, np.float64) for L, t in temperatures.items()}
        self.densities = {L: np.stack(levels) for L, levels in densities.items()}  # (level, T, S, k)
        self.b = b
        self._weights = {}
        self._edges = {}
        self._grid_weights = {}
        for L, n, ref in self._matching_pairs():
            grid = self.densities[ref][n - 1][..., :MATCHED]
            target = self.densities[L][n][..., :MATCHED]
            self._grid_weights[L, n] = 1.0 / np.maximum(_errors(grid), 1e-12) ** 2
            self._weights[L, n], self._edges[L, n] = matching_weights(
                self.temperatures[ref], grid.mean(axis=1), _errors(grid), target.mean(axis=1), _errors(target)
            )

    def _matching_pairs(self):
        for L, levels in self.densities.items():
            ref = L // self.b
            if ref in self.densities:
                for n in range(1, len(levels)):
                    if n - 1 < len(self.densities[ref]):
                        yield L, n, ref

    def resampled_means(self, stream: Stream | None, n_boot: int) -> dict[int, np.ndarray]:
        """Level means ``{L: (replicas, level, T, k)}``: the data (stream None) or bootstrap replicas.

        A replica resamples the configurations of each (L, T) with replacement,
        the same configurations at every level.
        """
        means = {}
        for L, d in self.densities.items():
            n_t, n_s = d.shape[1:3]
            if stream is None:
                means[L] = d.mean(axis=2)[None]
                continue
            picks = (stream.bits((n_boot, n_t, n_s)) % np.uint64(n_s)).astype(np.int64)
            counts = np.zeros((n_boot, n_t, n_s))
            for r in range(n_boot):
                for t in range(n_t):
                    counts[r, t] = np.bincount(picks[r, t], minlength=n_s)
            means[L] = np.einsum("rts,ltsk->rltk", counts, d) / n_s
        return means

    def curves(self, means: dict[int, np.ndarray]) -> dict:
        """T_eff curves ``{(method, L, level): (T_in, T_eff, flag)}``, arrays ``(replicas, T)``."""
        out = {}
        for L, m in means.items():
            t_prev = np.broadcast_to(self.temperatures[L], (m.shape[0], m.shape[2]))
            for n in range(1, m.shape[1]):
                t_eff, flag = projection_temperature(m[:, n, :, 0], L // self.b**n)
                out["projection", L, n] = (t_prev, t_eff, flag)
                t_prev = t_eff
        for L, n, ref in self._matching_pairs():
            grid, target = means[ref][:, n - 1, :, :MATCHED], means[L][:, n, :, :MATCHED]
            pairs = [matching_temperature(self.temperatures[ref], g, self._grid_weights[L, n], t, self._weights[L, n],
                                          self._edges[L, n])
                     for g, t in zip(grid, target)]
            t_in = np.broadcast_to(self.temperatures[L], (len(pairs), len(self.temperatures[L])))
            out["matching", L, n] = (t_in, np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]))
        return out

    def run(self, *, stream: Stream, n_boot: int = 200) -> tuple[list[dict], list[dict]]:
        """Flow rows and fixed-point rows (dicts ready for tidy tables)."""
        central = self.curves(self.resampled_means(None, 1))
        replicas = self.curves(self.resampled_means(stream, n_boot))
        flow_rows, fixed_rows = [], []
        for key, (t_in, t_eff, flag) in central.items():
            method, L, n = key
            err = _nanstd(replicas[key][1])
            for i, t in enumerate(self.temperatures[L]):
                flow_rows.append({
                    "method": method, "L": L, "b": self.b, "level": n, "T": float(t),
                    "T_in": float(t_in[0, i]), "T_eff": float(t_eff[0, i]), "T_eff_err": float(err[i]),
                    "out_of_grid": flag[0, i] if flag[0, i] != INSIDE else "",
                })
            fp = self._fixed_point(central[key], replicas[key])
            fixed_rows.append({"method": f"flow_slope_{method}", "L": L, "b": self.b, "level": n,
                               "nu": fp.nu, "nu_err": fp.nu_err, "T_fixed": fp.t_star,
                               "T_fixed_err": fp.t_star_err, "slope": fp.slope})
        return flow_rows, fixed_rows

    def _fixed_point(self, central, replicas) -> FixedPoint:
        t_star, slope = crossing(central[0][0], central[1][0])
        if not np.isfinite(t_star):  # no crossing in the data: bootstrap crossings mean nothing
            return FixedPoint(np.nan, np.nan, np.nan, np.nan, np.nan)
        boot = np.array([crossing(t_in, t_out) for t_in, t_out in zip(replicas[0], replicas[1])])
        boot_nu = np.array([nu_from_slope(s, self.b) for s in boot[:, 1]])
        return FixedPoint(float(t_star), float(_nanstd(boot[:, 0])), float(slope),
                          nu_from_slope(slope, self.b), float(_nanstd(boot_nu)))
