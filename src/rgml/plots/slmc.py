"""The self-learning Monte Carlo figure: agreement, the Binder scan, autocorrelations, cost against L."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def slmc_figure(compared, scanned, tc_table, reference_tc: float):
    """Panels from :class:`rgml.slmc.SLMCResult` objects of the comparison runs and of the Binder scans."""
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), constrained_layout=True)
    (ax_e, ax_m, ax_b), (ax_acf, ax_tau, ax_j) = axes
    for r in compared:
        for k, algorithm in enumerate(r.algorithms):
            style = dict(fmt="o-" if algorithm == "local" else "s--", ms=4, capsize=2,
                         label=f"{algorithm}, L = {r.size}")
            ax_e.errorbar(r.temperatures, r.energy[:, k], r.energy_err[:, k], **style)
            ax_m.errorbar(r.temperatures, r.abs_magnetization[:, k], r.abs_magnetization_err[:, k], **style)
    for r in scanned:
        ax_b.errorbar(r.temperatures, r.binder[:, 0], r.binder_err[:, 0], fmt="o-", ms=3, capsize=2,
                      label=f"SLMC, L = {r.size}")
    ax_b.axvline(reference_tc, color="k", ls=":", label=f"Liu et al.: Tc = {reference_tc}")
    for _, row in tc_table.iterrows():
        ax_b.axvspan(row["T_star"] - row["T_star_err"], row["T_star"] + row["T_star_err"], alpha=0.25, color="C3",
                     label=f"crossing L={int(row['size_a'])},{int(row['size_b'])}: {row['T_star']:.4f} ± "
                           f"{row['T_star_err']:.4f}")
    for ax, label in ((ax_e, "energy per spin [J]"), (ax_m, "⟨|m|⟩"), (ax_b, "Binder cumulant U₄")):
        ax.set_xlabel("T [J/k_B]")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    largest = max(compared, key=lambda r: r.size)
    i = int(np.argmin(np.abs(largest.temperatures - reference_tc)))
    for k, algorithm in enumerate(largest.algorithms):
        ax_acf.plot(largest.acf_abs_magnetization[i, k], label=f"{algorithm}, τ_int = {largest.tau_int[i, k]:.1f} sweeps")
    ax_acf.set_yscale("log")
    ax_acf.set_ylim(1e-3, 1.1)
    ax_acf.set_xlim(0, min(largest.acf_abs_magnetization.shape[-1] - 1, 5 * np.nanmax(largest.tau_int[i])))
    ax_acf.set_xlabel("lag [sweeps]")
    ax_acf.set_ylabel("autocorrelation of |m|")
    ax_acf.set_title(f"L = {largest.size}, T = {largest.temperatures[i]:g}", fontsize=9)
    ax_acf.legend(fontsize=7)
    sizes = np.array([r.size for r in compared])
    at_tc = [int(np.argmin(np.abs(r.temperatures - reference_tc))) for r in compared]
    for k, algorithm in enumerate(compared[0].algorithms):
        ax_tau.errorbar(sizes, [r.tau_int[i, k] for r, i in zip(compared, at_tc)],
                        [r.tau_int_err[i, k] for r, i in zip(compared, at_tc)], fmt="o-", capsize=2,
                        label=f"τ_int, {algorithm}")
    rows = [r.speedup().iloc[i] for r, i in zip(compared, at_tc)]
    ax_tau.errorbar(sizes, [row["speedup"] for row in rows], [row["speedup_err"] for row in rows], fmt="k^--",
                    capsize=2, label="local / SLMC cost per independent sample (wall; error from the τ_int)")
    ax_tau.set_xscale("log")
    ax_tau.set_yscale("log")
    ax_tau.set_xticks(sizes, [str(s) for s in sizes])
    ax_tau.minorticks_off()
    ax_tau.set_xlabel("L")
    ax_tau.set_title(f"at T = {reference_tc}", fontsize=9)
    ax_tau.legend(fontsize=7)
    for k, r in enumerate(compared):
        eff = r.effective
        ax_j.errorbar(np.arange(1, eff.couplings.size + 1) + 0.1 * k, eff.couplings, eff.couplings_err, fmt="o",
                      capsize=2, label=f"L = {r.size}, R² = {eff.r2:.5f}")
    ax_j.set_xticks(np.arange(1, compared[0].effective.couplings.size + 1))
    ax_j.axhline(1.0, color="0.5", lw=0.8)
    ax_j.set_xlabel("neighbour shell n")
    ax_j.set_ylabel("fitted J_n of H_eff")
    ax_j.legend(fontsize=7)
    fig.suptitle("Self-learning Monte Carlo of the plaquette Ising model (Liu, Qi, Meng & Fu, PRB 95, 041101 (2017))")
    return fig
