"""Pipeline steps of the RBM stage (Mehta & Schwab; Iso, Shiba & Yokoo; seed paper §III, §V).

Stores (units 0/1 as in :mod:`rgml.rbm.model`; spins s = 2v − 1):

* ``results/rbm/ising2d/L{L}/T{T}.zarr`` — one RBM per temperature: ``W (visible, hidden)``,
  ``visible_bias``, ``hidden_bias``, the per-epoch history, held-out log-likelihood, the exact
  Ising log-likelihood of the same test set, and observables of RBM-generated samples;
* ``stack.zarr`` — a greedily trained deep stack and its effective receptive fields;
* ``locality.zarr`` — single-layer RBMs over a sweep of L1 strengths and their locality;
* ``flow.zarr`` — the RBM flow of an RBM trained on all temperatures;
* ``results/rbm/ising2d/block_b{b}.zarr`` — the block RBM that is the RG rule ``rbm``;
* ``results/rbm/ising1d/mapping.zarr`` — the exact decimation RBM and an RBM trained on rings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from rgml.backend import array_namespace, select_backend, to_numpy
from rgml.checkpoint import Checkpoint
from rgml.exact import TC, decimation_coupling, kaufman_log_z, kaufman_specific_heat
from rgml.ising.lattice import bond_sum_2d, energy_2d, magnetization
from rgml.ising.ring import sample_ring
from rgml.progress import log
from rgml.rbm import (
    MEET_TOLERANCE, RBM, TrainConfig, TrainState, coarse_grain, generate, locality, meeting_step, rbm_flow,
    receptive_fields, ring_couplings, spins_to_units, train, train_block_rbm, train_stack, units_to_spins,
)
from rgml.rbm.mapping1d import decimation_rbm
from rgml.rg.thermometer import projection_temperature
from rgml.rng import Stream
from rgml.steps.validate import (
    RBM_MODEL, open_kind, open_samples_2d, spins_at, stored_spins, training_row_bytes,
)
from rgml.streaming import DEFAULT_BUDGET_BYTES, ConfigurationSet, concatenate, in_memory_if_fits
from rgml.store import load_variable, open_store, provenance, write_dataset

#: Fraction of each temperature's configurations held out (the last ones in sampling order).
TEST_FRACTION = 0.2

#: Lattice sites of the configurations a block RBM is trained on (all their blocks).
BLOCK_SITES = 250_000

#: Gibbs sweeps per chain when generating samples from a trained RBM.
GENERATE_SWEEPS = 2000

#: At most this many RBM samples are generated per model (one per held-out configuration up to it).
GENERATED_MAX = 2000


def split(spins):
    """Train / held-out configurations: the first 80 % and the last 20 % in sampling order.

    ``spins``: an array or a :class:`rgml.streaming.ConfigurationSet`.
    """
    if isinstance(spins, ConfigurationSet):
        n_test = max(1, int(round(TEST_FRACTION * spins.n)))
        return spins.slice(0, spins.n - n_test), spins.slice(spins.n - n_test, spins.n)
    n_test = max(1, int(round(TEST_FRACTION * spins.shape[0])))
    return spins[:-n_test], spins[-n_test:]


def flat_units(spins: np.ndarray) -> np.ndarray:
    """±1 lattices ``(n, L, L)`` as 0/1 rows ``(n, L²)`` (row-major sites)."""
    return spins_to_units(spins.reshape(spins.shape[0], -1))


def training_units(spins: ConfigurationSet, xp) -> ConfigurationSet:
    """A set of ±1 lattices as 0/1 training rows on the namespace ``xp`` (int8 lattices move, then convert)."""
    return spins.to(xp).map(flat_units)


def ising_log_likelihood(bond_sums: np.ndarray, size: int, temperature: float) -> tuple[float, float]:
    """Exact mean ln P(s) per configuration of the L×L torus (Kaufman's ln Z): the ceiling for an RBM.

    ``bond_sums``: Σ_<ij> s_i s_j of each configuration (:func:`rgml.ising.lattice.bond_sum_2d`).
    """
    per_sample = bond_sums / temperature - float(kaufman_log_z(size, temperature))
    return float(per_sample.mean()), float(per_sample.std(ddof=1) / np.sqrt(per_sample.size))


def lattice_observables(spins: ConfigurationSet) -> tuple[np.ndarray, np.ndarray]:
    """Bond sum and magnetization per spin of every configuration of a set, read group by group."""
    bonds, mags = zip(*((bond_sum_2d(g), magnetization(g)) for g in spins.groups()))
    return np.concatenate(bonds), np.concatenate(mags)


def _model_vars(model: RBM) -> dict:
    return {
        "W": (("visible", "hidden"), to_numpy(model.weights), {"long_name": "weights (0/1 units)"}),
        "visible_bias": (("visible",), to_numpy(model.visible_bias), {"long_name": "visible biases"}),
        "hidden_bias": (("hidden",), to_numpy(model.hidden_bias), {"long_name": "hidden biases"}),
    }


def _history_vars(history: dict) -> dict:
    return {f"history_{k}": (("epoch",), np.asarray(v), {"long_name": k.replace("_", " ")})
            for k, v in history.items()}


def _train_with_checkpoint(data, config: TrainConfig, stream: Stream, *, test_data, out: Path,
                           parameters: dict, every: float):
    """:func:`rgml.rbm.train` that saves its state every ``every`` seconds and resumes from it."""
    checkpoint = Checkpoint(out, parameters, every=every)
    saved = checkpoint.load()
    resume = None
    if saved is not None:
        resume = TrainState.from_dict(saved[1])
        log(f"resuming from the checkpoint after epoch {resume.epoch} of {config.epochs}")

    def save(state: TrainState) -> None:
        log(f"epoch {state.epoch}/{config.epochs}: test ln L = {state.history['test_loglik'][-1]:.4f}, "
            f"reconstruction error {state.history['reconstruction_error'][-1]:.4f}")
        if checkpoint.due() and state.epoch < config.epochs:
            checkpoint.save({"epoch": state.epoch}, state.to_dict())

    result = train(data, config, None if resume else stream, test_data=test_data, resume=resume, callback=save)
    return result, checkpoint


def train_temperature(
    *, samples: Path, temperature: float, config: TrainConfig, seed: int, out: Path,
    checkpoint_seconds: float = 120.0, budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Train one RBM on the configurations of one temperature and store it with its diagnostics.

    Configurations that need more than ``budget_bytes`` in memory are read
    from the store in groups (:mod:`rgml.streaming`).  ``backend``: where
    training and generation run (:mod:`rgml.backend`).
    """
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes)
    train_spins, test_spins = split(spins)
    log(f"RBM L={size} T={t:.6g}: {config.n_hidden} hidden, {config.epochs} epochs, "
        f"{train_spins.n} train / {test_spins.n} held-out configurations"
        + spins.reading())
    stream = Stream.named(seed, "rbm", size, t, config.n_hidden)
    parameters = {"samples": str(samples), "temperature": t, "seed": seed, **config.to_dict()}
    result, checkpoint = _train_with_checkpoint(
        training_units(train_spins, xp), config, stream.child("train"), test_data=training_units(test_spins, xp),
        out=out, parameters=parameters, every=checkpoint_seconds,
    )
    h = result.history
    bonds, mags = lattice_observables(test_spins)
    energy_data = float((-bonds / (size * size)).mean())
    ising_ll, ising_ll_err = ising_log_likelihood(bonds, size, t)
    generated = to_numpy(units_to_spins(generate(result.model, min(test_spins.n, GENERATED_MAX),
                                                 stream.child("generate"), n_steps=GENERATE_SWEEPS),
                                        shape=(size, size)))
    log(f"held-out ln L = {h['test_loglik'][-1]:.4f} ± {h['test_loglik_err'][-1]:.4f} nats "
        f"(Ising ceiling {ising_ll:.4f}); generated e = {energy_2d(generated).mean():.4f} "
        f"vs data {energy_data:.4f}")
    scalars = {
        "test_loglik": (h["test_loglik"][-1], "held-out log-likelihood per configuration", "nats"),
        "test_loglik_err": (h["test_loglik_err"][-1], "its standard error", "nats"),
        "ising_loglik": (ising_ll, "exact Ising log-likelihood of the held-out set (Kaufman ln Z)", "nats"),
        "ising_loglik_err": (ising_ll_err, "its standard error", "nats"),
        "energy_data": (energy_data, "energy per spin of the held-out data", "J"),
        "energy_generated": (energy_2d(generated).mean(), "energy per spin of RBM samples", "J"),
        "abs_m_data": (np.abs(mags).mean(), "<|m|> of the held-out data", "1"),
        "abs_m_generated": (np.abs(magnetization(generated)).mean(), "<|m|> of RBM samples", "1"),
    }
    data = {**_model_vars(result.model), **_history_vars(h)}
    data |= {k: ((), float(v), {"long_name": name, "units": u}) for k, (v, name, u) in scalars.items()}
    data["generated"] = (("sample", "y", "x"), generated[:16],
                         {"long_name": f"RBM samples after {GENERATE_SWEEPS} Gibbs sweeps (first 16)"})
    out_ds = xr.Dataset(data, coords={"temperature": ((), t, {"units": "J/k_B"}),
                                      "epoch": ("epoch", np.arange(1, len(h["test_loglik"]) + 1))})
    attrs = provenance(title=f"RBM, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rbm": parameters}) | {
        "size": size, "n_hidden": config.n_hidden, "epochs": config.epochs, "logz_method": result.logz_method,
        "units": "0/1 (s = 2v - 1)", "n_train": train_spins.n, "n_test": test_spins.n,
    }
    path = write_dataset(out_ds, out, attrs=attrs)
    checkpoint.clear()
    return path


