"""Sample sets of the 2D torus and the 1D ring as datasets: the sample stores' contract.

A 2D sample set is ``spins (temperature, sample, y, x)`` int8 with
``energy`` and ``magnetization`` per spin, the sweep at which each sample was
stored, and per-temperature provenance (algorithm, τ_int, thinning, stream
keys, τ_int along the stored samples).  Sample index = step · chains + chain.
:func:`sample_ising2d` makes one in memory; the workflow's sampling step
streams the same blocks (:func:`block_dataset`) into
``results/samples/ising2d/…`` and appends the same :func:`plan_dataset`, so a
notebook call with the workflow's parameters gives the store's arrays bit
for bit.  A 1D ring set is ``spins (coupling, sample, x)`` of exact,
independent samples (:func:`sample_ising1d`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from rgml.backend import resolve_backend
from rgml.chunks import steps_per_block
from rgml.ising.lattice import energy_1d
from rgml.ising.ring import sample_ring
from rgml.ising.sampler import SampleBlock, SamplerSettings, TemperaturePlan, prepare_chains, production
from rgml.layout import Layout
from rgml.params import default
from rgml.rng import Stream, keyed, stream_key
from rgml.stats import integrated_time, stored_tau

#: Integer codes of the update algorithm in the ``algorithm`` variable.
ALGORITHM_CODES = {"metropolis": 0, "wolff": 1}

TEMPERATURE_ATTRS = {"units": "J/k_B", "long_name": "temperature T"}

SAMPLES_2D = Layout(
    "2D sample store (rgml sample ising2d)",
    {
        "spins": (("temperature", "sample", "y", "x"), np.int8),
        "energy": (("temperature", "sample"), np.float64),
        "magnetization": (("temperature", "sample"), np.float64),
        "tau_int": (("temperature",), np.float64),
        "algorithm": (("temperature",), np.int8),
        "thin": (("temperature",), np.int64),
    },
    dims=("temperature",),
    finite=("energy", "magnetization"),
)

SAMPLES_1D = Layout(
    "1D ring sample store (rgml sample ising1d)",
    {
        "spins": (("coupling", "sample", "x"), np.int8),
        "energy": (("coupling", "sample"), np.float64),
    },
    dims=("coupling",),
    finite=("energy",),
)


def _flag_attrs(long_name: str) -> dict:
    return {"long_name": long_name, "flag_values": list(ALGORITHM_CODES.values()),
            "flag_meanings": " ".join(ALGORITHM_CODES)}


def block_dataset(block: SampleBlock, temperatures: Sequence[float], chains: int, first_sample: int) -> xr.Dataset:
    """One production block as a dataset: samples ``first_sample …`` of every temperature."""
    n = block.spins.shape[1]
    sample = np.arange(first_sample, first_sample + n)
    return xr.Dataset(
        {
            "spins": (("temperature", "sample", "y", "x"), block.spins,
                      {"long_name": "spin configuration", "units": "1", "flag_values": [-1, 1]}),
            "energy": (("temperature", "sample"), block.energy, {"long_name": "energy per spin", "units": "J"}),
            "magnetization": (("temperature", "sample"), block.magnetization,
                              {"long_name": "magnetization per spin (signed)", "units": "1"}),
            "sweep": (("temperature", "sample"), block.sweep,
                      {"long_name": "sweeps of the chain since thermalization", "units": "sweeps"}),
        },
        coords={
            "temperature": ("temperature", np.asarray(temperatures, np.float64), TEMPERATURE_ATTRS),
            "sample": ("sample", sample, {"long_name": "sample index (step * chains + chain)"}),
            "chain": ("sample", (sample % chains).astype(np.int16), {"long_name": "Markov chain"}),
        },
    )


def plan_dataset(plans: Sequence[TemperaturePlan], energy: np.ndarray, magnetization: np.ndarray, chains: int,
                 *, seed: int, size: int) -> xr.Dataset:
    """Per-temperature provenance: algorithm, τ_int, thinning, stream keys, τ_int along the stored samples.

    ``energy`` and ``magnetization`` are the stored series ``(temperature, sample)``.
    """
    t = ("temperature",)
    temperatures = [p.temperature for p in plans]
    keys = {
        kind: np.array([[stream_key(seed, "ising2d", size, float(T), "chain", c, kind) for c in range(chains)]
                        for T in temperatures], np.uint64)
        for kind in ALGORITHM_CODES
    }
    return xr.Dataset(
        {
            "algorithm": (t, np.array([ALGORITHM_CODES[p.algorithm] for p in plans], np.int8),
                          _flag_attrs("update algorithm used for the stored samples")),
            "tau_int": (t, [p.tau_int for p in plans],
                        {"long_name": "integrated autocorrelation time (max over e, m, |m|) from the pilot run",
                         "units": "sweeps"}),
            "tau_int_reliable": (t, [p.tau_reliable for p in plans],
                                 {"long_name": "pilot run was at least 50 tau_int long"}),
            "tau_int_metropolis": (t, [p.tau_metropolis for p in plans],
                                   {"long_name": "pilot tau_int of Metropolis (nan if not piloted)", "units": "sweeps"}),
            "tau_int_wolff": (t, [p.tau_wolff for p in plans],
                              {"long_name": "pilot tau_int of Wolff (nan if not piloted)", "units": "sweeps"}),
            "thin": (t, np.array([p.thin for p in plans], np.int64),
                     {"long_name": "sweeps between stored samples", "units": "sweeps"}),
            "thermalize": (t, np.array([p.thermalize for p in plans], np.int64),
                           {"long_name": "thermalization before the first stored sample", "units": "sweeps"}),
            "clusters_per_sweep": (t, np.array([p.clusters_per_sweep for p in plans], np.int64),
                                   {"long_name": "Wolff cluster updates per sweep (1 for Metropolis)"}),
            "tau_int_energy_stored": (t, [stored_tau(e, chains) for e in energy],
                                      {"long_name": "tau_int of the energy along each chain's stored samples",
                                       "units": "stored samples"}),
            "tau_int_abs_m_stored": (t, [stored_tau(np.abs(m), chains) for m in magnetization],
                                     {"long_name": "tau_int of |m| along each chain's stored samples",
                                      "units": "stored samples"}),
            "metropolis_key": (("temperature", "chain_index"), keys["metropolis"],
                               {"long_name": "Metropolis stream key of each chain (rgml.rng)"}),
            "wolff_key": (("temperature", "chain_index"), keys["wolff"],
                          {"long_name": "Wolff stream key of each chain (rgml.rng)"}),
        },
        coords={"temperature": ("temperature", np.asarray(temperatures, np.float64), TEMPERATURE_ATTRS)},
    )


def sample_ising2d(
    L: int, temperatures: Sequence[float], samples: int, *, seed: int, settings: SamplerSettings | None = None,
    backend: str = default("backend"), log: Callable[[str], None] = lambda message: None, **knobs,
) -> xr.Dataset:
    """Monte Carlo samples of the L×L periodic Ising torus at every temperature, in memory.

    Parameters
    ----------
    L:
        Linear size (even, ≥ 4; the checkerboard update needs even L).
    temperatures:
        Temperatures in J/k_B.
    samples:
        Stored configurations per temperature (split between the chains).
    seed:
        Root seed: every chain's streams are keyed by (seed, L, T value, chain),
        so the samples at a temperature do not depend on the rest of the grid.
    settings, knobs:
        :class:`rgml.ising.sampler.SamplerSettings`, or its fields as keywords
        (``chains=8, algorithm="wolff"``); defaults are the config's.
    backend:
        Where Metropolis sweeps run (``numpy``, ``cupy`` or ``auto``); the same spins either way.

    Returns
    -------
    The sample store's dataset (:data:`SAMPLES_2D`): the workflow's
    ``results/samples/ising2d/L{L}.zarr`` for the same parameters, bit for bit.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed: the sampler keys its chains by an int root seed, got {seed!r}")
    settings = settings or SamplerSettings(**knobs)
    if L % 2 or L < 4:
        raise ValueError(f"L: the checkerboard sampler needs an even L >= 4, got {L}")
    backend = resolve_backend(backend)
    temperatures = [float(t) for t in temperatures]
    batch, plans = prepare_chains(L, temperatures, seed=seed, settings=settings, log=log, backend=backend)
    chains = settings.chains
    per_chain = math.ceil(samples / chains)
    blocks = []
    stored = 0
    for block in production(batch, plans, per_chain, block_steps=steps_per_block(L, chains)):
        ds = block_dataset(block, temperatures, chains, stored)
        keep = min(samples - stored, ds.sizes["sample"])
        blocks.append(ds.isel(sample=slice(0, keep)))
        stored += keep
    data = xr.concat(blocks, dim="sample") if len(blocks) > 1 else blocks[0]
    plan = plan_dataset(plans, data["energy"].values, data["magnetization"].values, chains, seed=seed, size=L)
    return data.merge(plan)


