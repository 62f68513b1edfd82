"""Pipeline steps of the RBM stage: read the samples, call :mod:`rgml.rbm`, write the result's dataset.

Stores (units 0/1; spins s = 2v − 1):

* ``results/rbm/ising2d/L{L}/T{T}.zarr`` — :class:`rgml.rbm.TemperatureRBM`;
* ``stack.zarr`` — :class:`rgml.rbm.DeepStack`; ``locality.zarr`` — :class:`rgml.rbm.LocalitySweep`;
* ``flow.zarr`` — :class:`rgml.rbm.FlowExperiment`;
* ``results/rbm/ising2d/block_b{b}_T{T}.zarr`` — :class:`rgml.rbm.BlockRBMRule` (the RG rule ``rbm``);
* ``results/rbm/ising1d/mapping.zarr`` — :class:`rgml.rbm.RingMapping`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rgml.backend import select_backend
from rgml.checkpoint import Checkpoint
from rgml.exact import TC
from rgml.inputs import load_spins, open_kind, open_samples_2d, spins_at, stored_spins
from rgml.progress import log
from rgml.rbm import (
    RBM_MODEL, BlockRBMRule, FlowExperiment, TemperatureRBM, TrainConfig, TrainState, deep_stack, fit_block_rule, fit_temperature, flow_experiment, locality_sweep, mapping_experiment,
)
from rgml.store import open_store, provenance, save_figure, write_dataset, write_table
from rgml.streaming import DEFAULT_BUDGET_BYTES


def train_temperature(
    *, samples: Path, temperature: float, config: TrainConfig, seed: int, out: Path,
    checkpoint_seconds: float = 120.0, budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Train one RBM on the configurations of one temperature and store it with its diagnostics.

    Configurations that need more than ``budget_bytes`` in memory are read
    from the store in groups (:mod:`rgml.streaming`).  Every
    ``checkpoint_seconds`` the training state is saved; a rerun after a kill
    resumes from it and writes bitwise the store of an uninterrupted run.
    """
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes)
    log(f"RBM L={size} T={t:.6g}: {config.n_hidden} hidden, {config.epochs} epochs" + spins.reading())
    parameters = {"samples": str(samples), "temperature": t, "seed": seed, **config.to_dict()}
    checkpoint = Checkpoint(out, parameters, every=checkpoint_seconds)
    saved = checkpoint.load()
    resume = None if saved is None else TrainState.from_dict(saved[1])
    if resume is not None:
        log(f"resuming from the checkpoint after epoch {resume.epoch} of {config.epochs}")

    def save(state: TrainState) -> None:
        log(f"epoch {state.epoch}/{config.epochs}: test ln L = {state.history['test_loglik'][-1]:.4f}, "
            f"reconstruction error {state.history['reconstruction_error'][-1]:.4f}")
        if checkpoint.due() and state.epoch < config.epochs:
            checkpoint.save({"epoch": state.epoch}, state.to_dict())

    result = fit_temperature(spins, config, seed=seed, temperature=t, xp=xp, resume=resume, callback=save)
    s = result.scalars
    log(f"held-out ln L = {s['test_loglik']:.4f} ± {s['test_loglik_err']:.4f} nats (Ising ceiling "
        f"{s['ising_loglik']:.4f}); generated e = {s['energy_generated']:.4f} vs data {s['energy_data']:.4f}")
    attrs = provenance(title=f"RBM, L={size}, T={t:.6g}", seed=seed, backend=backend, config={"rbm": parameters})
    path = write_dataset(result.to_dataset(), out, attrs=attrs)
    checkpoint.clear()
    return path


