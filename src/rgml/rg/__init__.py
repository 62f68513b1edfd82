"""Real-space renormalization group: block rules, correlations, thermometers, flows, MCRG.

* :mod:`rgml.rg.blocks` — majority and decimation block spins (2D), ring decimation (1D);
* :mod:`rgml.rg.correlations` — even and odd short-range interactions S_α of configurations;
* :mod:`rgml.rg.thermometer` — effective temperature by projection or by matching (per correlation too);
* :mod:`rgml.rg.flow` — flows T → T_eff, fixed points and ν with chain-block bootstrap errors;
* :mod:`rgml.rg.flow_result` — the flow, fixed-point and level-extrapolation tables (:class:`FlowResult`);
* :mod:`rgml.rg.levels` — T*(level) extrapolated to level → ∞;
* :mod:`rgml.rg.mcrg` — Swendsen's Monte Carlo RG (linearised RG matrix, λ_t and ν, λ_h and y_h);
* :mod:`rgml.rg.ring` — the 1D decimation flow measured on ring samples.
"""
