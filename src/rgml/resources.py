"""What a job of the workflow needs: threads, memory and wall time, derived from the config.

The workflow asks the cluster for these (``threads:`` and ``resources:
mem_mb, runtime`` of every rule; the SLURM executor turns them into
``--cpus-per-task``, ``--mem`` and ``--time``).  The estimates are upper
bounds with a safety factor, from the sizes that drive each job's cost:

* memory: a Python process with NumPy, Numba, xarray and Zarr
  (:data:`BASE_MIB`) plus the arrays the job holds — for training jobs at most
  the configured ``memory_budget_mib`` of training data (:mod:`rgml.streaming`);
* wall time: the work in units of spin updates (or training rows × units) at
  the throughput measured on the reference machine (BENCHMARKS.md), times
  :data:`SAFETY`, and never under :data:`MIN_RUNTIME` minutes.
"""

from __future__ import annotations

import math

from rgml.config import sampled_sizes
from rgml.rg.blocks import n_levels
from rgml.rg.rules import LEARNED_RULES
from rgml.streaming import training_row_bytes

#: Memory of an idle rgml process (interpreter, NumPy, Numba, xarray, Zarr, Matplotlib), MiB.
BASE_MIB = 600

#: Factor on every estimate.
SAFETY = 3.0

#: Shortest wall time asked for, minutes.
MIN_RUNTIME = 10

#: Metropolis spin-flip attempts per second per thread (BENCHMARKS.md: ~1.2 per ns on 2 threads).
FLIPS_PER_SECOND = 5e8

#: Stored-sample cost in Metropolis sweeps: 2 τ_int of Wolff (~2 sweeps) × 14 (the cost of a Wolff sweep).
SWEEPS_PER_SAMPLE = 60

#: Sweeps per chain the pilot runs may take at most (both algorithms piloted up to the longest pilot).
PILOT_SWEEPS = 2 * 32000

#: Sweeps per chain of burn-in and pilots when τ_int is short, as it is at most temperatures: 200 burn-in and
#: 500 pilot sweeps of each algorithm, a Wolff sweep counted as 14 Metropolis sweeps (WOLFF_SWEEP_COST).
TYPICAL_PILOT_SWEEPS = (200 + 500) * (1 + 14)

#: CPU seconds a job spends before its own work: the interpreter, NumPy, xarray (which imports Dask),
#: Zarr, Numba's cached kernels (BENCHMARKS.md, "Whole default sweep").
START_SECONDS = 3.0

#: A job gets more than one thread only when its work on one thread is this many process starts long:
#: below that, the second core does more good running the next job of the sweep.
THREADED_STARTS = 10

#: Multiply-adds per second of the RBM and RSMI training loops (minibatch BLAS, one thread).
FLOPS = 2e9


def _mib(nbytes: float) -> int:
    return int(math.ceil(nbytes / 2**20))


def _job(mem_bytes: float, seconds: float) -> dict:
    return {"mem_mb": int(BASE_MIB + SAFETY * _mib(mem_bytes)),
            "runtime": int(max(MIN_RUNTIME, math.ceil(SAFETY * seconds / 60)))}


def samples_for(config: dict, size: int) -> int:
    """Stored configurations per temperature for lattices of ``size``."""
    return config["ising2d"]["samples_per_size"].get(size, config["ising2d"]["samples"])


def _budget(config: dict) -> float:
    return config["memory_budget_mib"] * 2**20


def _sampling_flips(config: dict, size: int, pilot_sweeps: int = PILOT_SWEEPS) -> float:
    """Spin-flip attempts of one temperature of one size: the stored samples and the pilot runs.

    ``pilot_sweeps`` per chain: the longest the pilots may run (a bound, for the wall time asked
    for), or :data:`TYPICAL_PILOT_SWEEPS` (what a job usually does, for its threads).
    """
    chains, samples = config["ising2d"]["chains"], samples_for(config, size)
    return size * size * (samples * SWEEPS_PER_SAMPLE + chains * pilot_sweeps)


def sampling_threads(config: dict) -> int:
    """Threads of one temperature's sampling job (every size; the chains run in parallel, at most ``threads``).

    One, unless the job's typical work on one thread is :data:`THREADED_STARTS` process starts long:
    the default sweep's sampling jobs take seconds, most of it the process start, and two of them
    side by side finish sooner than one job on two threads.
    """
    parallel = max(1, min(config["threads"], config["ising2d"]["chains"]))
    typical = sum(_sampling_flips(config, size, TYPICAL_PILOT_SWEEPS) for size in sampled_sizes(config))
    serial_seconds = typical / FLIPS_PER_SECOND
    return parallel if serial_seconds >= THREADED_STARTS * START_SECONDS else 1


def sampling(config: dict) -> dict:
    """One temperature of every size, one size after the other: the chains, one stored chunk, the pilot series."""
    chains, sizes = config["ising2d"]["chains"], sampled_sizes(config)
    memory = 4 * chains * max(sizes) ** 2 + 4 * 2**20 + 16 * chains * PILOT_SWEEPS
    flips = sum(_sampling_flips(config, size) for size in sizes)
    return _job(memory, flips / (FLIPS_PER_SECOND * sampling_threads(config)))