def train_deep_stack(
    *, samples: Path, temperature: float, widths: list[int], l1: float, epochs: int, seed: int, out: Path,
    budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Greedy deep stack (Mehta & Schwab) and the effective receptive fields of every layer."""
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes)
    log(f"deep stack L={size} T={t:.6g} (K={1 / t:.4f}): {size * size}-" + "-".join(map(str, widths))
        + spins.reading())
    result = deep_stack(spins, widths, seed=seed, temperature=t, l1=l1, epochs=epochs, xp=xp)
    attrs = provenance(title=f"deep RBM stack, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rbm_stack": {"samples": str(samples), "temperature": t, "widths": widths,
                                             "l1": l1, "epochs": epochs}})
    return write_dataset(result.to_dataset(), out, attrs=attrs)


def train_locality_sweep(
    *, samples: Path, temperature: float, n_hidden: int, l1_values: list[float], epochs: int, seed: int, out: Path,
    budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Single-layer RBMs at increasing L1 strength: how L1 makes receptive fields local."""
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes)
    log(f"L1 locality sweep L={size} T={t:.6g}: {n_hidden} hidden, L1 = {', '.join(f'{v:g}' for v in l1_values)}"
        + spins.reading())
    result = locality_sweep(spins, l1_values, seed=seed, temperature=t, n_hidden=n_hidden, epochs=epochs, xp=xp,
                            log=log)
    attrs = provenance(title=f"L1 locality sweep, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rbm_locality": {"samples": str(samples), "temperature": t, "n_hidden": n_hidden,
                                                "l1": list(l1_values), "epochs": epochs}})
    return write_dataset(result.to_dataset(), out, attrs=attrs)


