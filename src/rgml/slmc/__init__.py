"""Self-learning Monte Carlo (SLMC) on the Ising model with a four-spin plaquette term.

Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017): learn an effective
nearest/further-neighbour Ising model from configurations of a model with no
efficient cluster algorithm, propose Wolff clusters of the effective model,
and accept them with the exact Metropolis–Hastings ratio of the true model.

=================  ==========================================================
module             idea
=================  ==========================================================
``plaquette``      the model H = −J Σ s s − K Σ_□ s s s s, pair/plaquette
                   sums, neighbour-shell and plaquette tables
``local``          four-sublattice Metropolis kernel (+ vectorised reference)
``effective``      least-squares fit of the effective model, R², errors
``cluster``        SLMC kernel: effective-model Wolff cluster + MH correction
``sampling``       chains at one temperature: burn-in, recording, timing
``driver``         train, then compare local and SLMC over temperatures
``result``         :class:`SLMCResult` with its dataset and tables
``criticality``    Binder-cumulant crossing of two sizes
``exact``          enumeration of tiny tori, chi-square test of a sampler
=================  ==========================================================

Quick start::

    from rgml.slmc import run_slmc
    result = run_slmc(16, [2.3, 2.493, 2.7], seed=2026)  # effective model trained at 2.493 (the default)
    result.to_frame(); result.couplings_frame(); result.agreement(); result.speedup()
"""

from rgml.slmc.cluster import CLUSTER_STATS, bond_thresholds, slmc_sweeps
from rgml.slmc.criticality import binder_crossing
from rgml.slmc.driver import SLMCConfig, run_slmc, summarise, train_effective_model
from rgml.slmc.effective import EffectiveModel, fit_effective_model
from rgml.slmc.exact import density_of_states, histogram_p_value, level_probabilities
from rgml.slmc.local import plaquette_metropolis_reference, plaquette_metropolis_sweeps, plaquette_thresholds
from rgml.slmc.plaquette import (
    SHELLS,
    SUMS,
    PlaquetteModel,
    energy_from_sums,
    lattice_sums,
    pair_sums,
    plaquette_sum,
    shell_table,
)
from rgml.slmc.result import ALGORITHMS, TIMING_VARIABLES, SLMCResult
from rgml.slmc.sampling import ChainRun, run_cluster, run_local

__all__ = [
    "ALGORITHMS",
    "CLUSTER_STATS",
    "ChainRun",
    "EffectiveModel",
    "PlaquetteModel",
    "SHELLS",
    "SLMCConfig",
    "SLMCResult",
    "SUMS",
    "TIMING_VARIABLES",
    "binder_crossing",
    "bond_thresholds",
    "density_of_states",
    "energy_from_sums",
    "fit_effective_model",
    "histogram_p_value",
    "lattice_sums",
    "level_probabilities",
    "pair_sums",
    "plaquette_metropolis_reference",
    "plaquette_metropolis_sweeps",
    "plaquette_sum",
    "plaquette_thresholds",
    "run_cluster",
    "run_local",
    "run_slmc",
    "shell_table",
    "slmc_sweeps",
    "summarise",
    "train_effective_model",
]
