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
``block``          block-RBM coarse-graining (one hidden unit per b×b block)
``mapping1d``      1D decimation as an exact RBM; couplings of a marginal
``flow``           the RBM flow of Iso, Shiba & Yokoo
=================  ==========================================================
"""

from rgml.rbm.ais import AISResult, ais_log_partition, annealing_schedule
from rgml.rbm.block import block_units, coarse_grain, orient, train_block_rbm
from rgml.rbm.flow import MEET_TOLERANCE, FlowResult, meeting_step, rbm_flow
from rgml.rbm.likelihood import (
    LogLikelihood,
    LogPartition,
    estimate_log_partition,
    log_likelihood,
    mean_log_likelihood,
)
from rgml.rbm.locality import locality, radius_of_gyration, relative_radius_of_gyration
from rgml.rbm.logz import log_partition
from rgml.rbm.mapping1d import RingCouplings, decimation_rbm, rbm_decimation_flow, ring_couplings
from rgml.rbm.model import RBM, logit_of_means, spins_to_units, units_to_spins
from rgml.rbm.sampling import generate, gibbs_step, run_chains
from rgml.rbm.stack import StackResult, receptive_fields, train_stack
from rgml.rbm.train import TrainConfig, TrainResult, TrainState, reconstruction_error, train

__all__ = [
    "AISResult",
    "FlowResult",
    "LogLikelihood",
    "LogPartition",
    "MEET_TOLERANCE",
    "RBM",
    "RingCouplings",
    "StackResult",
    "TrainConfig",
    "TrainResult",
    "TrainState",
    "ais_log_partition",
    "annealing_schedule",
    "block_units",
    "coarse_grain",
    "decimation_rbm",
    "estimate_log_partition",
    "generate",
    "gibbs_step",
    "locality",
    "log_likelihood",
    "log_partition",
    "logit_of_means",
    "mean_log_likelihood",
    "meeting_step",
    "orient",
    "radius_of_gyration",
    "rbm_decimation_flow",
    "rbm_flow",
    "receptive_fields",
    "reconstruction_error",
    "relative_radius_of_gyration",
    "ring_couplings",
    "run_chains",
    "spins_to_units",
    "train",
    "train_block_rbm",
    "train_stack",
    "units_to_spins",
]
