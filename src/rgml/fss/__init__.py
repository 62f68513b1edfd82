"""Finite-size scaling of the 2D Ising model: crossings, peaks, exponents and data collapse.

Input: per-sample series of energy, magnetization (and optionally the
structure factor at k_min for ξ_2nd) of several lattice sizes, one
:class:`SizeSeries` each; output: an :class:`FSSResult` of tidy tables.
Errors are jackknife errors over whole blocks of each Markov chain
(:mod:`rgml.blocking`), carried through every fit.

===============  ==============================================================
module           idea
===============  ==============================================================
``observables``  per-sample moments → U₄, C, χ, χ', ξ_2nd, dU₄/dβ; reweighting
``curves``       peaks and crossings of reweighted curves, with replicas
``fits``         power laws, Tc extrapolation, Kaufman's exact C_max
``collapse``     data collapse and the Houdayer–Hartmann quality S
``tables``       the result tables and :class:`FSSResult`
``analysis``     :func:`finite_size_scaling`: all of the above for several sizes
===============  ==============================================================
"""

from rgml.fss.analysis import COLLAPSES, finite_size_scaling
from rgml.fss.collapse import CollapseData, CollapseFit, fit_collapse, quality
from rgml.fss.curves import Crossing, Peak, Replicated, find_crossing, find_peak, value_at
from rgml.fss.fits import (EXACT, extrapolate_crossings, fit_line, kaufman_specific_heat_max,
                           power_law_exponent, shift_exponent)
from rgml.fss.observables import (MOMENTS, OBSERVABLES, Histograms, SizeSeries, observables_from_means,
                                  structure_factor_kmin)
from rgml.fss.tables import CollapseTable, CrossingTable, EstimateTable, FSSResult, PeakTable, PointTable

__all__ = [
    "COLLAPSES",
    "CollapseData",
    "CollapseFit",
    "CollapseTable",
    "Crossing",
    "CrossingTable",
    "EXACT",
    "EstimateTable",
    "FSSResult",
    "Histograms",
    "MOMENTS",
    "OBSERVABLES",
    "Peak",
    "PeakTable",
    "PointTable",
    "Replicated",
    "SizeSeries",
    "extrapolate_crossings",
    "find_crossing",
    "find_peak",
    "finite_size_scaling",
    "fit_collapse",
    "fit_line",
    "kaufman_specific_heat_max",
    "observables_from_means",
    "power_law_exponent",
    "quality",
    "shift_exponent",
    "structure_factor_kmin",
    "value_at",
]
