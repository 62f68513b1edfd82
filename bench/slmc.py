"""Self-learning Monte Carlo on the plaquette Ising model: every acceptance number of issue item 2.

Prints, for J = 1, K = 0.2 (Liu, Qi, Meng & Fu, PRB 95, 041101(R) (2017)):

1. Exactness on the 4x4 torus: chi-square p of the joint (E, |M|) histogram of local
   Metropolis, pure SLMC and hybrid SLMC against enumeration (tests/reference).
2. The effective model at T = 2.493: J_eff ± error and R² for 1 and 3 neighbour shells,
   and whether the quoted error covers the scatter of independent training runs.
3. Tc from the Binder crossings of L = 16, 32 (and 64) (SLMC-only scans), against the paper's 2.493.
4. Local vs SLMC agreement of <e> and <|m|> at three temperatures (z-scores).
5. At T = 2.493 and each L: tau_int (max of e and |m|, the sampler's estimator), acceptance,
   wall and CPU time per sweep (fastest of repeated interleaved unrecorded bursts, all in one
   run) and cost per independent sample = time/sweep x 2 tau_int / chains, for local
   Metropolis, pure SLMC, hybrid SLMC (one local sweep after every cluster sweep) and hybrid
   SLMC with the 3-shell fit; the ratio local/SLMC in wall and in CPU time.
6. The default-sweep study run twice: CPU seconds and bitwise reproducibility.
7. (``--clusters-scan`` alone) At T = 2.493, hybrid SLMC with 1 … 5 cluster proposals per sweep forced
   instead of calibrated, two seeds each: tau_int with its Madras–Sokal error, CPU time per
   recorded sweep (as the workflow times its runs) and the cost per independent sample against
   local Metropolis: does the calibrated round(L² / <C>) matter?

Usage: ``python bench/slmc.py [--sizes 16 32 48 64] [--threads 2] [--repeats 9] [--quick] [--cost-only]
[--clusters-scan]`` (about 15 minutes on 2 cores with the default sizes; ``--quick`` runs L = 16, 32 only
and shorter Binder runs; ``--cost-only`` trains the effective models and prints section 5 alone,
``--clusters-scan`` section 7 alone).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from pathlib import Path

import numba
import numpy as np

from rgml.rng import stream_key
from rgml.slmc import (
    TIMING_VARIABLES,
    PlaquetteModel,
    SLMCConfig,
    binder_crossing,
    bond_thresholds,
    histogram_p_value,
    plaquette_metropolis_sweeps,
    plaquette_thresholds,
    run_cluster,
    run_local,
    run_slmc,
    shell_table,
    slmc_sweeps,
    summarise,
    train_effective_model,
)
from rgml.slmc.cluster import CLUSTER_STATS
from rgml.stats import tau_error

ROOT = Path(__file__).resolve().parents[1]
EXACT = json.loads((ROOT / "tests" / "reference" / "plaquette_ising_exact.json").read_text())
TC_PAPER = EXACT["literature"]["Tc"]
LEVELS = np.array(EXACT["density_of_states"]["rows"])
MODEL = PlaquetteModel()
SEED = 2026

#: The recommended default-sweep study (config/config.yaml), in the driver's terms.
DEFAULT_SIZES = (16, 32)
DEFAULT_TEMPERATURES = (2.3, 2.493, 2.7)
BINDER_TEMPERATURES = (2.45, 2.47, 2.49, 2.51, 2.53)
DEFAULT = SLMCConfig(chains=4, shells=1, train_temperature=2.493, train_samples=2000, train_thin=5,
                     train_thermalize=1000, local_thermalize=2000, local_sweeps=20000, slmc_thermalize=200,
                     slmc_sweeps=4000, local_per_slmc_sweep=1, acf_lags=1000)


# ---------------------------------------------------------------------------- 1. exactness
def chi_square_p(sums, temperature):
    return histogram_p_value(sums, LEVELS, temperature, MODEL)


def exactness():
    print("\n1. Exactness on the 4x4 torus (joint (C1, P, |M|) histogram, 20 000 samples each, p > 1e-3 passes)")
    effective = train_effective_model(4, 2.493, MODEL, SLMCConfig(chains=8, shells=3), seed=SEED)
    for t in (2.0, 2.493, 3.0):
        local = run_local(4, t, MODEL, chains=8, thermalize=100, sweeps=25_000, seed=SEED)
        pure = run_cluster(4, t, MODEL, effective, chains=8, thermalize=100, sweeps=10_000, seed=SEED)
        hybrid = run_cluster(4, t, MODEL, effective, chains=8, thermalize=100, sweeps=10_000, seed=SEED,
                             local_per_sweep=1)
        print(f"   T={t:<6} local p={chi_square_p(local.sums[:, 9::10], t):.3f}   "
              f"SLMC p={chi_square_p(pure.sums[:, 3::4], t):.3f} (acceptance {pure.acceptance:.3f})   "
              f"hybrid p={chi_square_p(hybrid.sums[:, 3::4], t):.3f}")


# ---------------------------------------------------------------------------- 2. effective model
def effective_models(size):
    print(f"\n2. Effective model fitted at T={TC_PAPER}, L={size} (local-update training samples)")
    for shells in (1, 3):
        config = SLMCConfig(chains=4, shells=shells, train_samples=4000, train_thin=max(5, size // 4))
        fit = train_effective_model(size, TC_PAPER, MODEL, config, seed=SEED)
        text = ", ".join(f"J{n + 1} = {j:.4f} ± {e:.4f}" for n, (j, e) in enumerate(zip(fit.couplings,
                                                                                       fit.couplings_err)))
        print(f"   {shells} shell(s): {text}; E0/N = {fit.e0:.4f} ± {fit.e0_err:.4f}; R² = {fit.r2:.5f}; "
              f"rms residual {fit.residual_rms:.4f} J/spin; residual tau {fit.residual_tau:.2f}")
    # error bars against the scatter of independent training runs
    config = SLMCConfig(chains=4, shells=1, train_samples=2000, train_thin=max(5, size // 4))
    runs = [train_effective_model(size, TC_PAPER, MODEL, config, seed=seed) for seed in range(1, 9)]
    j1 = np.array([r.couplings[0] for r in runs])
    err = np.array([r.couplings_err[0] for r in runs])
    print(f"   8 independent 1-shell fits (2000 samples each): J1 scatter (std) {j1.std(ddof=1):.5f} vs "
          f"mean quoted error {err.mean():.5f} (ratio {j1.std(ddof=1) / err.mean():.2f})")


# ---------------------------------------------------------------------------- 3. Binder crossing
def critical_temperature(sizes, sweeps):
    config = replace(DEFAULT, slmc_sweeps=sweeps)
    print(f"\n3. Tc from Binder crossings of L = {sizes} (SLMC-only scans, {config.chains} chains x {sweeps} "
          f"sweeps per T, hybrid m={config.local_per_slmc_sweep})")
    scans = {size: run_slmc(size, BINDER_TEMPERATURES, MODEL, config, seed=SEED, algorithms=("slmc",))
             for size in sizes}
    for size, scan in scans.items():
        print(f"   L={size}: U4 = " + ", ".join(f"{t}: {u:.4f}({e * 1e4:.0f})" for t, u, e in
                                            zip(BINDER_TEMPERATURES, scan.binder[:, 0], scan.binder_err[:, 0])))
    for small, large in zip(sizes[:-1], sizes[1:]):
        crossing = binder_crossing(BINDER_TEMPERATURES, scans[small].binder[:, 0], scans[small].binder_err[:, 0],
                                   scans[large].binder[:, 0], scans[large].binder_err[:, 0])
        z = (crossing.mean - TC_PAPER) / crossing.error
        print(f"   L={small}/{large}: crossing T* = {crossing.mean:.4f} ± {crossing.error:.4f} (in grid: "
              f"{crossing.reliable}); paper Tc = {TC_PAPER}: z = {z:+.2f}")


# ---------------------------------------------------------------------------- 4. agreement
def agreement(sizes):
    print(f"\n4. Local vs SLMC at T = {DEFAULT_TEMPERATURES} (default-sweep study; z = (SLMC - local)/sigma)")
    results = {}
    for size in sizes:
        result = run_slmc(size, DEFAULT_TEMPERATURES, MODEL, DEFAULT, seed=SEED)
        results[size] = result
        frame = result.agreement()
        for (_, row), e, m in zip(frame.iterrows(), result.energy, result.abs_magnetization):
            print(f"   L={size} T={row.temperature}: <e> local {e[0]:.5f} SLMC {e[1]:.5f} z={row.z_energy:+.2f}; "
                  f"<|m|> local {m[0]:.4f} SLMC {m[1]:.4f} z={row.z_abs_magnetization:+.2f}")
    return results


# ---------------------------------------------------------------------------- 5. cost at Tc
def _timing_states(size, effective, chains):
    """Thermalized local, pure-SLMC and hybrid-SLMC kernel calls at Tc, each doing n unrecorded sweeps."""
    t = np.full(chains, TC_PAPER)
    keys = np.array([stream_key(SEED, "bench-slmc", size, i) for i in range(chains)], np.uint64)
    local_thr = plaquette_thresholds(t, MODEL.coupling, MODEL.plaquette)
    shells = shell_table(size)
    couplings = effective.padded()
    bond = bond_thresholds(t, couplings)
    none = np.zeros((chains, 0, 3), np.int64)
    true = np.array([MODEL.coupling, MODEL.plaquette])

    def local_call(spins, done):
        def run(n):
            plaquette_metropolis_sweeps(spins, local_thr, keys, done, np.full(chains, n, np.int64),
                                        np.zeros(chains, np.int64), none)
        return run

    def cluster_call(spins, counters, clusters, per_sweep, local_done, stats):
        def run(n):
            slmc_sweeps(spins, shells, bond, 1.0 / t, true, couplings, keys, counters,
                        np.full(chains, n, np.int64), clusters, per_sweep, local_thr, keys, local_done, stats, none)
        return run

    calls = {"local": local_call(np.ones((chains, size, size), np.int8), np.zeros(chains, np.int64))}
    for name, per_sweep in (("pure SLMC", 0), ("hybrid SLMC", 1)):
        stats = np.zeros((chains, len(CLUSTER_STATS)), np.int64)
        clusters = np.ones(chains, np.int64)
        run = cluster_call(np.ones((chains, size, size), np.int8), np.zeros(chains, np.uint64), clusters,
                           per_sweep, np.zeros(chains, np.int64), stats)
        for n in (10, 100, 100):  # calibrate the sweep length as run_cluster does
            stats[:] = 0
            run(n)
            clusters[:] = max(1, round(size * size * stats[:, 0].sum() / stats[:, 2].sum()))
        calls[name] = run
    calls["local"](2000)
    return calls


def seconds_per_sweep(calls, repeats):
    """Interleaved bursts of ~0.1 s of each algorithm; the fastest burst's wall and CPU time per sweep.

    On a machine shared with other jobs the least-disturbed burst is the best
    estimate of what a sweep costs; CPU time (all threads) is less disturbed
    than wall time.  Returns {name: (wall, cpu)} in seconds per sweep.
    """
    burst = {}
    for name, run in calls.items():  # size the bursts
        start = time.perf_counter()
        run(10)
        burst[name] = max(1, int(0.1 / max((time.perf_counter() - start) / 10, 1e-9)))
    wall = {name: [] for name in calls}
    cpu = {name: [] for name in calls}
    for _ in range(repeats):
        for name, run in calls.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            run(burst[name])
            wall[name].append((time.perf_counter() - start) / burst[name])
            cpu[name].append((time.process_time() - start_cpu) / burst[name])
    return {name: (min(wall[name]), min(cpu[name])) for name in calls}


def local_at_tc(size, chains, *, min_sweeps, sweeps_per_tau):
    """Local Metropolis at T = 2.493, long enough for its tau_int (guessed as 60 (L/32)^2.2 sweeps)."""
    tau_guess = 60.0 * (size / 32) ** 2.2
    return run_local(size, TC_PAPER, MODEL, chains=chains, thermalize=int(max(2000, 20 * tau_guess)),
                     sweeps=int(max(min_sweeps, sweeps_per_tau * tau_guess)), seed=SEED)


def tau_of(summary):
    """The sampler's tau_int of a :func:`summarise` row: the larger of e's and |m|'s."""
    return max(summary["tau_energy"], summary["tau_abs_magnetization"])


