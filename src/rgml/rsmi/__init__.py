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
apply, rule
    Coarse-graining whole lattices with a learned filter; the RG rule ``rsmi``
    (a :class:`rgml.rg.rules.BlockRule`) and any filter at a chosen norm
    (:class:`FilterRule`, uniform or learned, |λ| up to ∞).
information
    Held-out I(H:E) of a given rule or filter on samples.
ring
    The 1D experiment: a learned filter per coupling and its RG flow.
measures
    Filter shape measures (uniformity, boundaryness, weight share).

Front door: ``rgml.rsmi.fit(samples, block=2, buffer=1, seed=1)`` → :class:`FitResult`
(``.filters``, ``.mi``, ``.to_dataset()``), ``rgml.rsmi.mutual_information(rule, samples, seed=1)``.
"""

from rgml.lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "apply": ['apply_filter'],
    "coarse": ['decimation_filter', 'hidden_states', 'uniform_filter'],
    "estimators": ['ESTIMATORS'],
    "exact": ['JointVE', 'chain_joint', 'torus_joint'],
    "fit": ['CRITIC_DTYPES', 'RSMI_FIT', 'FitConfig', 'FitResult', 'fit', 'fit_pairs'],
    "information": ['mutual_information'],
    "measures": ['boundary_mask', 'boundaryness', 'filter_uniformity', 'weight_share'],
    "partition": ['Geometry', 'block_positions', 'extract', 'split_configurations'],
    "ring": ['RSMI_RING', 'RingRSMI', 'ring_rsmi'],
    "rule": ['FilterRule', 'RSMIRule'],
}, namespace=globals())
