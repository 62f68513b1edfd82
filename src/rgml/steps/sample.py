"""Pipeline step: sample Ising configurations into Zarr stores.

``results/samples/ising2d/L{L}.zarr`` holds ``spins (temperature, sample, y, x)``
int8, ``energy`` and ``magnetization`` per spin, and per-temperature
provenance (algorithm, τ_int, thinning, stream keys).  Samples are streamed
to the store block by block, so memory does not grow with their number.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numba
import numpy as np
import xarray as xr
import yaml

from rgml.backend import resolve_backend
from rgml.checkpoint import Checkpoint
from rgml.ising.ring import sample_ring
from rgml.ising.lattice import energy_1d
from rgml.ising.sampler import ChainBatch, SamplerSettings, TemperaturePlan, prepare_chains, production
from rgml.progress import Progress, log
from rgml.rng import Stream, stream_key
from rgml.stats import integrated_time
from rgml.store import AtomicStore, StoreError, provenance, samples_per_chunk, spin_compressor

ALGORITHM_CODES = {"metropolis": 0, "wolff": 1}

TEMPERATURE_ATTRS = {"units": "J/k_B", "long_name": "temperature T"}


def _flag_attrs(long_name: str) -> dict:
    return {
        "long_name": long_name,
        "flag_values": list(ALGORITHM_CODES.values()),
        "flag_meanings": " ".join(ALGORITHM_CODES),
    }


def _block_dataset(block, temperatures, chains: int, first_sample: int) -> xr.Dataset:
    n = block.spins.shape[1]
    sample = np.arange(first_sample, first_sample + n)
    return xr.Dataset(
        {
            "spins": (("temperature", "sample", "y", "x"), block.spins,
                      {"long_name": "spin configuration", "units": "1", "flag_values": [-1, 1]}),
            "energy": (("temperature", "sample"), block.energy,
                       {"long_name": "energy per spin", "units": "J"}),
            "magnetization": (("temperature", "sample"), block.magnetization,
                              {"long_name": "magnetization per spin (signed)", "units": "1"}),
            "sweep": (("temperature", "sample"), block.sweep,
                      {"long_name": "sweeps of the chain since thermalization", "units": "sweeps"}),
        },
        coords={
            "temperature": ("temperature", np.asarray(temperatures, np.float64), TEMPERATURE_ATTRS),
            "sample": ("sample", sample, {"long_name": "sample index (step * chains + chain)"}),
            "chain": ("sample", (sample % chains).astype(np.int16), {"long_name": "Markov chain"}),
        },
    )


def sample_ising2d(
    *, size: int, temperatures: list[float], samples: int, seed: int, out: Path,
    settings: SamplerSettings, backend: str = "auto", threads: int | None = None,
    checkpoint_seconds: float = 120.0,
) -> Path:
    """Sample the L×L torus at every temperature and write ``out`` (a Zarr store).

    Samples stream into ``<out>.partial`` block by block.  Every
    ``checkpoint_seconds`` (and once the chains are thermalized) the chain
    state is saved to ``<out>.checkpoint.npz``; a rerun with the same
    parameters after a kill resumes from there and writes bitwise the store
    an uninterrupted run writes.
    """
    backend = resolve_backend(backend)
    if threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    config = {
        "model": "ising2d", "size": size, "temperatures": [float(t) for t in temperatures],
        "samples": samples, "seed": seed, "backend": backend,
        "sampler": {k: getattr(settings, k) for k in settings.__dataclass_fields__},
    }
    log(f"ising2d L={size}: {len(temperatures)} temperatures, {samples} samples each, "
        f"{settings.chains} chains, algorithm={settings.algorithm}, backend={backend}")
    chains = settings.chains
    per_chain = math.ceil(samples / chains)
    block_steps = max(1, samples_per_chunk(size * size) // chains)
    chunk = block_steps * chains
    encoding = {
        "spins": {"compressors": [spin_compressor()], "chunks": (1, chunk, size, size)},
        "energy": {"chunks": (1, chunk)},
        "magnetization": {"chunks": (1, chunk)},
        "sweep": {"chunks": (1, chunk)},
    }
    checkpoint = Checkpoint(out, {k: v for k, v in config.items() if k != "backend"}, every=checkpoint_seconds)
    with AtomicStore(out, resume=True) as store:
        batch, plans, stored = _resume(checkpoint, store, size, temperatures, seed, settings, backend)
        if batch is None:
            batch, plans = prepare_chains(size, temperatures, seed=seed, settings=settings, log=log, backend=backend)
            stored = 0
            checkpoint.save({"stored": 0, "plans": [asdict(p) for p in plans]}, batch.state())
        for p in plans:
            log(f"  T={p.temperature:.6g}: {p.algorithm}, τ_int={p.tau_int:.3g} sweeps, thin={p.thin}, "
                f"thermalize={p.thermalize}"
                + (f", {p.clusters_per_sweep} clusters/sweep" if p.algorithm == "wolff" else ""))
        progress = Progress(f"ising2d L={size}", per_chain)
        first_step = per_chain if stored >= samples else stored // chains
        log(f"production: steps {first_step}..{per_chain} of {per_chain} per chain")
        for block in production(batch, plans, per_chain, block_steps=block_steps, first_step=first_step,
                                progress=progress):
            ds = _block_dataset(block, temperatures, chains, stored)
            keep = min(samples - stored, ds.sizes["sample"])
            ds = ds.isel(sample=slice(0, keep))
            if stored == 0:
                store.write(ds, encoding=encoding)
            else:
                store.append(ds, dim="sample")
            stored += keep
            if checkpoint.due():
                checkpoint.save({"stored": stored, "plans": [asdict(p) for p in plans]}, batch.state())
        written = xr.open_zarr(store.partial, consolidated=False)
        energy, mag = written["energy"].values, written["magnetization"].values
        store.write(_plan_dataset(plans, temperatures, energy, mag, chains, seed=seed, size=size))
        path = store.commit(provenance(
            title=f"2D Ising samples, L={size}", seed=seed, backend=backend, config={"ising2d": config}
        ))
    checkpoint.clear()
    return path


def _resume(checkpoint: Checkpoint, store: AtomicStore, size, temperatures, seed, settings, backend):
    """Chains, plans and the number of stored samples from a matching checkpoint, or (None, None, 0)."""
    saved = checkpoint.load()
    if saved is None:
        store.discard()
        return None, None, 0
    meta, state = saved
    stored = int(meta["stored"])
    if store.length("sample") < stored:  # the partial store lost data the checkpoint counts on
        checkpoint.clear()
        store.discard()
        return None, None, 0
    if stored:
        store.truncate("sample", stored)
    else:
        store.discard()
    plans = [TemperaturePlan(**p) for p in meta["plans"]]
    batch = ChainBatch.start(size, temperatures, settings.chains, seed=seed, backend=backend)
    batch.restore(state)
    log(f"resuming from the checkpoint: {stored} samples per temperature already stored, "
        "thermalization and pilot skipped")
    return batch, plans, stored


def _stored_tau(series: np.ndarray, chains: int) -> float:
    """τ_int along each chain's stored sequence (units: stored samples)."""
    n = series.size - series.size % chains
    return integrated_time(series[:n].reshape(-1, chains).T)


