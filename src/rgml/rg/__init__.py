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
``mcrg``           Swendsen's Monte Carlo RG (linearised RG matrix, λ_t and ν, λ_h and y_h; all level pairs jointly)
``analysis``       flows and MCRG of every rule and size: the flow and exponent tables
``eta``            correlation ratios across levels at Tc: does a rule rescale the spin (decimation's η)
``convergence``    T*, ν and their level-to-level convergence per rule: the verdicts of the comparison
``similarity``     filter cosines and map distances between rules: which rules are one map
``observable_thermometer``  the temperature an ensemble reads on each observable (energy, |m|, m², nnn, plaquette)
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
    "convergence": ['RuleAssessment', 'assess_rules'],
    "eta": ['CorrelationRatios', 'correlation_ratios'],
    "flow": ['FixedPoint', 'FlowAnalysis'],
    "flow_result": ['FlowResult'],
    "levels": ['extrapolate_levels'],
    "mcrg": ['MCRGEstimate', 'MCRGLevels', 'MCRGMagnetic', 'mcrg_levels', 'mcrg_nu', 'mcrg_yh'],
    "observable_thermometer": ['ReferenceCurves', 'ThermometerReadings', 'read_temperatures'],
    "ring": ['ring_flow', 'ring_flow_table'],
    "rules": ['BlockFilter', 'BlockRule', 'Decimation', 'Majority', 'fixed_rule'],
    "similarity": ['RuleSimilarity', 'rule_similarity'],
    "thermometer": ['matching_temperature', 'projection_temperature', 'projection_thermometer'],
}, namespace=globals())
