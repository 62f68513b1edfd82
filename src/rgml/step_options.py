"""Which config keys each ``rgml`` step takes as its parameter options (:data:`STEP_OPTIONS`).

The command line (:mod:`rgml.cli`) builds each subcommand's options from
this table and the schema (:mod:`rgml.params`); the workflow builds each
job's options from the config with :func:`options`.  The module imports
nothing heavier than the schema, so that parsing the Snakefile (once per
run, and twice inside every cluster job) stays quick.
"""

from __future__ import annotations

from rgml.params import option_string

#: Parameter options of every step: ``{step: {option: config key}}``.  A key ending in ``[]`` is one
#: item of a config list, given per job (the temperature of a fit), ``[:]`` part of one (the sizes a
#: sampling job writes); a key without a default is required.
STEP_OPTIONS: dict[str, dict[str, str]] = {
    "sample ising2d": {
        "size": "ising2d.sizes[:]", "temperatures": "ising2d.temperatures", "samples": "ising2d.samples",
        "samples_per_size": "ising2d.samples_per_size", "chains": "ising2d.chains", "algorithm": "ising2d.algorithm",
        "thin_factor": "ising2d.thin_factor", "thermalize": "ising2d.thermalize", "thin": "ising2d.thin", "seed": "seed", "backend": "backend",
        "threads": "threads", "checkpoint_seconds": "checkpoint_seconds",
    },
    "sample dimers": {"size": "dimers.sizes[]", "temperatures": "dimers.temperatures", "samples": "dimers.samples",
                      "interaction": "dimers.interaction", "chains": "dimers.chains", "rule": "dimers.rule",
                      "thin_factor": "dimers.thin_factor", "seed": "seed", "checkpoint_seconds": "checkpoint_seconds"},
    "dimers table": {"r_min": "dimers.correlation_r_min"},
    "dimers rsmi": {
        "temperature": "dimers.temperatures[]", "block": "dimers.rsmi.block", "buffer": "dimers.rsmi.buffer",
        "environment": "dimers.rsmi.environment", "n_hidden": "dimers.rsmi.n_hidden", "steps": "dimers.rsmi.steps",
        "polish_steps": "dimers.rsmi.polish_steps", "batch_size": "dimers.rsmi.batch_size", "norm": "dimers.rsmi.norm",
        "anneal_from": "dimers.rsmi.anneal_from", "restarts": "dimers.rsmi.restarts",
        "coulomb_restarts": "dimers.rsmi.coulomb_restarts", "noise": "dimers.rsmi.noise",
        "rules": "dimers.rsmi.rules", "seed": "seed",
    },
    "dimers rsmi-buffers": {
        "temperature": "dimers.temperatures[]", "buffers": "dimers.rsmi.buffers", "block": "dimers.rsmi.block",
        "environment": "dimers.rsmi.environment", "n_hidden": "dimers.rsmi.n_hidden", "steps": "dimers.rsmi.steps",
        "polish_steps": "dimers.rsmi.polish_steps", "batch_size": "dimers.rsmi.batch_size", "norm": "dimers.rsmi.norm",
        "anneal_from": "dimers.rsmi.anneal_from", "restarts": "dimers.rsmi.restarts",
        "coulomb_restarts": "dimers.rsmi.coulomb_restarts", "noise": "dimers.rsmi.noise",
        "filters": "dimers.rsmi.buffer_filters",
        "fit_range": "dimers.rsmi.buffer_fit", "seed": "seed",
    },
    "dimers rsmi-table": {"tc": "dimers.rsmi.tc"},
    "sample ising1d": {"size": "ising1d.size", "couplings": "ising1d.couplings", "samples": "ising1d.samples",
                       "seed": "seed", "backend": "backend"},
    "fss": {"blocks": "fss.blocks", "reach": "fss.reach", "points": "fss.points", "omega": "fss.omega",
            "min_size": "fss.min_size", "collapse_window": "fss.collapse_window",
            "fit_collapses": "fss.fit_collapses", "seed": "seed"},
    "phases pca": {"fit_samples": "phases.pca.fit_samples", "n_components": "phases.pca.n_components",
                   "blocks": "phases.blocks", "bootstrap": "phases.bootstrap", "fss_min_size": "phases.fss_min_size",
                   "seed": "seed", "backend": "backend"},
    "phases supervised": {
        "models": "phases.supervised.models", "ordered_below": "phases.supervised.ordered_below",
        "disordered_above": "phases.supervised.disordered_above", "train_samples": "phases.supervised.train_samples",
        "members": "phases.supervised.members", "hidden": "phases.supervised.hidden", "l2": "phases.supervised.l2",
        "max_iter": "phases.supervised.max_iter", "blocks": "phases.blocks", "bootstrap": "phases.bootstrap",
        "fss_min_size": "phases.fss_min_size", "seed": "seed", "backend": "backend",
    },
    "phases confusion": {
        "model": "phases.confusion.model", "train_samples": "phases.confusion.train_samples",
        "l2": "phases.confusion.l2", "weighting": "phases.confusion.weighting", "balance": "phases.confusion.balance",
        "blocks": "phases.blocks", "bootstrap": "phases.bootstrap", "fss_min_size": "phases.fss_min_size",
        "seed": "seed", "backend": "backend",
    },
    "slmc run": {"size": "slmc.sizes[]", "temperatures": "slmc.temperatures", "coupling_J": "slmc.coupling_J",
                 "plaquette_K": "slmc.plaquette_K", "chains": "slmc.chains", "shells": "slmc.shells",
                 "train_temperature": "slmc.train_temperature", "train_samples": "slmc.train_samples",
                 "train_thin": "slmc.train_thin", "train_thermalize": "slmc.train_thermalize",
                 "local_thermalize": "slmc.local_thermalize", "local_sweeps": "slmc.local_sweeps",
                 "slmc_thermalize": "slmc.slmc_thermalize", "slmc_sweeps": "slmc.slmc_sweeps",
                 "local_per_slmc_sweep": "slmc.local_per_slmc_sweep", "seed": "seed"},
    "slmc binder": {"temperatures": "slmc.binder_temperatures", "chains": "slmc.chains",
                    "slmc_thermalize": "slmc.slmc_thermalize", "slmc_sweeps": "slmc.slmc_sweeps",
                    "local_per_slmc_sweep": "slmc.local_per_slmc_sweep", "seed": "seed"},
    "slmc table": {"reference_tc": "slmc.reference_tc"},
    "rg coarse-grain": {"b": "rg.b", "seed": "seed", "backend": "backend"},
    "rg flow": {"seed": "seed", "bootstrap": "rg.bootstrap", "mcrg_couplings": "rg.mcrg_couplings"},
    "rg ring": {"b": "rg.ring_b"},
    "rsmi fit": {
        "temperature": "ising2d.temperatures[]", "block": "rsmi.block", "buffer": "rsmi.buffer",
        "environment": "rsmi.environment", "n_hidden": "rsmi.n_hidden", "estimator": "rsmi.estimator",
        "steps": "rsmi.steps", "norm": "rsmi.norm", "seed": "seed", "memory_budget_mib": "memory_budget_mib",
        "backend": "backend",
    },
    "rsmi ring": {"b": "rg.ring_b", "buffer": "rsmi.ring_buffer", "environment": "rsmi.ring_environment",
                  "steps": "rsmi.steps", "norm": "rsmi.norm", "norm_stop": "rsmi.rule_norm", "seed": "seed"},
    "rbm train": {"temperature": "ising2d.temperatures[]", "n_hidden": "rbm.n_hidden", "epochs": "rbm.epochs",
                  "flip_moves": "rbm.flip_moves", "seed": "seed", "checkpoint_seconds": "checkpoint_seconds",
                  "memory_budget_mib": "memory_budget_mib", "backend": "backend"},
    "rbm stack": {"temperature": "ising2d.temperatures[]", "widths": "rbm.stack_widths", "l1": "rbm.stack_l1",
                  "epochs": "rbm.epochs", "seed": "seed", "memory_budget_mib": "memory_budget_mib",
                  "backend": "backend"},
    "rbm locality": {"temperature": "ising2d.temperatures[]", "n_hidden": "rbm.n_hidden", "l1": "rbm.l1",
                     "epochs": "rbm.epochs", "seed": "seed", "memory_budget_mib": "memory_budget_mib",
                     "backend": "backend"},
    "rbm flow": {"n_hidden": "rbm.flow_hidden", "l2": "rbm.flow_l2", "steps": "rbm.flow_steps",
                 "chains": "rbm.flow_chains", "epochs": "rbm.epochs", "seed": "seed",
                 "memory_budget_mib": "memory_budget_mib", "backend": "backend"},
    "rbm block": {"temperature": "ising2d.temperatures[]", "b": "rg.b", "epochs": "rbm.epochs", "seed": "seed"},
    "rbm mapping1d": {"couplings": "ising1d.couplings", "ring_size": "rbm.ring_size", "samples": "rbm.ring_samples",
                      "epochs": "rbm.epochs", "seed": "seed"},
    "compare mi": {"temperature": "ising2d.temperatures[]", "b": "compare.block_sizes[]", "buffer": "rsmi.buffer",
                   "environment": "rsmi.environment", "steps": "compare.mi_steps", "seed": "seed"},
    "compare rules": {"temperature": "ising2d.temperatures[]", "b": "compare.block_sizes[]", "seed": "seed",
                      "bootstrap": "rg.bootstrap", "chains": "ising2d.chains"},
    "compare norm-scan": {"temperature": "ising2d.temperatures[]", "b": "rg.b", "norms": "compare.norms",
                          "buffer": "rsmi.buffer", "environment": "rsmi.environment", "mi_steps": "compare.mi_steps",
                          "bootstrap": "compare.norm_bootstrap", "chains": "ising2d.chains", "seed": "seed"},
    "rbm flow-scan": {"n_hidden": "rbm.flow_hidden", "epochs": "rbm.flow_scan_epochs", "l2": "rbm.flow_scan_l2",
                      "replicas": "rbm.flow_scan_replicas", "exclude": "rbm.flow_scan_exclude",
                      "train_samples": "rbm.flow_scan_samples", "steps": "rbm.flow_scan_steps",
                      "chains": "rbm.flow_scan_chains", "sample_chains": "ising2d.chains", "seed": "seed",
                      "backend": "backend"},
}


def options(step: str, config: dict, **values) -> str:
    """The parameter options of ``step`` for a validated config; ``values`` give per-job ones."""
    return option_string(STEP_OPTIONS[step], config, **values)
