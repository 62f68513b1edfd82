"""Result tables of the finite-size-scaling analysis and the :class:`FSSResult` that holds them.

=============  =========  ================================================================
table          dimension  one row per
=============  =========  ================================================================
points         point      (L, T) sampled: every observable with its chain-block error
peaks          size       L: χ'_max, C_max (vs Kaufman), dU₄/dβ and ⟨|m|⟩ at the Tc estimate
crossings      pair       successive sizes (L, 2L): U₄ and ξ/L crossings, effective exponents
estimates      estimate   a fitted quantity (Tc, γ/ν, 1/ν, β/ν, C slope) vs its exact value
collapses      collapse   an observable: collapse quality S at exact and fitted exponents
=============  =========  ================================================================

Errors are one standard error (jackknife over chain blocks); ``*_z`` and
``z`` columns are (estimate − exact)/error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.columns import Columns, TableSet
from rgml.fss.observables import OBSERVABLES

_T = ("J/k_B", "temperature T")


@dataclass(frozen=True)
class PointTable(Columns):
    """Observables at every sampled (L, T)."""

    L: np.ndarray
    T: np.ndarray
    n_samples: np.ndarray
    units: np.ndarray
    tau_int_energy: np.ndarray
    tau_int_abs_m: np.ndarray
    energy: np.ndarray
    energy_err: np.ndarray
    specific_heat: np.ndarray
    specific_heat_err: np.ndarray
    abs_magnetization: np.ndarray
    abs_magnetization_err: np.ndarray
    susceptibility_prime: np.ndarray
    susceptibility_prime_err: np.ndarray
    susceptibility: np.ndarray
    susceptibility_err: np.ndarray
    binder: np.ndarray
    binder_err: np.ndarray
    xi_over_L: np.ndarray
    xi_over_L_err: np.ndarray
    dbinder_dbeta: np.ndarray
    dbinder_dbeta_err: np.ndarray
    dlog_abs_m_dbeta: np.ndarray
    dlog_abs_m_dbeta_err: np.ndarray
    energy_exact: np.ndarray
    specific_heat_exact: np.ndarray

    DIM = "point"
    KEYS = ("L", "T")
    META = {
        "L": ("1", "linear lattice size L"), "T": _T,
        "n_samples": ("1", "stored samples"), "units": ("1", "jackknife units (chain blocks)"),
        "tau_int_energy": ("stored samples", "tau_int of e along each chain's stored samples"),
        "tau_int_abs_m": ("stored samples", "tau_int of |m| along each chain's stored samples"),
        **{name: meta for name, meta in OBSERVABLES.items()},
        **{f"{name}_err": (units, f"error of {long}") for name, (units, long) in OBSERVABLES.items()},
        "energy_exact": ("J", "exact finite-torus energy per spin (Kaufman)"),
        "specific_heat_exact": ("k_B", "exact finite-torus specific heat per spin (Kaufman)"),
    }


@dataclass(frozen=True)
class PeakTable(Columns):
    """Per size: maxima of χ' and C, and observables at the blind Tc estimate."""

    L: np.ndarray
    chi_prime_max: np.ndarray
    chi_prime_max_err: np.ndarray
    T_chi_prime_max: np.ndarray
    T_chi_prime_max_err: np.ndarray
    chi_prime_source_T: np.ndarray
    chi_prime_resolved: np.ndarray
    specific_heat_max: np.ndarray
    specific_heat_max_err: np.ndarray
    T_specific_heat_max: np.ndarray
    T_specific_heat_max_err: np.ndarray
    specific_heat_source_T: np.ndarray
    specific_heat_resolved: np.ndarray
    specific_heat_max_exact: np.ndarray
    T_specific_heat_max_exact: np.ndarray
    specific_heat_max_z: np.ndarray
    dbinder_dbeta_at_tc: np.ndarray
    dbinder_dbeta_at_tc_err: np.ndarray
    abs_magnetization_at_tc: np.ndarray
    abs_magnetization_at_tc_err: np.ndarray

    DIM = "size"
    KEYS = ("L",)
    META = {
        "L": ("1", "linear lattice size L"),
        "chi_prime_max": ("1/J", "maximum of chi'"), "chi_prime_max_err": ("1/J", "error of chi'_max"),
        "T_chi_prime_max": _T, "T_chi_prime_max_err": ("J/k_B", "error of T at chi'_max"),
        "chi_prime_source_T": ("J/k_B", "sampled T reweighted from (NaN: none)"),
        "chi_prime_resolved": ("1", "chi' maximum inside a reweighting window"),
        "specific_heat_max": ("k_B", "maximum of C"), "specific_heat_max_err": ("k_B", "error of C_max"),
        "T_specific_heat_max": _T, "T_specific_heat_max_err": ("J/k_B", "error of T at C_max"),
        "specific_heat_source_T": ("J/k_B", "sampled T reweighted from (NaN: none)"),
        "specific_heat_resolved": ("1", "C maximum inside a reweighting window"),
        "specific_heat_max_exact": ("k_B", "exact finite-torus C_max (Kaufman)"),
        "T_specific_heat_max_exact": ("J/k_B", "T of the exact C_max"),
        "specific_heat_max_z": ("1", "(C_max - exact)/error"),
        "dbinder_dbeta_at_tc": ("J", "dU4/dbeta at the Binder-crossing Tc"),
        "dbinder_dbeta_at_tc_err": ("J", "error of dU4/dbeta at Tc"),
        "abs_magnetization_at_tc": ("1", "<|m|> at the Binder-crossing Tc"),
        "abs_magnetization_at_tc_err": ("1", "error of <|m|> at Tc"),
    }


