"""Figures of the RBM stage."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter
import numpy as np
import pandas as pd

from rgml.exact import TC, decimation_coupling, kaufman_energy
from rgml.rbm.locality import strongest_unit

UNITS_SHOWN = 8


def _field_panel(ax, field, title: str):
    limit = np.abs(field).max() or 1.0
    ax.imshow(field, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=7)


def receptive_fields_figure(stack):
    """Effective receptive fields W1…Wl of the first units of every layer of the deep stack."""
    layers = int(stack.attrs["layers"])
    fig, axes = plt.subplots(layers, UNITS_SHOWN, figsize=(1.5 * UNITS_SHOWN, 1.7 * layers), squeeze=False,
                             constrained_layout=True)
    for layer in range(1, layers + 1):
        field = stack[f"field{layer}"].values
        for unit in range(UNITS_SHOWN):
            ax = axes[layer - 1, unit]
            if unit < field.shape[-1]:
                _field_panel(ax, field[..., unit], f"layer {layer}, unit {unit}")
            else:
                ax.axis("off")
        axes[layer - 1, 0].set_ylabel(f"locality {float(stack[f'locality{layer}']):.2f}", fontsize=8)
    size = stack.attrs["size"]
    widths = "-".join(str(stack[f"W{k}"].shape[1]) for k in range(1, layers + 1))
    fig.suptitle(f"Deep RBM stack {size * size}-{widths} at T = {float(stack['temperature']):.3f}: "
                 "effective receptive fields W1·…·Wl (red > 0, blue < 0)")
    return fig


def locality_figure(sweep):
    """Locality (radius of gyration relative to a uniform map) against L1, with one field per strength."""
    l1 = sweep["l1"].values
    fig = plt.figure(figsize=(3 + 1.6 * len(l1), 3.4), constrained_layout=True)
    grid = fig.add_gridspec(1, len(l1) + 2)
    ax = fig.add_subplot(grid[0, :2])
    x = np.where(l1 > 0, l1, np.nan)
    ax.plot(x, sweep["locality"], "o-")
    ax.axhline(float(sweep["locality"][0]), color="0.5", ls=":", label="L1 = 0")
    ax.set_xscale("log")
    ax.set_xlabel("L1 strength λ₁")
    ax.set_ylabel("R_g / R_g(uniform)")
    ax.legend(fontsize=7)
    for k in range(len(l1)):
        field = sweep["field"].values[k]
        strongest = strongest_unit(field)
        _field_panel(fig.add_subplot(grid[0, k + 2]), field[..., strongest], f"L1 = {l1[k]:g}")
    fig.suptitle(f"L1 makes receptive fields local (L = {sweep.attrs['size']}, T = {float(sweep['temperature']):.3f})")
    return fig


def generated_figure(df: pd.DataFrame):
    """RBM-generated vs data energy and |m| against T, and the held-out likelihood against the Ising ceiling."""
    fig, (ax_e, ax_m, ax_l) = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    for size, g in df.groupby("L"):
        g = g.sort_values("T")
        ax_e.plot(g["T"], g["energy_data"], "o", label=f"data, L={size}")
        ax_e.plot(g["T"], g["energy_generated"], "x--", label=f"RBM samples, L={size}")
        t = np.linspace(g["T"].min(), g["T"].max(), 200)
        ax_e.plot(t, kaufman_energy(int(size), t), color="0.6", lw=0.8, label="Kaufman (exact)")
        ax_m.plot(g["T"], g["abs_m_data"], "o", label=f"data, L={size}")
        ax_m.plot(g["T"], g["abs_m_generated"], "x--", label=f"RBM samples, L={size}")
        ax_l.errorbar(g["T"], g["test_loglik"], g["test_loglik_err"], fmt="o-", ms=4, capsize=2,
                      label=f"RBM held-out ln L, L={size}")
        ax_l.errorbar(g["T"], g["ising_loglik"], g["ising_loglik_err"], fmt="s:", ms=4, capsize=2,
                      label="exact Ising ln P (ceiling)")
    for ax, label in ((ax_e, "energy per spin [J]"), (ax_m, "⟨|m|⟩"), (ax_l, "ln L [nats / configuration]")):
        ax.axvline(TC, color="0.5", ls=":", lw=1)
        ax.set_xlabel("T [J/k_B]")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    fig.suptitle("RBMs trained per temperature: generated physics and likelihood")
    return fig


def flow_figure(flow):
    """The RBM flow: T_eff and |m| against the number of v → h → v′ steps, from both starts."""
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    step = flow["step"].values
    for k, start in enumerate(flow["start"].values):
        ax_t.errorbar(step, flow["T_eff"].values[k], flow["T_eff_err"].values[k], fmt=".-", capsize=1,
                      label=f"{start} start")
        ax_m.errorbar(step, flow["abs_m"].values[k], flow["abs_m_err"].values[k], fmt=".-", capsize=1,
                      label=f"{start} start")
    ax_t.axhline(TC, color="k", ls=":", label="Tc")
    t_end, t_end_err = float(flow["end_T_eff"]), float(flow["end_T_eff_err"])
    ax_t.axhspan(t_end - t_end_err, t_end + t_end_err, color="C2", alpha=0.4,
                 label=f"end point {t_end:.3f} ± {t_end_err:.3f}")
    ax_t.set_ylabel("T_eff (projection) [J/k_B]")
    ax_t.set_yscale("log")
    ax_t.yaxis.set_major_locator(FixedLocator([1, 1.5, 2, 2.5, 3, 4, 6, 10, 20, 50]))
    ax_t.yaxis.set_major_formatter(ScalarFormatter())
    ax_t.yaxis.set_minor_formatter(NullFormatter())
    ax_m.set_ylabel("⟨|m|⟩")
    met = flow.attrs["meeting_step"]
    if met >= 0:
        ax_m.axvline(met, color="k", ls="--", lw=0.8, label=f"|m| within {flow.attrs['meet_tolerance']} from here")
    for ax in (ax_t, ax_m):
        ax.set_xlabel("RBM flow step")
        ax.legend(fontsize=8)
    fig.suptitle(f"RBM flow (Iso, Shiba & Yokoo 2018): RBM with {flow.attrs['n_hidden']} hidden units "
                 f"(CD-1, L2 {flow.attrs['l2']:g}) trained on all temperatures, L = {flow.attrs['size']}")
    return fig


def mapping1d_figure(mapping):
    """1D: K' of the exact decimation RBM and the coupling of RBMs trained on ring samples."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    k = mapping["coupling"].values
    fine = np.linspace(0, k.max() * 1.05, 200)
    ax.plot(fine, decimation_coupling(fine), "k-", lw=1, label="½ ln cosh 2K (exact decimation)")
    ax.plot(k, mapping["K_prime_rbm"], "o", label="marginal of the decimation RBM (W = 4K, biases −4K)")
    ax.plot(fine, fine, color="0.7", ls=":", label="K' = K")
    ax.set_xlabel("K")
    ax.set_ylabel("K'")
    ax.legend(fontsize=7)
    ax2.errorbar(k, mapping["K_trained"], mapping["K_trained_scale"], fmt="s", capsize=2,
                 label="RBM trained on ring samples at K")
    ax2.plot(fine, fine, "k-", lw=0.8, label="K")
    ax2.set_xlabel("K of the samples")
    ax2.set_ylabel("nearest-neighbour coupling of the RBM marginal")
    ax2.legend(fontsize=7)
    fig.suptitle(f"1D Ising ring: decimation is an RBM (ring of {mapping.attrs['ring_size']} sites)")
    return fig


