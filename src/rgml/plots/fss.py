"""The finite-size-scaling figure: crossings, peaks against L, the specific heat against Kaufman, collapses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from rgml.exact import TC


#: Half-width of the crossing panels around Tc [J/k_B].
WINDOW = 0.2


def _fit_y(ax, low, high) -> None:
    """y range of the points shown (5 % margins), not of the whole grid: ξ₂ₙd/L reaches ~50 far below Tc."""
    low, high = np.nanmin(low), np.nanmax(high)
    if np.isfinite(low) and np.isfinite(high) and high > low:
        pad = 0.05 * (high - low)
        ax.set_ylim(low - pad, high + pad)


def _by_size(points):
    for L in sorted(points["L"].unique()):
        yield L, points[points["L"] == L].sort_values("T")


def fss_figure(result):
    """Six panels of an :class:`rgml.fss.FSSResult` (points, peaks, crossings, estimates, collapses tables)."""
    points, peaks = result.points.to_frame(), result.peaks.to_frame()
    estimates = result.estimates.to_frame().set_index("name")
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    (ax_u, ax_xi, ax_chi), (ax_c, ax_m, ax_x) = axes
    for L, g in _by_size(points):
        ax_u.errorbar(g["T"], g["binder"], g["binder_err"], fmt="o-", ms=3, lw=0.8, capsize=2, label=f"L = {L}")
        ax_xi.errorbar(g["T"], g["xi_over_L"], g["xi_over_L_err"], fmt="o-", ms=3, lw=0.8, capsize=2,
                       label=f"L = {L}")
    window = points[np.abs(points["T"] - TC) <= WINDOW]
    for ax, name, ylabel, column in ((ax_u, "Tc_binder", "Binder cumulant U₄", "binder"),
                                     (ax_xi, "Tc_xi", "ξ₂ₙd / L", "xi_over_L")):
        _fit_y(ax, window[column] - window[f"{column}_err"], window[column] + window[f"{column}_err"])
        ax.axvline(TC, color="k", ls=":", lw=1, label="Tc (exact)")
        e = estimates.loc[name] if name in estimates.index else None
        if e is not None and np.isfinite(e["value"]) and np.isfinite(e["error"]):
            ax.axvspan(e["value"] - e["error"], e["value"] + e["error"], color="C3", alpha=0.3,
                       label=f"crossings → {e['value']:.4f} ± {e['error']:.4f}")
        else:
            ax.plot([], [], " ", label="crossings: no extrapolated estimate (see the table)")
        ax.set_xlim(TC - WINDOW, TC + WINDOW)
        ax.set_xlabel("T [J/k_B]")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7)
    L = peaks["L"].to_numpy(float)
    ax_chi.errorbar(L, peaks["chi_prime_max"], peaks["chi_prime_max_err"], fmt="o", capsize=2, label="χ′ max (reweighted)")
    if "gamma_over_nu" in estimates.index:
        e = estimates.loc["gamma_over_nu"]
        scale = np.exp(np.mean(np.log(peaks["chi_prime_max"]) - e["value"] * np.log(L)))
        ax_chi.plot(L, scale * L ** e["value"], "-", label=f"fit γ/ν = {e['value']:.3f} ± {e['error']:.3f}")
        ax_chi.plot(L, scale * L ** e["exact"] * L[0] ** (e["value"] - e["exact"]), ":", color="k",
                    label=f"exact γ/ν = {e['exact']:g}")
    ax_chi.set_xscale("log")
    ax_chi.set_yscale("log")
    ax_chi.set_xticks(L, [f"{int(v)}" for v in L])
    ax_chi.minorticks_off()
    ax_chi.set_xlabel("L")
    ax_chi.set_ylabel("χ′ max")
    ax_chi.legend(fontsize=7)
    ax_c.errorbar(np.log(L), peaks["specific_heat_max"], peaks["specific_heat_max_err"], fmt="o", capsize=2,
                  label="C max, Monte Carlo (reweighted)")
    ax_c.plot(np.log(L), peaks["specific_heat_max_exact"], "s", mfc="none", color="k", label="C max, Kaufman (exact)")
    ax_c.set_xlabel("ln L")
    ax_c.set_ylabel("C max per spin")
    ax_c.legend(fontsize=7)
    for ax, column, exponent, label in ((ax_m, "abs_magnetization", -0.125, r"$\langle|m|\rangle\, L^{\beta/\nu}$"),
                                        (ax_x, "susceptibility_prime", 1.75, r"$\chi'\, L^{-\gamma/\nu}$")):
        for L_, g in _by_size(points):
            x = (g["T"] - TC) * L_
            ax.errorbar(x, g[column] * L_ ** (-exponent), g[f"{column}_err"] * L_ ** (-exponent), fmt="o", ms=3,
                        capsize=1, label=f"L = {L_}")
        ax.set_xlim(-6, 6)
        ax.set_xlabel(r"$(T - T_c)\, L^{1/\nu}$")
        ax.set_ylabel(label)
        ax.set_title("collapse with the exact exponents (ν = 1, β = 1/8, γ = 7/4)", fontsize=8)
        ax.legend(fontsize=7)
    fig.suptitle("Finite-size scaling of the 2D Ising model (errors: jackknife over Markov-chain blocks)")
    return fig
