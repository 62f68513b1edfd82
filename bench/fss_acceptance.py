"""Acceptance numbers of the critical-analysis issue on default-sweep samples (A1, A2, blind T*).

Samples the 2D Ising model with the default config's parameters (L = 8, 16, 32, 64; its 16
temperatures; 1000 samples per T, 6000 at L = 8; 4 chains; seed 2026; algorithm auto) — or reads
the stores ``rgml sample ising2d`` wrote for them (``--stores DIR`` with ``L{L}.zarr``; the same
samples bit for bit) — and prints

* A1: finite-size scaling (rgml.fss): Binder and ξ/L crossings, Tc, γ/ν, 1/ν, β/ν, C_max against
  Kaufman's exact finite-torus maximum at every size, data collapses;
* A2: y_h from the odd MCRG sector (rgml.rg.mcrg.mcrg_yh) at every level pair of every size, at
  the grid temperature nearest Tc, with 1–4 odd couplings (and ν from the even sector beside it);
* the fixed points T*(level) of the majority-rule flows with |T* − Tc|/σ, their extrapolation
  in level, the matching spread flags, and the same with the Tc node removed from the grid
  (blind: Tc is then no grid node, so the matching's interpolation bias no longer vanishes there).

Run: ``PYTHONPATH=$PWD/src python bench/fss_acceptance.py [--stores /tmp/fss]`` (a few minutes).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.fss import SizeSeries, finite_size_scaling, structure_factor_kmin
from rgml.ising.sampler import SamplerSettings, prepare_chains, production
from rgml.rg.blocks import majority, n_levels
from rgml.rg.correlations import interaction_densities, odd_interaction_densities
from rgml.rg.flow import FlowAnalysis
from rgml.rg.mcrg import mcrg_nu, mcrg_yh
from rgml.rng import Stream

SIZES = (8, 16, 32, 64)
TEMPERATURES = [1.5, 1.8, 2.0, 2.1, 2.2, 2.24, 2.26, 2.269185, 2.28, 2.3, 2.35, 2.45, 2.6, 2.8, 3.1, 3.5]
SAMPLES = {8: 6000}
SEED, CHAINS, B = 2026, 4, 2


def spins_of(size: int, stores: Path | None) -> np.ndarray:
    """Spins ``(T, sample, L, L)`` of one size: from ``stores/L{L}.zarr`` or sampled here."""
    if stores is not None and (stores / f"L{size}.zarr").exists():
        import xarray as xr

        ds = xr.open_zarr(stores / f"L{size}.zarr")
        assert np.allclose(ds["temperature"].values, TEMPERATURES), "store has another temperature grid"
        return ds["spins"].values
    samples = SAMPLES.get(size, 1000)
    batch, plans = prepare_chains(size, TEMPERATURES, seed=SEED, settings=SamplerSettings(chains=CHAINS),
                                  log=lambda m: None)
    per_chain = -(-samples // CHAINS)
    return np.concatenate([b.spins for b in production(batch, plans, per_chain, block_steps=per_chain)],
                          axis=1)[:, :samples]


def series_of(size: int, spins: np.ndarray) -> SizeSeries:
    s = spins.astype(np.int64)
    bonds = (s * np.roll(s, -1, -1) + s * np.roll(s, -1, -2)).sum(axis=(-2, -1))
    return SizeSeries(size, TEMPERATURES, -bonds / size**2, spins.mean(axis=(-2, -1), dtype=np.float64),
                      np.stack([structure_factor_kmin(x) for x in spins]), CHAINS)


def coarse_levels(size: int, spins: np.ndarray) -> list[np.ndarray]:
    """Majority-rule configurations at levels 0 … n, keyed like the RG step: ``[level](T, sample, l, l)``."""
    levels = [spins]
    for n in range(1, n_levels(size, B) + 1):
        prev = levels[-1]
        levels.append(np.stack([majority(prev[i], B, Stream.named(SEED, "rg", "majority", B, size, float(t))
                                         .child("level", n)) for i, t in enumerate(TEMPERATURES)]))
    return levels


def show(title: str, df: pd.DataFrame) -> None:
    print(f"\n== {title}")
    with pd.option_context("display.width", 250, "display.max_columns", 40, "display.max_colwidth", 60,
                           "display.float_format", "{:.6g}".format):
        print(df.to_string(index=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=Path, default=None, help="directory with L{L}.zarr sample stores")
    parser.add_argument("--n-boot", type=int, default=200)
    args = parser.parse_args()
    start = time.time()
    spins = {L: spins_of(L, args.stores) for L in SIZES}
    counts = ", ".join(f"L={L}: {s.shape[1]}" for L, s in spins.items())
    print(f"samples ready ({time.time() - start:.0f} s): {counts}")

    # A1 --------------------------------------------------------------------------------------------
    fss = finite_size_scaling([series_of(L, s) for L, s in spins.items()])
    show("A1 estimates (z = (value - exact)/error)", fss.estimates.to_frame())
    show("A1 peaks (C_max against Kaufman's exact finite-torus maximum)", fss.peaks.to_frame()[
        ["L", "chi_prime_max", "chi_prime_max_err", "T_chi_prime_max", "T_chi_prime_max_err", "specific_heat_max",
         "specific_heat_max_err", "specific_heat_max_exact", "specific_heat_max_z", "T_specific_heat_max",
         "T_specific_heat_max_err", "T_specific_heat_max_exact"]])
    show("A1 crossings of successive sizes", fss.crossings.to_frame())
    show("A1 collapses (Houdayer-Hartmann S)", fss.collapses.to_frame())
    print(f"({time.time() - start:.0f} s)")

    # A2 --------------------------------------------------------------------------------------------
    levels = {L: coarse_levels(L, s) for L, s in spins.items()}
    i = int(np.argmin(np.abs(np.array(TEMPERATURES) - TC)))
    rows = []
    for L, lv in levels.items():
        odd = [odd_interaction_densities(x[i]) * x.shape[-1] ** 2 for x in lv]
        even = [interaction_densities(x[i]) * x.shape[-1] ** 2 for x in lv]
        for n in range(len(lv) - 1):
            for k in range(1, 5):
                stream = Stream.named(SEED, "rg-bootstrap", "majority", B).child("mcrg", L, n, k)
                yh = mcrg_yh(odd[n], odd[n + 1], B, level=n, couplings=k, stream=stream.child("odd"),
                             n_boot=args.n_boot, chains=CHAINS)
                nu = mcrg_nu(even[n], even[n + 1], B, level=n, couplings=k, stream=stream, n_boot=args.n_boot,
                             chains=CHAINS)
                rows.append({"L": L, "levels": f"{n}->{n + 1}", "couplings": k, "y_h": yh.y_h, "y_h_err": yh.y_h_err,
                             "y_h_z": (yh.y_h - 15 / 8) / yh.y_h_err, "y_h_rel_dev": yh.y_h / (15 / 8) - 1,
                             "nu": nu.nu, "nu_err": nu.nu_err})
    show(f"A2 MCRG at T = {TEMPERATURES[i]} (y_h exact 15/8, block bootstrap)", pd.DataFrame(rows))
    print(f"({time.time() - start:.0f} s)")

    # blind and extrapolated T* -------------------------------------------------------------------
    densities = {L: [interaction_densities(x) for x in lv] for L, lv in levels.items()}
    for label, keep in (("grid with the Tc node", np.arange(len(TEMPERATURES))),
                        ("blind: Tc node removed", np.array([j for j in range(len(TEMPERATURES)) if j != i]))):
        for blocks in (40, None):
            analysis = FlowAnalysis({L: np.array(TEMPERATURES)[keep] for L in SIZES},
                                    {L: [d[keep] for d in lv] for L, lv in densities.items()}, B,
                                    blocks=blocks, chains=CHAINS)
            result = analysis.analyse(stream=Stream.named(SEED, "rg-bootstrap", "majority", B).child("flow"),
                                      n_boot=args.n_boot)
            kind = "block bootstrap" if blocks else "single-configuration bootstrap"
            fixed = result.fixed_points.to_frame()
            show(f"T* ({label}, {kind})", fixed[fixed.method == "flow_slope_matching"])
            show(f"T*(level) extrapolated, omega = 2 ({label}, {kind})", result.levels.to_frame())
            if blocks:
                flows = result.flows.to_frame()
                match = flows[(flows.method == "matching") & np.isfinite(flows.T_eff)]
                flagged = match.groupby(["L", "level"]).couplings_disagree.agg(["sum", "count"]).reset_index()
                show(f"matching rows whose couplings disagree by > 3 sigma ({label})", flagged)
    print(f"\ntotal {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
