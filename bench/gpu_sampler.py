"""Metropolis throughput on the GPU (issue 7, acceptance 4): flips/ns and memory bandwidth.

For L = 64 … 1024, a batch of lattices filling ``--batch-mib`` of device
memory (far beyond the L2 cache, so DRAM is what is measured) is advanced by
:func:`rgml.ising.metropolis_cuda.metropolis_sweeps_cuda`, timed with CUDA
events after a warm-up (which includes the NVRTC compile), median of
``--repeats`` runs of ``--sweeps`` sweeps.  Temperatures are spread over
1.5 … 3.5 across the batch, starting from random spins.

Printed per L:

* flip attempts per ns (sites × sweeps / time) and the distance to the ~900
  flips/ns of the best published multi-spin-coded H100 code (Romero et al.,
  Comput. Phys. Commun. 256, 107473 (2020); issue 7);
* achieved bandwidth, counting **4 bytes per site per sweep**: each of the two
  half-sweep launches reads every spin byte once and writes every byte back
  (the words of both colours are rewritten).  Neighbour re-reads served by L1/L2
  and the two edge bytes per thread are not counted: this is the DRAM floor;
* that bandwidth as a fraction of a device-to-device copy measured in the same
  run (bytes read + written, METHOD.md) and of the datasheet peak
  (memory clock × 2 × bus width) where the runtime reports it;
* the baseline: the xp-generic :func:`metropolis_reference` on CuPy, timed in
  the same run on a smaller batch (its uint64/int32 temporaries take ~40x the
  spins' memory), and the kernel's speed-up over it.  Before timing, the
  kernel's spins are checked bitwise against the reference's on that batch.

Expected (see the two numbers in rgml/ising/metropolis_cuda.py): a ceiling of
~600–750 flips/ns on an H100, i.e. ≤ 3 TB/s at 4 B/site/sweep.

Usage: ``python bench/gpu_sampler.py [--sizes 64,128,256,512,1024] [--batch-mib 512]
[--sweeps 10] [--repeats 7] [--json out.json]``; needs CuPy and a CUDA device.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from rgml.backend import get_xp
from rgml.ising.metropolis import acceptance_thresholds, metropolis_reference
from rgml.ising.metropolis_cuda import metropolis_sweeps_cuda
from rgml.rng import Stream

#: flips/ns of the best published H100 code (multi-spin coded CUDA, Romero et al. 2020), from issue 7.
PUBLISHED_BEST = 900.0
#: DRAM bytes per site per sweep counted for the kernel (two launches, each reading and writing every byte).
BYTES_PER_SITE_SWEEP = 4


def timed(cp, fn, repeats: int) -> tuple[float, float]:
    """Median seconds of ``fn()`` over ``repeats`` runs, timed with CUDA events, and the
    spread (max − min) / median, which says what difference between two numbers is noise."""
    start, stop = cp.cuda.Event(), cp.cuda.Event()
    times = []
    for _ in range(repeats):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, stop) / 1e3)
    median = float(np.median(times))
    return median, (max(times) - min(times)) / median


def device_info(cp) -> dict:
    """Name, multiprocessors, L2 size and the datasheet DRAM bandwidth where reported."""
    runtime = cp.cuda.runtime
    device = cp.cuda.Device().id
    props = runtime.getDeviceProperties(device)
    info = {
        "name": props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"]),
        "multiprocessors": int(props["multiProcessorCount"]),
        "l2_mib": int(props["l2CacheSize"]) / 2**20,
        "peak_gbs": None,
    }
    try:  # cudaDevAttrMemoryClockRate (kHz) = 36, cudaDevAttrGlobalMemoryBusWidth (bits) = 37
        clock_khz = props.get("memoryClockRate") or runtime.deviceGetAttribute(36, device)
        bus_bits = props.get("memoryBusWidth") or runtime.deviceGetAttribute(37, device)
        info["peak_gbs"] = 2 * clock_khz * 1e3 * bus_bits / 8 / 1e9
    except Exception:  # attribute not reported by this runtime: the measured copy stands alone
        pass
    return info


def copy_bandwidth(cp, nbytes: int, repeats: int) -> float:
    """Device-to-device copy rate in GB/s, counting bytes read plus bytes written."""
    src = cp.full(nbytes, 0x5A, cp.uint8)  # not zeros
    dst = cp.empty_like(src)
    dst[...] = src
    seconds, _ = timed(cp, lambda: dst.data.copy_from_device(src.data, nbytes), repeats)
    return 2 * nbytes / seconds / 1e9


def random_batch(cp, chains: int, size: int, tag: str):
    """Random ±1 spins, keys and thresholds for ``chains`` lattices, built in slices of 2^24 sites."""
    spins = cp.empty((chains, size, size), cp.int8)
    stream = Stream.named(2026, "bench-gpu", tag, size)
    step = max(1, 2**24 // (size * size))
    for lo in range(0, chains, step):
        hi = min(chains, lo + step)
        spins[lo:hi] = stream.spins((hi - lo, size, size), cp)
    temperatures = np.resize(np.linspace(1.5, 3.5, 64), chains)
    keys = Stream.named(2026, "bench-gpu", tag, size, "keys").bits(chains, cp)
    return spins, keys, cp.asarray(acceptance_thresholds(1 / temperatures))


def kernel_rate(cp, size: int, batch_bytes: int, sweeps: int, repeats: int) -> dict:
    chains = max(1, batch_bytes // (size * size))
    spins, keys, thresholds = random_batch(cp, chains, size, "kernel")
    done = cp.zeros(chains, cp.int64)
    n_sweeps = cp.full(chains, sweeps, cp.int64)
    none = cp.zeros((chains, 0), cp.int64)

    def run():
        metropolis_sweeps_cuda(spins, thresholds, keys, done, n_sweeps, none, none)

    run()  # warm-up: compiles the kernel on first use
    seconds, spread = timed(cp, run, repeats)
    seconds /= sweeps
    sites = chains * size * size
    return {"L": size, "chains": chains, "flips_per_ns": sites / seconds / 1e9,
            "gbs": BYTES_PER_SITE_SWEEP * sites / seconds / 1e9, "spread": spread}


def reference_rate(cp, size: int, batch_bytes: int, repeats: int) -> float:
    """flips/ns of metropolis_reference on CuPy, after checking the kernel against it bitwise."""
    chains = max(1, batch_bytes // (size * size))
    spins, keys, thresholds = random_batch(cp, chains, size, "reference")
    start = spins.copy()
    metropolis_reference(spins, thresholds, keys, cp.zeros(chains, cp.int64), 2)
    check = start.copy()
    metropolis_sweeps_cuda(check, thresholds, keys, cp.zeros(chains, cp.int64), cp.full(chains, 2, cp.int64),
                           cp.zeros((chains, 0), cp.int64), cp.zeros((chains, 0), cp.int64))
    if not bool((check == spins).all()):
        raise SystemExit(f"L={size}: the CUDA kernel's spins differ from metropolis_reference: do not trust timings")
    done = cp.full(chains, 2, cp.int64)
    seconds, _ = timed(cp, lambda: metropolis_reference(spins, thresholds, keys, done, 1), repeats)
    return chains * size * size / seconds / 1e9


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="64,128,256,512,1024", help="comma-separated even L")
    parser.add_argument("--batch-mib", type=int, default=512, help="spin memory of the timed batch (MiB)")
    parser.add_argument("--reference-mib", type=int, default=32, help="spin memory of the baseline's batch (MiB)")
    parser.add_argument("--sweeps", type=int, default=10, help="sweeps per timed run")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs (median reported)")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    cp = get_xp("cupy")
    info = device_info(cp)
    info["copy_gbs"] = copy_bandwidth(cp, 2**30, args.repeats)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        row = kernel_rate(cp, size, args.batch_mib * 2**20, args.sweeps, args.repeats)
        row["reference_flips_per_ns"] = reference_rate(cp, size, args.reference_mib * 2**20, 3)
        rows.append(row)
        cp.get_default_memory_pool().free_all_blocks()

    peak = f"{info['peak_gbs']:.0f} GB/s" if info["peak_gbs"] else "not reported"
    print(f"\n{info['name']}: {info['multiprocessors']} SMs, L2 {info['l2_mib']:.0f} MiB, "
          f"DRAM peak {peak}, measured copy {info['copy_gbs']:.0f} GB/s (read + write)")
    print(f"batch {args.batch_mib} MiB of spins, {args.sweeps} sweeps x {args.repeats} repeats (median); "
          f"bandwidth counts {BYTES_PER_SITE_SWEEP} B/site/sweep; baseline: metropolis_reference on CuPy")
    print(f"{'L':>5} {'chains':>7} {'flips/ns':>9} {'spread':>7} {'GB/s':>7} {'%copy':>6} {'ref f/ns':>9} "
          f"{'speed-up':>9} {'of 900':>7}")
    for r in rows:
        r["fraction_of_copy"] = r["gbs"] / info["copy_gbs"]
        r["speedup_over_reference"] = r["flips_per_ns"] / r["reference_flips_per_ns"]
        r["fraction_of_published_best"] = r["flips_per_ns"] / PUBLISHED_BEST
        print(f"{r['L']:>5} {r['chains']:>7} {r['flips_per_ns']:>9.1f} {100 * r['spread']:>6.1f}% {r['gbs']:>7.0f} "
              f"{100 * r['fraction_of_copy']:>5.0f}% {r['reference_flips_per_ns']:>9.2f} "
              f"{r['speedup_over_reference']:>8.0f}x {100 * r['fraction_of_published_best']:>6.0f}%")
    result = {"device": info, "rows": rows, "settings": vars(args)}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
