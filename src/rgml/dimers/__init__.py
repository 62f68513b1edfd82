"""Interacting close-packed dimers on the square torus and their emergent electric field.

The model of Alet et al. (Phys. Rev. Lett. 94, 235702 (2005); Phys. Rev. E 74,
041124 (2006)): every site of the L × L torus covered by exactly one dimer,
energy ``v`` (= −1, aligning) per plaquette holding two parallel dimers,
temperatures in units of |v|/k_B with ``np.inf`` the non-interacting Coulomb
phase; columnar crystal below T_c ≈ 0.65.  Configurations are int8 link
occupations ``(samples, 2, L, L)`` (:mod:`rgml.dimers.lattice`).

=================  ==========================================================
module             idea
=================  ==========================================================
``lattice``        link representation, close packing, N_∥ and energy,
                   winding numbers, crystals, lattice symmetries
``fields``         electric field E = η(n − 1/4), divergence, block fields
                   and the naive orientation rules as linear filters
``linklattice``    the 2L × 2L ±1 link lattice that :mod:`rgml.rsmi` cuts,
                   its geometry and filter layouts
``exact``          enumeration of small tori, Kasteleyn's Pfaffians, exact
                   degeneracies of (N_∥, W_x, W_y), chi-square of histograms
``worm``           directed-loop (worm) kernel and its vertex tables
``sampler``        chains over a temperature grid, pilot τ_int, thinning,
                   resumable state, the sample-store result object
``observables``    columnar order, staggered row correlation, power-law fits
=================  ==========================================================
"""

from rgml.dimers.exact import (
    DimerDegeneracies,
    configuration_index,
    enumerate_dimers,
    enumerate_statistics,
    histogram_pvalue,
    kasteleyn_count,
    kasteleyn_matrix,
    kasteleyn_parity_counts,
    kasteleyn_pfaffians,
    pfaffian,
)
from rgml.dimers.fields import (
    block_fields,
    block_orientation,
    divergence,
    electric_field,
    field_filters,
    majority_orientation,
    occupation_filters,
    orientation_filter,
)
from rgml.dimers.lattice import (
    check_dimers,
    columnar_state,
    coverage,
    energy,
    is_close_packed,
    parallel_plaquettes,
    reflect,
    staggered_sign,
    staggered_state,
    translate,
    transpose,
    winding_numbers,
)
from rgml.dimers.linklattice import (
    cells_to_links,
    filler_mask,
    link_geometry,
    link_ids,
    link_lattice,
    links_to_cells,
)
from rgml.dimers.observables import (
    PowerLawFit,
    columnar_order,
    fit_correlation_exponent,
    fit_power_law,
    row_correlation,
)
from rgml.dimers.sampler import (
    DimerBlock,
    DimerChains,
    DimerPlan,
    DimerSamples,
    DimerSettings,
    plans_dataset,
    prepare_chains,
    production,
    sample_dimers,
)
from rgml.dimers.worm import RULES, directed_loop_weights, vertex_probabilities, vertex_table, worm_sweeps

__all__ = [
    "DimerBlock",
    "DimerChains",
    "DimerDegeneracies",
    "DimerPlan",
    "DimerSamples",
    "DimerSettings",
    "PowerLawFit",
    "RULES",
    "block_fields",
    "block_orientation",
    "cells_to_links",
    "check_dimers",
    "columnar_order",
    "columnar_state",
    "configuration_index",
    "coverage",
    "directed_loop_weights",
    "divergence",
    "electric_field",
    "energy",
    "enumerate_dimers",
    "enumerate_statistics",
    "field_filters",
    "filler_mask",
    "fit_correlation_exponent",
    "fit_power_law",
    "histogram_pvalue",
    "is_close_packed",
    "kasteleyn_count",
    "kasteleyn_matrix",
    "kasteleyn_parity_counts",
    "kasteleyn_pfaffians",
    "link_geometry",
    "link_ids",
    "link_lattice",
    "links_to_cells",
    "majority_orientation",
    "occupation_filters",
    "orientation_filter",
    "parallel_plaquettes",
    "pfaffian",
    "plans_dataset",
    "prepare_chains",
    "production",
    "reflect",
    "row_correlation",
    "sample_dimers",
    "staggered_sign",
    "staggered_state",
    "translate",
    "transpose",
    "vertex_probabilities",
    "vertex_table",
    "winding_numbers",
    "worm_sweeps",
]
