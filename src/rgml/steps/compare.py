"""Pipeline steps of the comparison of block rules (:mod:`rgml.comparison`): tables and figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rgml.comparison import RULES, rule_information, summary
from rgml.inputs import load_spins, open_kind, open_rg_store, open_samples_2d, read_table, samples_at
from rgml.progress import log
from rgml.rbm import RBM_MODEL, BlockRBMRule
from rgml.rg.analysis import snapshot_temperatures, typical_sample
from rgml.rg.rules import fixed_rule
from rgml.rsmi import RSMI_FIT, RSMIRule
from rgml.store import StoreError, open_store, save_figure, write_table


def information(
    *, samples: Path, temperature: float, b: int, buffer: int, environment: int, steps: int, seed: int,
    rsmi_rule: Path, rbm_rule: Path, table: Path,
) -> pd.DataFrame:
    """I(H:E) kept by every rule's block variable, same estimator and geometry for all."""
    t, spins = samples_at(samples, temperature)
    learned = [BlockRBMRule.from_dataset(open_kind(rbm_rule, RBM_MODEL)),
               RSMIRule.from_dataset(open_kind(rsmi_rule, RSMI_FIT))]
    for rule, path in zip(learned, (rbm_rule, rsmi_rule)):
        if rule.b != b:
            raise StoreError(f"{path}: the {rule.name} rule has b={rule.b}, not b={b}")
    rules = [fixed_rule("majority", b), fixed_rule("decimation", b), *learned]
    df = rule_information(rules, spins, temperature=t, buffer=buffer, environment=environment, seed=seed,
                          steps=steps, log=log)
    write_table(df, table)
    return df


def _snapshot_rows(raw, raw_path: Path, rg_stores) -> list:
    """A typical configuration (median |m|) below, at and above Tc, and its levels 1–2 under every rule."""
    size = raw.sizes["x"]
    stores = {ds.attrs["rule"]: (path, ds) for path, ds in rg_stores if int(ds.attrs["size"]) == size}
    rules = [r for r in RULES if r in stores]
    temps = raw["temperature"].values
    levels = min(2, *(int(stores[r][1].attrs["levels"]) for r in rules))
    rows = []
    for i in snapshot_temperatures(temps):
        k = typical_sample(raw["magnetization"].values[i])
        panels = [("original", load_spins(raw, raw_path, temperature=i, sample=k))]
        for rule in rules:
            path, ds = stores[rule]
            for n in range(1, levels + 1):
                panels.append((f"{rule}, level {n}", load_spins(ds, path, variable=f"level{n}", temperature=i,
                                                                  sample=k)))
        rows.append((float(temps[i]), panels))
    return rows


def comparison(
    *, exponents: Path, flows: Path, information: Path, ring_flow: Path, rbm_mapping: Path, rsmi_ring: Path,
    samples: Path, rg_stores: list[Path], rsmi_filters: list[Path], rbm_filters: list[Path], table: Path,
    figures: dict[str, Path],
) -> pd.DataFrame:
    """``comparison.csv`` and the ``compare_*`` figures."""
    from rgml.plots.compare import (
        exponents_figure, filters_figure, flows_figure, ring_figure, snapshots_figure,
    )

    tables = {name: read_table(path) for name, path in (("exponents", exponents), ("flows", flows),
                                                         ("information", information), ("ring", ring_flow))}
    df = summary(tables["exponents"], tables["information"])
    rg = [(p, open_rg_store(p)) for p in rg_stores]
    raw = open_samples_2d(samples)
    filters = []
    for path in rsmi_filters:
        ds = open_kind(path, RSMI_FIT)
        filters.append(("rsmi", float(ds["temperature"]), RSMIRule.from_dataset(ds).as_filter().weights))
    for path in rbm_filters:
        rule = BlockRBMRule.from_dataset(open_kind(path, RBM_MODEL))
        filters.append(("rbm", rule.temperature, rule.as_filter().weights))
    mapping, ring_rsmi = open_store(rbm_mapping), open_store(rsmi_ring)
    write_table(df, table)
    save_figure(flows_figure(tables["flows"]), figures["flows"])
    save_figure(exponents_figure(tables["exponents"], df), figures["exponents"])
    save_figure(snapshots_figure(_snapshot_rows(raw, samples, rg), raw.sizes["x"]), figures["snapshots"])
    save_figure(ring_figure(tables["ring"], mapping, ring_rsmi), figures["ring"])
    save_figure(filters_figure(filters), figures["filters"])
    for _, r in df.iterrows():
        log(f"{r['rule']:>10}: T* = {r['T_star']:.4f} ± {r['T_star_err']:.4f} ({100 * r['T_star_rel_dev']:+.2f}%), "
            f"nu = {r['nu']:.3f} ± {r['nu_err']:.3f}, I(H:E) = {r['mi_nats']:.4f} ± {r['mi_err']:.4f} nats")
    return df
