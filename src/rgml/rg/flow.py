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
ν = ln b / ln λ.  The fixed points of levels 1, 2, … are extrapolated to
n → ∞ (:func:`rgml.rg.levels.extrapolate_levels`).

Matching combines one temperature per correlation (nearest, next-nearest,
plaquette) with inverse-variance weights; the rows also give each of them
with its error and the largest pairwise disagreement in units of its
bootstrap error — their spread is Swendsen's check for irrelevant-operator
effects — flagged above :data:`DISAGREE_SIGMAS`.

Errors come from a bootstrap over whole blocks of each Markov chain
(:mod:`rgml.blocking`; each (L, T) resampled independently, the same
blocks at every level), propagated through the whole analysis, so they hold
for correlated samples.  ``blocks=None`` resamples single configurations
(the behaviour before blocks, bitwise), which assumes independent samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.blocking import BLOCKS, block_labels, bootstrap_counts, jackknife_error, leave_one_out, sample_labels, \
    unit_sums
from rgml.exact import TC
from rgml.rg.flow_result import (DISAGREE_SIGMAS, MATCHED, MATCHED_NAMES, FixedPointTable, FlowResult, FlowTable,
                                 LevelTable)
from rgml.rg.levels import OMEGA_2D_ISING, extrapolate_levels
from rgml.rg.thermometer import (INSIDE, combine_components, matching_components, matching_weights,
                                 projection_temperature)
from rgml.rng import Stream

#: The two thermometers of a flow.
METHODS = ("projection", "matching")

__all__ = ["DISAGREE_SIGMAS", "MATCHED", "MATCHED_NAMES", "METHODS",
           "FixedPoint", "FlowAnalysis", "FlowResult", "crossing",
           "nu_from_slope"]


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


