"""Stores larger than memory: Dask arrays through rgml.open_results(chunks=...) and xarray's .chunk() (issue 14, item 6)."""

import tracemalloc

import dask
import numpy as np
import xarray as xr

import rgml
from rgml.ising.lattice import magnetization
from rgml.rng import Stream
from rgml.store import STORE_VERSION, spin_compressor, write_dataset

L, T, SAMPLES, CHUNK = 32, 4, 4096, 1024  # spins: 4 x 4096 x 32 x 32 int8 = 16 MiB, chunks of 1 MiB
BUDGET = 6 * 2**20  # well below the store's 16 MiB of spins


def make_store(path):
    """A sample-store-like dataset of random ±1 spins, written temperature by temperature."""
    spins = np.empty((T, SAMPLES, L, L), np.int8)
    for i in range(T):
        bits = Stream.named(3, "dask-test", i).bits(SAMPLES * L * L // 64)
        spins[i] = (np.unpackbits(bits.view(np.uint8))[: SAMPLES * L * L].reshape(SAMPLES, L, L) * 2 - 1)
    ds = xr.Dataset({"spins": (("temperature", "sample", "y", "x"), spins)},
                    coords={"temperature": ("temperature", np.linspace(2.0, 2.6, T))})
    write_dataset(ds, path, attrs={"title": "dask test", "rgml_store_version": STORE_VERSION},
                  encoding={"spins": {"compressors": [spin_compressor()], "chunks": (1, CHUNK, L, L)}})
    return spins


def test_a_reduction_over_a_store_larger_than_the_budget_runs_chunk_by_chunk(tmp_path):
    results = tmp_path / "results"
    spins = make_store(results / "samples" / "L32.zarr")
    expected = np.abs(magnetization(spins)).mean(axis=1)
    del spins

    tree = rgml.open_results(results, chunks={})
    lazy = tree["samples/L32"].dataset["spins"]
    assert lazy.chunks is not None and lazy.data.chunksize == (1, CHUNK, L, L)  # Dask, the store's chunks
    with dask.config.set(scheduler="synchronous"):
        tracemalloc.start()
        mean_abs_m = np.abs(lazy.sum(("y", "x"), dtype=np.int64) / (L * L)).mean("sample").compute()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < BUDGET < lazy.nbytes, (peak, lazy.nbytes)
    np.testing.assert_allclose(mean_abs_m.values, expected, rtol=1e-12)


def test_xarray_chunk_works_on_an_opened_store(tmp_path):
    """``xr.open_zarr(...).chunk()`` needs Dask, which the package now installs."""
    path = tmp_path / "L32.zarr"
    ds = xr.Dataset({"spins": (("sample", "x"), np.ones((64, 8), np.int8))})
    write_dataset(ds, path, attrs={"title": "t", "rgml_store_version": STORE_VERSION})
    chunked = xr.open_zarr(path).chunk({"sample": 16})
    assert chunked["spins"].data.numblocks == (4, 1)
    assert int(chunked["spins"].sum().compute()) == 64 * 8
    assert rgml.open_results(tmp_path, chunks=None)["L32"].dataset["spins"].chunks is None  # no Dask by default