def train_deep_stack(
    *, samples: Path, temperature: float, widths: list[int], l1: float, epochs: int, seed: int, out: Path,
    budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Greedy deep stack (Mehta & Schwab) and the effective receptive fields of every layer."""
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes)
    train_spins, test_spins = split(spins)
    configs = [TrainConfig(n_hidden=w, epochs=epochs, l1=l1, logz="none") for w in widths]
    log(f"deep stack L={size} T={t:.6g} (K={1 / t:.4f}): {size * size}-" + "-".join(map(str, widths))
        + spins.reading())
    stack = train_stack(training_units(train_spins, xp), configs, Stream.named(seed, "rbm-stack", size, t),
                        test_data=training_units(test_spins, xp))
    fields = receptive_fields(stack.models)
    data = {}
    for layer, (model, field) in enumerate(zip(stack.models, fields), start=1):
        data[f"W{layer}"] = ((f"in{layer}", f"out{layer}"), to_numpy(model.weights), {"layer": layer})
        data[f"field{layer}"] = (("y", "x", f"out{layer}"), to_numpy(field).reshape(size, size, -1),
                                 {"long_name": f"effective receptive fields of layer {layer} (W1...W{layer})"})
        data[f"locality{layer}"] = ((), locality(field, (size, size)),
                                    {"long_name": "radius of gyration of the fields relative to a uniform map"})
    attrs = provenance(title=f"deep RBM stack, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rbm_stack": {"samples": str(samples), "temperature": t, "widths": widths,
                                             "l1": l1, "epochs": epochs}})
    return write_dataset(xr.Dataset(data, coords={"temperature": ((), t)}), out,
                         attrs=attrs | {"size": size, "layers": len(widths)})


def locality_sweep(
    *, samples: Path, temperature: float, n_hidden: int, l1_values: list[float], epochs: int, seed: int, out: Path,
    budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Single-layer RBMs at increasing L1 strength: how L1 makes receptive fields local."""
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes)
    train_spins, _ = split(spins)
    log(f"L1 locality sweep L={size} T={t:.6g}: {n_hidden} hidden, L1 = {', '.join(f'{v:g}' for v in l1_values)}"
        + spins.reading())
    fields, measure = [], []
    for l1 in l1_values:
        config = TrainConfig(n_hidden=n_hidden, epochs=epochs, l1=l1, logz="none")
        model = train(training_units(train_spins, xp), config, Stream.named(seed, "rbm-l1", size, t, float(l1))).model
        fields.append(to_numpy(model.weights).reshape(size, size, n_hidden))
        measure.append(locality(model.weights, (size, size)))
        log(f"L1 = {l1:g}: locality {measure[-1]:.3f}")
    out_ds = xr.Dataset(
        {"field": (("l1", "y", "x", "hidden"), np.stack(fields), {"long_name": "receptive fields W"}),
         "locality": (("l1",), measure, {"long_name": "radius of gyration relative to a uniform map"})},
        coords={"l1": ("l1", np.asarray(l1_values, np.float64)), "temperature": ((), t)},
    )
    attrs = provenance(title=f"L1 locality sweep, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rbm_locality": {"samples": str(samples), "temperature": t, "n_hidden": n_hidden,
                                                "l1": list(l1_values), "epochs": epochs}})
    return write_dataset(out_ds, out, attrs=attrs | {"size": size})


