"""Pipeline steps of the comparison of block rules (:mod:`rgml.comparison`): tables and figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rgml.comparison import RULES, rule_information, summary
from rgml.exact import TC
from rgml.inputs import grid_index, load_spins, open_kind, open_rg_store, open_samples_2d, read_table, samples_at
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
    samples: Path, rg_stores: list[Path], rsmi_filters: list[Path], rbm_filters: list[Path],
    figures: dict[str, Path],
) -> pd.DataFrame:
    """The ``compare_*`` figures of the rg.b comparison (comparison.csv across block sizes: :func:`comparison_table`)."""
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
    save_figure(flows_figure(tables["flows"]), figures["flows"])
    save_figure(exponents_figure(tables["exponents"], df), figures["exponents"])
    save_figure(snapshots_figure(_snapshot_rows(raw, samples, rg), raw.sizes["x"]), figures["snapshots"])
    save_figure(ring_figure(tables["ring"], mapping, ring_rsmi), figures["ring"])
    save_figure(filters_figure(filters), figures["filters"])
    for _, r in df.iterrows():
        log(f"{r['rule']:>10}: T* = {r['T_star']:.4f} ± {r['T_star_err']:.4f} ({100 * r['T_star_rel_dev']:+.2f}%), "
            f"nu = {r['nu']:.3f} ± {r['nu_err']:.3f}, I(H:E) = {r['mi_nats']:.4f} ± {r['mi_err']:.4f} nats")
    return df


# --- the comparison across block sizes (issue 13): per-b verdicts, correlation ratios, norm scan ------------------

def _learned_rules(rsmi_rule: Path, rbm_rule: Path, b: int) -> list:
    """The block RBM and RSMI rules of block side ``b`` from their stores (checked)."""
    learned = [BlockRBMRule.from_dataset(open_kind(rbm_rule, RBM_MODEL)),
               RSMIRule.from_dataset(open_kind(rsmi_rule, RSMI_FIT))]
    for rule, path in zip(learned, (rbm_rule, rsmi_rule)):
        if rule.b != b:
            raise StoreError(f"{path}: the {rule.name} rule has b={rule.b}, not b={b}")
    return learned


def _densities(paths: list[Path]) -> list:
    """RG stores reduced to their interaction densities (all the assessment reads), loaded."""
    out = []
    for path in paths:
        ds = open_rg_store(path)
        out.append(ds[["densities"]].load().assign_attrs(ds.attrs))
    return out


def coin_ties(rule: str, b: int) -> str:
    """Whether the rule breaks ties by a fair coin: majority with an even number b² of spins per block."""
    if rule == "majority":
        return "yes" if (b * b) % 2 == 0 else "no"
    return "no" if rule == "decimation" else "sampled"


def rules_at_block(
    *, rg_stores: list[Path], information: Path, samples: Path, temperature: float, b: int, rsmi_rule: Path,
    rbm_rule: Path, seed: int, n_boot: int, chains: int, verdicts: Path, levels: Path, ratios: Path,
) -> pd.DataFrame:
    """One block size b: every rule's T* (status), ν at every level pair (verdict), I(H:E), filter similarity,
    and the correlation ratios at Tc (:func:`rgml.rg.convergence.assess_rules`, :func:`rgml.rg.eta.correlation_ratios`,
    :func:`rgml.rg.similarity.rule_similarity`, :func:`rgml.comparison.summary_by_block`)."""
    from rgml.comparison import summary_by_block
    from rgml.rg.convergence import assess_rules
    from rgml.rg.eta import correlation_ratios
    from rgml.rg.similarity import rule_similarity

    datasets = _densities(rg_stores)
    wrong = [str(p) for p, ds in zip(rg_stores, datasets) if int(ds.attrs["b"]) != b]
    if wrong:
        raise StoreError(f"{wrong[0]}: coarse-grained with b={datasets[0].attrs['b']}, not b={b}")
    info = read_table(information)
    _, spins = samples_at(samples, temperature)
    rules = [fixed_rule("majority", b), fixed_rule("decimation", b), *_learned_rules(rsmi_rule, rbm_rule, b)]
    assessed = assess_rules(datasets, seed=seed, n_boot=n_boot, chains=chains, log=log)
    similarity = rule_similarity(rules, spins)
    df = summary_by_block(assessed, info, similarity)
    df["coin_ties"] = [coin_ties(r, int(bb)) for r, bb in zip(df["rule"], df["b"])]
    df["mi_L"] = int(spins.shape[-1])
    steps = assessed.steps.to_frame()
    eta = correlation_ratios(datasets, chains=chains).to_frame()
    write_table(df, verdicts)
    write_table(steps, levels)
    write_table(eta, ratios)
    return df


#: The columns of comparison.csv, first to last (the rest of summary_by_block's columns follow).
COMPARISON_COLUMNS = [
    "rule", "b", "L", "T_star", "T_star_err", "T_star_z", "T_star_status", "T_star_crossing", "T_star_level",
    "ratio_nn", "ratio_nn_err", "nu", "nu_err", "nu_z", "nu_levels", "nu_status", "nu_drift", "nu_deepest",
    "nu_deepest_err", "nu_p", "nu_last_step", "nu_last_step_err", "mi_nats", "mi_err", "mi_L", "cosine_majority",
    "map_distance_majority", "same_map_as", "same_shape_as", "coin_ties",
]


def comparison_table(
    *, verdicts: list[Path], levels: list[Path], ratios: list[Path], information: list[Path], table: Path,
    levels_table: Path, ratios_table: Path, information_table: Path, figure: Path, ratios_figure: Path,
) -> pd.DataFrame:
    """comparison.csv (one row per rule and b), its level-by-level table, the η table, I(H:E) and figures."""
    from rgml.plots.compare import by_block_figure, ratios_figure as plot_ratios

    def concat(paths):
        return pd.concat([read_table(p) for p in paths], ignore_index=True)

    df, steps, eta, info = concat(verdicts), concat(levels), concat(ratios), concat(information)
    order = {r: i for i, r in enumerate(RULES)}
    df = df.sort_values(["b", "rule"], key=lambda c: c.map(order) if c.name == "rule" else c, kind="stable")
    df["nu_dev"] = df["nu"] - 1.0
    df = df[[c for c in COMPARISON_COLUMNS if c in df] + [c for c in df if c not in COMPARISON_COLUMNS]]
    write_table(df, table)
    write_table(steps, levels_table)
    write_table(eta, ratios_table)
    write_table(info, information_table)
    save_figure(by_block_figure(df, steps), figure)
    save_figure(plot_ratios(eta), ratios_figure)
    for _, r in df.iterrows():
        t = (f"T* = {r['T_star']:.4f} ± {r['T_star_err']:.4f}" if r["T_star_status"] == "fixed_point"
             else f"no T* ({r['T_star_status']}, crossing {r['T_star_crossing']:.4f})")
        log(f"{r['rule']:>10} b={r['b']}: {t}; nu {r['nu_status']} [{r['nu_drift']}]; "
            f"I(H:E) = {r['mi_nats']:.4f} ± {r['mi_err']:.4f}; same map as {r['same_map_as'] or '-'}")
    return df


def norm_scan(
    *, samples: list[Path], mi_samples: Path, temperature: float, rsmi_rule: Path, b: int, norms: list[float],
    buffer: int, environment: int, mi_steps: int, n_boot: int, chains: int, seed: int, table: Path,
    levels_table: Path, figure: Path,
) -> pd.DataFrame:
    """The filter-norm scan (:func:`rgml.norm_scan.norm_scan`): uniform and learned filters at every norm."""
    from rgml.norm_scan import norm_scan as scan
    from rgml.plots.compare import norm_scan_figure
    from rgml.rsmi.partition import Geometry

    sets = [open_samples_2d(p).load() for p in samples]
    raw = open_samples_2d(mi_samples)
    mi = raw.isel(temperature=grid_index(raw, mi_samples, temperature)).load()
    learned = RSMIRule.from_dataset(open_kind(rsmi_rule, RSMI_FIT))
    if learned.b != b:
        raise StoreError(f"{rsmi_rule}: the rsmi rule has b={learned.b}, not b={b}")
    result = scan(sets, mi, learned.filters[:1], b=b, seed=seed, norms=norms, mi_steps=mi_steps, n_boot=n_boot,
                  chains=chains, geometry=Geometry(block=b, buffer=buffer, env=environment, dim=2), log=log)
    df = result.to_frame()
    steps = result.steps.to_frame()
    crossing_err = {(r, int(n)): e for r, n, e in zip(steps["rule"], steps["level"], steps["T_star_err"])}
    df["T_star_crossing_err"] = [crossing_err.get((r, int(n)), float("nan"))
                                 for r, n in zip(df["rule"], df["T_star_level"])]
    df["mi_L"] = int(mi.sizes["x"])
    df["T_star_dev"] = df["T_star_crossing"] - TC
    df["nu_dev"] = df["nu_deepest"] - 1.0
    write_table(df, table)
    write_table(steps, levels_table)
    save_figure(norm_scan_figure(df), figure)
    return df