def flow(*, samples: Path, n_hidden: int, epochs: int, l2: float, steps: int, chains: int, seed: int,
         out: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy") -> Path:
    """The RBM flow of an RBM trained on every temperature of a sample store (:func:`rgml.rbm.flow_experiment`)."""
    backend, xp = select_backend(backend)
    ds = open_samples_2d(samples)
    per_temperature = [stored_spins(ds, samples, i, budget_bytes=budget_bytes)
                       for i in range(ds.sizes["temperature"])]
    result = flow_experiment(per_temperature, seed=seed, n_hidden=n_hidden, epochs=epochs, l2=l2, steps=steps,
                             chains=chains, xp=xp, budget_bytes=budget_bytes, log=log)
    met = result.meeting
    log(f"flows met (|m| within tolerance) at step {met}; end point T_eff = {result.end_temperature:.4f} ± "
        f"{result.end_temperature_err:.4f} (Tc = {TC:.6f}), |m| = {result.end_abs_m:.4f}")
    attrs = provenance(title=f"RBM flow, L={result.size}", seed=seed, backend=backend,
                       config={"rbm_flow": {"samples": str(samples), "n_hidden": n_hidden, "epochs": epochs,
                                            "l2": l2, "steps": steps, "chains": chains}})
    return write_dataset(result.to_dataset(), out, attrs=attrs)


def block_rule(*, samples: Path, temperature: float, b: int, epochs: int, seed: int, out: Path) -> Path:
    """The block RBM (b×b visible, one hidden unit, shared weights) that is the RG rule ``rbm``."""
    t, size, stored = spins_at(samples, temperature, budget_bytes=0)
    rule = fit_block_rule(stored, b, seed=seed, temperature=t, epochs=epochs)
    log(f"block RBM b={b} at T={t:.6g}: W = {rule.model.weights.ravel().round(3).tolist()}, "
        f"held-out ln L per block {rule.history['test_loglik'][-1]:.4f}")
    attrs = provenance(title=f"block RBM rule, b={b}", seed=seed, backend="numpy",
                       config={"rbm_block": {"samples": str(samples), "temperature": t, "b": b, "epochs": epochs}})
    return write_dataset(rule.to_dataset(), out, attrs=attrs)


def mapping_1d(*, couplings: list[float], ring_size: int, samples: int, epochs: int, levels: int, seed: int,
               out: Path) -> Path:
    """1D decimation as an exact RBM, and RBMs trained on exact ring samples (:func:`rgml.rbm.mapping_experiment`)."""
    result = mapping_experiment(couplings, seed=seed, ring_size=ring_size, samples=samples, epochs=epochs,
                                levels=levels, log=log)
    attrs = provenance(title="1D RBM <-> decimation mapping", seed=seed, backend="numpy",
                       config={"rbm_1d": {"couplings": list(map(float, couplings)), "ring_size": ring_size,
                                          "samples": samples, "epochs": epochs, "levels": levels}})
    return write_dataset(result.to_dataset(), out, attrs=attrs)


def rbm_tables(
    *, models: list[Path], stack: Path, locality_store: Path, flow_store: Path, mapping: Path, table: Path,
    flow_csv: Path, figures: dict[str, Path],
) -> pd.DataFrame:
    """``rbm.csv`` (one row per per-temperature model), ``rbm_flow.csv`` and the RBM figures."""
    from rgml.plots.rbm import (
        flow_figure, generated_figure, locality_figure, mapping1d_figure, receptive_fields_figure,
    )

    rows = []
    for path in models:
        result = TemperatureRBM.from_dataset(open_kind(path, RBM_MODEL))
        rows.append({"L": result.size, "T": result.temperature, "n_hidden": result.config.n_hidden,
                     "epochs": result.config.epochs, "logz_method": result.logz_method, **result.scalars,
                     "loglik_gap": result.loglik_gap})
    df = pd.DataFrame(rows).sort_values(["L", "T"]).reset_index(drop=True)
    opened = {name: open_store(path) for name, path in
              (("stack", stack), ("locality", locality_store), ("flow", flow_store), ("mapping", mapping))}
    flow_result = FlowExperiment.from_dataset(opened["flow"])
    write_table(df, table)
    write_table(flow_result.table(), flow_csv)
    save_figure(receptive_fields_figure(opened["stack"]), figures["receptive_fields"])
    save_figure(locality_figure(opened["locality"]), figures["locality"])
    save_figure(generated_figure(df), figures["generated"])
    save_figure(flow_figure(opened["flow"]), figures["flow"])
    save_figure(mapping1d_figure(opened["mapping"]), figures["mapping1d"])
    log(f"{len(df)} RBMs: held-out ln L {df['test_loglik'].min():.3f} … {df['test_loglik'].max():.3f} nats, "
        f"gap to the Ising ceiling {df['loglik_gap'].min():.3f} … {df['loglik_gap'].max():.3f}")
    return df


def open_block_rule(path: Path) -> BlockRBMRule:
    """The RG rule ``rbm`` of a block RBM store."""
    return BlockRBMRule.from_dataset(open_kind(path, RBM_MODEL))


def flow_scan(*, samples: Path, n_hidden: int, epochs: int, l2: list[float], replicas: int, exclude: float,
              train_samples: int, steps: int, chains: int, sample_chains: int, seed: int, table: Path,
              range_table: Path, figure: Path, backend: str = "numpy") -> pd.DataFrame:
    """The RBM flow's systematics (:func:`rgml.rbm.flow_scan.flow_scan`): its end point read by every thermometer,
    for every weight decay × training seed × training set, next to the training mixtures; the end-point ranges."""
    from rgml.plots.rbm import flow_scan_figure
    from rgml.rbm.flow_scan import flow_scan as scan
    from rgml.rg.observable_thermometer import ReferenceCurves

    _, xp = select_backend(backend)
    ds = open_samples_2d(samples)
    temperatures = [float(t) for t in ds["temperature"].values]
    per_temperature = [load_spins(ds, samples, temperature=i) for i in range(len(temperatures))]
    reference = ReferenceCurves.from_samples(per_temperature, temperatures, chains=sample_chains)
    training = [s[:train_samples] for s in per_temperature]
    result = scan(training, temperatures, reference, seed=seed, l2=l2, replicas=replicas, exclude=exclude,
                  n_hidden=n_hidden, epochs=epochs, steps=steps, chains=chains, xp=xp, log=log)
    readings, ranges = result.readings.to_frame(), result.ranges.to_frame()
    write_table(readings, table)
    write_table(ranges, range_table)
    save_figure(flow_scan_figure(readings, ranges), figure)
    for r in ranges[ranges["scope"] == "all_runs"].to_dict("records"):
        log(f"end point by {r['observable']}: T in [{r['T_min']:.3f}, {r['T_max']:.3f}] over {r['runs']} runs "
            f"(median {r['T_median']:.3f} ± {r['T_err_median']:.3f}); training mixture {r['mixture_all']:.3f}")
    return readings
