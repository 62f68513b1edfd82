"""The whole finite-size-scaling analysis of several lattice sizes: :func:`finite_size_scaling`.

From per-sample series of every size (:class:`SizeSeries`) it measures

1. every observable at every sampled (L, T) with chain-block jackknife errors;
2. the maxima of χ' and C of each size by reweighting, C_max against
   Kaufman's exact finite-torus maximum;
3. the crossings of U₄ and ξ_2nd/L of successive sizes, and Tc from their
   extrapolation in L (:func:`rgml.fss.fits.extrapolate_crossings`);
4. exponents: γ/ν from χ'_max, 1/ν from the shift of the χ' maximum
   (relative to the blind Binder Tc) and from dU₄/dβ at that Tc, β/ν from
   ⟨|m|⟩ there, and the slope of C_max against ln L;
5. data collapses of ⟨|m|⟩ L^{β/ν} and χ' L^{−γ/ν} against
   (T − Tc) L^{1/ν} with the Houdayer–Hartmann quality S.

All errors are jackknife errors over chain blocks, and every quantity
derived from others (fits, the shift relative to the estimated Tc) is
recomputed on every replica, so correlations are carried through.  The
exact values (Tc, 2D Ising exponents, Kaufman's C) are used only for the
``exact`` and ``z`` columns, never in an estimate (except the correction
exponent ω of the crossing extrapolation, an option).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rgml.params import default
from rgml.blocking import chain_tau
from rgml.exact import TC, kaufman_energy, kaufman_specific_heat
from rgml.fss.collapse import CollapseData, fit_collapse, quality
from rgml.fss.curves import Replicated, find_crossing, find_peak, value_at
from rgml.fss.fits import (EXACT, exact_tc, extrapolate_crossings, fit_line, kaufman_specific_heat_max,
                           power_law_exponent, shift_exponent)
from rgml.fss.observables import OBSERVABLES, Histograms, SizeSeries
from rgml.fss.tables import CollapseTable, CrossingTable, EstimateTable, FSSResult, PeakTable, PointTable

#: Collapsed observables: name, what the power a of L (O ∝ L^a) is, its exact value.
COLLAPSES = (
    ("abs_magnetization", "-beta/nu", -EXACT["beta_over_nu"]),
    ("susceptibility_prime", "gamma/nu", EXACT["gamma_over_nu"]),
)


def _points(hists: list[Histograms]) -> PointTable:
    rows = []
    for h in hists:
        s = h.series
        values = {name: h.observable(name) for name in OBSERVABLES}
        tau_e = chain_tau(s.energy, chains=s.chains)
        tau_m = chain_tau(np.abs(s.magnetization), chains=s.chains)
        for k, t in enumerate(s.temperatures):
            row = {"L": s.size, "T": float(t), "n_samples": s.n_samples, "units": h.units,
                   "tau_int_energy": tau_e[k], "tau_int_abs_m": tau_m[k]}
            for name, (central, replicas) in values.items():
                row[name] = central[k]
                row[f"{name}_err"] = float(Replicated(central[k], replicas[:, k]).error)
            row["energy_exact"] = float(kaufman_energy(s.size, t))
            row["specific_heat_exact"] = float(kaufman_specific_heat(s.size, t))
            rows.append(row)
    return PointTable.from_rows(rows)


def crossing_pairs(sizes: np.ndarray) -> list[tuple[int, int]]:
    """Index pairs of the sizes crossed: (L, 2L) wherever both are given, else successive sizes.

    The extrapolation of crossings in L^{−(1/ν+ω)} assumes one size ratio, so a size that
    doubles no other (e.g. L = 40 among 8 … 128) enters the peaks and fits but no crossing.
    """
    index = {int(L): i for i, L in enumerate(sizes)}
    doubling = [(index[L], index[2 * L]) for L in index if 2 * L in index]
    return doubling or [(i, i + 1) for i in range(len(sizes) - 1)]


def _estimate(name, r: Replicated | None, exact, sizes, method, chi2=np.nan, dof=0) -> dict:
    value, error = (r.value, r.error) if r is not None else (np.nan, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (value - exact) / error if np.isfinite(exact) else np.nan
    return {"name": name, "value": value, "error": error, "exact": exact, "z": z, "chi2": chi2, "dof": dof,
            "sizes": ",".join(str(int(s)) for s in sizes), "method": method}


def finite_size_scaling(
    series: Sequence[SizeSeries], *, blocks: int = default("fss.blocks"), reach: float = default("fss.reach"),
    points: int = default("fss.points"), omega: float = default("fss.omega"), min_size: int = default("fss.min_size"),
    collapse_window: float = default("fss.collapse_window"), fit_collapses: bool = default("fss.fit_collapses"),
    log: Callable[[str], None] | None = None,
) -> FSSResult:
    """Finite-size scaling of the 2D Ising model from per-sample series of several sizes.

    Parameters
    ----------
    series : sequence of SizeSeries
        One per lattice size (any order; at least two sizes for crossings
        and fits).  Crossings pair L with 2L (:func:`crossing_pairs`); both
        must share at least two sampled temperatures.
    blocks : int, keyword-only
        Jackknife units (chain blocks); a multiple of every size's ``chains``.
    reach : float, keyword-only
        Reweighting window half-width in units of 1/σ_E (see :class:`Histograms`).
    points : int, keyword-only
        Fine-grid points per reweighting window.
    omega : float, keyword-only
        Correction exponent of the crossing extrapolation, T_cross − Tc ∝ L^{−(1/ν+ω)} (1/ν = 1).
    min_size : int, keyword-only
        Sizes below this are left out of the exponent fits (not of the tables).
    collapse_window : float, keyword-only
        Points with |(T − Tc) L^{1/ν}| ≤ this enter the collapse quality.
    fit_collapses : bool, keyword-only
        Also minimise the collapse quality over (Tc, 1/ν, a) (costs one
        minimisation per jackknife unit).
    log : callable, keyword-only
        Receives progress lines.
    """
    say = log or (lambda message: None)
    series = sorted(series, key=lambda s: s.size)
    if len({s.size for s in series}) != len(series):
        raise ValueError("series: give each lattice size once")
    hists = [Histograms(s, blocks=blocks) for s in series]
    if len({h.units for h in hists}) > 1:
        raise ValueError(f"blocks={blocks} gives different numbers of units per size "
                         f"({[h.units for h in hists]}); use a multiple of every size's chains")
    units = hists[0].units
    sizes = np.array([s.size for s in series])
    kw = {"reach": reach, "points": points}
    say(f"finite-size scaling of L = {sizes.tolist()} with {units} chain blocks")
    point_table = _points(hists)

    # crossings of successive sizes
    crossing_rows, binder, xi = [], [], []
    pairs = crossing_pairs(sizes)
    for i, j in pairs:
        small, large = hists[i], hists[j]
        row = {"L_small": small.series.size, "L_large": large.series.size}
        for name, key, found in (("binder", "binder", binder), ("xi_over_L", "xi", xi)):
            c = find_crossing(small, large, name, **kw)
            found.append(((small.series.size, large.series.size), c))
            if c is None:
                row |= {f"{key}_reweighted": False}
                continue
            value_name = "binder_cross" if name == "binder" else "xi_over_L_cross"
            row |= {f"T_{key}": c.temperature.value, f"T_{key}_err": c.temperature.error,
                    f"T_{key}_z": (c.temperature.value - TC) / c.temperature.error,
                    value_name: c.value.value, f"{value_name}_err": c.value.error,
                    f"{key}_source_T": c.source, f"{key}_reweighted": c.reweighted}
        crossing_rows.append(row)

    estimates = []

    def extrapolated(found, label):
        found = [(pair, c.temperature) for pair, c in found if c is not None and np.isfinite(c.temperature.value)]
        if not found:
            return None
        tc, chi2, dof = extrapolate_crossings([p[0] for p, _ in found], [t for _, t in found],
                                              inv_nu=EXACT["inv_nu"], omega=omega)
        used = sorted({size for pair, _ in found for size in pair})
        estimates.append(_estimate(f"Tc_{label}", tc, TC, used,
                                   f"{label} crossings of (L, 2L) extrapolated in L^-(1/nu+omega), omega={omega:g}",
                                   chi2, dof))
        largest = found[-1]
        estimates.append(_estimate(f"Tc_{label}_largest_pair", largest[1], TC, largest[0],
                                   f"{label} crossing of the largest pair of sizes"))
        return tc

    tc_binder = extrapolated(binder, "binder")
    extrapolated(xi, "xi")
    tc_blind = tc_binder if tc_binder is not None and np.isfinite(tc_binder.value) else None
    say("crossings done" + (f": Tc(U4) = {tc_blind.value:.5f}({tc_blind.error:.5f})" if tc_blind else ""))

    # maxima and values at the blind Tc
    peak_rows, chi_peaks, c_peaks, slopes, mags = [], [], [], [], []
    for h in hists:
        chi, heat = find_peak(h, "susceptibility_prime", **kw), find_peak(h, "specific_heat", **kw)
        chi_peaks.append(chi)
        c_peaks.append(heat)
        t_exact, c_exact = kaufman_specific_heat_max(h.series.size)
        row = {"L": h.series.size,
               "chi_prime_max": chi.height.value, "chi_prime_max_err": chi.height.error,
               "T_chi_prime_max": chi.position.value, "T_chi_prime_max_err": chi.position.error,
               "chi_prime_source_T": chi.source, "chi_prime_resolved": chi.resolved,
               "specific_heat_max": heat.height.value, "specific_heat_max_err": heat.height.error,
               "T_specific_heat_max": heat.position.value, "T_specific_heat_max_err": heat.position.error,
               "specific_heat_source_T": heat.source, "specific_heat_resolved": heat.resolved,
               "specific_heat_max_exact": c_exact, "T_specific_heat_max_exact": t_exact,
               "specific_heat_max_z": (heat.height.value - c_exact) / heat.height.error}
        if tc_blind is not None:
            slope = value_at(h, "dbinder_dbeta", tc_blind, **kw)
            mag = value_at(h, "abs_magnetization", tc_blind, **kw)
            slopes.append(slope)
            mags.append(mag)
            row |= {"dbinder_dbeta_at_tc": slope.value, "dbinder_dbeta_at_tc_err": slope.error,
                    "abs_magnetization_at_tc": mag.value, "abs_magnetization_at_tc_err": mag.error}
        peak_rows.append(row)
    say("peaks done")

    # effective exponents of successive sizes
    for (i, j), row in zip(pairs, crossing_rows):
        g = power_law_exponent(sizes[[i, j]], [chi_peaks[i].height, chi_peaks[j].height])[0]
        row |= {"gamma_over_nu_eff": g.value, "gamma_over_nu_eff_err": g.error}
        if slopes:
            n = power_law_exponent(sizes[[i, j]], [slopes[i], slopes[j]])[0]
            row |= {"inv_nu_eff": n.value, "inv_nu_eff_err": n.error}

    fit = sizes >= min_size
    used = sizes[fit]

    def pick(values):
        return [v for v, keep in zip(values, fit) if keep]

    g, chi2, dof = power_law_exponent(used, pick([p.height for p in chi_peaks]))
    estimates.append(_estimate("gamma_over_nu", g, EXACT["gamma_over_nu"], used,
                               "slope of ln chi'_max against ln L", chi2, dof))
    for label, tc, what in (("blind", tc_blind, "the Binder-crossing Tc"), ("exact_tc", exact_tc(units), "exact Tc")):
        if tc is None:
            continue
        n, chi2, dof = shift_exponent(used, pick([p.position for p in chi_peaks]), tc)
        estimates.append(_estimate(f"inv_nu_shift_{label}", n, EXACT["inv_nu"], used,
                                   f"-slope of ln(T_chi'max - Tc) against ln L, Tc = {what}", chi2, dof))
    if slopes:
        n, chi2, dof = power_law_exponent(used, pick(slopes))
        estimates.append(_estimate("inv_nu_binder_slope", n, EXACT["inv_nu"], used,
                                   "slope of ln dU4/dbeta at the Binder-crossing Tc against ln L", chi2, dof))
        b, chi2, dof = power_law_exponent(used, pick(mags))
        estimates.append(_estimate("beta_over_nu", b.map(np.negative), EXACT["beta_over_nu"], used,
                                   "-slope of ln <|m|> at the Binder-crossing Tc against ln L", chi2, dof))
    exact_c = np.array([kaufman_specific_heat_max(int(L))[1] for L in used])
    _, c1, chi2, dof = fit_line(np.log(used), pick([p.height for p in c_peaks]))
    errors = np.array([p.height.error for p in pick(c_peaks)])
    w = 1.0 / errors**2
    exact_slope = float(np.polyfit(np.log(used), exact_c, 1, w=np.sqrt(w))[0]) if used.size > 1 else np.nan
    estimates.append(_estimate("specific_heat_log_slope", c1, exact_slope, used,
                               "slope of C_max against ln L; exact: same fit of Kaufman's C_max", chi2, dof))
    say("exponent fits done")

    collapse_rows = []
    for name, exponent_name, exponent_exact in COLLAPSES:
        central = [h.observable(name) for h in hists]
        data = CollapseData(sizes, [h.series.temperatures for h in hists], [c for c, _ in central],
                            [r for _, r in central])
        s, n = quality(data.sizes, data.temperatures, data.values, data.errors, tc=TC, inv_nu=EXACT["inv_nu"],
                       exponent=exponent_exact, window=collapse_window)
        row = {"observable": name, "exponent_name": exponent_name, "exponent_exact": exponent_exact,
               "window": collapse_window, "quality_exact": s, "terms_exact": n}
        if fit_collapses and tc_blind is not None and len(hists) > 1:
            blind = {e["name"]: e["value"] for e in estimates}
            guess = -blind.get("beta_over_nu", np.nan) if name == "abs_magnetization" else g.value
            inv_nu = blind.get("inv_nu_binder_slope", np.nan)
            start = (tc_blind.value, inv_nu if np.isfinite(inv_nu) else 1.0,
                     guess if np.isfinite(guess) else exponent_exact)
            f = fit_collapse(data, start=start, window=collapse_window)
            row |= {"quality_fit": f.quality, "terms_fit": f.terms, "Tc": f.tc, "Tc_err": f.tc_err,
                    "inv_nu": f.inv_nu, "inv_nu_err": f.inv_nu_err, "exponent": f.exponent,
                    "exponent_err": f.exponent_err}
        else:
            row |= {"terms_fit": 0}
        collapse_rows.append(row)
    say("collapses done")

    return FSSResult(point_table, PeakTable.from_rows(peak_rows), CrossingTable.from_rows(crossing_rows),
                     EstimateTable.from_rows(estimates), CollapseTable.from_rows(collapse_rows))
