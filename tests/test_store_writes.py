"""AtomicStore.write_along: blocks gathered into few writes make the store that one write per block makes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import zarr

from rgml.rng import Stream
from rgml.store import AtomicStore, array_digests, provenance, spin_compressor


def _blocks(n: int = 5):
    """One temperature per block: spins with an explicit encoding, a float table without, a fixed axis."""
    for i in range(n):
        stream = Stream.named(7, "block", i)
        yield xr.Dataset(
            {
                "spins": (("temperature", "sample", "y", "x"), stream.spins((1, 6, 4, 4))),
                "energy": (("temperature", "sample"), stream.normal((1, 6))),
                "weights": (("interaction",), np.arange(3.0)),
            },
            coords={"temperature": [1.5 + 0.25 * i], "interaction": ["a", "b", "c"]},
        )


ENCODING = {"spins": {"compressors": [spin_compressor()], "chunks": (1, 3, 4, 4)}}
ATTRS = provenance(title="blocks", seed=7, backend="numpy", config={})


def _one_write_per_block(path):
    with AtomicStore(path) as store:
        for i, block in enumerate(_blocks()):
            if i == 0:
                store.write(block, encoding=ENCODING)
            else:
                store.append(block.drop_vars(["weights", "interaction"]), dim="temperature")
        return store.commit(ATTRS)


@pytest.mark.parametrize("batch_bytes", [1, 500, 2**30])  # a write per block, a few blocks per write, one write
def test_write_along_makes_the_store_of_one_write_per_block(tmp_path, batch_bytes):
    reference = _one_write_per_block(tmp_path / "reference.zarr")
    with AtomicStore(tmp_path / "along.zarr") as store:
        store.write_along(_blocks(), dim="temperature", encoding=ENCODING, batch_bytes=batch_bytes)
        along = store.commit(ATTRS)
    assert array_digests(along) == array_digests(reference)
    made, expected = zarr.open_group(along, mode="r"), zarr.open_group(reference, mode="r")
    for name, array in expected.arrays():
        assert made[name].chunks == array.chunks, name
        assert made[name].metadata.codecs == array.metadata.codecs, name
    chunk_files = {str(p.relative_to(reference)) for p in reference.rglob("c/*")}
    assert chunk_files == {str(p.relative_to(along)) for p in along.rglob("c/*")}


def test_write_along_writes_a_full_batch_before_it_asks_for_the_next_block(tmp_path):
    written_before = []  # per block: was anything in the store when the block was asked for?

    def blocks():
        for block in _blocks():
            written_before.append((tmp_path / "s.zarr.partial" / "zarr.json").exists())
            yield block

    with AtomicStore(tmp_path / "s.zarr") as store:
        store.write_along(blocks(), dim="temperature", encoding=ENCODING, batch_bytes=1)
    assert written_before == [False, True, True, True, True]
