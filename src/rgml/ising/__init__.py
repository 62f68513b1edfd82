"""Ising models: lattices, Monte Carlo samplers, exact ring samples, thermodynamics.

=================  ==========================================================
module             idea
=================  ==========================================================
``lattice``        energies, bond sums and magnetizations of configurations
``metropolis``     checkerboard Metropolis kernel (Numba), keyed draws
``metropolis_cuda``  the same kernel on a CUDA GPU (CuPy), bitwise equal
``wolff``          single-cluster Wolff kernel (Numba)
``sampler``        chains over a temperature grid: pilot τ_int, algorithm choice, thinning
``samples``        sample sets as datasets (the sample stores' contract); ``sample_ising2d``
``ring``           exact independent samples of the periodic 1D ring
``thermodynamics`` E, C, |m|, χ, U₄ with autocorrelation-aware errors vs exact results
=================  ==========================================================

Front door: :func:`sample_ising2d` (L×L torus over a temperature grid) and
:func:`sample_ising1d` (exact ring samples) return the datasets the workflow
stores, bit for bit for the same parameters and seed.
"""

from rgml.lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "lattice": ['bond_sum_2d', 'energy_1d', 'energy_2d', 'magnetization'],
    "ring": ['sample_ring'],
    "sampler": ['SamplerSettings', 'TemperaturePlan', 'prepare_chains', 'production'],
    "samples": ['SAMPLES_1D', 'SAMPLES_2D', 'sample_ising1d', 'sample_ising2d'],
    "thermodynamics": ['observables', 'thermodynamics'],
}, namespace=globals())
