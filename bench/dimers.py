"""Acceptance numbers of the dimer sampler (issue items 1, 2 and 6), printed with what made them.

Sections (all by default; ``--section`` picks some):

exact     6 × 6 torus: sampler histograms of (N_par, W_x, W_y) against the exact
          degeneracies of tests/reference/dimers_exact.json at T = inf, 1, 0.65, 0.5
          (chi-square p) and the mean energy (z with tau-corrected errors).
coulomb   T = inf, L = 64: staggered row correlation C(r) against the exact
          infinite-lattice free-dimer values for r <= 12 (z), and its exponent
          from A [r^-a + (L-r)^-a] (1 + b r^-2) over the stated range, jackknife error.
order     columnar order <|D|> and L^2 <D^2> against L at T = 0.5 (< T_c ~ 0.65),
          T = 1.0 and T = inf.
speed     worm vertices ("dimer moves") per second on one thread at L = 64, T = inf
          and T = 0.5, next to 2D Ising Metropolis spin updates per second measured
          in the same run (baseline); tau_int and cost per independent sample at
          T = inf, L = 64.
default   CPU seconds of a default-config-sized dimer stage.

    PYTHONPATH=$PWD/src python bench/dimers.py [--section exact coulomb ...] [--scale 0.25]

``--scale`` multiplies every sample count (for a quick look; the numbers in the
report use 1).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numba
import numpy as np

from rgml.dimers import (
    DimerChains,
    DimerDegeneracies,
    DimerSettings,
    fit_correlation_exponent,
    parallel_plaquettes,
    row_correlation,
    sample_dimers,
    winding_numbers,
)
from rgml.dimers.exact import free_row_correlation, histogram_pvalue
from rgml.ising.metropolis import acceptance_thresholds, metropolis_sweeps
from rgml.stats import estimate, jackknife

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "reference" / "dimers_exact.json"
SEED = 2026


def chain_series(values: np.ndarray, chains: int) -> np.ndarray:
    """Stored samples (sample = step · chains + chain) as ``(chains, steps)`` for rgml.stats."""
    n = values.size - values.size % chains
    return values[:n].reshape(-1, chains).T


def section_exact(scale: float) -> None:
    print("== acceptance 1: 6x6 torus against exact enumeration ==")
    exact = DimerDegeneracies.from_dict(json.loads(REFERENCE.read_text())["tori"]["6x6"])
    temperatures = [np.inf, 1.0, 0.65, 0.5]
    samples = int(20_000 * scale)
    settings = DimerSettings(chains=8, thin_factor=3.0)
    start = time.perf_counter()
    result = sample_dimers(6, temperatures, samples, seed=SEED, settings=settings)
    print(f"sample_dimers(6, {temperatures}, {samples}, seed={SEED}, chains=8, thin_factor=3): "
          f"{time.perf_counter() - start:.1f} s")
    print(f"{'T':>6} {'thin':>5} {'p(N_par,W)':>11} {'<e> MC':>12} {'exact':>10} {'z':>6}")
    for i, t in enumerate(temperatures):
        d = result.dimers[i]
        stat = np.column_stack([parallel_plaquettes(d), winding_numbers(d)])
        match = (stat[:, None, :] == exact.levels[None, :, :]).all(axis=-1)
        assert match.any(axis=1).all()
        p = histogram_pvalue(match.sum(axis=0), exact.probabilities(t))
        e = estimate(chain_series(result.energy[i], settings.chains))
        ref = exact.mean_energy(t)
        print(f"{t:>6} {result.plans[i].thin:>5} {p:>11.3f} {e.mean:>8.5f}({round(e.error * 1e5):>2}) "
              f"{ref:>10.5f} {(e.mean - ref) / e.error:>6.2f}")


def section_coulomb(scale: float) -> dict:
    print("== acceptance 2: Coulomb phase, T = inf, L = 64 ==")
    size, samples = 64, int(16_000 * scale)
    start = time.perf_counter()
    result = sample_dimers(size, [np.inf], samples, seed=SEED)
    wall = time.perf_counter() - start
    plan = result.plans[0]
    print(f"sample_dimers({size}, [inf], {samples}, seed={SEED}): {wall:.1f} s; tau_int = {plan.tau_int:.2f} "
          f"sweeps, thin = {plan.thin}, {plan.worms_per_sweep} worms/sweep of mean length "
          f"{plan.mean_worm_length:.0f}")
    c = row_correlation(result.dimers[0])
    exact = free_row_correlation(size // 2)
    print("C(0) = 3/16 and C(1) = 1/16 hold in every covering; r >= 2:")
    print(" r   C(r) MC            exact (L=inf)   z    pi^2 r^2 C_exact")
    for r in range(2, 13):
        err = jackknife(lambda sub, r=r: sub[:, r].mean(), (c,), blocks=20).error
        mean = c[:, r].mean()
        print(f"{r:>2} {mean:.6f}({round(err * 1e6):>3}) {exact[r]:.6f}  {(mean - exact[r]) / err:>6.2f}  "
              f"{np.pi**2 * r * r * exact[r]:.4f}")
    out = {}
    for r_min, r_max in [(4, 24), (4, 16)]:
        fit = fit_correlation_exponent(c, r_min=r_min, r_max=r_max)
        print(f"fit A[r^-a + (L-r)^-a](1 + b/r^2), r in [{r_min}, {r_max}]: a = {fit.exponent:.3f} "
              f"+- {fit.exponent_error:.3f} (jackknife, 20 blocks), A = {fit.amplitude:.4f} "
              f"(1/pi^2 = {1 / np.pi**2:.4f}), b = {fit.correction:.2f}, chi2/dof = {fit.chi2_per_dof:.2f}")
        out[(r_min, r_max)] = fit
    plain = fit_correlation_exponent(c, r_min=8, r_max=24, correction=False)
    print(f"plain fit A[r^-a + (L-r)^-a], r in [8, 24]: a = {plain.exponent:.3f} +- {plain.exponent_error:.3f}; "
          "on the exact L = inf curve the same plain fit reads "
          f"{_exact_plain_exponent(exact, 8, 24):.3f} (correction to scaling)")
    return {"plan": plan, "wall": wall, "samples": samples}


def _exact_plain_exponent(exact: np.ndarray, r_min: int, r_max: int) -> float:
    from rgml.dimers.observables import fit_power_law

    r = np.arange(len(exact), dtype=float)
    return fit_power_law(r, exact, exact * 1e-3, x_min=r_min, x_max=r_max).exponent


def section_order(scale: float) -> None:
    print("== acceptance 2: columnar order against L ==")
    sizes = [16, 32, 64]
    temperatures = [0.5, 1.0, np.inf]
    samples = int(400 * scale)
    print(f"sample_dimers(L, {temperatures}, {samples}, seed={SEED}) for L in {sizes}")
    print(f"{'T':>5} {'L':>4} {'<|D|>':>14} {'L^2 <D^2>':>12} {'tau_int':>8} {'thin':>5} {'frozen':>6} {'s':>6}")
    for size in sizes:
        start = time.perf_counter()
        result = sample_dimers(size, temperatures, samples, seed=SEED)
        wall = time.perf_counter() - start
        for i, t in enumerate(temperatures):
            d = np.hypot(result.columnar[i, :, 0], result.columnar[i, :, 1])
            s = estimate(chain_series(d, result.chains))
            chi = size**2 * np.mean(d**2)
            plan = result.plans[i]
            print(f"{t:>5} {size:>4} {s.mean:>8.4f}({round(s.error * 1e4):>3}) {chi:>12.1f} {plan.tau_int:>8.2f} "
                  f"{plan.thin:>5} {str(plan.sector_frozen):>6} {wall:>6.1f}")


def _vertices_per_second(size: int, temperature: float, seconds: float) -> tuple[float, DimerChains]:
    chains = DimerChains.start(size, [temperature], 1, seed=SEED)
    chains.calibrate(10)
    chains.advance([20])
    moves, start = chains.moves.sum(), time.perf_counter()
    n = 10
    while time.perf_counter() - start < seconds:
        chains.advance([n])
        n *= 2
    return (chains.moves.sum() - moves) / (time.perf_counter() - start), chains


def _ising_updates_per_second(size: int, seconds: float) -> float:
    spins = np.ones((1, size, size), np.int8)
    thresholds = acceptance_thresholds(np.array([1.0 / 2.269]))
    keys, counters = np.array([7], np.uint64), np.zeros(1, np.int64)
    empty = np.zeros((1, 0), np.int64)
    metropolis_sweeps(spins, thresholds, keys, counters, np.array([5]), empty, empty)
    done, n, start = 0, 10, time.perf_counter()
    while time.perf_counter() - start < seconds:
        metropolis_sweeps(spins, thresholds, keys, counters, np.array([n]), empty, empty)
        done += n
        n *= 2
    return done * size * size / (time.perf_counter() - start)


def section_speed(scale: float, coulomb: dict | None) -> None:
    print("== acceptance 6: throughput (one thread) ==")
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        rows = []
        for repeat in range(3):  # interleaved with the baseline: the machine is shared, report medians
            ising = _ising_updates_per_second(64, 1.0)
            hot, _ = _vertices_per_second(64, np.inf, 1.0)
            cold, _ = _vertices_per_second(64, 0.5, 1.0)
            rows.append((ising, hot, cold))
        ising, hot, cold = np.median(np.array(rows), axis=0)
    finally:
        numba.set_num_threads(threads)
    print(f"Ising Metropolis (baseline, L=64, T=2.269): {ising / 1e6:.1f} M spin updates/s")
    print(f"worm, L=64, T=inf: {hot / 1e6:.1f} M vertices/s ({hot / ising:.2f} x the baseline)")
    print(f"worm, L=64, T=0.5: {cold / 1e6:.1f} M vertices/s ({cold / ising:.2f} x the baseline)")
    if coulomb is None:
        coulomb = {"plan": sample_dimers(64, [np.inf], 40, seed=SEED).plans[0]}
    plan = coulomb["plan"]
    sweep_seconds = 64 * 64 / hot
    print(f"T=inf, L=64: tau_int = {plan.tau_int:.2f} sweeps (energy {plan.tau_energy:.2f}, |D| {plan.tau_order:.2f}, "
          f"winding {plan.tau_winding:.2f}, direction {plan.tau_direction:.2f}); a sweep = {64 * 64} vertices "
          f"= {sweep_seconds * 1e3:.2f} ms; cost per independent sample 2 tau_int sweeps = "
          f"{2 * plan.tau_int * sweep_seconds * 1e3:.2f} ms on one thread (stored every thin = {plan.thin} sweeps)")


def section_default(scale: float) -> None:
    print("== acceptance 6: a default-sweep-sized dimer stage ==")
    size, temperatures, samples = 32, [np.inf, 2.0, 1.0, 0.8, 0.65, 0.5], int(2000 * scale)
    cpu, wall = time.process_time(), time.perf_counter()
    result = sample_dimers(size, temperatures, samples, seed=SEED)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"sample_dimers({size}, {temperatures}, {samples}, seed={SEED}, chains=4): {cpu:.1f} s CPU "
          f"({wall:.1f} s wall, {numba.get_num_threads()} threads); {result.dimers.nbytes / 2**20:.0f} MiB of int8 "
          "links before compression")
    for p in result.plans:
        print(f"  T={p.temperature:<5} tau_int={p.tau_int:6.2f} thin={p.thin:4d} worms/sweep={p.worms_per_sweep:5d} "
              f"<worm>={p.mean_worm_length:8.1f} frozen={p.sector_frozen}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--section", nargs="+", default=["exact", "coulomb", "order", "speed", "default"],
                        choices=["exact", "coulomb", "order", "speed", "default"])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every sample count")
    args = parser.parse_args()
    print(f"numba threads: {numba.get_num_threads()}")
    coulomb = None
    for section in args.section:
        start = time.perf_counter()
        if section == "coulomb":
            coulomb = section_coulomb(args.scale)
        elif section == "speed":
            section_speed(args.scale, coulomb)
        else:
            globals()[f"section_{section}"](args.scale)
        print(f"[{section}: {time.perf_counter() - start:.0f} s]\n", flush=True)


if __name__ == "__main__":
    main()
