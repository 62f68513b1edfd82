"""Figures of the mutual-information RG stage."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.plots.axes import covering

LN2 = np.log(2.0)


def rsmi_filters_figure(stores):
    """Learned filters λ (rows: hidden units) against temperature (columns), one colour scale per panel."""
    stores = sorted(stores, key=lambda ds: float(ds["temperature"]))
    n_hidden = stores[0].sizes["hidden"]
    fig, axes = plt.subplots(n_hidden, len(stores), figsize=(2.2 * len(stores), 2.4 * n_hidden), squeeze=False,
                             constrained_layout=True)
    for c, ds in enumerate(stores):
        lam = ds["lambda"].values
        for r in range(n_hidden):
            ax = axes[r, c]
            limit = np.abs(lam[r]).max()
            ax.imshow(lam[r], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"T = {float(ds['temperature']):.3f}\nI = {float(ds['mi']):.3f} nats", fontsize=8)
    ds = stores[0]
    fig.suptitle(f"RSMI filters λ (P(h=+1|V) = σ(2λ·V))\nL = {ds.attrs['size']}, block {ds.attrs['block']}, "
                 f"buffer {ds.attrs['buffer']}, env {ds.attrs['environment']} (red > 0, blue < 0)", fontsize=9)
    return fig


def rsmi_mi_figure(df: pd.DataFrame, main: tuple):
    """Held-out I(H:E) against T for the main geometry, in nats and bits.

    The held-out value is a variational *lower bound*: it can come out below zero where the block keeps
    almost nothing (far above Tc) and the critic overfits; such points are marked and explained, not hidden.
    """
    size, block, buffer = main
    g = df[(df["L"] == size) & (df["block"] == block) & (df["buffer"] == buffer)].sort_values("T")
    fig, ax = plt.subplots(figsize=(6.4, 4.6), constrained_layout=True)
    ax.errorbar(g["T"], g["mi_nats"], g["mi_err"], fmt="o-", ms=4, capsize=2, label="held-out bound")
    ax.plot(g["T"], g["train_mi_nats"], "x:", color="0.5", label="training-set bound (overfits)")
    ax.axvline(TC, color="0.5", ls=":", lw=1)
    ax.axhline(LN2, color="k", lw=0.8, ls="--", label="1 bit")
    ax.axhline(0.0, color="k", lw=0.6)
    negative = g[g["mi_nats"] < 0]
    if len(negative):
        ax.plot(negative["T"], negative["mi_nats"], "o", ms=9, mfc="none", color="C3",
                label="bound < 0: no information detected (I ≥ 0)")
    ax.set_ylim(*covering([*g["mi_nats"], *g["train_mi_nats"]], errors=[*g["mi_err"], *[np.nan] * len(g)],
                          include=(0.0, LN2)))
    ax.set_xlabel("T [J/k_B]")
    ax.set_ylabel("I(H:E) [nats]")
    ax.set_title(f"RSMI: information the block keeps about its environment\n(L = {size}, block {block}, "
                 f"buffer {buffer}; lower bounds, dotted: Tc)", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def rsmi_buffer_figure(df: pd.DataFrame, main: tuple):
    """Held-out I(H:E) against buffer width at the temperatures with a buffer sweep."""
    size, block, _ = main
    g = df[(df["L"] == size) & (df["block"] == block)]
    fig, ax = plt.subplots(figsize=(6, 4.2), constrained_layout=True)
    for t, sweep in g.groupby("T"):
        if sweep["buffer"].nunique() < 2:
            continue
        sweep = sweep.sort_values("buffer")
        ax.errorbar(sweep["buffer"], sweep["mi_nats"], sweep["mi_err"], fmt="o-", ms=4, capsize=2,
                    label=f"T = {t:.4g}")
    ax.set_xlabel("buffer width L_B (sites)")
    ax.set_ylabel("I(H:E) [nats]")
    ax.set_yscale("log")
    ax.set_title(f"RSMI: information vs buffer width (L={size}, block {block})")
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no temperature with two or more buffer widths", transform=ax.transAxes,
                ha="center", va="center")
    return fig


def rsmi_training_figure(stores):
    """Training curves: held-out and minibatch bounds against optimizer step, one line per T."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, ds in enumerate(sorted(stores, key=lambda d: float(d["temperature"]))):
        colour = colours[k % len(colours)]
        t = float(ds["temperature"])
        ax.plot(ds["history_step"], ds["history_heldout_mi"], "-", color=colour, label=f"T = {t:.4g}")
        ax.plot(ds["history_step"], ds["history_train_mi"], ":", color=colour, lw=0.8)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("bound on I(H:E) [nats]")
    ax.set_title("RSMI training (solid: held-out, dotted: minibatch)")
    ax.legend(fontsize=7)
    return fig