def ring_dataset(spins: np.ndarray, couplings: Sequence[float]) -> xr.Dataset:
    """Ring samples ``(coupling, sample, x)`` with energy, magnetization and τ_int of the energy."""
    energy = energy_1d(spins)
    return xr.Dataset(
        {
            "spins": (("coupling", "sample", "x"), spins,
                      {"long_name": "spin configuration", "units": "1", "flag_values": [-1, 1]}),
            "energy": (("coupling", "sample"), energy, {"long_name": "energy per spin", "units": "J"}),
            "magnetization": (("coupling", "sample"), spins.mean(axis=-1, dtype=np.float64),
                              {"long_name": "magnetization per spin (signed)", "units": "1"}),
            "tau_int": (("coupling",), [integrated_time(e) for e in energy],
                        {"long_name": "tau_int of the energy along the samples (1/2: independent)",
                         "units": "samples"}),
        },
        coords={
            "coupling": ("coupling", np.asarray(couplings, np.float64),
                         {"long_name": "coupling K = J/(k_B T)", "units": "1"}),
            "sample": ("sample", np.arange(spins.shape[1])),
        },
    )


def sample_ising1d(N: int, couplings: Sequence[float], samples: int, *, seed: int | Stream) -> xr.Dataset:
    """Exact independent samples of the periodic ring of N spins at every coupling K (:mod:`rgml.ising.ring`).

    Each coupling draws from the stream keyed (seed, "ising1d", N, K, "ring").
    Returns the ring store's dataset (:data:`SAMPLES_1D`).
    """
    if N < 2:
        raise ValueError(f"N: a ring needs at least 2 spins, got {N}")
    spins = np.stack([sample_ring(N, float(k), samples, keyed(seed, "ising1d", N, float(k), "ring"))
                      for k in couplings])
    return ring_dataset(spins, couplings)