def _errors(densities: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """Standard errors of mean densities ``(..., samples, k)``: i.i.d., or jackknife over chain blocks."""
    if labels is None:
        return densities.std(axis=-2, ddof=1) / np.sqrt(densities.shape[-2])
    sums = unit_sums(labels, np.moveaxis(densities, -2, 0))
    left = (labels.size - np.bincount(labels)).astype(np.float64).reshape(-1, *[1] * (sums.ndim - 1))
    return jackknife_error(leave_one_out(sums) / left)


def _spread(central: np.ndarray, replicas: np.ndarray) -> tuple[float, float]:
    """Range of the finite per-correlation temperatures and their largest pairwise |difference| / error."""
    used = np.flatnonzero(np.isfinite(central))
    if used.size < 2:
        return np.nan, np.nan
    worst = 0.0
    for i, a in enumerate(used):
        for c in used[i + 1:]:
            sigma = float(_nanstd(replicas[:, a] - replicas[:, c]))
            worst = max(worst, abs(central[a] - central[c]) / sigma if sigma > 0 else np.inf)
    return float(np.ptp(central[used])), worst


class FlowAnalysis:
    """Effective temperatures and fixed points of one block rule on several sizes.

    Parameters
    ----------
    temperatures:
        ``{L: (n_T,)}`` bare temperature grids (increasing).
    densities:
        ``{L: [level 0, level 1, …]}`` arrays ``(n_T, samples, k)``, samples in
        stored order (sample = step · chains + chain).
    b:
        Block size of the rule.
    blocks:
        Bootstrap units per (L, T): contiguous blocks of each chain
        (:func:`rgml.blocking.block_labels`); the matching weights then use
        jackknife errors over the same blocks.  ``None``: single
        configurations and i.i.d. errors (the numbers rgml gave before blocks).
    chains:
        Interleaved chains per sample set, one int or ``{L: chains}``.
    methods:
        Thermometers to run, ``("projection", "matching")`` or either alone;
        leaving one out changes no number of the other (projection draws
        nothing), it only saves its time.
    """

    def __init__(self, temperatures: dict[int, np.ndarray], densities: dict[int, list[np.ndarray]], b: int, *,
                 blocks: int | None = BLOCKS, chains: int | dict[int, int] = 1,
                 methods: tuple[str, ...] = METHODS):
        unknown = set(methods) - set(METHODS)
        if unknown or not methods:
            raise ValueError(f"methods: choose from {METHODS}, got {methods}")
        self.methods = tuple(methods)
        self.temperatures = {L: np.asarray(t, np.float64) for L, t in temperatures.items()}
        self.densities = {L: np.stack(levels) for L, levels in densities.items()}  # (level, T, S, k)
        self.b = b
        self.blocks = blocks
        self._labels = {}
        for L, d in self.densities.items():
            n_chains = chains[L] if isinstance(chains, dict) else chains
            self._labels[L] = (sample_labels(d.shape[2]) if blocks is None
                               else block_labels(d.shape[2], chains=n_chains, blocks=blocks))
        self._weights = {}
        self._edges = {}
        self._grid_weights = {}
        for L, n, ref in self._matching_pairs():
            grid = self.densities[ref][n - 1][..., :MATCHED]
            target = self.densities[L][n][..., :MATCHED]
            labels = (None, None) if blocks is None else (self._labels[ref], self._labels[L])
            grid_err, target_err = _errors(grid, labels[0]), _errors(target, labels[1])
            self._grid_weights[L, n] = 1.0 / np.maximum(grid_err, 1e-12) ** 2
            self._weights[L, n], self._edges[L, n] = matching_weights(
                self.temperatures[ref], grid.mean(axis=1), grid_err, target.mean(axis=1), target_err
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

        A replica resamples the blocks (configurations, with ``blocks=None``)
        of each (L, T) with replacement, the same ones at every level.
        """
        means = {}
        for L, d in self.densities.items():
            n_t = d.shape[1]
            if stream is None:
                means[L] = d.mean(axis=2)[None]
                continue
            counts = bootstrap_counts(self._labels[L], stream, (n_boot, n_t))
            means[L] = np.einsum("rts,ltsk->rltk", counts, d) / counts.sum(axis=-1)[:, None, :, None]
        return means

    def curves(self, means: dict[int, np.ndarray]) -> dict:
        """T_eff curves ``{(method, L, level): (T_in, T_eff, flag)}``, arrays ``(replicas, T)``."""
        return self._curves(means)[0]

    def _curves(self, means: dict[int, np.ndarray]) -> tuple[dict, dict]:
        """:meth:`curves` and the per-correlation matched temperatures ``{(L, level): (replicas, T, k)}``."""
        out, components = {}, {}
        for L, m in means.items():
            if "projection" not in self.methods:
                break
            t_prev = np.broadcast_to(self.temperatures[L], (m.shape[0], m.shape[2]))
            for n in range(1, m.shape[1]):
                t_eff, flag = projection_temperature(m[:, n, :, 0], L // self.b**n)
                out["projection", L, n] = (t_prev, t_eff, flag)
                t_prev = t_eff
        for L, n, ref in self._matching_pairs() if "matching" in self.methods else ():
            grid, target = means[ref][:, n - 1, :, :MATCHED], means[L][:, n, :, :MATCHED]
            pairs = [matching_components(self.temperatures[ref], g, self._grid_weights[L, n], t, self._weights[L, n],
                                         self._edges[L, n])
                     for g, t in zip(grid, target)]
            temps = np.stack([p[0] for p in pairs])
            t_in = np.broadcast_to(self.temperatures[L], (len(pairs), len(self.temperatures[L])))
            out["matching", L, n] = (t_in, combine_components(temps, self._weights[L, n]),
                                     np.stack([p[1] for p in pairs]))
            components[L, n] = temps
        return out, components

    def run(self, *, stream: Stream, n_boot: int = 200) -> tuple[list[dict], list[dict]]:
        """Flow rows and fixed-point rows (dicts ready for tidy tables); see :meth:`analyse`."""
        flows, fixed, _ = self._rows(stream=stream, n_boot=n_boot)
        return flows, fixed

    def analyse(self, *, stream: Stream, n_boot: int = 200, omega: float = OMEGA_2D_ISING) -> FlowResult:
        """Flows, fixed points and their extrapolation in level, as a :class:`FlowResult`."""
        flows, fixed, extrapolated = self._rows(stream=stream, n_boot=n_boot, omega=omega)
        return FlowResult(FlowTable.from_rows(flows), FixedPointTable.from_rows(fixed),
                          LevelTable.from_rows(extrapolated))

    def _rows(self, *, stream: Stream, n_boot: int, omega: float = OMEGA_2D_ISING):
        central, central_parts = self._curves(self.resampled_means(None, 1))
        replicas, replica_parts = self._curves(self.resampled_means(stream, n_boot))
        flow_rows, fixed_rows, fixed_boot = [], [], {}
        for key, (t_in, t_eff, flag) in central.items():
            method, L, n = key
            err = _nanstd(replicas[key][1])
            parts = central_parts.get((L, n)) if method == "matching" else None
            for i, t in enumerate(self.temperatures[L]):
                row = {
                    "method": method, "L": L, "b": self.b, "level": n, "T": float(t),
                    "T_in": float(t_in[0, i]), "T_eff": float(t_eff[0, i]), "T_eff_err": float(err[i]),
                    "out_of_grid": flag[0, i] if flag[0, i] != INSIDE else "",
                }
                spread = (np.nan, np.nan)
                for a, name in enumerate(MATCHED_NAMES):
                    value = error = np.nan
                    if parts is not None:
                        value = float(parts[0, i, a])
                        error = float(_nanstd(replica_parts[L, n][:, i, a])) if np.isfinite(value) else np.nan
                    row |= {f"T_eff_{name}": value, f"T_eff_{name}_err": error}
                if parts is not None:
                    spread = _spread(parts[0, i], replica_parts[L, n][:, i])
                row |= {"coupling_spread": spread[0], "coupling_spread_sigma": spread[1],
                        "couplings_disagree": bool(spread[1] > DISAGREE_SIGMAS)}
                flow_rows.append(row)
            fp, boot = self._fixed_point(central[key], replicas[key])
            fixed_boot[key] = (fp.t_star, boot)
            fixed_rows.append({"method": f"flow_slope_{method}", "L": L, "b": self.b, "level": n,
                               "nu": fp.nu, "nu_err": fp.nu_err, "T_fixed": fp.t_star,
                               "T_fixed_err": fp.t_star_err, "slope": fp.slope,
                               "T_fixed_z": (fp.t_star - TC) / fp.t_star_err if fp.t_star_err > 0 else np.nan})
        level_rows = []
        for method, L in dict.fromkeys((m, L) for m, L, _ in fixed_boot):
            levels = sorted(n for m, size, n in fixed_boot if (m, size) == (method, L))
            t_star = np.array([fixed_boot[method, L, n][0] for n in levels])
            boot = np.stack([fixed_boot[method, L, n][1] for n in levels], axis=1)
            ex = extrapolate_levels(levels, t_star, b=self.b, replicas=boot, omega=omega)
            level_rows.append({"method": method, "L": L, "b": self.b, "levels": ",".join(map(str, ex.levels)),
                               "omega": omega, "T_inf": ex.t_inf, "T_inf_err": ex.t_inf_err,
                               "T_inf_z": (ex.t_inf - TC) / ex.t_inf_err if ex.t_inf_err > 0 else np.nan,
                               "amplitude": ex.amplitude, "amplitude_err": ex.amplitude_err,
                               "chi2": ex.chi2, "dof": ex.dof})
        return flow_rows, fixed_rows, level_rows

    def _fixed_point(self, central, replicas) -> tuple[FixedPoint, np.ndarray]:
        """The fixed point and slope of one map, and the bootstrap replicas of T*."""
        t_star, slope = crossing(central[0][0], central[1][0])
        if not np.isfinite(t_star):  # no crossing in the data: bootstrap crossings mean nothing
            return FixedPoint(np.nan, np.nan, np.nan, np.nan, np.nan), np.full(len(replicas[0]), np.nan)
        boot = np.array([crossing(t_in, t_out) for t_in, t_out in zip(replicas[0], replicas[1])])
        boot_nu = np.array([nu_from_slope(s, self.b) for s in boot[:, 1]])
        return FixedPoint(float(t_star), float(_nanstd(boot[:, 0])), float(slope),
                          nu_from_slope(slope, self.b), float(_nanstd(boot_nu))), boot[:, 0]
