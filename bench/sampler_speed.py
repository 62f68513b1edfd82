"""Speed of the 2D samplers (issue 2, acceptance 8), with baselines timed in the same run.

1. Checkerboard Metropolis throughput at L = 64, 16 temperatures × 4 chains batched:
   spin-flip attempts per ns, against a naive NumPy ``np.roll`` checkerboard.
2. At Tc, L = 64: wall time per effectively independent sample,
   time ÷ (sweeps / (2 τ_int)), Wolff vs Metropolis; τ_int = max over e and |m|.
3. The cost of a Wolff sweep in Metropolis sweeps (the sampler's WOLFF_SWEEP_COST).

Usage: ``python bench/sampler_speed.py [--repeats 5] [--threads 2]``.
"""

from __future__ import annotations

import argparse
import platform
import time

import numba
import numpy as np

from rgml.exact import TC
from rgml.ising.metropolis import acceptance_thresholds, metropolis_sweeps
from rgml.ising.sampler import WOLFF_SWEEP_COST
from rgml.ising.wolff import add_thresholds, neighbour_table, wolff_sweeps
from rgml.rng import Stream, stream_key
from rgml.stats import integrated_time

NONE = np.zeros((0, 0), np.int64)


def naive_checkerboard(spins, couplings, rng, sweeps):
    """Textbook NumPy Metropolis: np.roll neighbour sums, np.random uniforms, boolean masks."""
    size = spins.shape[-1]
    yy, xx = np.indices((size, size))
    colours = [(yy + xx) % 2 == c for c in (0, 1)]
    k = couplings[:, None, None]
    for _ in range(sweeps):
        for mask in colours:
            h = np.roll(spins, 1, 1) + np.roll(spins, -1, 1) + np.roll(spins, 1, 2) + np.roll(spins, -1, 2)
            delta = 2 * spins * h
            accept = rng.random(spins.shape) < np.exp(-k * delta)
            spins[mask & accept] *= -1


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def keys(n, tag):
    return np.array([stream_key(1, "bench", tag, i) for i in range(n)], np.uint64)


def throughput(repeats):
    size, n_t, chains, sweeps = 64, 16, 4, 200
    temperatures = np.tile(np.linspace(1.5, 3.5, n_t), chains)
    n = len(temperatures)
    spins = Stream.named(1, "bench-spins").spins((n, size, size))
    thresholds, k = acceptance_thresholds(1 / temperatures), keys(n, "m")
    done = np.zeros(n, np.int64)
    run = lambda: metropolis_sweeps(spins, thresholds, k, done, np.full(n, sweeps, np.int64), NONE, NONE)
    run()  # compile / warm up
    fast = n * size * size * sweeps / median_time(run, repeats) / 1e9
    naive_spins = spins.astype(np.int64)
    rng = np.random.default_rng(1)
    naive_sweeps = 10
    naive = n * size * size * naive_sweeps / median_time(
        lambda: naive_checkerboard(naive_spins, 1 / temperatures, rng, naive_sweeps), repeats) / 1e9
    return fast, naive


def independent_sample_cost(repeats):
    size, chains = 64, 8
    n_sites = size * size
    start = np.ones((chains, size, size), np.int8)
    k = np.full(chains, 1 / TC)

    def metropolis(sweeps, record):
        spins = start.copy()
        b = np.zeros((chains, sweeps if record else 0), np.int64)
        s = np.zeros_like(b)
        metropolis_sweeps(spins, acceptance_thresholds(k), keys(chains, "mt"), np.zeros(chains, np.int64),
                          np.full(chains, sweeps, np.int64), b, s)
        return b, s

    nb, thr = neighbour_table(size), add_thresholds(k)
    # clusters per sweep from a burn-in, as the sampler does
    flipped = np.zeros(chains, np.int64)
    probe = start.copy()
    wolff_sweeps(probe, nb, thr, keys(chains, "wp"), np.zeros(chains, np.uint64), np.full(chains, 200, np.int64),
                 np.ones(chains, np.int64), flipped, NONE, NONE)
    cps = max(1, round(n_sites / (flipped.sum() / (200 * chains))))

    def wolff(sweeps, record):
        spins = probe.copy()
        b = np.zeros((chains, sweeps if record else 0), np.int64)
        s = np.zeros_like(b)
        wolff_sweeps(spins, nb, thr, keys(chains, "wt"), np.zeros(chains, np.uint64),
                     np.full(chains, sweeps, np.int64), np.full(chains, cps, np.int64), np.zeros(chains, np.int64), b, s)
        return b, s

    rows = {}
    for name, fn, burn, sweeps in (("metropolis", metropolis, 2000, 20000), ("wolff", wolff, 0, 4000)):
        b, s = fn(burn + sweeps, True)
        e, m = -b[:, burn:] / n_sites, s[:, burn:] / n_sites
        tau = max(integrated_time(e), integrated_time(np.abs(m)))
        seconds = median_time(lambda: fn(sweeps, False), repeats)
        rows[name] = (tau, seconds / sweeps, seconds / (sweeps * chains / (2 * tau)))
    return rows, cps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    print(f"machine: {platform.processor() or platform.machine()}, {numba.get_num_threads()} threads, "
          f"numpy {np.__version__}, numba {numba.__version__}")
    fast, naive = throughput(args.repeats)
    print(f"Metropolis L=64, 16 T x 4 chains: {fast:.3f} flips/ns (target >= 0.5); naive np.roll {naive:.4f} "
          f"flips/ns; ratio {fast / naive:.1f}x (target >= 10x)")
    rows, cps = independent_sample_cost(args.repeats)
    (tm, sm, cm), (tw, sw, cw) = rows["metropolis"], rows["wolff"]
    print(f"At Tc, L=64, 8 chains: Metropolis tau_int={tm:.1f} sweeps, {sm * 1e3:.3f} ms/sweep, "
          f"{cm * 1e3:.3f} ms per independent sample")
    print(f"                      Wolff ({cps} clusters/sweep) tau_int={tw:.2f} sweeps, {sw * 1e3:.3f} ms/sweep, "
          f"{cw * 1e3:.3f} ms per independent sample")
    print(f"Wolff advantage per independent sample at Tc: {cm / cw:.1f}x (target >= 3x)")
    print(f"Wolff sweep cost in Metropolis sweeps: {sw / sm:.1f} (sampler uses WOLFF_SWEEP_COST = {WOLFF_SWEEP_COST})")


if __name__ == "__main__":
    main()
