"""Does a block rule rescale the spin?  Correlation ratios across RG levels at Tc.

At the critical point a block rule with a fixed point maps the ensemble of
level n−1 of an L/b lattice onto that of level n of an L lattice: both are
(L/b^n)-site lattices of the same fixed-point Hamiltonian, so every
short-range correlation agrees and the ratio

    R_α(n) = G_α⁽ⁿ⁾(L) / G_α⁽ⁿ⁻¹⁾(L/b)          at T = Tc

tends to 1 as n grows (irrelevant couplings die out as b^{−ωn}).  A rule that
does not rescale the spin cannot do that.  Decimation keeps one spin of every
block, unrescaled, so its level-n spins are bare spins b^n apart and, with
the finite-size scaling form G(r; L) = r^{−η} f(r/L) at Tc,

    R(n) = G(bⁿ; L) / G(bⁿ⁻¹; L/b) = b^{−η}         (two-spin correlations)
    R(n) = b^{−2η}                                  (the four-spin plaquette)

at *every* level, η = 1/4: a block spin is a fixed-point variable only if it
is normalised so that its correlations reproduce themselves, and a bare spin
carries the scaling dimension η/2 (Kadanoff, Physics 2, 263 (1966); Wilson &
Kogut, Phys. Rep. 12, 75 (1974)).  Swendsen matching then finds a
crossing T* that is not Tc: it is where a hotter L/b ensemble loses as much
correlation as the missing rescaling, an artefact of η, not a fixed point.

:func:`correlation_ratios` measures R_α(n) for every rule, size pair (L, L/b)
and level from RG datasets (:mod:`rgml.rg.coarse`), with chain-block
jackknife errors (:mod:`rgml.blocking`), next to the reference lines b^{−η},
b^{−2η} and 1.

Criterion (used by :func:`rgml.rg.convergence.rule_verdicts`): the matching crossing of
level n of L is read as a fixed point only if the nearest-neighbour ratio at
Tc is compatible with 1, |R_nn(n) − 1| ≤ :data:`RATIO_SIGMAS` σ; otherwise
the level-n ensemble at Tc does not reproduce the finer one, the crossing
lies where the rule's missing (or excess) spin rescaling is compensated by a
temperature shift, and T* is not reported.  Whether the mismatch is
decimation's η is said by a second column: R_nn compatible with b^{−η}.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.blocking import BLOCKS, block_labels, jackknife_error, leave_one_out, unit_sums
from rgml.columns import Columns
from rgml.exact import TC
from rgml.rg.analysis import group_by_rule
from rgml.rg.correlations import INTERACTIONS, INTERACTION_NAMES

#: Exact η of the 2D Ising model.
ETA_2D_ISING = 0.25

#: A ratio further than this many errors from 1 means the level does not reproduce the finer one.
RATIO_SIGMAS = 3.0

#: Correlations whose ratios are measured: the three that matching uses.
RATIO_INTERACTIONS = INTERACTION_NAMES[:3]


def spins_in(interaction: str) -> int:
    """Number of spins in the products of an even interaction (2 for nn, nnn; 4 for the plaquette)."""
    shapes = dict(INTERACTIONS)[interaction]
    return len(shapes[0])


def shapes_per_site(interaction: str) -> int:
    """Terms per site of S_α (2 for nn: right and down), so G_α = (S_α/N) / shapes_per_site."""
    return len(dict(INTERACTIONS)[interaction])


def eta_reference(b: int, interaction: str, eta: float = ETA_2D_ISING) -> float:
    """b^{−(spins/2) η}: the ratio an unrescaled spin (decimation) gives at Tc (b^{−η} for pairs)."""
    return float(b ** (-(spins_in(interaction) / 2) * eta))


def mean_and_error(values: np.ndarray, *, chains: int = 1, blocks: int | None = BLOCKS) -> tuple[float, float]:
    """Mean of per-sample ``values`` (stored order) with its chain-block jackknife error (i.i.d. with blocks=None)."""
    values = np.asarray(values, np.float64)
    if blocks is None:
        return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))
    labels = block_labels(values.size, chains=chains, blocks=blocks)
    sums = unit_sums(labels, values)
    left = labels.size - np.bincount(labels)
    return float(values.mean()), float(jackknife_error(leave_one_out(sums) / left))


@dataclass(frozen=True)
class CorrelationRatios(Columns):
    """One row per (rule, b, L, level, interaction): R = G at level n of L over G at level n−1 of L/b, at Tc."""

    rule: np.ndarray
    b: np.ndarray
    L: np.ndarray
    level: np.ndarray
    interaction: np.ndarray
    T: np.ndarray
    G_fine: np.ndarray
    G_fine_err: np.ndarray
    G_coarse: np.ndarray
    G_coarse_err: np.ndarray
    ratio: np.ndarray
    ratio_err: np.ndarray
    eta_reference: np.ndarray
    z_one: np.ndarray
    z_eta: np.ndarray
    rescales: np.ndarray
    matches_eta: np.ndarray

    DIM = "ratio"
    KEYS = ("rule", "b", "L", "level", "interaction")
    META = {
        "rule": ("1", "block rule"), "b": ("1", "block size"), "L": ("1", "lattice size of the level-n ensemble"),
        "level": ("1", "RG level n (compared with level n-1 of L/b)"),
        "interaction": ("1", "correlation: nn, nnn or plaquette"), "T": ("J/k_B", "grid temperature nearest Tc"),
        "G_fine": ("1", "correlation at level n of L"), "G_fine_err": ("1", "chain-block jackknife error"),
        "G_coarse": ("1", "correlation at level n-1 of L/b"), "G_coarse_err": ("1", "chain-block jackknife error"),
        "ratio": ("1", "G_fine / G_coarse"), "ratio_err": ("1", "error of ratio (independent sample sets)"),
        "eta_reference": ("1", "b^(-eta) for two-spin, b^(-2 eta) for four-spin correlations, eta = 1/4"),
        "z_one": ("1", "(ratio - 1) / ratio_err"), "z_eta": ("1", "(ratio - eta_reference) / ratio_err"),
        "rescales": ("1", f"|z_one| <= {RATIO_SIGMAS:g}: level n reproduces level n-1 of L/b"),
        "matches_eta": ("1", f"|z_eta| <= {RATIO_SIGMAS:g}: the ratio of an unrescaled spin"),
    }

    def nearest_neighbour(self) -> "CorrelationRatios":
        """The rows of the nearest-neighbour correlation (the one the criterion uses)."""
        keep = self.interaction == "nn"
        return type(self)(**{name: getattr(self, name)[keep] for name in self.names()})


def correlation_ratios(datasets: Iterable[xr.Dataset], *, temperature: float = TC, chains: int | dict[int, int] = 1,
                       blocks: int | None = BLOCKS, interactions: tuple[str, ...] = RATIO_INTERACTIONS,
                       eta: float = ETA_2D_ISING) -> CorrelationRatios:
    """R_α(n) = G_α at level n of L / G_α at level n−1 of L/b, at the grid temperature nearest ``temperature``.

    Parameters
    ----------
    datasets:
        RG datasets (:data:`rgml.rg.coarse.RG_BLOCKS`) of any rules and sizes;
        a row is made wherever both L and L/b of one (rule, b) are present and
        L/b has level n−1.
    temperature:
        Where the ratios are taken (default Tc; the nearest grid point is used,
        the same in both sets).
    chains, blocks:
        Chain-block jackknife units (:func:`rgml.blocking.block_labels`);
        ``chains`` may be ``{L: chains}``.  ``blocks=None``: i.i.d. errors.
    interactions:
        Which even correlations (:data:`rgml.rg.correlations.INTERACTION_NAMES`).
    eta:
        η of the reference line (1/4).

    Returns
    -------
    :class:`CorrelationRatios`, the G_α being ⟨Π s⟩ per term (S_α/N divided
    by the terms per site: G_nn = nn density / 2).
    """
    unknown = [name for name in interactions if name not in INTERACTION_NAMES]
    if unknown:
        raise ValueError(f"interactions: unknown {unknown}; use names from {INTERACTION_NAMES}")
    rows = []
    for (rule, b), by_size in sorted(group_by_rule(datasets).items()):
        for size, fine in sorted(by_size.items()):
            coarse = by_size.get(size // b)
            if coarse is None or size % b:
                continue
            i_f = int(np.argmin(np.abs(np.asarray(fine["temperature"].values) - temperature)))
            t = float(fine["temperature"].values[i_f])
            t_coarse = np.asarray(coarse["temperature"].values)
            i_c = int(np.argmin(np.abs(t_coarse - t)))
            if not np.isclose(t_coarse[i_c], t):
                raise ValueError(f"rule {rule}, b={b}: L={size // b} has no temperature {t:g} to compare with L={size}")
            n_fine = fine.sizes["level"] - 1
            n_coarse = coarse.sizes["level"] - 1
            names = list(fine["interaction"].values)
            for n in range(1, min(n_fine, n_coarse + 1) + 1):
                for name in interactions:
                    a = names.index(name)
                    per_term = shapes_per_site(name)
                    fine_values = fine["densities"].values[i_f, n, :, a] / per_term
                    coarse_values = coarse["densities"].values[i_c, n - 1, :, a] / per_term
                    g_f, e_f = mean_and_error(fine_values, chains=_chains(chains, size), blocks=blocks)
                    g_c, e_c = mean_and_error(coarse_values, chains=_chains(chains, size // b), blocks=blocks)
                    if g_f == 0 or g_c == 0:  # a vanishing correlation (a rule with no signal): no ratio
                        ratio = err = np.nan
                    else:
                        ratio = g_f / g_c
                        err = abs(ratio) * np.hypot(e_f / g_f, e_c / g_c)
                    ref = eta_reference(b, name, eta)
                    z_one = (ratio - 1.0) / err if err > 0 else np.nan
                    z_eta = (ratio - ref) / err if err > 0 else np.nan
                    rows.append({"rule": rule, "b": b, "L": size, "level": n, "interaction": name, "T": t,
                                 "G_fine": g_f, "G_fine_err": e_f, "G_coarse": g_c, "G_coarse_err": e_c,
                                 "ratio": ratio, "ratio_err": err, "eta_reference": ref, "z_one": z_one,
                                 "z_eta": z_eta, "rescales": bool(abs(z_one) <= RATIO_SIGMAS),
                                 "matches_eta": bool(abs(z_eta) <= RATIO_SIGMAS)})
    return CorrelationRatios.from_rows(rows)


def _chains(chains: int | dict[int, int], size: int) -> int:
    return chains.get(size, 1) if isinstance(chains, dict) else chains
