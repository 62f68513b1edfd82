"""Figures of the RG stage: block-spin snapshots, 2D flows, the 1D decimation flow."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.plots.axes import covering, mark_outside


def blockspin_snapshots_figure(rows, *, rule: str, b: int):
    """Seed paper Fig. 3: rows T < Tc, ≈ Tc, > Tc; columns RG levels 0, 1, 2, …

    ``rows`` is a list of ``(T, [level-0 lattice, level-1 lattice, …])``.
    """
    n_cols = max(len(levels) for _, levels in rows)
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(2.4 * n_cols, 2.5 * len(rows)), squeeze=False,
                             constrained_layout=True)
    for r, (t, levels) in enumerate(rows):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(levels):
                ax.imshow(levels[c], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
                ax.set_title(f"level {c} ({levels[c].shape[0]}×{levels[c].shape[1]})", fontsize=9)
            if c == 0:
                ax.set_ylabel(f"T = {t:.3f}\n(T/Tc = {t / TC:.2f})")
    fig.suptitle(f"{rule} rule, b = {b}: one configuration coarse-grained level by level")
    return fig


def rg_flow_figure(flow: pd.DataFrame, exponents: pd.DataFrame):
    """T_eff after one RG step vs T for every rule, with the diagonal, Tc and the fixed points.

    The axes span the temperature grid; a T_eff or T* beyond it is written at the panel's edge (▲/▼ value).
    """
    rules = list(dict.fromkeys(flow["rule"]))
    fig, axes = plt.subplots(1, len(rules), figsize=(5 * len(rules), 4.6), squeeze=False, constrained_layout=True)
    for ax, rule in zip(axes[0], rules):
        f = flow[flow["rule"] == rule]
        largest = f["L"].max()
        for (method, size, level), g in f.groupby(["method", "L", "level"]):
            if not (level == 1 or (method == "matching" and size == largest)):
                continue
            style = "-o" if method == "matching" else "--s"
            ax.errorbar(g["T_in"], g["T_eff"], g["T_eff_err"], fmt=style, ms=3, lw=1, capsize=2,
                        label=f"{method}, L={size}, level {level}")
        fixed = exponents[(exponents["rule"] == rule) & exponents["method"].str.startswith("flow_slope")]
        lims = covering([f["T"].min(), f["T"].max() * 1.1])  # the grid; values beyond are written at the edge
        ax.plot(lims, lims, color="k", lw=0.8, label="T_eff = T")
        ax.axvline(TC, color="0.5", ls=":", lw=1)
        ax.axhline(TC, color="0.5", ls=":", lw=1)
        ax.plot(fixed["T_fixed"], fixed["T_fixed"], "r*", ms=9, label="fixed points T*")
        if not np.isfinite(f["T_eff"]).any():
            ax.text(0.5, 0.5, f"{rule}: no finite T_eff\n(NaN in rg_flow_ising2d.csv)", transform=ax.transAxes,
                    ha="center", va="center", fontsize=9, color="0.3")
        ax.set_xlim(lims)
        ax.set_ylim(lims)
        shown = f[(f["level"] == 1) | ((f["method"] == "matching") & (f["L"] == largest))]
        mark_outside(ax, shown["T_in"], shown["T_eff"], *lims)
        mark_outside(ax, fixed["T_fixed"], fixed["T_fixed"], *lims, color="r")
        ax.set_xlabel("T (before the step) [J/k_B]")
        ax.set_ylabel("T_eff (after the step) [J/k_B]")
        ax.set_title(f"rule: {rule}")
        ax.legend(fontsize=6.5)
    fig.suptitle("RG flow of the temperature under one block-spin step (dotted: Tc)")
    return fig


def ring_flow_figure(df: pd.DataFrame):
    """K⁽ⁿ⁾ vs n for several starting K: measured on decimated ring samples vs the exact recursion."""
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, (k, g) in enumerate(df.groupby("K")):
        colour = colours[j % len(colours)]
        ax.plot(g["level"], g["K_exact"], "-", color=colour, lw=1)
        ax.errorbar(g["level"], g["K_eff"], g["K_eff_err"], fmt="o", ms=4, color=colour, capsize=2,
                    label=f"K⁽⁰⁾ = {k:g}")
    ax.set_xlabel("decimation level n")
    ax.set_ylabel("K⁽ⁿ⁾")
    ax.axhline(0, color="0.6", lw=0.6)  # K = 0: the fixed point every coupling flows to
    ax.set_ylim(*covering(df["K_eff"], errors=df["K_eff_err"], include=(0.0, *df["K_exact"])))
    ax.set_xticks(np.unique(df["level"]))
    ax.set_title("1D Ising ring: measured (points) vs tanh K' = tanh^b K (lines)")
    ax.legend(fontsize=8)
    return fig


def mcrg_figure(exponents: pd.DataFrame):
    """MCRG ν at Tc against the number of even couplings, one line per level pair, per rule (largest L)."""
    m = exponents[exponents["method"] == "mcrg"]
    rules = list(dict.fromkeys(m["rule"]))
    fig, axes = plt.subplots(1, len(rules), figsize=(4.5 * len(rules), 4), squeeze=False, sharey=True,
                             constrained_layout=True)
    for ax, rule in zip(axes[0], rules):
        r = m[m["rule"] == rule]
        largest = r["L"].max()
        for level, g in r[r["L"] == largest].groupby("level"):
            ax.errorbar(g["couplings"] + 0.05 * level, g["nu"], g["nu_err"], fmt="o-", ms=4, capsize=2,
                        label=f"levels {level}→{level + 1}")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.axhspan(0.95, 1.05, color="0.9")
        if not np.isfinite(r["nu"]).any():
            ax.text(0.5, 0.5, f"{rule}: no finite ν\n(NaN in exponents.csv)", transform=ax.transAxes,
                    ha="center", va="center", fontsize=9, color="0.3")
        ax.set_xlabel("number of even couplings")
        ax.set_title(f"{rule}, L = {largest}")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("ν (MCRG at Tc)")
    axes[0, 0].set_ylim(*covering(m["nu"], errors=m["nu_err"].where(m["nu_err"] < 1.0), include=(0.95, 1.05)))
    fig.suptitle("Monte Carlo RG: ν from the linearised RG matrix (exact ν = 1, grey: ±5%)")
    return fig