@dataclass(frozen=True)
class CrossingTable(Columns):
    """Per pair of successive sizes: crossings of U₄ and ξ/L, and effective exponents."""

    L_small: np.ndarray
    L_large: np.ndarray
    T_binder: np.ndarray
    T_binder_err: np.ndarray
    T_binder_z: np.ndarray
    binder_cross: np.ndarray
    binder_cross_err: np.ndarray
    binder_source_T: np.ndarray
    binder_reweighted: np.ndarray
    T_xi: np.ndarray
    T_xi_err: np.ndarray
    T_xi_z: np.ndarray
    xi_over_L_cross: np.ndarray
    xi_over_L_cross_err: np.ndarray
    xi_source_T: np.ndarray
    xi_reweighted: np.ndarray
    gamma_over_nu_eff: np.ndarray
    gamma_over_nu_eff_err: np.ndarray
    inv_nu_eff: np.ndarray
    inv_nu_eff_err: np.ndarray

    DIM = "pair"
    KEYS = ("L_small", "L_large")
    META = {
        "L_small": ("1", "smaller size of the pair"), "L_large": ("1", "larger size of the pair"),
        "T_binder": ("J/k_B", "temperature where U4 of the two sizes cross"),
        "T_binder_err": ("J/k_B", "error of the U4 crossing"),
        "T_binder_z": ("1", "(T_binder - Tc)/error"),
        "binder_cross": ("1", "U4 at the crossing"), "binder_cross_err": ("1", "error of U4 at the crossing"),
        "binder_source_T": ("J/k_B", "sampled T reweighted from (NaN: linear between sampled T)"),
        "binder_reweighted": ("1", "U4 crossing found on reweighted curves"),
        "T_xi": ("J/k_B", "temperature where xi_2nd/L of the two sizes cross"),
        "T_xi_err": ("J/k_B", "error of the xi/L crossing"), "T_xi_z": ("1", "(T_xi - Tc)/error"),
        "xi_over_L_cross": ("1", "xi_2nd/L at the crossing"),
        "xi_over_L_cross_err": ("1", "error of xi_2nd/L at the crossing"),
        "xi_source_T": ("J/k_B", "sampled T reweighted from (NaN: linear between sampled T)"),
        "xi_reweighted": ("1", "xi/L crossing found on reweighted curves"),
        "gamma_over_nu_eff": ("1", "ln(chi'_max ratio)/ln(size ratio)"),
        "gamma_over_nu_eff_err": ("1", "error of the effective gamma/nu"),
        "inv_nu_eff": ("1", "ln(dU4/dbeta ratio at Tc)/ln(size ratio)"),
        "inv_nu_eff_err": ("1", "error of the effective 1/nu"),
    }