def cost_at_tc(sizes, effective_by_size, three_shell_by_size, repeats, chains=4):
    print(f"\n5. Cost per independent sample at T = {TC_PAPER} ({chains} chains; tau = max(tau_e, tau_|m|) in sweeps; "
          f"time per sweep = fastest of {repeats} interleaved bursts)")
    print("   L   algorithm         tau_e   tau_|m|  acceptance  <C>/N  wall us/sweep  cpu us/sweep  "
          "cost(ms,wall)  speedup(wall)  speedup(cpu)")
    rows = {}
    for size in sizes:
        effective = effective_by_size[size]
        local = local_at_tc(size, chains, min_sweeps=20_000, sweeps_per_tau=300)
        pure = run_cluster(size, TC_PAPER, MODEL, effective, chains=chains, thermalize=1000, sweeps=6000, seed=SEED)
        hybrid = run_cluster(size, TC_PAPER, MODEL, effective, chains=chains, thermalize=400, sweeps=4000,
                             seed=SEED, local_per_sweep=1)
        three = run_cluster(size, TC_PAPER, MODEL, three_shell_by_size[size], chains=chains, thermalize=400,
                            sweeps=4000, seed=SEED, local_per_sweep=1)
        calls = _timing_states(size, effective, chains)
        calls["hybrid, 3 shells"] = _timing_states(size, three_shell_by_size[size], chains)["hybrid SLMC"]
        timing = seconds_per_sweep(calls, repeats)
        cost = {}
        for name, run in (("local", local), ("pure SLMC", pure), ("hybrid SLMC", hybrid), ("hybrid, 3 shells", three)):
            s = summarise(run, MODEL, size * size, acf_lags=1)
            tau = tau_of(s)
            wall, cpu = timing[name]
            cost[name] = (wall * 2.0 * tau / chains, cpu * 2.0 * tau / chains)
            flag = "" if s["reliable"] else "  (chain < 50 tau: tau unreliable)"
            print(f"   {size:<3} {name:<16} {s['tau_energy']:7.2f} {s['tau_abs_magnetization']:8.2f} "
                  f"{s['acceptance']:10.3f} {s['mean_cluster_size'] / size**2:7.3f} {wall * 1e6:12.1f} "
                  f"{cpu * 1e6:13.1f} {cost[name][0] * 1e3:14.3f} {cost['local'][0] / cost[name][0]:13.2f} "
                  f"{cost['local'][1] / cost[name][1]:13.2f}{flag}")
        rows[size] = cost
    return rows


