"""Restricted Boltzmann machines on Ising configurations.

Units are 0/1 (see :mod:`rgml.rbm.model`); ±1 spins are converted at the
boundary with :func:`spins_to_units` / :func:`units_to_spins`.

=================  ==========================================================
module             idea
=================  ==========================================================
``model``          the RBM, its conditionals and free energies, unit conventions
``kernels``        Numba inner loops (Bernoulli draws, momentum step)
``train``          CD-k / PCD-k training, resumable state, per-epoch history
``logz``           exact ln Z by enumerating either layer
``ais``            annealed importance sampling of ln Z
``likelihood``     held-out log-likelihood with exact or AIS ln Z
``sampling``       block Gibbs chains, generating configurations
``stack``          greedy deep stacks, effective receptive fields
``locality``       radius-of-gyration locality of receptive fields
``block``          the block RBM and the RG rule ``rbm`` (a :class:`rgml.rg.rules.BlockRule`)
``mapping1d``      1D decimation as an exact RBM; couplings of a marginal; the 1D experiment
``flow``           the RBM flow of Iso, Shiba & Yokoo, and the experiment on all temperatures
``flow_scan``      the flow's systematics: end point under several thermometers, decays, seeds, training sets
``data``           Ising configurations as training rows; train / held-out split
``temperature``    one RBM per temperature against the exact Ising ceiling
=================  ==========================================================

Front door (int seeds keyed as the workflow keys them, results with
``to_dataset()`` / ``from_dataset()``): :func:`fit_temperature`,
:func:`deep_stack`, :func:`locality_sweep`, :func:`flow_experiment`,
:func:`fit_block_rule`, :func:`mapping_experiment`, :func:`flow_scan`; :func:`train` for a bare RBM.
"""

from rgml.lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "ais": ['AISResult', 'ais_log_partition', 'annealing_schedule'],
    "block": ['BlockRBMRule', 'block_units', 'coarse_grain', 'fit_block_rule', 'orient', 'train_block_rbm'],
    "data": ['split', 'training_units'],
    "flow": ['MEET_TOLERANCE', 'FlowExperiment', 'FlowResult', 'flow_experiment', 'meeting_step', 'rbm_flow'],
    "flow_scan": ['FlowScan', 'flow_scan'],
    "likelihood": ['LogLikelihood', 'LogPartition', 'estimate_log_partition', 'log_likelihood', 'mean_log_likelihood'],
    "locality": ['LocalitySweep', 'locality', 'locality_sweep', 'radius_of_gyration', 'relative_radius_of_gyration'],
    "logz": ['log_partition'],
    "mapping1d": ['RingCouplings', 'RingMapping', 'decimation_rbm', 'mapping_experiment', 'rbm_decimation_flow', 'ring_couplings'],
    "model": ['RBM', 'logit_of_means', 'spins_to_units', 'units_to_spins'],
    "sampling": ['generate', 'gibbs_step', 'run_chains'],
    "stack": ['DeepStack', 'StackResult', 'deep_stack', 'receptive_fields', 'train_stack'],
    "temperature": ['RBM_MODEL', 'TemperatureRBM', 'fit_temperature'],
    "train": ['TrainConfig', 'TrainResult', 'TrainState', 'reconstruction_error', 'train'],
}, namespace=globals())
