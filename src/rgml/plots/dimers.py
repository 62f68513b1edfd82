"""The dimer-stage figure: the Coulomb phase's C(r), columnar order and winding fluctuations against T."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def dimers_figure(table, correlation):
    """Panels from ``dimers.csv`` and ``dimers_correlation.csv``."""
    fig, (ax_c, ax_d, ax_w) = plt.subplots(1, 3, figsize=(16, 4.5), constrained_layout=True)
    for L, g in correlation.groupby("L"):
        r = g["r"].to_numpy(float)
        ax_c.errorbar(r, g["C"], g["C_err"], fmt="o", ms=3, capsize=1,
                      label=f"L = {L}: exponent {g['exponent'].iloc[0]:.3f} ± {g['exponent_err'].iloc[0]:.3f} "
                            f"(fit r = {g['fit_r_min'].iloc[0]:g}..{g['fit_r_max'].iloc[0]:g})")
        ax_c.plot(r, g["C_exact_infinite"], "k-", lw=0.8)
    ax_c.plot([], [], "k-", lw=0.8, label="exact, infinite lattice (→ 1/(π² r²))")
    ax_c.set_xscale("log")
    ax_c.set_yscale("log")
    ax_c.set_xlabel("r [lattice spacings]")
    ax_c.set_ylabel("staggered dimer correlation C(r)")
    ax_c.set_title("T = ∞: the Coulomb phase", fontsize=9)
    ax_c.legend(fontsize=7)
    finite = table[np.isfinite(table["T"])]
    for L, g in finite.groupby("L"):
        ax_d.errorbar(g["T"], g["columnar_order"], g["columnar_order_err"], fmt="o-", ms=3, capsize=2, label=f"L = {L}")
        ax_w.errorbar(g["T"], g["winding_variance"], g["winding_variance_err"], fmt="o-", ms=3, capsize=2,
                      label=f"L = {L}")
    infinite = table[~np.isfinite(table["T"])]
    for ax, column in ((ax_d, "columnar_order"), (ax_w, "winding_variance")):
        for _, row in infinite.iterrows():
            ax.axhline(row[column], color="0.6", ls="--", lw=0.8)
        if len(infinite):
            ax.plot([], [], color="0.6", ls="--", label="T = ∞")
        ax.axvline(0.65, color="k", ls=":", lw=1, label="T_c ≈ 0.65 (Alet et al. 2005)")
        ax.set_xlabel("T [|v|/k_B]")
        ax.legend(fontsize=7)
    ax_d.set_ylabel("columnar order ⟨|D|⟩")
    ax_w.set_ylabel("winding fluctuation ⟨W_x² + W_y²⟩")
    fig.suptitle("Interacting close-packed dimers (v = −1 per parallel plaquette): directed-loop samples")
    return fig