def projection_thermometer(spins) -> tuple[float, float]:
    """T_eff of an ensemble of L×L lattices from its mean energy (the RG stage's projection).

    The error follows from the energy's standard error and de/dT = c(T), the
    exact finite-torus specific heat.
    """
    e = to_numpy(energy_2d(spins))
    size = spins.shape[-1]
    t = float(projection_temperature(-np.atleast_1d(e.mean()), size)[0][0])
    if not np.isfinite(t) or e.size < 2:
        return t, np.nan
    return t, float(e.std(ddof=1) / np.sqrt(e.size) / kaufman_specific_heat(size, t))


def flow(*, samples: Path, n_hidden: int, epochs: int, l2: float, steps: int, chains: int, seed: int,
         out: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy") -> Path:
    """The RBM flow: an RBM trained on all temperatures, iterated v → h → v′ from two starts.

    The RBM is trained by CD-1 with weight decay ``l2``.  Its Gibbs chain is
    the flow, so how fast the two starts forget where they came from is the
    chain's mixing time: without decay (or with PCD) the model develops sharp
    ordered modes and at L = 8 the flows are still 0.09 apart in |m| after 200
    steps; λ₂ = 0.03 lets them meet within ~30 steps.  The common end point is
    the model's stationary ensemble; its T_eff and |m| are measured on the
    final lattices of both flows together.
    """
    backend, xp = select_backend(backend)
    ds = open_samples_2d(samples)
    size = ds.sizes["x"]
    per_temperature = [stored_spins(ds, samples, i, budget_bytes=budget_bytes) for i in range(ds.sizes["temperature"])]
    pooled = in_memory_if_fits(concatenate([split(s)[0] for s in per_temperature]), training_row_bytes(size),
                               budget_bytes)
    log(f"RBM flow L={size}: training on {pooled.n} configurations from {len(per_temperature)} temperatures"
        + pooled.reading())
    stream = Stream.named(seed, "rbm-flow", size, n_hidden)
    config = TrainConfig(n_hidden=n_hidden, epochs=epochs, method="cd", k=1, l2=l2, logz="none")
    model = train(training_units(pooled, xp), config, stream.child("train")).model
    runs = [rbm_flow(model, start, steps, stream.child(start), n_chains=chains, thermometer=projection_thermometer)
            for start in ("ordered", "disordered")]
    met = meeting_step(*runs)
    final = np.concatenate([r.spins for r in runs])
    t_fixed, t_fixed_err = projection_thermometer(final)
    m_final = np.abs(magnetization(final))
    for r in runs:
        log(f"{r.start} start: |m| {r.abs_magnetization[0]:.3f} -> {r.abs_magnetization[-1]:.3f}, "
            f"T_eff -> {r.temperature[-1]:.4f}")
    log(f"flows met (|m| within {MEET_TOLERANCE}) at step {met}; end point T_eff = {t_fixed:.4f} ± "
        f"{t_fixed_err:.4f} (Tc = {TC:.6f}), |m| = {m_final.mean():.4f}")
    out_ds = xr.Dataset(
        {
            **_model_vars(model),
            "abs_m": (("start", "step"), np.stack([r.abs_magnetization for r in runs]), {"long_name": "<|m|>"}),
            "abs_m_err": (("start", "step"), np.stack([r.abs_magnetization_err for r in runs])),
            "T_eff": (("start", "step"), np.stack([r.temperature for r in runs]),
                      {"long_name": "projected temperature (Kaufman energy of the L x L torus)", "units": "J/k_B"}),
            "T_eff_err": (("start", "step"), np.stack([r.temperature_err for r in runs]), {"units": "J/k_B"}),
            "final_spins": (("start", "chain", "y", "x"), np.stack([r.spins[:16] for r in runs])),
            "end_T_eff": ((), t_fixed, {"long_name": "T_eff of the final lattices of both flows", "units": "J/k_B"}),
            "end_T_eff_err": ((), t_fixed_err, {"units": "J/k_B"}),
            "end_abs_m": ((), float(m_final.mean()), {"long_name": "<|m|> of the final lattices of both flows"}),
            "end_abs_m_err": ((), float(m_final.std(ddof=1) / np.sqrt(m_final.size))),
        },
        coords={"start": ("start", np.array([r.start for r in runs], dtype=object)),
                "step": ("step", np.arange(steps + 1))},
    )
    attrs = provenance(title=f"RBM flow, L={size}", seed=seed, backend=backend,
                       config={"rbm_flow": {"samples": str(samples), "n_hidden": n_hidden, "epochs": epochs,
                                            "l2": l2, "steps": steps, "chains": chains}})
    attrs |= {"size": size, "n_hidden": n_hidden, "l2": l2, "meet_tolerance": MEET_TOLERANCE,
              "meeting_step": -1 if met is None else met}
    return write_dataset(out_ds, out, attrs=attrs)


def flow_table(flow_ds: xr.Dataset):
    """``rbm_flow.csv``: each start's last step and the flows' common end point, against Tc."""
    import pandas as pd

    last = flow_ds.sizes["step"] - 1
    common = {"L": flow_ds.attrs["size"], "n_hidden": flow_ds.attrs["n_hidden"], "l2": flow_ds.attrs["l2"],
              "step": last, "meeting_step": flow_ds.attrs["meeting_step"]}
    rows = [common | {"start": str(start), "abs_m": float(flow_ds["abs_m"][k, last]),
                      "abs_m_err": float(flow_ds["abs_m_err"][k, last]),
                      "T_eff": float(flow_ds["T_eff"][k, last]), "T_eff_err": float(flow_ds["T_eff_err"][k, last])}
            for k, start in enumerate(flow_ds["start"].values)]
    rows.append(common | {"start": "both (end point)", "abs_m": float(flow_ds["end_abs_m"]),
                          "abs_m_err": float(flow_ds["end_abs_m_err"]), "T_eff": float(flow_ds["end_T_eff"]),
                          "T_eff_err": float(flow_ds["end_T_eff_err"])})
    df = pd.DataFrame(rows)
    df["Tc"] = TC
    df["T_eff_minus_Tc"] = df["T_eff"] - TC
    return df


def block_rule(*, samples: Path, temperature: float, b: int, epochs: int, seed: int, out: Path) -> Path:
    """The block RBM (b×b visible, one hidden unit, shared weights) that is the RG rule ``rbm``."""
    t, size, stored = spins_at(samples, temperature, budget_bytes=0)
    # ~10⁵ blocks are plenty for the five parameters of a block RBM: read only the configurations needed
    spins = stored.head(max(10, BLOCK_SITES // (size * size)))
    train_spins, test_spins = split(spins)
    config = TrainConfig(n_hidden=1, epochs=epochs, batch_size=100, logz="exact")
    result = train_block_rbm(train_spins, b, config, Stream.named(seed, "rbm-block", size, t, b),
                             test_spins=test_spins)
    log(f"block RBM b={b} at T={t:.6g}: W = {np.round(np.asarray(result.model.weights).ravel(), 3).tolist()}, "
        f"held-out ln L per block {result.history['test_loglik'][-1]:.4f}")
    out_ds = xr.Dataset({**_model_vars(result.model), **_history_vars(result.history)},
                        coords={"temperature": ((), t), "epoch": ("epoch", np.arange(1, epochs + 1))})
    attrs = provenance(title=f"block RBM rule, b={b}", seed=seed, backend="numpy",
                       config={"rbm_block": {"samples": str(samples), "temperature": t, "b": b, "epochs": epochs}})
    return write_dataset(out_ds, out, attrs=attrs | {"b": b, "size": spins.shape[-1], "units": "0/1"})


@dataclass(frozen=True)
class BlockRBMRule:
    """The RG rule ``rbm``: P(h|v) of a trained block RBM, sampled block by block."""

    model: RBM

    def coarse_grain(self, spins, b: int, stream: Stream):
        if self.model.n_visible != b * b:
            raise ValueError(f"the block RBM has {self.model.n_visible} visible units, it cannot coarse-grain "
                             f"with b={b}; train it with b = {b}")
        return coarse_grain(spins, self.model.to(array_namespace(spins)), stream)


def open_model(path: Path) -> tuple[xr.Dataset, RBM]:
    """A checked RBM store and the model it holds."""
    ds = open_kind(path, RBM_MODEL)
    return ds, RBM(*(np.asarray(ds[name].values, np.float64) for name in ("W", "visible_bias", "hidden_bias")))


def load_block_rbm_rule(path: Path) -> BlockRBMRule:
    return BlockRBMRule(open_model(path)[1])


def mapping_1d(*, couplings: list[float], ring_size: int, samples: int, epochs: int, seed: int, out: Path) -> Path:
    """1D decimation as an exact RBM, and RBMs trained on exact ring samples, against K' = ½ ln cosh 2K."""
    exact, trained, trained_err = [], [], []
    for k in couplings:
        model, _ = decimation_rbm(ring_size // 2, k)
        exact.append(ring_couplings(model).nearest_neighbour)
        spins = sample_ring(ring_size, k, samples, Stream.named(seed, "rbm-ring", ring_size, float(k)))
        config = TrainConfig(n_hidden=ring_size // 2, epochs=epochs, logz="exact")
        fitted = train(spins_to_units(spins), config, Stream.named(seed, "rbm-ring-train", ring_size, float(k))).model
        trained.append(ring_couplings(fitted).nearest_neighbour)
        # statistical scale of K from the data: σ_K = σ_c / (1 − c²), c the measured nn correlation
        c = (spins * np.roll(spins, -1, axis=1)).mean(axis=1, dtype=np.float64)
        trained_err.append(c.std(ddof=1) / np.sqrt(c.size) / max(1 - c.mean() ** 2, 1e-6))
        log(f"K={k:g}: decimation RBM K'={exact[-1]:.12f} (exact {decimation_coupling(k):.12f}); "
            f"trained RBM K_1={trained[-1]:.4f}")
    out_ds = xr.Dataset(
        {"K_prime_rbm": (("coupling",), exact, {"long_name": "K' of the marginal of the exact decimation RBM"}),
         "K_prime_exact": (("coupling",), decimation_coupling(np.asarray(couplings)),
                           {"long_name": "1/2 ln cosh 2K"}),
         "K_trained": (("coupling",), trained,
                       {"long_name": "nearest-neighbour coupling of an RBM trained on ring samples at K"}),
         "K_trained_scale": (("coupling",), trained_err, {"long_name": "sampling error scale of K"})},
        coords={"coupling": ("coupling", np.asarray(couplings, np.float64))},
    )
    attrs = provenance(title="1D RBM <-> decimation mapping", seed=seed, backend="numpy",
                       config={"rbm_1d": {"couplings": list(map(float, couplings)), "ring_size": ring_size,
                                          "samples": samples, "epochs": epochs}})
    return write_dataset(out_ds, out, attrs=attrs | {"ring_size": ring_size})


def rbm_tables(
    *, models: list[Path], stack: Path, locality_store: Path, flow_store: Path, mapping: Path, table: Path,
    flow_csv: Path, figures: dict[str, Path],
):
    """``rbm.csv`` (one row per per-temperature model), ``rbm_flow.csv`` and the RBM figures."""
    import pandas as pd

    from rgml.plots.rbm import (
        flow_figure, generated_figure, locality_figure, mapping1d_figure, receptive_fields_figure,
    )
    from rgml.store import save_figure, write_table

    rows = []
    for path in models:
        ds, _ = open_model(path)
        row = {"L": ds.attrs["size"], "T": float(ds["temperature"]), "n_hidden": ds.attrs["n_hidden"],
               "epochs": ds.attrs["epochs"], "logz_method": ds.attrs["logz_method"]}
        for name in ("test_loglik", "test_loglik_err", "ising_loglik", "ising_loglik_err", "energy_data",
                     "energy_generated", "abs_m_data", "abs_m_generated"):
            row[name] = float(load_variable(ds, name, path))
        rows.append(row)
    df = pd.DataFrame(rows).sort_values(["L", "T"]).reset_index(drop=True)
    df["loglik_gap"] = df["ising_loglik"] - df["test_loglik"]
    opened = {name: open_store(path) for name, path in
              (("stack", stack), ("locality", locality_store), ("flow", flow_store), ("mapping", mapping))}
    write_table(df, table)
    write_table(flow_table(opened["flow"]), flow_csv)
    save_figure(receptive_fields_figure(opened["stack"]), figures["receptive_fields"])
    save_figure(locality_figure(opened["locality"]), figures["locality"])
    save_figure(generated_figure(df), figures["generated"])
    save_figure(flow_figure(opened["flow"]), figures["flow"])
    save_figure(mapping1d_figure(opened["mapping"]), figures["mapping1d"])
    log(f"{len(df)} RBMs: held-out ln L {df['test_loglik'].min():.3f} … {df['test_loglik'].max():.3f} nats, "
        f"gap to the Ising ceiling {df['loglik_gap'].min():.3f} … {df['loglik_gap'].max():.3f}")
    return df