def merging(config: dict, size: int) -> dict:
    """Merging the per-temperature stores of one size (one temperature in memory at a time)."""
    return _job(2 * samples_for(config, size) * size * size, 2e-8 * len(config["ising2d"]["temperatures"])
                * samples_for(config, size) * size * size)


def whole_grid(config: dict, size: int) -> dict:
    """A job reading every temperature of one size (thermodynamics; one block rule of coarse-graining)."""
    n_t = len(config["ising2d"]["temperatures"])
    samples = samples_for(config, size)
    levels = max(1, n_levels(size, config["rg"]["b"]))
    memory = 3 * samples * size * size + n_t * (levels + 1) * samples * 6 * 8
    return _job(memory, 1e-7 * n_t * samples * size * size * levels)


def confusion(config: dict) -> dict:
    """The confusion scheme: every sampled size's configurations (int8), then per size one classifier per
    proposed Tc on its float64 training rows (train and test halves).

    Wall time: 2e-8 s per training row and site per classifier on the reference machine (the default
    sweep's job, L = 256 among its sizes, 15 temperatures × 50 rows: 14.8 CPU-s, 1.17 GB; BENCHMARKS.md,
    "Whole default sweep").
    """
    n_t = len(config["ising2d"]["temperatures"])
    sizes = sampled_sizes(config)
    train = config["phases"]["confusion"]["train_samples"]
    rows = {size: n_t * min(train or samples_for(config, size), samples_for(config, size)) for size in sizes}
    spins = sum(n_t * samples_for(config, size) * size * size for size in sizes)
    largest = max(rows[size] * size * size for size in sizes)
    return _job(spins + 2 * 8 * largest, 2e-8 * (n_t + 1) * sum(rows[size] * size * size for size in sizes))


def _n_rules(config: dict) -> int:
    """Block rules of the RG comparison: the fixed ones of rg.rules and the learned ones."""
    return len(config["rg"]["rules"]) + len(LEARNED_RULES)


def coarse_graining(config: dict, size: int) -> dict:
    """A job coarse-graining one size with every block rule, one rule after the other (the memory of one)."""
    one = whole_grid(config, size)
    return {"mem_mb": one["mem_mb"], "runtime": _n_rules(config) * one["runtime"]}


def analysis(config: dict) -> dict:
    """The flow / MCRG analysis over every size and rule: all interaction densities in memory, bootstrapped."""
    n_t = len(config["ising2d"]["temperatures"])
    rules = _n_rules(config)
    total = 0.0
    work = 0.0
    for size in config["ising2d"]["sizes"]:
        levels = n_levels(size, config["rg"]["b"]) + 1
        total += rules * n_t * levels * samples_for(config, size) * 6 * 8
        work += rules * levels * samples_for(config, size) * config["rg"]["bootstrap"] * (n_t + 6)
    return _job(2 * total, 2e-7 * work)


def training(config: dict, size: int, samples: int, units: int, epochs: int) -> dict:
    """An RBM training on ``samples`` L×L configurations with ``units`` hidden units."""
    data = min(_budget(config), samples * training_row_bytes(size))
    work = epochs * samples * size * size * units * 12
    return _job(data + 16 * size * size * units, work / FLOPS)


def rsmi_fit(config: dict, size: int) -> dict:
    """An RSMI fit: the configurations' (V, E) rows within the memory budget, the optimiser's steps."""
    r = config["rsmi"]
    window = r["block"] + 2 * (r["buffer"] + r["environment"])
    rows = samples_for(config, size) * (size // r["block"]) ** 2 * window * window
    steps = r["steps"] + 500
    return _job(min(_budget(config), rows + samples_for(config, size) * size * size),
                steps * 2048 * (window * window * 32 + 4 * 32 * 32) * 4 / FLOPS)


#: Bytes a dimer RSMI fit holds per link-lattice cell of each configuration it reads (the cells, the block
#: rows drawn from them, the held-out terms): 1.8 GB at 4 × 4000 configurations of L = 32 (BENCHMARKS.md).
DIMER_RSMI_BYTES_PER_CELL = 18

#: Seconds per link-lattice cell of a dimer RSMI fit's configurations (≈ 60 s for 4 × 4000 at L = 32).
DIMER_RSMI_SECONDS_PER_CELL = 1e-6


def dimer_rsmi(config: dict, *, images: int = 4, size: int | None = None) -> dict:
    """A dimer RSMI fit: every configuration of one temperature on the 2L × 2L link lattice.

    ``images``: configurations per sample — below T_c, where the chains stay in their crystals, the
    fit adds three symmetry images of each (:func:`rgml.dimers.rsmi.symmetry_images`); 1 for the
    buffer scan at the highest temperature.  ``size``: the torus side (default ``dimers.rsmi.size``).
    """
    dimers = config["dimers"]
    size = size or dimers["rsmi"]["size"] or max(dimers["sizes"])
    cells = images * dimers["samples"] * (2 * size) ** 2
    return _job(cells * DIMER_RSMI_BYTES_PER_CELL, cells * DIMER_RSMI_SECONDS_PER_CELL)


def small(config: dict) -> dict:
    """Tables, figures and the 1D jobs."""
    return _job(256 * 2**20, 60)
