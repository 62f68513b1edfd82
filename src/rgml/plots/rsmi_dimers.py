"""The RSMI-on-dimers figure: learned filters next to the electric-field patterns, I(H:E) against T and buffer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from rgml.dimers.fields import field_filters

#: Line styles of the rules in the I(H:E)-against-T panel.
_STYLES = {"rsmi": ("C3", "o-"), "field": ("k", "s--"), "order": ("0.45", "d--"), "orientation": ("C0", "v:"),
           "occupations": ("C2", "^:")}
#: Colours of the learned rule by its number of hidden units (``dimers.rsmi.n_hidden`` and ``more_hidden``).
_UNIT_COLORS = {1: "C5", 2: "C3", 4: "C6"}


def _link_image(links: np.ndarray) -> np.ndarray:
    """A ``(2, ℓ, ℓ)`` link-layout filter as one ``(ℓ, 2ℓ + 1)`` image: horizontal links | gap | vertical links."""
    gap = np.full((links.shape[1], 1), np.nan)
    return np.concatenate([links[0], gap, links[1]], axis=1)


def _filters_panel(fig, spec, fit) -> None:
    """Top row: the learned filters at the highest temperature and the exact (E_x, E_y), each scaled to |max| 1."""
    learned = fit.link_filters()
    exact = field_filters(fit.block)
    images = [(f"RSMI unit {j + 1}: |cos| with span(E_x, E_y) {fit.field_cosine[j]:.3f}, noise share "
               f"{fit.noise_share[j]:.3f}", learned[j]) for j in range(len(learned))]
    images += [(f"exact {name} (block field)", exact[k]) for k, name in enumerate(("E_x", "E_y"))]
    inner = spec.subgridspec(1, len(images))
    for k, (title, links) in enumerate(images):
        ax = fig.add_subplot(inner[0, k])
        image = _link_image(np.asarray(links, np.float64))
        scale = np.nanmax(np.abs(image)) or 1.0
        ax.imshow(image / scale, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(title, fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("horizontal links | vertical links", fontsize=6)


def _deficit_bars(ax, rows, **style) -> None:
    """ln 4 − I(H:E) of table rows against 1/T, the lower error bar cut at 90 % of the point (log axis)."""
    deficit, err = rows["ln4_deficit"].to_numpy(np.float64), rows["mi_err"].to_numpy(np.float64)
    ax.errorbar(1.0 / rows["T"].to_numpy(np.float64), deficit, [np.minimum(err, 0.9 * deficit), err], ms=4, capsize=2,
                **style)


def _shortfall_panel(ax, table) -> None:
    """Below T_c: ln 4 − I(H:E) of the learned rules against 1/T on a log axis, the part ⟨H(H|V)⟩ of it, and
    the exact order filters' where the table has them.

    I(H:E) ≤ I(H:V) = H(H) − ⟨H(H|V)⟩ ≤ ln 4 − ⟨H(H|V)⟩ (data processing; H(H) ≤ ln 4 for two units), so
    ``h_given_v``, the units' own randomness at the filter norm, is a shortfall no environment can make up.
    """
    rows = table[(table["rule"] == "rsmi") & (table["n_hidden"] == 2) & table["below_tc"].astype(bool)]
    rows = rows.sort_values("T")
    if rows.empty:
        ax.text(0.05, 0.5, "no learned two-unit fit below T_c", transform=ax.transAxes, fontsize=8)
        return
    _deficit_bars(ax, rows, fmt="o-", color=_UNIT_COLORS[2], label="ln 4 − I(H:E), RSMI (2 units)")
    order = table[(table["rule"] == "order") & table["below_tc"].astype(bool)].sort_values("T")
    if not order.empty:  # the exact answer through the same estimator
        _deficit_bars(ax, order, fmt="^:", color="k", label="ln 4 − I(H:E), exact order filters D_x ± D_y")
    if "h_given_v" in rows and np.isfinite(rows["h_given_v"]).any():
        ax.errorbar(1.0 / rows["T"].to_numpy(np.float64), rows["h_given_v"], rows["h_given_v_err"], fmt="s--",
                    color="0.4", ms=4, capsize=2, label="⟨H(H|V)⟩: the units' own randomness (the least shortfall)")
    ax.set_yscale("log")
    ax.set_xlabel("1/T [k_B/|v|]")
    ax.set_ylabel("shortfall from ln 4 [nats]")
    ax.set_title("Below T_c: how far I(H:E) stays below ln 4", fontsize=9)
    ax.legend(fontsize=7)


def rsmi_dimers_figure(table, fits, scan):
    """Filters (top); I(H:E) against T per rule, the shortfall from ln 4 below T_c, and I(H:E) against buffer
    width, log–log with the fit (bottom)."""
    fig = plt.figure(figsize=(18, 8.5), constrained_layout=True)
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.2])
    # The highest temperature's main fit: the one that carries the reference rules (the further unit counts do not).
    top = max(fits, key=lambda f: (f.temperature, len(f.rules) > 0))
    _filters_panel(fig, grid[0, :], top)
    fig.text(0.01, 0.99, f"T = {top.temperature:g}, L = {top.fit.size // 2}, block {top.block}, buffer {top.buffer}",
             fontsize=8, va="top")

    ax_t = fig.add_subplot(grid[1, 0])
    finite_t = table.loc[np.isfinite(table["T"]), "T"]
    t_inf = 1.25 * finite_t.max() if len(finite_t) else 1.0  # where T = ∞ is drawn
    for rule, g in table.groupby("rule"):
        g = g.sort_values("T")
        color, fmt = _STYLES.get(rule, ("C4", "x-"))
        label = rule if rule != "rsmi" else "RSMI (learned)"
        for n_hidden, h in g.groupby("n_hidden"):
            xs = np.where(np.isinf(h["T"]), t_inf, h["T"])
            shade = _UNIT_COLORS.get(n_hidden, "C4") if rule == "rsmi" else color
            ax_t.errorbar(xs, h["mi_nats"], h["mi_err"], fmt=fmt, color=shade, ms=4, capsize=2,
                          label=f"{label} ({n_hidden} unit{'s' if n_hidden > 1 else ''})")
    ax_t.axhline(np.log(4.0), color="C1", lw=0.8, ls="-.", label="ln 4 (four columnar crystals)")
    if ((table["rule"] == "rsmi") & (table["n_hidden"] == 1)).any():  # one unit carries at most one bit
        ax_t.axhline(np.log(2.0), color=_UNIT_COLORS[1], lw=0.8, ls="-.", label="ln 2 (one unit's most)")
    below = table.loc[table["below_tc"].astype(bool), "T"] if "below_tc" in table else []
    if len(below):  # the temperatures below T_c, where ln 4 is the reference
        ax_t.axvspan(0.98 * below.min(), 1.02 * below.max(), color="0.93", zorder=0)
    ax_t.set_xlabel("T [|v|/k_B]  (rightmost point: T = ∞)")
    ax_t.set_ylabel("held-out I(H:E) [nats]")
    ax_t.legend(fontsize=7)
    ax_t.set_title("RSMI beside the naive rules (orientation, occupations) and the exact filters", fontsize=9)

    _shortfall_panel(fig.add_subplot(grid[1, 1]), table)

    ax_b = fig.add_subplot(grid[1, 2])
    positive = (scan.mi > 0) & (scan.buffers > 0)  # log axes
    b = scan.buffers.astype(float)
    ax_b.errorbar(b[positive], scan.mi[positive], scan.mi_err[positive], fmt="o", color="C3", capsize=2,
                  label=f"{'RSMI' if scan.learned else 'field filters'}, {scan.n_hidden} units, "
                        f"T = {scan.temperature:g}, L = {scan.size}")
    law = scan.power_law
    if law is not None:
        x = np.geomspace(law.x_min, law.x_max, 50)
        ax_b.plot(x, law.amplitude * x ** (-law.exponent), "k-", lw=1,
                  label=f"A L_B^-α, α = {law.exponent:.3f} ± {law.exponent_error:.3f} "
                        f"(L_B = {law.x_min:g}..{law.x_max:g}, χ²/dof {law.chi2_per_dof:.1f}; published 1.16)")
    else:
        ax_b.text(0.05, 0.05, "too few buffers with I > 0 for a power-law fit", transform=ax_b.transAxes, fontsize=8)
    if positive.any():
        ax_b.set_xscale("log")
        ax_b.set_yscale("log")
    ax_b.set_xlabel("buffer width L_B [sites]")
    ax_b.set_ylabel("held-out I(H:E) [nats]")
    ax_b.legend(fontsize=7)
    return fig