# ---------------------------------------------------------------------------- 7. clusters per sweep
def clusters_scan(sizes, effective_by_size, chains=4, clusters=(1, 2, 3, 4, 5), seeds=(1, 2)):
    print(f"\n7. Cost per independent sample at T = {TC_PAPER} against forced cluster proposals per sweep (hybrid SLMC, "
          f"{chains} chains, 10 000 recorded sweeps; CPU time of the recorded run; tau = max(tau_e, tau_|m|))")
    print("   L   clusters (calibrated)  seed  acceptance  tau            cpu us/sweep  cost (ms)  speedup (cpu)")
    for size in sizes:
        local = local_at_tc(size, chains, min_sweeps=50_000, sweeps_per_tau=400)
        s = summarise(local, MODEL, size * size, acf_lags=1)
        tau = tau_of(s)
        local_cost = s["cpu_cost_per_independent_sample"]
        print(f"   {size:<3} local Metropolis                   {tau:6.1f} ± {tau_error(tau, s['sweeps'] * chains):5.1f}"
              f"  {local.cpu_seconds / s['sweeps'] * 1e6:12.0f}  {local_cost * 1e3:9.3f}")
        calibrated = run_cluster(size, TC_PAPER, MODEL, effective_by_size[size], chains=chains, thermalize=400,
                                 sweeps=10, seed=SEED, local_per_sweep=1).clusters_per_sweep
        for n in clusters:
            for seed in seeds:
                run = run_cluster(size, TC_PAPER, MODEL, effective_by_size[size], chains=chains, thermalize=1000,
                                  sweeps=10_000, seed=seed, local_per_sweep=1, clusters_per_sweep=n)
                r = summarise(run, MODEL, size * size, acf_lags=1)
                tau = tau_of(r)
                cost = r["cpu_cost_per_independent_sample"]
                print(f"   {size:<3} {n} ({calibrated}){'':16} {seed:4}  {r['acceptance']:10.3f}  {tau:6.2f} ± "
                      f"{tau_error(tau, r['sweeps'] * chains):5.2f}  {run.cpu_seconds / r['sweeps'] * 1e6:12.0f}  "
                      f"{cost * 1e3:9.3f}  {local_cost / cost:13.2f}", flush=True)


