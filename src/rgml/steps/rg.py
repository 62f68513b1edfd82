"""Pipeline steps of the RG stage: coarse-grained stores, flow and exponent tables, figures.

``results/rg/ising2d/L{L}/{rule}_b{b}.zarr`` holds, for every temperature of
the sample store, the configurations at RG levels 1, 2, … (``level1``,
``level2``, … with dims ``(temperature, sample, y_n, x_n)``) and the
per-sample densities of the even interactions at every level including the
raw samples (``densities (temperature, level, sample, interaction)``), which
is all the flow analysis needs.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from rgml.backend import select_backend, to_numpy
from rgml.exact import TC
from rgml.plots.rg import blockspin_snapshots_figure, mcrg_figure, ring_flow_figure, rg_flow_figure
from rgml.progress import log
from rgml.rg.blocks import check_divisible, n_levels
from rgml.rg.correlations import INTERACTION_NAMES, interaction_densities
from rgml.rg.flow import FlowAnalysis
from rgml.rg.mcrg import mcrg_nu
from rgml.rg.ring import ring_flow
from rgml.rg.rules import make_rule
from rgml.rng import Stream
from rgml.steps.sample import TEMPERATURE_ATTRS
from rgml.steps.validate import load_spins, open_rg_store, open_samples_1d, open_samples_2d
from rgml.store import AtomicStore, StoreError, load_variable, provenance, samples_per_chunk, \
    save_figure, spin_compressor, write_table


def coarse_grain(*, samples: Path, rule: str, b: int, seed: int, out: Path, model=None,
                 backend: str = "numpy") -> Path:
    """Apply ``rule`` repeatedly to every configuration of a 2D sample store.

    ``backend``: where the blocks and densities are computed; every rule
    draws from the same keyed streams on either, so the store is the same.
    """
    backend, xp = select_backend(backend)
    ds = open_samples_2d(samples)
    size = ds.sizes["x"]
    try:
        check_divisible(size, b)
    except ValueError as exc:
        raise StoreError(f"{samples}: {exc}") from None
    levels = n_levels(size, b)
    if levels < 1:
        raise StoreError(f"{samples}: L={size} is too small to coarse-grain by b={b} (the coarse lattice must be >= 4 across)")
    apply = make_rule(rule, model=model)
    temperatures = ds["temperature"].values
    n_samples = ds.sizes["sample"]
    log(f"{rule} b={b} on L={size}: {levels} levels, {len(temperatures)} temperatures")
    encoding = {}
    for n in range(1, levels + 1):
        side = size // b**n
        chunk = min(n_samples, samples_per_chunk(side * side))
        encoding[f"level{n}"] = {"compressors": [spin_compressor()], "chunks": (1, chunk, side, side)}
    with AtomicStore(out) as store:
        for i, t in enumerate(temperatures):
            current = xp.asarray(load_spins(ds, samples, temperature=i))
            stream = Stream.named(seed, "rg", rule, b, size, float(t))
            data = {}
            densities = [to_numpy(interaction_densities(current))]
            for n in range(1, levels + 1):
                current = apply(current, b, stream.child("level", n))
                side = current.shape[-1]
                data[f"level{n}"] = (("temperature", "sample", f"y{n}", f"x{n}"), to_numpy(current)[None],
                                     {"long_name": f"block spins after {n} RG steps", "level": n,
                                      "size": side, "flag_values": [-1, 1]})
                densities.append(to_numpy(interaction_densities(current)))
            data["densities"] = (("temperature", "level", "sample", "interaction"), np.stack(densities)[None],
                                 {"long_name": "interaction densities S_alpha / N per configuration",
                                  "units": "1"})
            block = xr.Dataset(data, coords={
                "temperature": ("temperature", [float(t)], TEMPERATURE_ATTRS),
                "level": ("level", np.arange(levels + 1), {"long_name": "RG level (0 = the samples)"}),
                "interaction": ("interaction", np.array(INTERACTION_NAMES, dtype=object)),
            })
            if i == 0:
                store.write(block, encoding=encoding)
            else:
                store.append(block, dim="temperature")
        attrs = provenance(title=f"{rule} block spins b={b} of L={size}", seed=seed,
                           backend=backend, config={"rg": {"rule": rule, "b": b, "samples": str(samples)}})
        attrs |= {"rule": rule, "b": b, "levels": levels, "size": size}
        return store.commit(attrs)


def _load_rg(path: Path) -> tuple[xr.Dataset, np.ndarray]:
    ds = open_rg_store(path)
    return ds, ds["densities"].values


def flow_analysis(
    *, rg_stores: list[Path], samples: list[Path], seed: int, n_boot: int, mcrg_couplings: int,
    flow_table: Path, exponents_table: Path, flow_figure: Path, snapshot_figure: Path, mcrg_figure_path: Path,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flows, fixed points and ν (flow slopes and MCRG) of every rule, with tables and figures."""
    groups: dict[tuple[str, int], dict[int, tuple]] = defaultdict(dict)
    for path in rg_stores:
        ds, densities = _load_rg(path)
        groups[ds.attrs["rule"], int(ds.attrs["b"])][int(ds.attrs["size"])] = (path, ds, densities)
    # every input is read before any output is written
    snapshots = _snapshots(groups, {path: open_samples_2d(path) for path in samples}, seed)
    flow_rows, exponent_rows = [], []
    for (rule, b), by_size in sorted(groups.items()):
        temperatures = {L: ds["temperature"].values for L, (_, ds, _) in by_size.items()}
        densities = {L: list(np.moveaxis(d, 1, 0)) for L, (_, _, d) in by_size.items()}
        stream = Stream.named(seed, "rg-bootstrap", rule, b)
        flows, fixed = FlowAnalysis(temperatures, densities, b).run(stream=stream.child("flow"), n_boot=n_boot)
        flow_rows += [{"rule": rule, **r} for r in flows]
        exponent_rows += [{"rule": rule, "couplings": np.nan, **r} for r in fixed]
        for L, levels in densities.items():
            i = int(np.argmin(np.abs(temperatures[L] - TC)))
            for n in range(len(levels) - 1):
                for k in range(1, mcrg_couplings + 1):
                    est = mcrg_nu(levels[n][i] * (L // b**n) ** 2, levels[n + 1][i] * (L // b ** (n + 1)) ** 2, b,
                                  level=n, couplings=k, stream=stream.child("mcrg", L, n, k), n_boot=n_boot)
                    exponent_rows.append({
                        "rule": rule, "method": "mcrg", "L": L, "b": b, "level": n, "couplings": k,
                        "nu": est.nu, "nu_err": est.nu_err, "T_fixed": np.nan, "T_fixed_err": np.nan,
                        "slope": est.eigenvalue, "T_samples": float(temperatures[L][i]),
                    })
        log(f"{rule} b={b}: flows for L = {sorted(by_size)}")
    flow_df = pd.DataFrame(flow_rows)
    exp_df = pd.DataFrame(exponent_rows)
    exp_df = exp_df[["method", "rule", "L", "b", "level", "couplings", "nu", "nu_err", "T_fixed", "T_fixed_err",
                     "slope", *(["T_samples"] if "T_samples" in exp_df else [])]]
    write_table(flow_df, flow_table)
    write_table(exp_df, exponents_table)
    save_figure(rg_flow_figure(flow_df, exp_df), flow_figure)
    save_figure(snapshots, snapshot_figure)
    save_figure(mcrg_figure(exp_df), mcrg_figure_path)
    return flow_df, exp_df


def _snapshots(groups, samples: dict[Path, xr.Dataset], seed: int):
    """Seed paper Fig. 3: one configuration at T < Tc, ≈ Tc, > Tc through levels 0–3 (majority rule)."""
    by_size = groups.get(("majority", 2)) or next(iter(groups.values()))
    size = max(by_size)
    path, ds, _ = by_size[size]
    raw_path = next((p for p, raw in samples.items() if raw.sizes["x"] == size), None)
    if raw_path is None:
        raise StoreError(f"{path}: coarse-grains L={size}, but no --samples store has L={size}; "
                         "give the sample store it was made from")
    raw = samples[raw_path]
    temps = raw["temperature"].values
    picks = [int(np.argmin(np.abs(temps - t))) for t in (0.88 * TC, TC, 1.15 * TC)]
    rows = []
    for i in picks:
        # the configuration whose |m| is the median at this temperature: a typical one
        abs_m = np.abs(load_variable(raw, "magnetization", raw_path)[i])
        k = int(np.argsort(abs_m)[abs_m.size // 2])
        levels = [load_spins(raw, raw_path, temperature=i, sample=k)]
        for n in range(1, min(int(ds.attrs["levels"]), 3) + 1):
            levels.append(load_spins(ds, path, variable=f"level{n}", temperature=i, sample=k))
        rows.append((float(temps[i]), levels))
    return blockspin_snapshots_figure(rows, rule=ds.attrs["rule"], b=int(ds.attrs["b"]))


def ring_rg(*, samples: Path, b: int, table: Path, figure: Path) -> pd.DataFrame:
    """Decimation flow of the 1D ring samples against the exact recursion."""
    ds = open_samples_1d(samples)
    try:
        check_divisible(ds.sizes["x"], b, what="ring size")
    except ValueError as exc:
        raise StoreError(f"{samples}: {exc}") from None
    spins = load_spins(ds, samples)
    df = pd.DataFrame(ring_flow(spins, ds["coupling"].values, b))
    df.insert(2, "b", b)
    df["z"] = (df["K_eff"] - df["K_exact"]) / df["K_eff_err"]
    log(f"ring N={ds.sizes['x']}: max |K_eff - K_exact| = {np.nanmax(np.abs(df['K_eff'] - df['K_exact'])):.4f}")
    write_table(df, table)
    save_figure(ring_flow_figure(df), figure)
    return df
