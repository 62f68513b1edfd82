"""Figures of the phases stage: PCA, supervised classifiers, the confusion scheme."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from rgml.exact import TC


def _tc(ax, **kw):
    ax.axvline(TC, color="k", ls=":", lw=1, label="Tc (exact)", **kw)


def pca_figure(result):
    """Leading axis at the largest L, explained-variance spectra, variance share and Binder cumulant against T."""
    fig, (ax_w, ax_s, ax_v, ax_b) = plt.subplots(1, 4, figsize=(18, 4.2), constrained_layout=True)
    largest = int(result.sizes[-1])
    weights = result.weights[largest]
    limit = np.abs(weights).max()
    ax_w.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax_w.set_title(f"leading axis, L = {largest} (cos with uniform {result.cosine_uniform[-1]:.5f})", fontsize=8)
    ax_w.set_xticks([])
    ax_w.set_yticks([])
    for i, L in enumerate(result.sizes):
        ax_s.plot(np.arange(1, result.explained_variance_ratio.shape[1] + 1), result.explained_variance_ratio[i],
                  "o-", label=f"L = {L}")
        ax_v.errorbar(result.temperatures, result.variance_fraction[i], result.variance_fraction_err[i], fmt="o-",
                      ms=3, capsize=1, label=f"L = {L}")
        ax_b.errorbar(result.temperatures, result.binder[i], result.binder_err[i], fmt="o-", ms=3, capsize=1,
                      label=f"L = {L}")
    ax_s.set_yscale("log")
    ax_s.set_xlabel("principal component")
    ax_s.set_ylabel("explained variance ratio")
    ax_v.set_ylabel("variance share of the leading component")
    ax_b.set_ylabel("Binder cumulant of the leading projection")
    ax_b.set_title(f"collapse: Tc = {result.tc:.4f} ± {result.tc_err:.4f}, ν = {result.nu:.3f} ± {result.nu_err:.3f}",
                   fontsize=8)
    for ax in (ax_v, ax_b):
        _tc(ax)
        ax.set_xlabel("T [J/k_B]")
    for ax in (ax_s, ax_v, ax_b):
        ax.legend(fontsize=7)
    fig.suptitle("Phases without labels: PCA of the configurations (Wang, PRB 94, 195105 (2016))")
    return fig


def _extrapolation(ax, sizes, min_size: int, tc: float, tc_err: float, slope: float, exponent: float, *, color: str,
                   name: str) -> None:
    """The fit Tc + slope · L^−exponent over the sizes ≥ ``min_size`` it used, drawn against 1/L, and its Tc (star)."""
    if not np.isfinite(tc):
        return
    smallest = int(sizes[sizes >= min_size].min())
    x = np.linspace(0.0, 1.0 / smallest, 50)
    ax.plot(x, tc + slope * x**exponent, color=color, lw=0.8, label=f"{name}fit over L ≥ {smallest}")
    ax.errorbar([0.0], [tc], [tc_err], fmt="*", ms=10, color=color, capsize=2,
                label=f"{name}extrapolated {tc:.4f} ± {tc_err:.4f}")


def supervised_figure(result):
    """Classifier output against T per size and model, and Tc(L) against 1/L with the extrapolation."""
    n = len(result.models)
    fig, axes = plt.subplots(1, n + 1, figsize=(5.2 * (n + 1), 4.2), constrained_layout=True, squeeze=False)
    for k, model in enumerate(result.models):
        ax = axes[0, k]
        for i, L in enumerate(result.sizes):
            ax.errorbar(result.temperatures, result.output[k, i], result.output_err[k, i], fmt="o-", ms=3, capsize=1,
                        label=f"L = {L}")
        ax.axhline(0.5, color="0.5", lw=0.8)
        _tc(ax)
        ax.set_xlabel("T [J/k_B]")
        ax.set_ylabel("classifier output: P(ordered)")
        ax.set_title(f"{model}: trained on T < 2.0 and T > 2.6; ν (collapse) = {result.nu[k]:.3f} ± "
                     f"{result.nu_err[k]:.3f}", fontsize=8)
        ax.legend(fontsize=7)
        axes[0, n].errorbar(1.0 / result.sizes, result.tc_size[k], result.tc_size_err[k], fmt="os"[k % 2],
                            color=f"C{k}", capsize=2, label=f"{model}: Tc(L)")
        _extrapolation(axes[0, n], result.sizes, result.config.fss_min_size, result.tc[k], result.tc_err[k],
                       result.slope[k], result.config.extrapolation_exponent, color=f"C{k}", name=f"{model}: ")
    axes[0, n].axhline(TC, color="k", ls=":", label="Tc (exact)")
    axes[0, n].set_xlabel("1 / L")
    axes[0, n].set_ylabel("Tc(L): the 0.5 crossing")
    axes[0, n].legend(fontsize=7)
    fig.suptitle("Phases with labels (Carrasquilla & Melko, Nat. Phys. 13, 431 (2017))")
    return fig


def confusion_figure(result):
    """The W-shaped accuracy against the proposed Tc per size, and the middle peaks against 1/L."""
    fig, (ax_w, ax_p) = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    for i, L in enumerate(result.sizes):
        ax_w.errorbar(result.proposal, result.accuracy[i], result.accuracy_err[i], fmt="o-", ms=3, capsize=1,
                      label=f"L = {L}")
    ax_w.plot(result.proposal, result.baseline, "k--", lw=0.8, label="baseline (the larger class)")
    _tc(ax_w)
    ax_w.set_xlabel("proposed critical temperature [J/k_B]")
    ax_w.set_ylabel("test accuracy")
    ax_w.legend(fontsize=7)
    ax_p.errorbar(1.0 / result.sizes, result.peak, result.peak_err, fmt="o", capsize=2, label="middle peak")
    ax_p.axhline(TC, color="k", ls=":", label="Tc (exact)")
    _extrapolation(ax_p, result.sizes, result.config.fss_min_size, result.tc, result.tc_err, result.slope, 1.0,
                   color="C3", name=f"Tc + a/L (χ²/dof {result.chi2:.2f}): ")
    ax_p.set_xlabel("1 / L")
    ax_p.set_ylabel("peak position [J/k_B]")
    ax_p.legend(fontsize=7)
    fig.suptitle("The confusion scheme (van Nieuwenburg, Liu & Huber, Nat. Phys. 13, 435 (2017))")
    return fig