def _plan_dataset(plans, temperatures, energy, mag, chains: int, *, seed: int, size: int) -> xr.Dataset:
    """Per-temperature provenance: algorithm, τ_int, thinning, keys, τ along stored samples."""
    t = ("temperature",)
    keys = {
        kind: np.array([[stream_key(seed, "ising2d", size, float(T), "chain", c, kind) for c in range(chains)]
                        for T in temperatures], np.uint64)
        for kind in ALGORITHM_CODES
    }
    return xr.Dataset(
        {
            "algorithm": (t, np.array([ALGORITHM_CODES[p.algorithm] for p in plans], np.int8),
                          _flag_attrs("update algorithm used for the stored samples")),
            "tau_int": (t, [p.tau_int for p in plans],
                        {"long_name": "integrated autocorrelation time (max over e, m, |m|) from the pilot run",
                         "units": "sweeps"}),
            "tau_int_reliable": (t, [p.tau_reliable for p in plans],
                                 {"long_name": "pilot run was at least 50 tau_int long"}),
            "tau_int_metropolis": (t, [p.tau_metropolis for p in plans],
                                   {"long_name": "pilot tau_int of Metropolis (nan if not piloted)", "units": "sweeps"}),
            "tau_int_wolff": (t, [p.tau_wolff for p in plans],
                              {"long_name": "pilot tau_int of Wolff (nan if not piloted)", "units": "sweeps"}),
            "thin": (t, np.array([p.thin for p in plans], np.int64),
                     {"long_name": "sweeps between stored samples", "units": "sweeps"}),
            "thermalize": (t, np.array([p.thermalize for p in plans], np.int64),
                           {"long_name": "thermalization before the first stored sample", "units": "sweeps"}),
            "clusters_per_sweep": (t, np.array([p.clusters_per_sweep for p in plans], np.int64),
                                   {"long_name": "Wolff cluster updates per sweep (1 for Metropolis)"}),
            "tau_int_energy_stored": (t, [_stored_tau(e, chains) for e in energy],
                                      {"long_name": "tau_int of the energy along each chain's stored samples",
                                       "units": "stored samples"}),
            "tau_int_abs_m_stored": (t, [_stored_tau(np.abs(m), chains) for m in mag],
                                     {"long_name": "tau_int of |m| along each chain's stored samples",
                                      "units": "stored samples"}),
            "metropolis_key": (("temperature", "chain_index"), keys["metropolis"],
                               {"long_name": "Metropolis stream key of each chain (rgml.rng)"}),
            "wolff_key": (("temperature", "chain_index"), keys["wolff"],
                          {"long_name": "Wolff stream key of each chain (rgml.rng)"}),
        },
        coords={"temperature": ("temperature", np.asarray(temperatures, np.float64), TEMPERATURE_ATTRS)},
    )


