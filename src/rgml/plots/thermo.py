"""Thermodynamics of the 2D Ising samples against exact results."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rgml.exact import TC, kaufman_energy, kaufman_specific_heat, onsager_energy, yang_magnetization


def thermodynamics_figure(df: pd.DataFrame):
    """E, C, |m|, χ, U₄ vs T per L with exact curves, and residuals in units of σ.

    Solid lines: Kaufman's exact finite-torus E and C for each L; dashed:
    Onsager's energy and Yang's spontaneous magnetization (infinite lattice).
    |m|, χ and U₄ have no exact finite-L curve: their points are joined by dotted lines.
    """
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), constrained_layout=True)
    ax_e, ax_c, ax_m, ax_chi, ax_u, ax_z = axes.ravel()
    t_fine = np.linspace(df["T"].min(), df["T"].max(), 400)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (size, g) in enumerate(df.groupby("L")):
        colour = colours[k % len(colours)]
        label = f"L = {size}"
        ax_e.errorbar(g["T"], g["energy"], g["energy_err"], fmt="o", ms=3, color=colour, label=label)
        ax_e.plot(t_fine, kaufman_energy(int(size), t_fine), color=colour, lw=1)
        ax_c.errorbar(g["T"], g["specific_heat"], g["specific_heat_err"], fmt="o", ms=3, color=colour, label=label)
        ax_c.plot(t_fine, kaufman_specific_heat(int(size), t_fine), color=colour, lw=1)
        ax_m.errorbar(g["T"], g["abs_magnetization"], g["abs_magnetization_err"], fmt="o:", ms=3, lw=0.8,
                      color=colour, label=label)
        ax_chi.errorbar(g["T"], g["susceptibility"], g["susceptibility_err"], fmt="o:", ms=3, lw=0.8,
                        color=colour, label=label)
        ax_u.errorbar(g["T"], g["binder"], g["binder_err"], fmt="o:", ms=3, lw=0.8, color=colour, label=label)
        ax_z.plot(g["T"], g["energy_z"], "o", ms=4, color=colour, label=f"E, {label}")
        ax_z.plot(g["T"], g["specific_heat_z"], "s", ms=4, mfc="none", color=colour, label=f"C, {label}")
    ax_e.plot(t_fine, onsager_energy(t_fine), "k--", lw=1, label="Onsager (L = ∞)")
    ax_m.plot(t_fine, yang_magnetization(t_fine), "k--", lw=1, label="Yang (L = ∞)")
    ax_z.axhspan(-2, 2, color="0.9")
    ax_z.axhline(0, color="k", lw=0.8)
    panels = [
        (ax_e, "energy per spin e [J]"), (ax_c, "specific heat per spin c"), (ax_m, "⟨|m|⟩"),
        (ax_chi, "susceptibility χ = N(⟨m²⟩ − ⟨|m|⟩²)/T"), (ax_u, "Binder cumulant U₄"),
        (ax_z, "(MC − Kaufman) / σ"),
    ]
    for ax, ylabel in panels:
        ax.axvline(TC, color="0.5", ls=":", lw=1)
        ax.set_xlabel("T [J/k_B]")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7)
    fig.suptitle("2D Ising thermodynamics. Monte Carlo: points (joined by dotted lines where no exact curve "
                 "exists);\nexact: solid lines (Kaufman, finite L × L torus: e, c), dashed (Onsager, Yang: L = ∞); "
                 "grey dotted: Tc")
    return fig