def flow_scan_figure(readings: pd.DataFrame, ranges: pd.DataFrame):
    """The RBM flow's end point read by every thermometer, for every weight decay, seed and training set.

    Points: one flow run each (colour: weight decay, marker: training set); horizontal ticks: the same
    thermometer on the training mixtures; grey band: the range over all runs.
    """
    ends = readings[readings["source"] == "flow_end"]
    observables = list(dict.fromkeys(readings["observable"]))
    fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(observables)), 5), constrained_layout=True)
    decays = sorted(set(ends["l2"]))
    markers = {"all": "o", "without_tc": "s"}
    for j, obs in enumerate(observables):
        r = ranges[(ranges["scope"] == "all_runs") & (ranges["observable"] == obs)]
        if len(r):
            ax.fill_between([j - 0.4, j + 0.4], r["T_min"].iloc[0], r["T_max"].iloc[0], color="0.85")
            for name, style in (("mixture_all", "-"), ("mixture_without_tc", "--")):
                ax.hlines(r[name].iloc[0], j - 0.4, j + 0.4, color="k", ls=style, lw=1)
        for k, decay in enumerate(decays):
            for training_set, marker in markers.items():
                g = ends[(ends["observable"] == obs) & (ends["l2"] == decay) & (ends["training_set"] == training_set)]
                x = j - 0.25 + 0.5 * (k + 0.5 * (training_set == "without_tc")) / max(1, len(decays))
                ax.errorbar(np.full(len(g), x), g["T"], g["T_err"], fmt=marker, ms=4, capsize=1.5,
                            color=f"C{k}", mfc=f"C{k}" if training_set == "all" else "white",
                            label=f"l2 = {decay:g}, {training_set}" if j == 0 else None)
    ax.axhline(TC, color="C3", ls=":", lw=1, label="Tc")
    ax.plot([], [], "k-", label="training mixture (all)")
    ax.plot([], [], "k--", label="training mixture (without Tc)")
    ax.set_xticks(range(len(observables)), observables)
    ax.set_xlabel("thermometer")
    ax.set_ylabel("temperature the end ensemble reads [J/k_B]")
    ax.set_title("RBM flow end point: thermometers x weight decays x seeds x training sets (band: range)")
    ax.legend(fontsize=7, ncol=2)
    return fig
