"""Pipeline steps of the comparison: which coarse-graining is the better RG transformation?

Every rule — majority, decimation, the likelihood-trained block RBM (``rbm``)
and the information-optimal filter (``rsmi``) — is judged the same way:

* **fixed point** T*: Swendsen matching at the deepest level of the largest
  lattice (the least distorted estimate; issue 3);
* **ν**: Monte Carlo RG at the grid temperature nearest Tc on the largest
  lattice, from the deepest level pair whose coarser lattice is still
  ≥ 8 sites across, with three even couplings (nn, nnn, plaquette); the
  flow-slope ν of the same matching level is reported beside it;
* **information kept**: the held-out bound on I(H:E) of the rule's block
  variable, every rule written as a filter P(h=+1|V) = σ(2λ·V) and evaluated
  with the *same* estimator, critic and geometry (:func:`rule_information`).

Exact values: T* = Tc, ν = 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.progress import log
from rgml.rng import Stream
from rgml.rsmi import FitConfig, Geometry, fit
from rgml.steps.rbm import open_model
from rgml.steps.rsmi import open_fit
from rgml.steps.validate import load_spins, open_samples_2d, samples_at
from rgml.store import StoreError, write_table

#: |λ| of the deterministic rules written as filters: σ(2·50) = 1 to double precision,
#: so majority (uniform λ) and decimation (one site) are sign(λ·V) with fair-coin ties.
DETERMINISTIC_NORM = 50.0

#: MCRG ν of the summary: couplings and the smallest coarse lattice of the level pair.
SUMMARY_COUPLINGS = 3
SUMMARY_MIN_COARSE = 8

RULES = ("majority", "decimation", "rbm", "rsmi")


def rule_filters(b: int, *, rsmi_rule: Path, rbm_rule: Path) -> dict[str, tuple[np.ndarray, float]]:
    """Each rule as a b×b filter λ with P(h=+1|V) = σ(2λ·V + bias), and its bias.

    The block RBM (0/1 units, P(h=1|v) = σ(c + Σ W_i v_i) with v = (s+1)/2)
    becomes λ = W/4 and bias c + ΣW/2; trained on spin-flip-symmetric data
    that bias is small, and the MI estimate uses λ alone (the bias is
    reported so its size can be judged).
    """
    uniform = np.full((1, b, b), DETERMINISTIC_NORM / b)
    decimation = np.zeros((1, b, b))
    decimation[0, 0, 0] = DETERMINISTIC_NORM
    rsmi = open_fit(rsmi_rule)["lambda"].values[:1]
    _, model = open_model(rbm_rule)
    if model.n_visible != b * b or model.n_hidden != 1:
        raise StoreError(f"{rbm_rule}: not a {b}x{b} block RBM with one hidden unit")
    w = np.asarray(model.weights)[:, 0]
    rbm = (w / 4.0).reshape(1, b, b)
    rbm_bias = float(model.hidden_bias[0] + w.sum() / 2.0)
    return {"majority": (uniform, 0.0), "decimation": (decimation, 0.0), "rbm": (rbm, rbm_bias), "rsmi": (rsmi, 0.0)}


def rule_information(
    *, samples: Path, temperature: float, b: int, buffer: int, environment: int, steps: int, seed: int,
    rsmi_rule: Path, rbm_rule: Path, table: Path,
) -> pd.DataFrame:
    """I(H:E) kept by every rule's block variable, same estimator and geometry for all."""
    t, spins = samples_at(samples, temperature)
    geometry = Geometry(block=b, buffer=buffer, env=environment, dim=2)
    config = FitConfig(steps=steps, learn_filters=False)
    rows = []
    for rule, (filters, bias) in rule_filters(b, rsmi_rule=rsmi_rule, rbm_rule=rbm_rule).items():
        # one stream for all rules: the same split, critic initialisation and minibatches
        result = fit(spins, geometry, Stream.named(seed, "compare-mi", spins.shape[-1], t), config,
                     init_filters=filters)
        log(f"{rule}: I(H:E) >= {result.mi:.5f} ± {result.mi_err:.5f} nats")
        rows.append({"rule": rule, "mi_nats": result.mi, "mi_err": result.mi_err, "rule_bias": bias,
                     "L": spins.shape[-1], "T": t, "block": b, "buffer": buffer, "environment": environment,
                     "estimator": config.estimator, "filter": " ".join(f"{x:.4g}" for x in filters.ravel())})
    df = pd.DataFrame(rows)
    write_table(df, table)
    return df