@dataclass(frozen=True)
class EstimateTable(Columns):
    """Fitted quantities against their exact values."""

    name: np.ndarray
    value: np.ndarray
    error: np.ndarray
    exact: np.ndarray
    z: np.ndarray
    chi2: np.ndarray
    dof: np.ndarray
    sizes: np.ndarray
    method: np.ndarray

    DIM = "estimate"
    KEYS = ("name",)
    META = {
        "name": ("1", "estimated quantity"), "value": ("1", "estimate (units of the quantity)"),
        "error": ("1", "jackknife error over chain blocks"), "exact": ("1", "exact 2D Ising value"),
        "z": ("1", "(value - exact)/error"), "chi2": ("1", "chi-square of the fit"),
        "dof": ("1", "degrees of freedom of the fit"), "sizes": ("1", "lattice sizes used"),
        "method": ("1", "how the estimate is made"),
    }

    def row(self, name: str) -> dict:
        """The estimate called ``name`` as a dict."""
        i = int(np.flatnonzero(self.name == name)[0])
        return {column: getattr(self, column)[i] for column in self.names()}


@dataclass(frozen=True)
class CollapseTable(Columns):
    """Per observable: Houdayer–Hartmann quality S at the exact exponents and at its minimum."""

    observable: np.ndarray
    exponent_name: np.ndarray
    exponent_exact: np.ndarray
    window: np.ndarray
    quality_exact: np.ndarray
    terms_exact: np.ndarray
    quality_fit: np.ndarray
    terms_fit: np.ndarray
    Tc: np.ndarray
    Tc_err: np.ndarray
    inv_nu: np.ndarray
    inv_nu_err: np.ndarray
    exponent: np.ndarray
    exponent_err: np.ndarray

    DIM = "collapse"
    KEYS = ("observable",)
    META = {
        "observable": ("1", "collapsed observable O, plotted as O L^-a against (T - Tc) L^(1/nu)"),
        "exponent_name": ("1", "what the power a of L is"), "exponent_exact": ("1", "exact a"),
        "window": ("1", "points with |(T - Tc) L^(1/nu)| <= window enter"),
        "quality_exact": ("1", "S at the exact Tc, nu and a"), "terms_exact": ("1", "points in S at exact"),
        "quality_fit": ("1", "minimum of S"), "terms_fit": ("1", "points in S at the minimum"),
        "Tc": ("J/k_B", "Tc at the minimum of S"), "Tc_err": ("J/k_B", "jackknife error of Tc"),
        "inv_nu": ("1", "1/nu at the minimum of S"), "inv_nu_err": ("1", "jackknife error of 1/nu"),
        "exponent": ("1", "a at the minimum of S"), "exponent_err": ("1", "jackknife error of a"),
    }


@dataclass(frozen=True)
class FSSResult(TableSet):
    """Everything :func:`rgml.fss.finite_size_scaling` measures, as five tidy tables (see module doc).

    :meth:`to_frame` gives the estimates; :meth:`tables` all five; :meth:`to_dataset` one Dataset
    with variables and dimensions prefixed ``points_``, ``peaks_``, ``crossings_``, ``estimates_``,
    ``collapses_``.
    """

    points: PointTable
    peaks: PeakTable
    crossings: CrossingTable
    estimates: EstimateTable
    collapses: CollapseTable

    TITLE = "finite-size scaling of the 2D Ising model"
    MAIN = "estimates"
