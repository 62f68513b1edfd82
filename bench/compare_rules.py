"""Acceptance numbers of the rule comparison on default-sweep samples (library side).

Prints, and writes as CSV under --out:

* ``rules``:  every rule (majority, decimation, block RBM, RSMI) at b = 2, 3, 4 —
  T* with its status, ν at every level pair with the drift verdict, I(H:E),
  filter cosines and ``same_map_as`` (acceptance 1, 5);
* ``eta``:    correlation ratios G_n(L)/G_{n-1}(L/b) at Tc for every rule and level (acceptance 3);
* ``norm``:   the filter-norm scan at b = 2, uniform and learned filters at six norms (acceptance 2);
* ``flow``:   the RBM flow's end point under five thermometers × weight decays × seeds × training
  sets, and the training mixtures (acceptance 4).

Samples: ``rgml sample ising2d`` stores ``<store>/L{L}.zarr`` with the default grid, e.g.

    TS=1.5,1.8,2.0,2.1,2.2,2.24,2.26,2.269185,2.28,2.3,2.35,2.45,2.6,2.8,3.1,3.5
    for L in 8 12 16 32 36 64; do N=1000; [ $L = 8 ] && N=6000
      PYTHONPATH=$PWD/src python -m rgml.cli sample ising2d --size $L --temperatures $TS \\
        --samples $N --seed 2026 --out /tmp/cmp13/L$L.zarr; done
    PYTHONPATH=$PWD/src python bench/compare_rules.py --store /tmp/cmp13 --out /tmp/cmp13/out rules eta

Learned rules are fitted as the workflow fits them (RSMI: block b at Tc on the largest lattice that b
divides, norm annealed 2 → 8; block RBM: at Tc on the same lattice) and cached under --out.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import pandas as pd
import xarray as xr

from rgml.comparison import rule_information, summary_by_block
from rgml.exact import TC
from rgml.norm_scan import norm_scan
from rgml.rbm.block import BlockRBMRule, fit_block_rule
from rgml.rbm.flow_scan import flow_scan
from rgml.rg import coarse_grain, fixed_rule
from rgml.rg.convergence import assess_rules
from rgml.rg.eta import correlation_ratios
from rgml.rg.observable_thermometer import ReferenceCurves
from rgml.rg.similarity import rule_similarity
from rgml.rsmi import RSMIRule, fit
from rgml.rsmi.partition import Geometry

SEED = 2026
CHAINS = 4
#: Sizes each block size is compared on (every one a multiple of b with at least one level).
SIZES = {2: (8, 16, 32, 64), 3: (12, 36), 4: (16, 32, 64)}
#: Lattice of the I(H:E) estimates (the workflow uses rsmi.size = 32) for each b.
MI_SIZE = {2: 32, 3: 36, 4: 32}

pd.set_option("display.width", 250)
pd.set_option("display.max_columns", 60)
pd.set_option("display.max_rows", 400)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def open_samples(store: Path, size: int) -> xr.Dataset:
    return xr.open_zarr(store / f"L{size}.zarr").load()


def at_tc(ds: xr.Dataset) -> xr.Dataset:
    return ds.sel(temperature=TC, method="nearest")


def cached(path: Path, make):
    if path.exists():
        return pickle.loads(path.read_bytes())
    t = time.perf_counter()
    value = make()
    log(f"{path.name}: {time.perf_counter() - t:.1f} s")
    path.write_bytes(pickle.dumps(value))
    return value


def learned_rules(store: Path, out: Path, b: int) -> list:
    size = max(SIZES[b])
    ds = at_tc(open_samples(store, size))

    def make():
        t0 = time.perf_counter()
        rsmi = fit(ds, block=b, buffer=2, environment=2, seed=SEED, norm_start=2.0, norm_stop=8.0)
        t1 = time.perf_counter()
        rbm = fit_block_rule(ds.spins.values, b, seed=SEED, temperature=float(ds.temperature))
        t2 = time.perf_counter()
        return {"rsmi": rsmi.filters, "rbm": rbm.to_dataset(), "seconds_rsmi": t1 - t0, "seconds_rbm": t2 - t1}

    fits = cached(out / f"fits_b{b}.pkl", make)
    log(f"b={b}: RSMI fit {fits['seconds_rsmi']:.0f} s, block RBM {fits['seconds_rbm']:.0f} s")
    return [RSMIRule(fits["rsmi"]), BlockRBMRule.from_dataset(fits["rbm"])]


def rg_datasets(store: Path, out: Path, rules: list, b: int) -> list:
    def make():
        datasets = []
        for rule in rules:
            for size in SIZES[b]:
                t = time.perf_counter()
                ds = coarse_grain(open_samples(store, size), rule, seed=SEED)
                datasets.append(ds[["densities"]].assign_attrs(ds.attrs))
                log(f"coarse-grain {rule.name} b={b} L={size}: {time.perf_counter() - t:.1f} s")
        return datasets

    return cached(out / f"rg_b{b}.pkl", make)


def part_rules(store: Path, out: Path) -> None:
    summaries, steps, ratios, sims = [], [], [], []
    for b in (2, 3, 4):
        rules = [fixed_rule("majority", b), fixed_rule("decimation", b), *learned_rules(store, out, b)]
        datasets = rg_datasets(store, out, rules, b)
        t = time.perf_counter()
        assessed = assess_rules(datasets, seed=SEED, chains=CHAINS, log=log)
        log(f"b={b}: assess {time.perf_counter() - t:.1f} s")
        spins = at_tc(open_samples(store, MI_SIZE[b]))
        info = cached(out / f"mi_b{b}.pkl", lambda: rule_information(
            rules, spins.spins.values, temperature=float(spins.temperature), buffer=2, environment=2, seed=SEED,
            log=log))
        sim = rule_similarity(rules, spins.spins.values)
        v = summary_by_block(assessed, info, sim)
        cos = sim.to_frame()
        summaries.append(v)
        steps.append(assessed.steps.to_frame())
        ratios.append(correlation_ratios(datasets, chains=CHAINS).to_frame())
        sims.append(cos)
    summary = pd.concat(summaries, ignore_index=True)
    summary.to_csv(out / "comparison_by_b.csv", index=False)
    pd.concat(steps).to_csv(out / "comparison_steps.csv", index=False)
    pd.concat(ratios).to_csv(out / "correlation_ratios.csv", index=False)
    pd.concat(sims).to_csv(out / "rule_similarity.csv", index=False)
    cols = ["rule", "b", "L", "T_star", "T_star_err", "T_star_z", "T_star_status", "T_star_crossing", "ratio_nn",
            "ratio_nn_err", "nu", "nu_err", "nu_levels", "nu_status", "nu_drift", "nu_p", "nu_last_step",
            "nu_last_step_err", "mi_nats", "mi_err", "rule_bias", "same_map_as", "same_shape_as", "cosine_majority",
            "map_distance_majority"]
    print("\n== comparison by rule and b (acceptance 1, 5) ==")
    print(summary[cols].round(4).to_string(index=False))
    print("\n== level by level ==")
    print(pd.concat(steps).round(4).to_string(index=False))
    print("\n== filter cosines and map distances ==")
    print(pd.concat(sims).round(4).to_string(index=False))


def part_eta(out: Path) -> None:
    table = pd.read_csv(out / "correlation_ratios.csv")
    print("\n== correlation ratios at Tc (acceptance 3) ==")
    cols = ["rule", "b", "L", "level", "interaction", "ratio", "ratio_err", "eta_reference", "z_one", "z_eta"]
    print(table[cols].round(4).to_string(index=False))
    dec = table[(table["rule"] == "decimation") & (table["b"] == 2) & (table["interaction"] == "nn")
                & (table["L"] == 64)]
    maj = table[(table["rule"] == "majority") & (table["b"] == 2) & (table["interaction"] == "nn")
                & (table["L"] == 64)]
    print("\ndecimation b=2 L=64 nn, levels 1-3, |z_eta| < 3:",
          dec[dec["level"] <= 3][["level", "ratio", "ratio_err", "z_eta"]].round(4).to_dict("records"))
    print("majority b=2 L=64 nn, levels >= 2, |z_one| < 3:",
          maj[maj["level"] >= 2][["level", "ratio", "ratio_err", "z_one"]].round(4).to_dict("records"))


def part_norm(store: Path, out: Path, *, mi_steps: int | None, n_boot: int) -> None:
    learned = learned_rules(store, out, 2)[0].filters[:1]
    samples = [open_samples(store, L) for L in (32, 64)]
    mi = at_tc(samples[0])
    t = time.perf_counter()
    scan = norm_scan(samples, mi, learned, b=2, seed=SEED, chains=CHAINS, n_boot=n_boot, mi_steps=mi_steps,
                     geometry=Geometry(2, 2, 2), log=log)
    seconds = time.perf_counter() - t
    df = scan.to_frame()
    tag = f"steps{mi_steps or 'default'}_boot{n_boot}"
    df.to_csv(out / f"norm_scan_{tag}.csv", index=False)
    scan.steps.to_frame().to_csv(out / f"norm_scan_steps_{tag}.csv", index=False)
    cols = ["family", "norm", "cosine_uniform", "mi", "mi_err", "T_star_status", "T_star_crossing", "T_star",
            "T_star_err", "T_star_z", "ratio_nn", "ratio_nn_err", "nu", "nu_err", "nu_z", "nu_deepest",
            "nu_deepest_err", "nu_status", "nu_drift", "nu_p", "nu_last_step_sigma"]
    print(f"\n== filter-norm scan b=2 ({tag}; {seconds:.0f} s; acceptance 2) ==")
    print(df[cols].round(4).to_string(index=False))
    print(scan.steps.to_frame().round(4).to_string(index=False))


def part_flow(store: Path, out: Path, *, epochs: int, chains: int, steps: int, train_samples: int | None,
              replicas: int) -> None:
    ds = open_samples(store, 8)
    temps = ds["temperature"].values
    sets = [ds.spins.values[i] for i in range(len(temps))]
    reference = ReferenceCurves.from_samples(sets, temps, chains=CHAINS)
    if train_samples is not None:
        sets = [s[:train_samples] for s in sets]
    t = time.perf_counter()
    scan = flow_scan(sets, temps, reference, seed=SEED, replicas=replicas, epochs=epochs, chains=chains, steps=steps,
                     log=log)
    seconds = time.perf_counter() - t
    tag = f"e{epochs}_c{chains}_s{steps}_n{train_samples or 'all'}"
    scan.readings.to_frame().to_csv(out / f"flow_scan_{tag}.csv", index=False)
    scan.ranges.to_frame().to_csv(out / f"flow_ranges_{tag}.csv", index=False)
    print(f"\n== RBM flow scan ({tag}; {seconds:.0f} s; acceptance 4) ==")
    print(scan.readings.to_frame().round(4).to_string(index=False))
    print(scan.ranges.to_frame().round(4).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="+", choices=("rules", "eta", "norm", "flow"))
    parser.add_argument("--store", type=Path, default=Path("/tmp/cmp13"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/cmp13/out"))
    parser.add_argument("--mi-steps", type=int, default=None, help="norm scan: I(H:E) estimator steps")
    parser.add_argument("--n-boot", type=int, default=100, help="norm scan: bootstrap replicas")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--flow-chains", type=int, default=2000)
    parser.add_argument("--flow-steps", type=int, default=200)
    parser.add_argument("--train-samples", type=int, default=None, help="flow: configurations per temperature")
    parser.add_argument("--replicas", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for part in args.parts:
        if part == "rules":
            part_rules(args.store, args.out)
        elif part == "eta":
            part_eta(args.out)
        elif part == "norm":
            part_norm(args.store, args.out, mi_steps=args.mi_steps, n_boot=args.n_boot)
        elif part == "flow":
            part_flow(args.store, args.out, epochs=args.epochs, chains=args.flow_chains, steps=args.flow_steps,
                      train_samples=args.train_samples, replicas=args.replicas)


if __name__ == "__main__":
    main()
