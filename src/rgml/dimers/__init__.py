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
``summary``        the stage's tables: e, ⟨|D|⟩, L²⟨D²⟩, ⟨W²⟩ per (L, T) with
                   autocorrelation-aware errors; C(r) at T = ∞ and its fit
``joint``          exact joint P(V, E) of RSMI blocks on small tori (6 × 6),
                   exact samples: the estimator's exact targets
``shapes``         span cosines of filters with (E_x, E_y) and (D_x, D_y),
                   principal cosines, noise share
``rsmi``           RSMI fits on dimers (noise fillers), naive and reference
                   rules with the same stream, the ``rsmi_dimers.csv`` table
``buffers``        I(H:E) against buffer width and its power law
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
    local_exponents,
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
from rgml.dimers.joint import boltzmann_probabilities, dimer_joint, exact_dimer_samples
from rgml.dimers.shapes import noise_share, order_filters, principal_cosines, span_cosines, span_projection
from rgml.dimers.rsmi import (
    DIMER_FIT,
    NAIVE_RULES,
    REFERENCE_RULES,
    RSMI_DIMERS,
    DimerFit,
    fit_dimers,
    reference_filters,
    reference_information,
    rsmi_dimers_table,
    symmetry_images,
)
from rgml.dimers.buffers import BUFFER_SCAN, PUBLISHED_EXPONENT, BufferScan, buffer_scan, fit_buffer_power_law
from rgml.dimers.summary import correlation_rows, summary_rows
from rgml.dimers.worm import RULES, directed_loop_weights, vertex_probabilities, vertex_table, worm_sweeps

__all__ = [
    "correlation_rows",
    "summary_rows",
    "BUFFER_SCAN",
    "BufferScan",
    "DIMER_FIT",
    "DimerBlock",
    "DimerChains",
    "DimerDegeneracies",
    "DimerFit",
    "DimerPlan",
    "DimerSamples",
    "DimerSettings",
    "NAIVE_RULES",
    "PUBLISHED_EXPONENT",
    "PowerLawFit",
    "REFERENCE_RULES",
    "RSMI_DIMERS",
    "RULES",
    "block_fields",
    "block_orientation",
    "boltzmann_probabilities",
    "buffer_scan",
    "cells_to_links",
    "check_dimers",
    "columnar_order",
    "columnar_state",
    "configuration_index",
    "coverage",
    "dimer_joint",
    "directed_loop_weights",
    "divergence",
    "electric_field",
    "energy",
    "enumerate_dimers",
    "enumerate_statistics",
    "exact_dimer_samples",
    "field_filters",
    "filler_mask",
    "fit_buffer_power_law",
    "fit_correlation_exponent",
    "fit_dimers",
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
    "local_exponents",
    "majority_orientation",
    "noise_share",
    "occupation_filters",
    "order_filters",
    "orientation_filter",
    "parallel_plaquettes",
    "pfaffian",
    "plans_dataset",
    "prepare_chains",
    "principal_cosines",
    "production",
    "reference_filters",
    "reference_information",
    "reflect",
    "row_correlation",
    "rsmi_dimers_table",
    "sample_dimers",
    "span_cosines",
    "span_projection",
    "staggered_sign",
    "staggered_state",
    "symmetry_images",
    "translate",
    "transpose",
    "vertex_probabilities",
    "vertex_table",
    "winding_numbers",
    "worm_sweeps",
]
