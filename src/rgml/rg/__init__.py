"""Real-space renormalization group: block rules, coarse-graining, thermometers, flows, MCRG.

=================  ==========================================================
module             idea
=================  ==========================================================
``rules``          the :class:`BlockRule` protocol; majority and decimation
``blocks``         block-spin kernels (2D) and ring decimation (1D)
``coarse``         sample sets coarse-grained level by level (the RG stores' contract)
``correlations``   even and odd short-range interactions S_α of configurations
``thermometer``    effective temperature by projection or by matching (per correlation too)
``flow``           flows T → T_eff, fixed points and ν with chain-block bootstrap errors
``flow_result``    the flow, fixed-point and level-extrapolation tables (:class:`FlowResult`)
``levels``         T*(level) extrapolated to level → ∞
``mcrg``           Swendsen's Monte Carlo RG (linearised RG matrix, λ_t and ν, λ_h and y_h)
``analysis``       flows and MCRG of every rule and size: the flow and exponent tables
``ring``           the 1D decimation flow measured on ring samples
=================  ==========================================================

Front door: ``rgml.rg.coarse_grain(samples, "majority", b=2, seed=1)`` (also
``rgml.coarse_grain``) and ``rgml.rg.analyse([blocks, …], seed=1, n_boot=200,
mcrg_couplings=4)`` → (flows, exponents) tables.
"""

from rgml.lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "analysis": ['analyse'],
    "coarse": ['RG_BLOCKS', 'coarse_grain'],
    "flow": ['FixedPoint', 'FlowAnalysis'],
    "flow_result": ['FlowResult'],
    "levels": ['extrapolate_levels'],
    "mcrg": ['MCRGEstimate', 'MCRGMagnetic', 'mcrg_nu', 'mcrg_yh'],
    "ring": ['ring_flow', 'ring_flow_table'],
    "rules": ['BlockFilter', 'BlockRule', 'Decimation', 'Majority', 'fixed_rule'],
    "thermometer": ['matching_temperature', 'projection_temperature', 'projection_thermometer'],
}, namespace=globals())