def summary(exponents: pd.DataFrame, information: pd.DataFrame) -> pd.DataFrame:
    """One row per rule: T*, ν (MCRG and flow slope), I(H:E), and deviations from exact."""
    rows = []
    for rule in RULES:
        e = exponents[exponents["rule"] == rule]
        if e.empty:
            continue
        largest = e["L"].max()
        match = e[(e["method"] == "flow_slope_matching") & (e["L"] == largest)].sort_values("level")
        deepest = match.iloc[-1] if len(match) else None
        b = int(e["b"].iloc[0])
        mcrg = e[(e["method"] == "mcrg") & (e["L"] == largest) & (e["couplings"] == SUMMARY_COUPLINGS)
                 & (largest // b ** (e["level"] + 1) >= SUMMARY_MIN_COARSE)].sort_values("level")
        pair = mcrg.iloc[-1] if len(mcrg) else None
        info = information[information["rule"] == rule]
        row = {
            "rule": rule, "L": int(largest), "b": b,
            "T_star": deepest["T_fixed"] if deepest is not None else np.nan,
            "T_star_err": deepest["T_fixed_err"] if deepest is not None else np.nan,
            "T_star_level": int(deepest["level"]) if deepest is not None else -1,
            "nu": pair["nu"] if pair is not None else np.nan,
            "nu_err": pair["nu_err"] if pair is not None else np.nan,
            "nu_levels": f"{int(pair['level'])}->{int(pair['level']) + 1}" if pair is not None else "",
            "nu_flow": deepest["nu"] if deepest is not None else np.nan,
            "nu_flow_err": deepest["nu_err"] if deepest is not None else np.nan,
            "mi_nats": float(info["mi_nats"].iloc[0]) if len(info) else np.nan,
            "mi_err": float(info["mi_err"].iloc[0]) if len(info) else np.nan,
        }
        row["T_star_rel_dev"] = (row["T_star"] - TC) / TC
        row["nu_dev"] = row["nu"] - 1.0
        row["nu_dev_sigma"] = row["nu_dev"] / row["nu_err"] if row["nu_err"] else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _snapshot_rows(raw, raw_path: Path, rg_stores) -> list:
    """A typical configuration (median |m|) below, at and above Tc, and its levels 1–2 under every rule."""
    size = raw.sizes["x"]
    stores = {ds.attrs["rule"]: (path, ds) for path, ds in rg_stores if int(ds.attrs["size"]) == size}
    rules = [r for r in RULES if r in stores]
    temps = raw["temperature"].values
    levels = min(2, *(int(stores[r][1].attrs["levels"]) for r in rules))
    rows = []
    for t in (0.88 * TC, TC, 1.15 * TC):
        i = int(np.argmin(np.abs(temps - t)))
        abs_m = np.abs(raw["magnetization"].values[i])
        k = int(np.argsort(abs_m)[abs_m.size // 2])
        panels = [("original", load_spins(raw, raw_path, temperature=i, sample=k))]
        for rule in rules:
            for n in range(1, levels + 1):
                path, ds = stores[rule]
                panels.append((f"{rule}, level {n}",
                               load_spins(ds, path, variable=f"level{n}", temperature=i, sample=k)))
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
    from rgml.steps.validate import open_rg_store
    from rgml.store import open_store, save_figure

    tables = {}
    for name, path in (("exponents", exponents), ("flows", flows), ("information", information),
                       ("ring", ring_flow)):
        try:
            tables[name] = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: cannot be read as a table ({exc}); rerun the step that makes it") from None
    df = summary(tables["exponents"], tables["information"])
    rg = [(p, open_rg_store(p)) for p in rg_stores]
    raw = open_samples_2d(samples)
    filters = []
    for path in rsmi_filters:
        ds = open_fit(path)
        filters.append(("rsmi", float(ds["temperature"]), ds["lambda"].values[0]))
    for path in rbm_filters:
        ds, model = open_model(path)
        b = int(ds.attrs["b"])
        filters.append(("rbm", float(ds["temperature"]), np.asarray(model.weights)[:, 0].reshape(b, b) / 4))
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