def sample_ising1d(
    *, size: int, couplings: list[float], samples: int, seed: int, out: Path, backend: str = "auto",
) -> Path:
    """Exact independent samples of the periodic ring at every coupling K (see :mod:`rgml.ising.ring`)."""
    backend = resolve_backend(backend)
    log(f"ising1d N={size}: {len(couplings)} couplings, {samples} exact samples each")
    spins = np.stack([
        sample_ring(size, float(k), samples, Stream.named(seed, "ising1d", size, float(k), "ring"))
        for k in couplings
    ])
    energy = energy_1d(spins)
    ds = xr.Dataset(
        {
            "spins": (("coupling", "sample", "x"), spins,
                      {"long_name": "spin configuration", "units": "1", "flag_values": [-1, 1]}),
            "energy": (("coupling", "sample"), energy, {"long_name": "energy per spin", "units": "J"}),
            "magnetization": (("coupling", "sample"), spins.mean(axis=-1, dtype=np.float64),
                              {"long_name": "magnetization per spin (signed)", "units": "1"}),
            "tau_int": (("coupling",), [integrated_time(e) for e in energy],
                        {"long_name": "tau_int of the energy along the samples (1/2: independent)",
                         "units": "samples"}),
        },
        coords={
            "coupling": ("coupling", np.asarray(couplings, np.float64),
                         {"long_name": "coupling K = J/(k_B T)", "units": "1"}),
            "sample": ("sample", np.arange(samples)),
        },
    )
    chunk = min(samples, samples_per_chunk(size))
    encoding = {"spins": {"compressors": [spin_compressor()], "chunks": (1, chunk, size)}}
    config = {"model": "ising1d", "size": size, "couplings": [float(k) for k in couplings],
              "samples": samples, "seed": seed, "method": "exact transfer-matrix ring sampler"}
    with AtomicStore(out) as store:
        store.write(ds, encoding=encoding)
        return store.commit(provenance(title=f"1D Ising ring samples, N={size}", seed=seed,
                                       backend=backend, config={"ising1d": config}))


def merge_ising2d(*, shards: list[Path], out: Path) -> Path:
    """Concatenate sample stores of disjoint temperature shards into one store, temperature by temperature.

    Every temperature's chains are keyed by its value, so the merged store is
    bitwise the store an unsharded run makes; memory holds one temperature.
    """
    from rgml.steps.validate import load_spins, open_samples_2d

    opened = [(path, open_samples_2d(path)) for path in shards]
    first_path, first = opened[0]
    size, n_samples = first.sizes["x"], first.sizes["sample"]
    temperatures: list[float] = []
    for path, ds in opened:
        if (ds.sizes["x"], ds.sizes["sample"]) != (size, n_samples):
            raise StoreError(f"{path}: L={ds.sizes['x']} with {ds.sizes['sample']} samples does not match "
                             f"{first_path} (L={size}, {n_samples} samples); shards must come from one config")
        temperatures += [float(t) for t in ds["temperature"].values]
    if len(set(temperatures)) != len(temperatures):
        raise StoreError(f"{out}: the shards overlap in temperature; give each temperature once")
    encoding = {name: {k: v for k, v in first[name].encoding.items() if k in ("chunks", "compressors")}
                for name in first.data_vars if "temperature" in first[name].dims}
    log(f"merging {len(shards)} shards of L={size}: {len(temperatures)} temperatures")
    with AtomicStore(out) as store:
        written = False
        for path, ds in opened:
            for i in range(ds.sizes["temperature"]):
                block = ds.isel(temperature=slice(i, i + 1))
                spins = load_spins(ds, path, temperature=slice(i, i + 1))  # readable and ±1, or a StoreError
                block = block.assign(spins=block["spins"].copy(data=spins)).load()
                for name in block.variables:
                    block[name].encoding = {}
                if not written:
                    store.write(block, encoding=encoding)
                    written = True
                else:
                    store.append(block.drop_vars([v for v in block.variables if "temperature" not in block[v].dims]),
                                 dim="temperature")
        config = yaml.safe_load(first.attrs["config"])
        config["ising2d"]["temperatures"] = temperatures
        config["ising2d"]["merged_from"] = [str(p) for p in shards]
        attrs = provenance(title=f"2D Ising samples, L={size}", seed=int(first.attrs["seed"]),
                           backend=first.attrs["backend"], config=config)
        return store.commit(attrs)
