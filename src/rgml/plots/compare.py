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


_B_MARKERS = {2: "o", 3: "s", 4: "^", 5: "D", 6: "v"}


def by_block_figure(summary: pd.DataFrame, levels: pd.DataFrame):
    """Every rule at every block size: ν level pair by level pair, the matching crossing T*(n), and I(H:E).

    Left: MCRG ν(n−1 → n) on the largest lattice of each b (a rule whose ν converges is flat; decimation's
    drifts).  Middle: the crossing of the level-n matching map; hollow where the verdict says it is not a
    fixed point (η artefact, unrescaled spin).  Right: I(H:E) ± err per rule and b.
    """
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), constrained_layout=True)
    blocks = sorted(set(int(b) for b in summary["b"]))
    for rule in _rules(summary):
        for k, b in enumerate(blocks):
            g = levels[(levels["rule"] == rule) & (levels["b"] == b)].sort_values("level")
            if g.empty:
                continue
            shift = 0.04 * (RULE_ORDER.index(rule) - 1.5) + 0.012 * k
            label = f"{rule}, b = {b}"
            marker = _B_MARKERS.get(b, "o")
            axes[0].errorbar(g["level"] + shift, g["nu"], g["nu_err"], fmt=marker + "-", ms=4, lw=1, capsize=2,
                             color=COLOURS[rule], label=label)
            status = summary[(summary["rule"] == rule) & (summary["b"] == b)]["T_star_status"]
            fixed = len(status) and status.iloc[0] == "fixed_point"
            axes[1].errorbar(g["level"] + shift, g["T_star"], g["T_star_err"], fmt=marker + "-", ms=5, lw=1,
                             capsize=2, color=COLOURS[rule], mfc=COLOURS[rule] if fixed else "white", label=label)
    axes[0].axhline(1.0, color="k", lw=0.8)
    axes[0].set_ylim(covering(levels["nu"], include=(1.0,)))
    axes[0].set_xlabel("level n (pair n-1 -> n)")
    axes[0].set_ylabel("MCRG nu (3 couplings)")
    axes[0].set_title("nu at every level pair (exact: 1)")
    axes[1].axhline(TC, color="k", lw=0.8)
    finite = levels["T_star"][np.isfinite(levels["T_star"])]
    if len(finite):
        axes[1].set_ylim(covering(finite, include=(TC,)))
    axes[1].set_xlabel("level n of the matching map")
    axes[1].set_ylabel("crossing T*(n) [J/k_B]")
    axes[1].set_title("matching crossings (hollow: not a fixed point)")
    width = 0.8 / max(1, len(_rules(summary)))
    for i, rule in enumerate(_rules(summary)):
        g = summary[summary["rule"] == rule]
        x = np.array([blocks.index(int(b)) for b in g["b"]]) + (i - 1.5) * width
        axes[2].bar(x, g["mi_nats"], width, yerr=g["mi_err"], color=COLOURS[rule], label=rule, capsize=2)
    axes[2].set_xticks(range(len(blocks)), [f"b = {b}" for b in blocks])
    axes[2].set_ylabel("I(H:E) kept [nats]")
    axes[2].set_title("information kept by the block variable")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle("Block rules at b = " + ", ".join(map(str, blocks)) + " (largest lattice of each b)")
    return fig


def ratios_figure(ratios: pd.DataFrame):
    """Nearest-neighbour correlation ratio G_n(L)/G_{n-1}(L/b) at Tc per rule and level, one panel per b.

    References: 1 (a rule that rescales the spin) and b^(−η), η = 1/4 (a bare spin: decimation).
    """
    nn = ratios[ratios["interaction"] == "nn"]
    blocks = sorted(set(int(b) for b in nn["b"])) or [2]
    fig, axes = plt.subplots(1, len(blocks), figsize=(5.5 * len(blocks), 4.5), constrained_layout=True,
                             squeeze=False)
    for ax, b in zip(axes[0], blocks):
        g_b = nn[nn["b"] == b]
        largest = g_b["L"].max()
        for rule in _rules(g_b):
            g = g_b[(g_b["rule"] == rule) & (g_b["L"] == largest)].sort_values("level")
            ax.errorbar(g["level"] + 0.03 * (RULE_ORDER.index(rule) - 1.5), g["ratio"], g["ratio_err"], fmt="o-",
                        ms=4, lw=1, capsize=2, color=COLOURS[rule], label=rule)
        ax.axhline(1.0, color="k", lw=0.8, label="1 (rescaled spin)")
        ax.axhline(b ** -0.25, color="k", ls="--", lw=0.8, label=f"{b}^(-1/4) (bare spin)")
        ax.set_xlabel("level n")
        ax.set_ylabel("G_nn at level n of L / level n-1 of L/b")
        ax.set_title(f"b = {b}, L = {largest}, T = Tc")
        ax.legend(fontsize=8)
    fig.suptitle("Correlation ratios at Tc: does a rule rescale the spin?")
    return fig


def norm_scan_figure(scan: pd.DataFrame):
    """Information kept against RG quality for the uniform and learned filters at every norm |λ|.

    Left: I(H:E) against |ν − 1| (ν of the deepest usable level pair, whatever its verdict); right: against
    |T* − Tc| (the deepest matching crossing, whatever its status).  Each point is labelled with |λ|.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    for family, colour in (("uniform", "C0"), ("rsmi", "C1")):
        g = scan[scan["family"] == family].sort_values("norm")
        for ax, x, err, label in ((axes[0], np.abs(g["nu_deepest"] - 1.0), g["nu_deepest_err"], "|nu - 1|"),
                                  (axes[1], np.abs(g["T_star_crossing"] - TC),
                                   g.get("T_star_crossing_err", g["T_star_err"]),
                                   "|T* - Tc| [J/k_B]")):
            ax.errorbar(x, g["mi"], yerr=g["mi_err"], xerr=err, fmt="o-", ms=5, lw=1, capsize=2, color=colour,
                        label=f"{family} filter")
            for xi, yi, n in zip(x, g["mi"], g["norm"]):
                if np.isfinite(xi) and np.isfinite(yi):
                    ax.annotate("inf" if not np.isfinite(n) else f"{n:g}", (xi, yi), fontsize=7,
                                textcoords="offset points", xytext=(4, 3))
            ax.set_xlabel(label)
            ax.set_ylabel("I(H:E) kept [nats]")
    axes[0].set_title("information against nu (labels: |lambda|)")
    axes[1].set_title("information against the fixed point")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.suptitle("Filter-norm scan: information kept against RG quality")
    return fig
