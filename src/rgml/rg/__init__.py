"""Real-space renormalization group: block rules, correlations, thermometers, flows, MCRG.

* :mod:`rgml.rg.blocks` — majority and decimation block spins (2D), ring decimation (1D);
* :mod:`rgml.rg.correlations` — even short-range interactions S_α of configurations;
* :mod:`rgml.rg.thermometer` — effective temperature by projection or by matching;
* :mod:`rgml.rg.flow` — flows T → T_eff, fixed points and ν with bootstrap errors;
* :mod:`rgml.rg.mcrg` — Swendsen's Monte Carlo RG (linearised RG matrix, λ_t, ν);
* :mod:`rgml.rg.ring` — the 1D decimation flow measured on ring samples.
"""
