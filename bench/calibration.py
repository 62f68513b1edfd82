"""Cost of the Wolff sweep-length calibration just above Tc, against the two-stage one it replaced.

``ChainBatch.calibrate_clusters`` sets ``clusters_per_sweep = round(L² / ⟨C⟩)``.
Until this bench's revision it took a provisional ⟨C⟩ from 10 single-cluster
sweeps of the hot start and then ran the measuring sweeps at that length
(:func:`two_stage`, kept here as the baseline).  Just above Tc the hot start's
clusters are a few sites and the equilibrium ones thousands, so each measuring
sweep flipped that ratio times L² spins.  The sampler now grows the
provisional length by doubling rounds (see its docstring).

For every size, temperature and seed, one chain (as ``ChainBatch.start``
makes it: random above Tc, ordered at or below) is calibrated by both methods
with ``sweeps = 50`` as the sampler asks (the new method measures twice); the bench prints the wall time, the
random draws consumed (each cluster seed and bond test takes one: a
machine-independent measure of the work) and the resulting sweep length, then
per size and temperature the median ratios baseline / new.  The lengths of the two methods
estimate the same ⟨C⟩ and should agree to its sampling noise over 50 sweeps.

Usage: ``python bench/calibration.py [--sizes 64,128,256] [--temperatures 2.275,2.29,2.3,1.5,3.5]
[--seeds 1,2,3]`` (about 20 minutes on 2 cores with the defaults, nearly all of it the
baseline at L = 256).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from rgml.ising.sampler import ChainBatch

#: Measuring sweeps, as ``prepare_chains`` asks for with the default burn-in of 200.
SWEEPS = 50


def two_stage(batch: ChainBatch, sweeps: int) -> None:
    """The previous calibration: ⟨C⟩ from 10 single-cluster sweeps, then ``sweeps`` at that length."""
    n_sites = batch.size * batch.size
    all_wolff = np.ones(len(batch.sweeps), bool)
    batch.clusters_per_sweep[:] = 1
    for n in (10, sweeps):
        flipped = batch.advance(np.full(len(batch.sweeps), n), all_wolff) / (n * batch.clusters_per_sweep)
        mean_cluster = batch.per_temperature(flipped).mean(axis=1)
        batch.clusters_per_sweep = batch.per_chain(np.maximum(1, np.rint(n_sites / mean_cluster))).astype(np.int64)
    batch.sweeps[:] = 0


def rounds(batch: ChainBatch, sweeps: int) -> None:
    """The sampler's calibration."""
    batch.calibrate_clusters(sweeps)


def measure(method, size: int, temperature: float, seed: int) -> tuple[float, int, int]:
    """Wall time (s), draws consumed and sweep length of one chain's calibration."""
    batch = ChainBatch.start(size, [temperature], 1, seed=seed)
    start = time.perf_counter()
    method(batch, SWEEPS)
    return time.perf_counter() - start, int(batch.wolff_counters[0]), int(batch.clusters_per_sweep[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,128,256")
    parser.add_argument("--temperatures", default="2.275,2.29,2.3,1.5,3.5")
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    temperatures = [float(x) for x in args.temperatures.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, numpy {np.__version__}")
    measure(rounds, 8, 2.3, 0)  # compile the kernels outside the timings
    print("L    T       seed  baseline_s  new_s  baseline_draws  new_draws  length_baseline  length_new")
    for size in sizes:
        for temperature in temperatures:
            runs = np.array([(*measure(two_stage, size, temperature, seed), *measure(rounds, size, temperature, seed))
                             for seed in seeds])
            for seed, (t_old, d_old, n_old, t_new, d_new, n_new) in zip(seeds, runs):
                print(f"{size:<4d} {temperature:<7g} {seed:<5d} {t_old:10.3f} {t_new:6.3f} {int(d_old):15d} "
                      f"{int(d_new):10d} {int(n_old):16d} {int(n_new):11d}", flush=True)
            print(f"L = {size}, T = {temperature:g}: baseline / new, median over seeds: wall time "
                  f"{np.median(runs[:, 0] / runs[:, 3]):.3g}, draws {np.median(runs[:, 1] / runs[:, 4]):.3g}",
                  flush=True)

if __name__ == "__main__":
    main()
