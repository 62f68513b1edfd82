"""Phases from configurations on the default sweep's ising2d stores: every acceptance number, with timings.

Runs the three analyses of :mod:`rgml.phases` with their default configs on
the sample stores ``L{L}.zarr`` of a directory (the default sweep: L = 8,
16, 32, 64; 16 temperatures; 1000 samples, 6000 at L = 8; 4 chains) and
prints

1. PCA — per L the cosine of the leading component with the uniform vector,
   the explained-variance spectrum and the share of each temperature's
   variance along it; Binder crossings of the projection; Tc and ν from the
   collapse of its Binder cumulant.
2. Supervised — per classifier and L the training time, iterations, test
   accuracy and Tc(L) (½ crossing); Tc extrapolated in 1/L, crossings of
   successive sizes, and Tc, ν from the collapse of the output curves.
3. Confusion — per L the accuracy against the proposed T'_c (the W), its
   middle peak, the distance of the peak from Tc in grid spacings and how
   far its accuracy stands above the proposals next to Tc and the two on
   either side of it (paired bootstrap differences, in σ); the peaks
   extrapolated in 1/L.
4. CPU and wall time of each analysis (process time of this process; BLAS
   runs on one thread inside the analyses), and with ``--repeat`` a second
   run compared bit for bit (timings excepted).

``--scan`` adds the sensitivity of the results to the knobs a reader would
doubt: all sizes in the fits (``fss_min_size=0``), the L2 strength, the
network's initial weights (other seeds), the confusion weighting and class
balance, and the confusion classifier (logistic or network) across four
decades of its L2 strength.

Make the stores with the CLI (about 2 minutes on 2 cores)::

    for L in 8 16 32 64; do n=1000; [ $L = 8 ] && n=6000
      rgml sample ising2d --size $L --samples $n --chains 4 --seed 2026 --out /tmp/phases/L$L.zarr \\
        --temperatures 1.5,1.8,2.0,2.1,2.2,2.24,2.26,2.269185,2.28,2.3,2.35,2.45,2.6,2.8,3.1,3.5; done

Usage: ``python bench/phases.py --stores /tmp/phases [--repeat] [--scan]``.

The default sweep also samples L = 256 for the confusion scheme
(``phases.confusion.extra_sizes``): ``--sizes 8,12,16,32,36,64,256 --analyses confusion``
on its stores.  The confusion peak on the paper grid (config/paper.yaml
``ising2d.temperatures``), from stores made by hand::

    T=1.5,1.7,1.9,2.0,2.1,2.15,2.2,2.22,2.24,2.25,2.26,2.269185,2.275,2.28,2.29,2.3,2.32,2.35,2.4,2.45,2.5,2.6,2.8,3.1,3.5
    for L in 128 256; do rgml sample ising2d --size $L --samples 400 --chains 4 --seed 2026 \\
      --out /tmp/paper/L$L.zarr --temperatures $T; done
    python bench/phases.py --stores /tmp/paper --sizes 128,256 --analyses confusion

(2 cores, before revision b258f49: sampling 2 min 21 s at L = 128 and 23 min at
L = 256, of which the production was 47 s and the rest the Wolff calibration just
above Tc that b258f49 replaced, BENCHMARKS.md; the confusion scheme 1 min 14 s.)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path

import numpy as np
import xarray as xr

from rgml.exact import TC
from rgml.phases import (ConfusionConfig, PCAConfig, SizeSamples, SupervisedConfig, confusion_phases, pca_phases,
                         supervised_phases)

SEED = 2026


def load(stores: Path, sizes: list[int]) -> dict[int, SizeSamples]:
    data = {}
    for L in sizes:
        path = stores / f"L{L}.zarr"
        if not path.exists():
            raise SystemExit(f"{path}: missing; make the stores first (see the docstring of bench/phases.py)")
        with xr.open_zarr(path) as ds:
            data[L] = SizeSamples.from_dataset(ds)
    return data


def timed(fn, *args, **kwargs):
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.process_time() - cpu, time.perf_counter() - wall


def off(value: float, error: float) -> str:
    """``2.2702 ± 0.0013 (+0.04 %, +0.8 σ)`` against Tc."""
    rel = 100 * (value - TC) / TC
    sig = (value - TC) / error if error > 0 else np.nan
    return f"{value:.4f} ± {error:.4f} ({rel:+.2f} %, {sig:+.1f} σ)"


def nu_text(nu: float, error: float) -> str:
    return f"{nu:.3f} ± {error:.3f} ({100 * (nu - 1):+.1f} %, {(nu - 1) / error if error > 0 else np.nan:+.1f} σ)"


def grid_spacing_at_tc(temps: np.ndarray) -> float:
    """The grid interval around Tc: the larger of its two neighbouring intervals when Tc is a grid point."""
    i = int(np.searchsorted(temps, TC - 1e-6))
    if i < temps.size and abs(temps[i] - TC) < 1e-6:
        return float(max(np.diff(temps)[max(i - 1, 0): i + 1]))
    return float(temps[i] - temps[i - 1])


def report_pca(r) -> None:
    print("\n== 1. PCA (Wang 2016) ==")
    print("  L   cos(w1, uniform)  explained variance ratio (1st, 2nd, 3rd)   fit s")
    for i, L in enumerate(r.sizes):
        ev = ", ".join(f"{v:.4f}" for v in r.explained_variance_ratio[i, :3])
        print(f"  {L:<3} {r.cosine_uniform[i]:.6f}          {ev}                 {r.fit_seconds[i]:.2f}")
    print("  variance share along w1 against T (rows L):")
    print("  T    " + " ".join(f"{t:6.3f}" for t in r.temperatures))
    for i, L in enumerate(r.sizes):
        print(f"  {L:<4} " + " ".join(f"{v:6.3f}" for v in r.variance_fraction[i]))
    for L, t, e in zip(r.pair_sizes, r.tc_pairs, r.tc_pairs_err):
        print(f"  Binder crossing ({L}, next): {off(t, e)}")
    print(f"  collapse (L >= {r.config.fss_min_size}): Tc = {off(r.tc, r.tc_err)}, nu = {nu_text(r.nu, r.nu_err)}, "
          f"quality {r.collapse_quality:.2f}")
    print(f"  ACCEPTANCE 1: min cos = {r.cosine_uniform.min():.6f} (>= 0.99); Tc within "
          f"{100 * abs(r.tc - TC) / TC:.2f} % (<= 1 %) ± {r.tc_err:.4f}")


def report_supervised(r) -> None:
    print("\n== 2. Supervised (Carrasquilla & Melko 2017): train T < 2.0 vs T > 2.6 ==")
    for i, m in enumerate(r.models):
        print(f"  [{m}]  L   train s  iterations  test acc  Tc(L) (½ crossing)")
        for j, L in enumerate(r.sizes):
            print(f"  {'':{len(m) + 2}}  {L:<3} {r.train_seconds[i, j]:7.2f}  {int(r.iterations[i, j]):10d}  "
                  f"{r.test_accuracy[i, j]:.4f}    {r.tc_size[i, j]:.4f} ± {r.tc_size_err[i, j]:.4f}")
        for L, t, e in zip(r.pair_sizes, r.tc_pairs[i], r.tc_pairs_err[i]):
            print(f"    output crossing ({L}, next): {off(t, e)}")
        print(f"    Tc(L) = Tc + a/L over L >= {r.config.fss_min_size}: Tc = {off(r.tc[i], r.tc_err[i])}, "
              f"a = {r.slope[i]:.3f}, chi2/dof = {r.chi2[i]:.2f}")
        print(f"    collapse: Tc = {off(r.collapse_tc[i], r.collapse_tc_err[i])}, "
              f"nu = {nu_text(r.nu[i], r.nu_err[i])}, quality {r.collapse_quality[i]:.2f}")
        print(f"    ACCEPTANCE 2 [{m}]: Tc within {100 * abs(r.tc[i] - TC) / TC:.2f} % (<= 1 %) ± {r.tc_err[i]:.4f}; "
              f"nu within {100 * abs(r.nu[i] - 1):.1f} % (<= 10 %); training s per L "
              + ", ".join(f"{s:.2f}" for s in r.train_seconds[i]))


def report_confusion(r) -> None:
    print(f"\n== 3. Confusion (van Nieuwenburg et al. 2017), {r.config.model}, weighting {r.config.weighting}, "
          f"balance {r.config.balance} ==")
    print("  T'c  " + " ".join(f"{t:6.3f}" for t in r.proposal))
    for i, L in enumerate(r.sizes):
        print(f"  {L:<4} " + " ".join(f"{a:6.3f}" for a in r.accuracy[i]))
    print(f"  err  " + " ".join(f"{e:6.3f}" for e in r.accuracy_err.max(axis=0)))
    spacing = grid_spacing_at_tc(r.temperatures)
    near = [int(np.flatnonzero(r.proposal < TC)[-1]), int(np.flatnonzero(r.proposal > TC)[0])]  # around Tc
    for i, L in enumerate(r.sizes):
        d = abs(r.peak[i] - TC)
        print(f"  L={L:<3} middle peak {r.peak[i]:.4f} ± {r.peak_err[i]:.4f}: |peak − Tc| = {d:.4f} = "
              f"{d / spacing:.2f} grid spacings at Tc ({spacing:.4f}); training {r.train_seconds[i]:.2f} s")
        if np.isnan(r.peak[i]):
            continue
        k = int(np.argmin(np.abs(r.proposal - r.peak[i])))
        inner = range(1, r.proposal.size - 1)  # the trivial ends have no spread
        for j in sorted({j for j in (*near, k - 2, k - 1, k + 1, k + 2) if j in inner and j != k}):
            diff = r.accuracy_replicas[i, :, k] - r.accuracy_replicas[i, :, j]
            gap, err = r.accuracy[i, k] - r.accuracy[i, j], diff.std(ddof=1)
            print(f"        peak above T'c = {r.proposal[j]:.4f}{' (next to Tc)' if j in near else ''} by "
                  f"{gap:.4f} ± {err:.4f} ({gap / err:.1f} σ, paired bootstrap)")
    print(f"  peaks extrapolated in 1/L (L >= {r.config.fss_min_size}): Tc = {off(r.tc, r.tc_err)}, "
          f"chi2/dof {r.chi2:.2f}")


def identical(a, b) -> bool:
    drop = [v for v in a.data_vars if v.endswith("seconds")]
    return a.drop_vars(drop).identical(b.drop_vars(drop))


def scan(data) -> None:
    print("\n== scan: sensitivity to the knobs ==")
    r = pca_phases(data, PCAConfig(fss_min_size=0), seed=SEED)
    print(f"  PCA, all sizes: Tc = {off(r.tc, r.tc_err)}, nu = {nu_text(r.nu, r.nu_err)}, q {r.collapse_quality:.2f}")
    for l2 in (1e-5, 1e-4, 1e-3):
        for min_size in (0, 16):
            try:
                r = supervised_phases(data, SupervisedConfig(l2=l2, fss_min_size=min_size), seed=SEED)
            except ValueError as error:  # a classifier that did not learn
                print(f"  supervised l2={l2:g} min L={min_size:<2}: {error}")
                continue
            for i, m in enumerate(r.models):
                print(f"  supervised l2={l2:g} min L={min_size:<2} {m:8s}: Tc(1/L) = {off(r.tc[i], r.tc_err[i])} "
                      f"chi2 {r.chi2[i]:6.1f} | collapse nu = {nu_text(r.nu[i], r.nu_err[i])} "
                      f"q {r.collapse_quality[i]:5.1f}")
    for seed in (1, 2, 3):
        r = supervised_phases(data, SupervisedConfig(models=("network",)), seed=seed)
        print(f"  network seed {seed}: Tc(L) " + " ".join(f"{t:.4f}" for t in r.tc_size[0])
              + f" | Tc = {off(r.tc[0], r.tc_err[0])} | nu = {nu_text(r.nu[0], r.nu_err[0])}")
    for weighting in ("spacing", "uniform"):
        for balance in (True, False):
            r = confusion_phases(data, ConfusionConfig(weighting=weighting, balance=balance), seed=SEED)
            print(f"  confusion {weighting:7s} balance={balance!s:5s}: peaks "
                  + " ".join(f"{p:.4f}" for p in r.peak) + f" | extrapolated Tc = {off(r.tc, r.tc_err)}")
    for model in ("logistic", "network"):
        for l2 in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
            try:
                r = confusion_phases(data, ConfusionConfig(model=model, l2=l2), seed=SEED)
            except ValueError as error:  # a network collapsed onto zero weights
                print(f"  confusion {model:8s} l2={l2:<6g}: {error}")
                continue
            print(f"  confusion {model:8s} l2={l2:<6g}: peaks " + " ".join(f"{p:.4f}" for p in r.peak)
                  + f" | extrapolated Tc = {off(r.tc, r.tc_err)}")
            if model == "network":  # the W of a classifier other than the default, in full
                report_confusion(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=Path, default=Path("results/samples/ising2d"))
    parser.add_argument("--sizes", default="8,16,32,64")
    parser.add_argument("--repeat", action="store_true", help="run again and compare bit for bit")
    parser.add_argument("--scan", action="store_true", help="sensitivity scans (several minutes)")
    parser.add_argument("--analyses", default="pca,supervised,confusion",
                        help="which to run, e.g. confusion alone on stores of large L")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"load {os.getloadavg()[0]:.1f}; seed {SEED}")
    data, load_cpu, load_wall = timed(load, args.stores, sizes)
    shapes = ", ".join(f"L={L}: {s.n_samples} x {s.temperatures.size} T, {s.chains} chains" for L, s in data.items())
    print(f"loaded {shapes} ({load_cpu:.1f} s CPU, {load_wall:.1f} s wall)")
    analyses = {
        "pca": (pca_phases, PCAConfig(), report_pca),
        "supervised": (supervised_phases, SupervisedConfig(), report_supervised),
        "confusion": (confusion_phases, ConfusionConfig(), report_confusion),
    }
    runs = {name: analyses[name][:2] for name in args.analyses.split(",")}
    results, cpu, wall = {}, {}, {}
    for name, (fn, config) in runs.items():
        results[name], cpu[name], wall[name] = timed(fn, data, config, seed=SEED)
        analyses[name][2](results[name])
    print("\n== 4. cost ==")
    for name in runs:
        print(f"  {name:10s} {cpu[name]:6.1f} s CPU  {wall[name]:6.1f} s wall   config "
              f"{dataclasses.asdict(runs[name][1])}")
    print(f"  total      {sum(cpu.values()) + load_cpu:6.1f} s CPU  {sum(wall.values()) + load_wall:6.1f} s wall "
          "(with loading the stores)")
    if args.repeat:
        for name, (fn, config) in runs.items():
            again = fn(data, config, seed=SEED)
            same = identical(results[name].to_dataset(), again.to_dataset())
            print(f"  ACCEPTANCE 4 [{name}]: second run bit for bit identical (timings excepted): {same}")
    if args.scan:
        scan(data)


if __name__ == "__main__":
    main()
