"""Result tables of the RG flow analysis (:class:`rgml.rg.flow.FlowAnalysis`).

=============  =============  ==========================================================
table          dimension      one row per
=============  =============  ==========================================================
flows          flow           (method, L, level, T): T_in -> T_eff, per-correlation T_eff
fixed_points   fixed_point    (method, L, level): fixed point T*, slope, nu
levels         extrapolation  (method, L): T*(level) extrapolated to level -> infinity
=============  =============  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.columns import Columns, TableSet
from rgml.rg.correlations import INTERACTION_NAMES

#: Correlations used for matching: nearest, next-nearest, plaquette.
MATCHED = 3
MATCHED_NAMES = INTERACTION_NAMES[:MATCHED]

#: Per-correlation matched temperatures that differ by more than this many errors are flagged.
DISAGREE_SIGMAS = 3.0

_T = ("J/k_B", "temperature")


@dataclass(frozen=True)
class FlowTable(Columns):
    """One row per (method, L, level, T): the one-step map T_in → T_eff."""

    method: np.ndarray
    L: np.ndarray
    b: np.ndarray
    level: np.ndarray
    T: np.ndarray
    T_in: np.ndarray
    T_eff: np.ndarray
    T_eff_err: np.ndarray
    out_of_grid: np.ndarray
    T_eff_nn: np.ndarray
    T_eff_nn_err: np.ndarray
    T_eff_nnn: np.ndarray
    T_eff_nnn_err: np.ndarray
    T_eff_plaquette: np.ndarray
    T_eff_plaquette_err: np.ndarray
    coupling_spread: np.ndarray
    coupling_spread_sigma: np.ndarray
    couplings_disagree: np.ndarray

    DIM = "flow"
    KEYS = ("method", "L", "level", "T")
    META = {
        "method": ("1", "thermometer: matching or projection"), "L": ("1", "lattice size"),
        "b": ("1", "block size"), "level": ("1", "RG level n of the map n-1 -> n"), "T": _T,
        "T_in": ("J/k_B", "temperature of level n-1"), "T_eff": ("J/k_B", "temperature of level n"),
        "T_eff_err": ("J/k_B", "block-bootstrap error of T_eff"),
        "out_of_grid": ("1", "below/above: T_eff beyond the reference grid"),
        **{f"T_eff_{name}": ("J/k_B", f"T_eff matched on the {name} correlation alone") for name in MATCHED_NAMES},
        **{f"T_eff_{name}_err": ("J/k_B", f"error of T_eff_{name}") for name in MATCHED_NAMES},
        "coupling_spread": ("J/k_B", "max - min of the per-correlation T_eff"),
        "coupling_spread_sigma": ("1", "largest pairwise |difference| of per-correlation T_eff over its error"),
        "couplings_disagree": ("1", f"coupling_spread_sigma > {DISAGREE_SIGMAS:g}"),
    }


@dataclass(frozen=True)
class FixedPointTable(Columns):
    """One row per (method, L, level): the fixed point T* of the map and ν from its slope."""

    method: np.ndarray
    L: np.ndarray
    b: np.ndarray
    level: np.ndarray
    nu: np.ndarray
    nu_err: np.ndarray
    T_fixed: np.ndarray
    T_fixed_err: np.ndarray
    slope: np.ndarray
    T_fixed_z: np.ndarray

    DIM = "fixed_point"
    KEYS = ("method", "L", "level")
    META = {
        "method": ("1", "flow_slope_<thermometer>"), "L": ("1", "lattice size"), "b": ("1", "block size"),
        "level": ("1", "RG level n"), "nu": ("1", "ln b / ln slope"), "nu_err": ("1", "error of nu"),
        "T_fixed": ("J/k_B", "fixed point T*"), "T_fixed_err": ("J/k_B", "error of T*"),
        "slope": ("1", "dT_eff/dT_in at T*"), "T_fixed_z": ("1", "(T* - Tc)/error"),
    }


@dataclass(frozen=True)
class LevelTable(Columns):
    """One row per (method, L): T*(n) = T*_inf + a b^(-omega n) fitted over the levels."""

    method: np.ndarray
    L: np.ndarray
    b: np.ndarray
    levels: np.ndarray
    omega: np.ndarray
    T_inf: np.ndarray
    T_inf_err: np.ndarray
    T_inf_z: np.ndarray
    amplitude: np.ndarray
    amplitude_err: np.ndarray
    chi2: np.ndarray
    dof: np.ndarray

    DIM = "extrapolation"
    KEYS = ("method", "L")
    META = {
        "method": ("1", "thermometer"), "L": ("1", "lattice size"), "b": ("1", "block size"),
        "levels": ("1", "levels fitted"), "omega": ("1", "correction exponent omega"),
        "T_inf": ("J/k_B", "T* extrapolated to level -> infinity"), "T_inf_err": ("J/k_B", "error of T*_inf"),
        "T_inf_z": ("1", "(T*_inf - Tc)/error"), "amplitude": ("J/k_B", "a"), "amplitude_err": ("J/k_B", "error of a"),
        "chi2": ("1", "chi-square (bootstrap covariance)"), "dof": ("1", "levels - 2 (-1: one level, no fit)"),
    }


@dataclass(frozen=True)
class FlowResult(TableSet):
    """Flows, fixed points and level extrapolations of one block rule (see :meth:`FlowAnalysis.analyse`).

    :meth:`to_frame` gives the flow rows; :meth:`to_dataset` one Dataset with variables and
    dimensions prefixed ``flows_``, ``fixed_points_``, ``levels_``.
    """

    flows: FlowTable
    fixed_points: FixedPointTable
    levels: LevelTable

    TITLE = "RG flows"
    MAIN = "flows"