# ---------------------------------------------------------------------------- 6. default sweep
def default_sweep(results):
    print(f"\n6. Default-sweep study: L = {DEFAULT_SIZES}, local vs SLMC at T = {DEFAULT_TEMPERATURES} and an "
          f"SLMC-only Binder scan at T = {BINDER_TEMPERATURES}; {DEFAULT}")
    start_cpu, start = time.process_time(), time.perf_counter()
    again = {}
    for size in DEFAULT_SIZES:
        again[size] = run_slmc(size, DEFAULT_TEMPERATURES, MODEL, DEFAULT, seed=SEED)
        run_slmc(size, BINDER_TEMPERATURES, MODEL, DEFAULT, seed=SEED, effective=again[size].effective,
                 algorithms=("slmc",))
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    identical = all(
        again[size].to_dataset().drop_vars(TIMING_VARIABLES).identical(
            results[size].to_dataset().drop_vars(TIMING_VARIABLES)) for size in DEFAULT_SIZES)
    print(f"   CPU {cpu:.1f} s, wall {wall:.1f} s on {numba.get_num_threads()} threads (target: 60-90 s CPU); "
          f"rerun bitwise identical (all but wall times): {identical}")
    for size in DEFAULT_SIZES:
        print(again[size].speedup().to_string(index=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 48, 64])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="sizes 16 and 32, short Binder runs")
    parser.add_argument("--cost-only", action="store_true", help="only section 5, the cost per independent sample")
    parser.add_argument("--clusters-scan", action="store_true",
                        help="only section 7, the cost against forced cluster proposals per sweep")
    args = parser.parse_args()
    sizes = [16, 32] if args.quick else args.sizes
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    print(f"machine: {platform.processor() or platform.machine()}, {numba.get_num_threads()} threads, "
          f"numpy {np.__version__}, numba {numba.__version__}; model J={MODEL.coupling}, K={MODEL.plaquette}")
    if not (args.cost_only or args.clusters_scan):
        exactness()
        effective_models(32)
    effective_by_size, three_shell_by_size = {}, {}
    for size in sizes:
        config = SLMCConfig(chains=4, shells=1, train_samples=2000, train_thin=max(5, size // 4))
        effective_by_size[size] = train_effective_model(size, TC_PAPER, MODEL, config, seed=SEED)
        if not args.clusters_scan:
            three_shell_by_size[size] = train_effective_model(size, TC_PAPER, MODEL, replace(config, shells=3),
                                                              seed=SEED)
    if args.cost_only:
        cost_at_tc(sizes, effective_by_size, three_shell_by_size, args.repeats)
        return
    if args.clusters_scan:
        clusters_scan(sizes, effective_by_size)
        return
    critical_temperature((16, 32) if args.quick else (16, 32, 64), 3000 if args.quick else 12000)
    results = agreement(DEFAULT_SIZES)
    cost_at_tc(sizes, effective_by_size, three_shell_by_size, args.repeats)
    default_sweep(results)


if __name__ == "__main__":
    main()
