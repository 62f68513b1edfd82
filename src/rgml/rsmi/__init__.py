"""Real-space mutual-information RG (RSMI): learn the coarse-graining.

Koch-Janusz & Ringel (Nat. Phys. 14, 578 (2018)) choose the block-spin rule
``P(h=+1|V) = σ(2 λ·V)`` that keeps the most information about the
environment E of the block, I(H:E); later work showed what the optimal rules
are (Lenggenhager et al., PRX 10, 011037 (2020)) and how to estimate the MI
with neural bounds (Gökmen et al., PRL 127, 240603; PRE 104, 064106 (2021)).

Modules
-------
partition
    V / B / E geometry, block positions, extraction, train/held-out split.
coarse
    The stochastic coarse variable and the standard filters.
exact
    Exact I(H:E) and I(V:E): infinite 1D chain, small tori.
critic, estimators, adam, evaluation, fit
    Variational MI bounds with the expectation over h taken exactly, their
    held-out evaluation with error bars, and the filter fit.
apply
    Coarse-graining whole lattices with a learned filter (RG rule ``rsmi``).
measures
    Filter shape measures (uniformity, boundaryness, weight share).
"""

from rgml.rsmi.apply import apply_filter
from rgml.rsmi.coarse import decimation_filter, hidden_states, uniform_filter
from rgml.rsmi.estimators import ESTIMATORS
from rgml.rsmi.exact import JointVE, chain_joint, torus_joint
from rgml.rsmi.fit import FitConfig, FitResult, fit, fit_pairs
from rgml.rsmi.measures import boundary_mask, boundaryness, filter_uniformity, weight_share
from rgml.rsmi.partition import Geometry, block_positions, extract, split_configurations

__all__ = [
    "ESTIMATORS",
    "FitConfig",
    "FitResult",
    "Geometry",
    "JointVE",
    "apply_filter",
    "block_positions",
    "boundary_mask",
    "boundaryness",
    "chain_joint",
    "decimation_filter",
    "extract",
    "filter_uniformity",
    "fit",
    "fit_pairs",
    "hidden_states",
    "split_configurations",
    "torus_joint",
    "uniform_filter",
    "weight_share",
]
