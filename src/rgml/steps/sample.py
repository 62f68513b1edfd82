"""Pipeline step: sample Ising configurations into Zarr stores.

The datasets are those of :mod:`rgml.ising.samples`; this step streams the
2D ones to the store block by block (memory does not grow with the number of
samples), checkpoints the chains, and merges per-temperature stores into one
store per size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numba
import xarray as xr
import yaml

from rgml.backend import resolve_backend
from rgml.checkpoint import Checkpoint
from rgml.inputs import load_spins, open_samples_2d
from rgml.ising.sampler import ChainBatch, SamplerSettings, TemperaturePlan, prepare_chains, production
from rgml.ising import samples as sample_sets
from rgml.chunks import samples_per_chunk, steps_per_block
from rgml.ising.samples import block_dataset, plan_dataset
from rgml.progress import Progress, log
from rgml.store import AtomicStore, StoreError, provenance, spin_compressor, write_dataset


@dataclass(frozen=True)
class Sampler:
    """How :func:`stream_samples` drives one Monte Carlo sampler over a temperature grid.

    ``start()`` makes fresh chains (to restore a checkpoint into), ``prepare()``
    burns in, pilots and thermalizes them (returns chains and per-temperature
    plans), ``production(chains, plans, per_chain, block_steps=, first_step=,
    progress=)`` yields blocks of samples, ``block_dataset(block, first_sample)``
    turns one into the store's per-sample variables, and ``finish(written,
    plans)`` gives the per-temperature variables from the written samples.
    """

    start: Callable
    prepare: Callable
    plan_type: type
    production: Callable
    block_dataset: Callable
    finish: Callable
    describe: Callable


def stream_samples(sampler: Sampler, *, out: Path, parameters: dict, samples: int, chains: int, block_steps: int,
                   encoding: dict, label: str, checkpoint_seconds: float, attrs: Callable[[], dict]) -> Path:
    """Run a sampler into the store ``out``, block by block, resumable from a checkpoint.

    Samples stream into ``<out>.partial``.  Every ``checkpoint_seconds`` (and
    once the chains are thermalized) the chains are saved to
    ``<out>.checkpoint.npz``; a rerun with the same ``parameters`` after a
    kill resumes there and writes bitwise the store an uninterrupted run writes.
    """
    per_chain = math.ceil(samples / chains)
    checkpoint = Checkpoint(out, parameters, every=checkpoint_seconds)
    with AtomicStore(out, resume=True) as store:
        batch, plans, stored = _resume(checkpoint, store, sampler)
        if batch is None:
            batch, plans = sampler.prepare()
            stored = 0
            checkpoint.save({"stored": 0, "plans": [asdict(p) for p in plans]}, batch.state())
        for p in plans:
            log("  " + sampler.describe(p))
        first_step = per_chain if stored >= samples else stored // chains
        log(f"production: steps {first_step}..{per_chain} of {per_chain} per chain")
        for block in sampler.production(batch, plans, per_chain, block_steps=block_steps, first_step=first_step,
                                        progress=Progress(label, per_chain)):
            ds = sampler.block_dataset(block, stored)
            keep = min(samples - stored, ds.sizes["sample"])
            ds = ds.isel(sample=slice(0, keep))
            if stored == 0:
                store.write(ds, encoding=encoding)
            else:
                store.append(ds, dim="sample")
            stored += keep
            if checkpoint.due():
                checkpoint.save({"stored": stored, "plans": [asdict(p) for p in plans]}, batch.state())
        store.write(sampler.finish(xr.open_zarr(store.partial, consolidated=False), plans))
        path = store.commit(attrs())
    checkpoint.clear()
    return path


def _resume(checkpoint: Checkpoint, store: AtomicStore, sampler: Sampler):
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
    plans = [sampler.plan_type(**p) for p in meta["plans"]]
    batch = sampler.start()
    batch.restore(state)
    log(f"resuming from the checkpoint: {stored} samples per temperature already stored, "
        "thermalization and pilot skipped")
    return batch, plans, stored


def sample_ising2d(
    *, size: int, temperatures: list[float], samples: int, seed: int, out: Path,
    settings: SamplerSettings, backend: str = "auto", threads: int | None = None,
    checkpoint_seconds: float = 120.0,
) -> Path:
    """Sample the L×L torus at every temperature and write ``out`` (a Zarr store), resumably."""
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
    block_steps = steps_per_block(size, chains)
    chunk = block_steps * chains
    sampler = Sampler(
        start=lambda: ChainBatch.start(size, temperatures, chains, seed=seed, backend=backend),
        prepare=lambda: prepare_chains(size, temperatures, seed=seed, settings=settings, log=log, backend=backend),
        plan_type=TemperaturePlan,
        production=production,
        block_dataset=lambda block, first: block_dataset(block, temperatures, chains, first),
        finish=lambda written, plans: plan_dataset(plans, written["energy"].values, written["magnetization"].values,
                                                   chains, seed=seed, size=size),
        describe=lambda p: (f"T={p.temperature:.6g}: {p.algorithm}, τ_int={p.tau_int:.3g} sweeps, thin={p.thin}, "
                            f"thermalize={p.thermalize}"
                            + (f", {p.clusters_per_sweep} clusters/sweep" if p.algorithm == "wolff" else "")),
    )
    encoding = {
        "spins": {"compressors": [spin_compressor()], "chunks": (1, chunk, size, size)},
        **{name: {"chunks": (1, chunk)} for name in ("energy", "magnetization", "sweep")},
    }
    return stream_samples(
        sampler, out=out, parameters={k: v for k, v in config.items() if k != "backend"}, samples=samples,
        chains=chains, block_steps=block_steps, encoding=encoding, label=f"ising2d L={size}",
        checkpoint_seconds=checkpoint_seconds,
        attrs=lambda: provenance(title=f"2D Ising samples, L={size}", seed=seed, backend=backend,
                                 config={"ising2d": config}),
    )


def sample_ising1d(*, size: int, couplings: list[float], samples: int, seed: int, out: Path,
                   backend: str = "auto") -> Path:
    """Exact independent samples of the periodic ring at every coupling K (:func:`rgml.ising.sample_ising1d`)."""
    backend = resolve_backend(backend)
    log(f"ising1d N={size}: {len(couplings)} couplings, {samples} exact samples each")
    ds = sample_sets.sample_ising1d(size, couplings, samples, seed=seed)
    chunk = min(samples, samples_per_chunk(size))
    encoding = {"spins": {"compressors": [spin_compressor()], "chunks": (1, chunk, size)}}
    config = {"model": "ising1d", "size": size, "couplings": [float(k) for k in couplings],
              "samples": samples, "seed": seed, "method": "exact transfer-matrix ring sampler"}
    return write_dataset(ds, out, encoding=encoding,
                         attrs=provenance(title=f"1D Ising ring samples, N={size}", seed=seed, backend=backend,
                                          config={"ising1d": config}))


def _merge_block(ds, path, i: int):
    """Temperature ``i`` of a per-temperature store, read and checked, without its stored encodings."""
    block = ds.isel(temperature=slice(i, i + 1))
    spins = load_spins(ds, path, temperature=slice(i, i + 1))  # readable and ±1, or a StoreError
    block = block.assign(spins=block["spins"].copy(data=spins)).load()
    for name in block.variables:
        block[name].encoding = {}
    return block


def merge_ising2d(*, shards: list[Path], out: Path) -> Path:
    """Concatenate sample stores of disjoint temperatures into one store, temperature by temperature.

    Every temperature's chains are keyed by its value, so the merged store is
    bitwise the store a run over the whole grid makes; memory holds one temperature.
    The merged grid is sorted by temperature.
    """
    opened = [(path, open_samples_2d(path)) for path in shards]
    first_path, first = opened[0]
    size, n_samples = first.sizes["x"], first.sizes["sample"]
    parts = []
    for path, ds in opened:
        if (ds.sizes["x"], ds.sizes["sample"]) != (size, n_samples):
            raise StoreError(f"{path}: L={ds.sizes['x']} with {ds.sizes['sample']} samples does not match "
                             f"{first_path} (L={size}, {n_samples} samples); shards must come from one config")
        parts += [(float(t), path, ds, i) for i, t in enumerate(ds["temperature"].values)]
    temperatures = [t for t, *_ in parts]
    if len(set(temperatures)) != len(temperatures):
        raise StoreError(f"{out}: the shards overlap in temperature; give each temperature once")
    parts.sort(key=lambda part: part[0])
    encoding = {name: {k: v for k, v in first[name].encoding.items() if k in ("chunks", "compressors")}
                for name in first.data_vars if "temperature" in first[name].dims}
    log(f"merging {len(shards)} stores of L={size}: {len(temperatures)} temperatures")
    with AtomicStore(out) as store:
        store.write_along((_merge_block(ds, path, i) for _, path, ds, i in parts), dim="temperature",
                          encoding=encoding)
        config = yaml.safe_load(first.attrs["config"])
        config["ising2d"]["temperatures"] = sorted(temperatures)
        config["ising2d"]["merged_from"] = [str(p) for p in shards]
        attrs = provenance(title=f"2D Ising samples, L={size}", seed=int(first.attrs["seed"]),
                           backend=first.attrs["backend"], config=config)
        return store.commit(attrs)
