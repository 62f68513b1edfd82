"""Figures comparing the coarse-graining rules side by side."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.plots.axes import covering, mark_outside, note_missing

RULE_ORDER = ("majority", "decimation", "rbm", "rsmi")
COLOURS = dict(zip(RULE_ORDER, ("C0", "C3", "C2", "C1")))


def _rules(frame: pd.DataFrame) -> list[str]:
    present = set(frame["rule"])
    return [r for r in RULE_ORDER if r in present]


def flows_figure(flows: pd.DataFrame):
    """T → T_eff of every rule on one plot: matching at level 1 and at the deepest level of the largest L.

    A rule with no finite T_eff at a level (its flow left the thermometer's range) keeps its legend entry,
    marked "no finite T_eff", and the panel says so.
    """
    m = flows[flows["method"] == "matching"]
    largest = m["L"].max()
    m = m[m["L"] == largest]
    deepest = m["level"].max()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    for ax, level in zip(axes, (1, deepest)):
        missing = []
        for rule in _rules(m):
            g = m[(m["rule"] == rule) & (m["level"] == level)]
            finite = bool(np.isfinite(g["T_eff"]).any())
            ax.errorbar(g["T_in"], g["T_eff"], g["T_eff_err"], fmt="o-", ms=3, lw=1, capsize=2,
                        color=COLOURS[rule], label=rule if finite else f"{rule}: no finite T_eff at level {level}")
            if not finite:
                missing.append(rule)
        lims = covering([m["T"].min(), m["T"].max() * 1.1])  # the grid; T_eff beyond it is written at the edge
        mark_outside(ax, m.loc[m["level"] == level, "T_in"], m.loc[m["level"] == level, "T_eff"], *lims)
        ax.plot(lims, lims, "k-", lw=0.8, label="T_eff = T")
        ax.axvline(TC, color="0.5", ls=":")
        ax.axhline(TC, color="0.5", ls=":")
        ax.set_xlim(lims)
        ax.set_ylim(lims)
        ax.set_xlabel("T [J/k_B]")
        ax.set_ylabel("T_eff after one step [J/k_B]")
        ax.set_title(f"Swendsen matching, L = {largest}, level {level}")
        ax.legend(fontsize=8, loc="upper left")
        note_missing(ax, missing)
    fig.suptitle("RG flows of the four block rules (dotted: Tc)")
    return fig


def exponents_figure(exponents: pd.DataFrame, summary: pd.DataFrame):
    """ν and T* per rule and method with error bars, against ν = 1 and Tc.

    The axes span every value of the table; an error bar too long to draw (a failed fit) is written next
    to its point instead.
    """
    largest = exponents["L"].max()
    e = exponents[exponents["L"] == largest]
    fig, (ax_nu, ax_t) = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True)
    rules = _rules(e)
    methods = ["mcrg", "flow_slope_matching", "flow_slope_projection"]
    drawn = {"nu": ([], []), "T": ([], [])}
    for k, rule in enumerate(rules):
        for j, method in enumerate(methods):
            g = e[(e["rule"] == rule) & (e["method"] == method)]
            if method == "mcrg":
                g = g[g["couplings"] == g["couplings"].max()]
            x = k + 0.25 * (j - 1) + 0.04 * np.arange(len(g))
            marker = ("o", "s", "^")[j]
            panels = [(ax_nu, "nu", "nu_err", 0.5)] + ([(ax_t, "T_fixed", "T_fixed_err", 0.05)]
                                                     if method != "mcrg" else [])
            for ax, column, error, longest in panels:
                shown = g[error].where(g[error] < longest)  # a failed fit's error bar would cover the panel
                ax.errorbar(x, g[column], shown, fmt=marker, ms=4, capsize=2, color=COLOURS[rule],
                            label=method if k == 0 else None, mfc="none" if j else None)
                values, errors = drawn["nu" if column == "nu" else "T"]
                values += list(g[column])
                errors += list(shown)
                for xi, value, err in zip(x, g[column], g[error]):
                    if np.isfinite(value) and not err < longest:
                        ax.annotate(f"±{err:.2g}", (xi, value), xytext=(3, 0), textcoords="offset points",
                                    fontsize=6, color=COLOURS[rule], va="center")
    for ax, key, column, exact, label in ((ax_nu, "nu", "nu", 1.0, "ν"), (ax_t, "T", "T_fixed", TC, "T* [J/k_B]")):
        values, errors = drawn[key]
        for k, rule in enumerate(rules):
            if not np.isfinite(e.loc[e["rule"] == rule, column]).any():
                ax.annotate(f"{rule}: no finite {label.split()[0]}\n(NaN in exponents.csv)",
                            (k, 0.5), xycoords=("data", "axes fraction"), ha="center", fontsize=7, color="0.3")
        ax.axhline(exact, color="k", lw=0.8)
        ax.axhspan(exact * 0.95, exact * 1.05, color="0.92")
        ax.set_ylim(*covering(values, errors=errors, include=(exact * 0.95, exact * 1.05)))
        ax.set_xticks(range(len(rules)), rules)
        ax.set_xlim(-0.6, len(rules) - 0.4)
        ax.set_ylabel(label)
        ax.legend(fontsize=7, title="method (points: levels; ±: error bar not drawn)", title_fontsize=7)
    for _, r in summary.iterrows():
        if r["rule"] in rules and np.isfinite(r["nu"]) and np.isfinite(r["nu_err"]):
            ax_nu.annotate(f"ν = {r['nu']:.3f} ± {r['nu_err']:.3f}", (rules.index(r["rule"]), 1.0),
                           xycoords=("data", "axes fraction"), xytext=(0, 4), textcoords="offset points",
                           ha="center", va="bottom", fontsize=7)
    fig.suptitle(f"Exponent ν and fixed point T* per rule, L = {largest} (exact: ν = 1, T* = Tc; grey ±5%;\n"
                 "text above the left panel: ν of comparison.csv)")
    return fig


def snapshots_figure(rows, size: int):
    """One configuration coarse-grained by each rule, side by side, below, at and above Tc.

    ``rows`` is a list of ``(T, [(title, lattice), …])``.
    """
    n_cols = max(len(panels) for _, panels in rows)
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(1.9 * n_cols, 2.1 * len(rows)), squeeze=False,
                             constrained_layout=True)
    for row, (t, panels) in enumerate(rows):
        for col, (title, lattice) in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(lattice, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=8)
        axes[row, 0].set_ylabel(f"T = {t:.3f}")
    fig.suptitle(f"The same configuration (L = {size}) coarse-grained by each rule")
    return fig


def ring_figure(ring: pd.DataFrame, mapping, rsmi_ring):
    """1D: exact recursion, decimated samples, the exact decimation RBM and the RSMI-learned rule."""
    couplings = sorted(ring["K"].unique())
    fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    for j, k in enumerate(couplings):
        colour = f"C{j % 10}"
        g = ring[ring["K"] == k]
        levels = g["level"].to_numpy()
        ax.plot(levels, g["K_exact"], "-", color=colour, lw=1)
        ax.errorbar(levels, g["K_eff"], g["K_eff_err"], fmt="o", ms=4, color=colour, capsize=2,
                    label=f"K⁽⁰⁾ = {k:g}")
        stacked = mapping["K_stacked"].sel(coupling=k, method="nearest")
        ax.plot(stacked["level"], stacked, "x", color=colour, ms=7)
        r = rsmi_ring.sel(coupling=k, method="nearest")
        ax.errorbar(r["level"] + 0.12, r["K_eff"], r["K_eff_err"], fmt="s", mfc="none", ms=5, color=colour, capsize=1)
    ax.plot([], [], "k-", label="exact recursion tanh K' = tanh^b K")
    ax.plot([], [], "ko", label="decimated ring samples")
    ax.plot([], [], "kx", label="stacked exact decimation RBMs")
    ax.plot([], [], "ks", mfc="none", label="RSMI-learned rule on ring samples")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xticks(sorted(ring["level"].unique()))
    ax.set_xlabel("RG level n")
    ax.set_ylabel("K⁽ⁿ⁾")
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(f"1D Ising ring: four views of one exact RG (RBM ring of {mapping.attrs['ring_size']} sites)")
    return fig


def filters_figure(filters):
    """Majority (uniform), block-RBM weights and RSMI λ as b×b filters, at the same temperatures."""
    temps = sorted({t for _, t, _ in filters})
    b = filters[0][2].shape[0]
    rows = [("majority", {t: np.full((b, b), 1.0) for t in temps})]
    for rule in ("rbm", "rsmi"):
        rows.append((rule, {t: f for r, t, f in filters if r == rule}))
    fig, axes = plt.subplots(len(rows), len(temps), figsize=(2.4 * len(temps), 2.3 * len(rows)), squeeze=False,
                             constrained_layout=True)
    for r, (rule, by_t) in enumerate(rows):
        for c, t in enumerate(temps):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if t not in by_t:
                ax.axis("off")
                continue
            f = by_t[t] / np.linalg.norm(by_t[t])
            f = f if f.sum() >= 0 else -f  # h -> -h relabels the same rule: show it with Σλ ≥ 0
            ax.imshow(f, cmap="RdBu_r", vmin=-1, vmax=1)
            for (y, x), value in np.ndenumerate(f):
                ax.text(x, y, f"{value:.2f}", ha="center", va="center", fontsize=8)
            if r == 0:
                ax.set_title(f"T = {t:.3f}", fontsize=9)
            if c == 0:
                ax.set_ylabel(rule)
    fig.suptitle("Block filters λ/|λ| of the rules (P(h=+1|V) = σ(2λ·V)): uniform majority, block RBM, RSMI")
    return fig
