"""Cost of the crc32c checksum codec on a 2D sample store: write and read, with and without it.

    PYTHONPATH=src python bench/store_checksums.py [--size 64] [--temperatures 8] [--samples 1000] [--repeats 3]

Spins are random ±1 (the hardest case for the compressor: ~1 bit per spin), chunked as the sampler
chunks them (one temperature, ~2 MiB of spins per chunk).  Prints the median times and their ratios
(checksummed / plain), plus the cost of the checksum pass every step makes on its inputs
(rgml.store.check_checksums) relative to reading the spins.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import rgml.store as store
from rgml.chunks import steps_per_block
from rgml.rng import Stream


def dataset(size: int, temperatures: int, samples: int) -> xr.Dataset:
    n = temperatures * samples * size * size
    bits = np.unpackbits(Stream.named(1, "bench-checksums").bits(n // 64 + 1).view(np.uint8))[:n]
    spins = (bits.astype(np.int8) * 2 - 1).reshape(temperatures, samples, size, size)
    return xr.Dataset({"spins": (("temperature", "sample", "y", "x"), spins),
                       "energy": (("temperature", "sample"), np.zeros((temperatures, samples)))},
                      coords={"temperature": np.linspace(1.5, 3.5, temperatures)})


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--temperatures", type=int, default=8)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ds = dataset(args.size, args.temperatures, args.samples)
    chunk = steps_per_block(args.size, 4) * 4
    encoding = {"spins": {"compressors": [store.spin_compressor()], "chunks": (1, chunk, args.size, args.size)}}
    attrs = {"title": "bench", "rgml_store_version": store.STORE_VERSION}
    plain_codecs = store._with_checksum
    times = {k: [] for k in ("write plain", "write crc32c", "read plain", "read crc32c", "check_checksums")}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for label, patch in (("plain", lambda c: [x for x in plain_codecs(c) if not isinstance(x, store.Crc32cCodec)]),
                                 ("crc32c", plain_codecs)):
                path = Path(tmp) / f"{label}.zarr"
                shutil.rmtree(path, ignore_errors=True)
                store._with_checksum = patch
                times[f"write {label}"].append(timed(lambda: store.write_dataset(ds, path, attrs=attrs,
                                                                                encoding=encoding)))
                store._with_checksum = plain_codecs
                times[f"read {label}"].append(timed(lambda: xr.open_zarr(path, chunks=None)["spins"].values))
            times["check_checksums"].append(timed(lambda: store.check_checksums(Path(tmp) / "crc32c.zarr")))
        size = sum(f.stat().st_size for f in (Path(tmp) / "crc32c.zarr").rglob("*") if f.is_file())
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"spins {ds['spins'].nbytes / 2**20:.1f} MiB raw, store {size / 2**20:.1f} MiB on disk, "
          f"{args.repeats} repeats (medians):")
    for k, v in med.items():
        print(f"  {k:16s} {v:7.3f} s")
    print(f"write crc32c / plain = {med['write crc32c'] / med['write plain']:.3f}")
    print(f"read  crc32c / plain = {med['read crc32c'] / med['read plain']:.3f}")
    print(f"input check (check_checksums) / read = {med['check_checksums'] / med['read crc32c']:.3f}")


if __name__ == "__main__":
    main()
