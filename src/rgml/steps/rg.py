"""Pipeline steps of the RG stage: coarse-grained stores, flow and exponent tables, figures.

``results/rg/ising2d/L{L}/{rule}_b{b}.zarr`` is the dataset of
:func:`rgml.rg.coarse.coarse_grain` (levels and interaction densities), written
one temperature at a time; the flows, fixed points and exponents come from
:func:`rgml.rg.analysis.analyse`, the 1D flow from :func:`rgml.rg.ring.ring_flow_table`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rgml.backend import select_backend
from rgml.inputs import load_spins, open_kind, open_rg_store, open_samples_1d, open_samples_2d
from rgml.progress import log
from rgml.rbm.block import BlockRBMRule
from rgml.rbm.temperature import RBM_MODEL
from rgml.rg.analysis import analyse, group_by_rule, snapshot_temperatures, typical_sample
from rgml.rg.coarse import chains_of, coarse_grain_temperature, encoding, levels_of, rg_stream, store_attrs
from rgml.rg.rules import LEARNED_RULES, BlockRule, fixed_rule
from rgml.rsmi.fit import RSMI_FIT
from rgml.rsmi.rule import RSMIRule
from rgml.store import AtomicStore, StoreError, load_variable, provenance, save_figure, spin_compressor, write_table


def load_rule(name: str, b: int, model: Path | None = None) -> BlockRule:
    """The block rule ``name``: a fixed one with block side b, or a learned one from its trained model store."""
    if name not in LEARNED_RULES:
        return fixed_rule(name, b)
    if model is None:
        raise StoreError(f"rule {name!r} is learned: give the trained model store that defines it (--model)")
    rule = (RSMIRule.from_dataset(open_kind(model, RSMI_FIT)) if name == "rsmi"
            else BlockRBMRule.from_dataset(open_kind(model, RBM_MODEL)))
    if rule.b != b:
        raise StoreError(f"{model}: the {name} rule has b={rule.b}, not b={b}; "
                         f"fit the rule with block = {b} or coarse-grain with b = {rule.b}")
    return rule


def coarse_grain(*, samples: Path, rule: BlockRule, seed: int, out: Path, backend: str = "numpy") -> Path:
    """Apply ``rule`` repeatedly to every configuration of a 2D sample store, one temperature at a time.

    ``backend``: where the blocks and densities are computed; every rule
    draws from the same keyed streams on either, so the store is the same.
    """
    backend, xp = select_backend(backend)
    ds = open_samples_2d(samples)
    size = ds.sizes["x"]
    try:
        levels = levels_of(size, rule)
    except ValueError as exc:
        raise StoreError(f"{samples}: {exc}") from None
    temperatures = ds["temperature"].values
    chains = chains_of(ds)
    log(f"{rule.name} b={rule.b} on L={size}: {levels} levels, {len(temperatures)} temperatures")
    blocks = (coarse_grain_temperature(xp.asarray(load_spins(ds, samples, temperature=i)), rule, float(t),
                                       rg_stream(seed, rule, size, float(t)), levels, chains=chains)
              for i, t in enumerate(temperatures))
    with AtomicStore(out) as store:
        store.write_along(blocks, dim="temperature",
                          encoding=encoding(size, rule.b, levels, ds.sizes["sample"], spin_compressor()))
        attrs = provenance(title=f"{rule.name} block spins b={rule.b} of L={size}", seed=seed, backend=backend,
                           config={"rg": {"rule": rule.name, "b": rule.b, "samples": str(samples)}})
        return store.commit(attrs | store_attrs(rule, size, levels, chains))


def flow_analysis(
    *, rg_stores: list[Path], samples: list[Path], seed: int, n_boot: int, mcrg_couplings: int,
    flow_table: Path, exponents_table: Path, levels_table: Path, flow_figure: Path, snapshot_figure: Path,
    mcrg_figure_path: Path,
):
    """Flows, fixed points, their extrapolation in level and the exponents (flow slopes, MCRG y_T and y_h)."""
    from rgml.plots.rg import mcrg_figure, rg_flow_figure  # only the jobs that draw pay for Matplotlib

    opened = {path: open_rg_store(path) for path in rg_stores}
    # every input is read before any output is written
    snapshots = _snapshots(opened, {path: open_samples_2d(path) for path in samples})
    tables = analyse(opened.values(), seed=seed, n_boot=n_boot, mcrg_couplings=mcrg_couplings, log=log)
    write_table(tables.flows, flow_table)
    write_table(tables.exponents, exponents_table)
    write_table(tables.levels, levels_table)
    save_figure(rg_flow_figure(tables.flows, tables.exponents), flow_figure)
    save_figure(snapshots, snapshot_figure)
    save_figure(mcrg_figure(tables.exponents), mcrg_figure_path)
    return tables


def _snapshots(rg: dict, samples: dict):
    """Seed paper Fig. 3: one configuration at T < Tc, ≈ Tc, > Tc through levels 0–3 (majority rule)."""
    from rgml.plots.rg import blockspin_snapshots_figure

    paths = {id(ds): path for path, ds in rg.items()}
    groups = group_by_rule(rg.values())
    by_size = groups.get(("majority", 2)) or next(iter(groups.values()))
    size = max(by_size)
    ds = by_size[size]
    path = paths[id(ds)]
    raw_path = next((p for p, raw in samples.items() if raw.sizes["x"] == size), None)
    if raw_path is None:
        raise StoreError(f"{path}: coarse-grains L={size}, but no --samples store has L={size}; "
                         "give the sample store it was made from")
    raw = samples[raw_path]
    temps = raw["temperature"].values
    rows = []
    for i in snapshot_temperatures(temps):
        k = typical_sample(load_variable(raw, "magnetization", raw_path)[i])
        levels = [load_spins(raw, raw_path, temperature=i, sample=k)]
        for n in range(1, min(int(ds.attrs["levels"]), 3) + 1):
            levels.append(load_spins(ds, path, variable=f"level{n}", temperature=i, sample=k))
        rows.append((float(temps[i]), levels))
    return blockspin_snapshots_figure(rows, rule=ds.attrs["rule"], b=int(ds.attrs["b"]))


def ring_rg(*, samples: Path, b: int, table: Path, figure: Path) -> pd.DataFrame:
    """Decimation flow of the 1D ring samples against the exact recursion."""
    from rgml.plots.rg import ring_flow_figure
    from rgml.rg.ring import ring_flow_table

    ds = open_samples_1d(samples)
    if ds.sizes["x"] % b:
        raise StoreError(f"{samples}: ring size {ds.sizes['x']} is not divisible by the block size b={b}; "
                         f"use a ring size that is a multiple of {b}")
    df = ring_flow_table(load_spins(ds, samples), ds["coupling"].values, b)
    log(f"ring N={ds.sizes['x']}: max |K_eff - K_exact| = {(df['K_eff'] - df['K_exact']).abs().max():.4f}")
    write_table(df, table)
    save_figure(ring_flow_figure(df), figure)
    return df
