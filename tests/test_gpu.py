"""GPU (CuPy) paths against their NumPy twins, bit for bit (issue 7, acceptance 4).

Skipped without CuPy and a CUDA device; run with ``pytest -m gpu`` on a GPU
machine (``bench/gpu_check.sh`` does).  tests/test_ising_cuda_emulated.py
checks the same kernel source on the CPU.
"""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from rgml import stats
from rgml.backend import cupy_available, get_xp, to_numpy
from rgml.cli import main
from rgml.ising.lattice import bond_sum_2d, energy_2d, magnetization
from rgml.ising.metropolis import acceptance_thresholds, metropolis_reference, metropolis_sweeps
from rgml.ising.metropolis_cuda import metropolis_sweeps_cuda, metropolis_sweeps_offloaded
from rgml.rng import Stream, bits, stream_key
from rgml.store import array_digests

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not cupy_available(), reason="needs CuPy and a CUDA device"),
]

#: Very low T (nothing uphill accepted), below, at and above Tc, very high T, and K = 0.
COUPLINGS = np.array([1 / 0.05, 1 / 1.0, 1 / 2.269185, 1 / 3.5, 1 / 1e6, 0.0])


@pytest.fixture(scope="module")
def cp():
    return get_xp("cupy")


def _chains(size, couplings, seed=9):
    n = len(couplings)
    spins = Stream.named(seed, "gpu-test", size).spins((n, size, size))
    keys = np.array([stream_key(seed, "gpu-test", i) for i in range(n)], np.uint64)
    return spins, keys, acceptance_thresholds(couplings)


def _on(cp, *arrays):
    """Device copies (never views of the host arrays)."""
    return [cp.array(a) for a in arrays]


def _empty(xp, n):
    return xp.zeros((n, 0), xp.int64), xp.zeros((n, 0), xp.int64)


@pytest.mark.parametrize("size", [4, 6, 8, 10, 16, 64])
def test_cuda_metropolis_equals_numpy_reference_bitwise(cp, size):
    """Word widths 4, 2, 8, 2, 16, 16; 7 sweeps from nonzero sweep offsets."""
    spins, keys, thresholds = _chains(size, COUPLINGS)
    offsets = np.array([0, 1, 7, 12345, 2**40, 3], np.int64)
    ref = spins.copy()
    metropolis_reference(ref, thresholds, keys, offsets, 7)
    d_spins, d_thr, d_keys, d_done = _on(cp, spins, thresholds, keys, offsets)
    metropolis_sweeps_cuda(d_spins, d_thr, d_keys, d_done, cp.full(6, 7, cp.int64), *_empty(cp, 6))
    assert np.array_equal(to_numpy(d_spins), ref)
    assert np.array_equal(to_numpy(d_done), offsets + 7)
    # the xp-generic reference on CuPy agrees too
    ref_on_gpu = cp.array(spins)
    metropolis_reference(ref_on_gpu, d_thr, d_keys, cp.array(offsets), 7)
    assert np.array_equal(to_numpy(ref_on_gpu), ref)


@pytest.mark.parametrize("size, chains", [(16, 6), (64, 6), (128, 12), (256, 24)])
def test_cuda_sweeps_and_recording_equal_numba(cp, size, chains):
    """Per-chain sweep counts (some 0) and the recorded Σ s_i s_j, Σ s_i; warp-reduced from L = 64."""
    couplings = np.resize(COUPLINGS, chains)
    spins, keys, thresholds = _chains(size, couplings)
    n_sweeps = np.resize(np.array([5, 0, 2, 5, 1, 4], np.int64), chains)
    done = np.arange(chains, dtype=np.int64) * 3
    host = [spins.copy(), done.copy(), np.full((chains, 4), -7, np.int64), np.full((chains, 4), -7, np.int64)]
    metropolis_sweeps(host[0], thresholds, keys, host[1], n_sweeps, host[2], host[3])
    device = _on(cp, spins, done, np.full((chains, 4), -7, np.int64), np.full((chains, 4), -7, np.int64))
    d_thr, d_keys, d_n = _on(cp, thresholds, keys, n_sweeps)
    metropolis_sweeps_cuda(device[0], d_thr, d_keys, device[1], d_n, device[2], device[3])
    for h, d in zip(host, device):
        assert np.array_equal(h, to_numpy(d))


def test_repeated_runs_agree(cp):
    """The same launch twice gives the same spins (a race would show here first)."""
    spins, keys, thresholds = _chains(512, np.resize(COUPLINGS, 16))
    results = []
    for _ in range(2):
        d = cp.array(spins)
        metropolis_sweeps_cuda(d, cp.asarray(thresholds), cp.asarray(keys), cp.zeros(16, cp.int64),
                               cp.full(16, 10, cp.int64), *_empty(cp, 16))
        results.append(to_numpy(d))
    assert np.array_equal(*results)
    assert not np.array_equal(results[0], spins)


def test_offloaded_call_equals_numba(cp):
    spins, keys, thresholds = _chains(32, COUPLINGS)
    n_sweeps = np.array([2, 0, 5, 0, 1, 3], np.int64)
    outputs = []
    for run in (metropolis_sweeps, metropolis_sweeps_offloaded):
        s, done = spins.copy(), np.arange(6, dtype=np.int64)
        bonds, sums = np.full((6, 4), 9, np.int64), np.full((6, 4), 9, np.int64)
        run(s, thresholds, keys, done, n_sweeps, bonds, sums)
        outputs.append((s, done, bonds, sums))
    for a, b in zip(*outputs):
        assert np.array_equal(a, b)


def _sample(out: Path, backend: str, *args: str) -> Path:
    assert main(["sample", "ising2d", "--seed", "5", "--out", str(out), "--threads", "2",
                 "--backend", backend, *args]) == 0
    return out


@pytest.mark.parametrize("args", [
    # auto: Wolff (CPU) near and below Tc, Metropolis (GPU) far above; pilots record on the GPU
    ("--size", "8", "--temperatures", "2.0,2.269185,3.0,6.0", "--samples", "40"),
    # Metropolis only, L = 64: the warp-reduced kernel path, fixed thermalization and thinning
    ("--size", "64", "--temperatures", "2.5,4.0", "--samples", "16", "--algorithm", "metropolis",
     "--thermalize", "50", "--thin", "3"),
], ids=["auto-L8", "metropolis-L64"])
def test_cupy_store_equals_numpy_store(tmp_path, args):
    """The same-results contract: `rgml sample ising2d --backend cupy` == `--backend numpy`."""
    on_cpu = _sample(tmp_path / "cpu" / "L.zarr", "numpy", *args)
    on_gpu = _sample(tmp_path / "gpu" / "L.zarr", "cupy", *args)
    assert array_digests(on_gpu) == array_digests(on_cpu)
    assert xr.open_zarr(on_gpu).attrs["backend"] == "cupy"


def test_stream_draws_on_cupy_equal_numpy(cp):
    for method, shape in (("bits", (3, 17)), ("uniform", 1000), ("spins", (4, 8, 8))):
        host = getattr(Stream.named(2, "gpu", method), method)(shape)
        device = getattr(Stream.named(2, "gpu", method), method)(shape, cp)
        assert isinstance(device, cp.ndarray) and np.array_equal(to_numpy(device), host)
    assert np.array_equal(to_numpy(Stream.named(2, "p").permutation(500, cp)), Stream.named(2, "p").permutation(500))
    p = np.linspace(0, 1, 101)
    assert np.array_equal(to_numpy(Stream.named(2, "b").bernoulli(cp.asarray(p), cp)), Stream.named(2, "b").bernoulli(p))
    # transcendental functions may differ in the last bit between libm and CUDA
    np.testing.assert_allclose(to_numpy(Stream.named(2, "n").normal(1000, cp)), Stream.named(2, "n").normal(1000),
                               rtol=1e-13, atol=1e-13)
    counters = np.arange(50, dtype=np.uint64)
    key = np.uint64(stream_key(2, "raw"))
    assert np.array_equal(to_numpy(bits(cp.uint64(key), cp.asarray(counters))), bits(key, counters))


def test_stats_and_observables_on_cupy_arrays(cp):
    x = np.cumsum(Stream.named(4, "walk").normal(4000)) * 0.01 + Stream.named(4, "noise").normal(4000)
    assert stats.integrated_time(cp.asarray(x)) == stats.integrated_time(x)
    assert stats.estimate(cp.asarray(x)) == stats.estimate(x)
    jack_gpu = stats.jackknife(lambda a: float(a.mean()), cp.asarray(x), blocks=20)
    jack_cpu = stats.jackknife(lambda a: float(a.mean()), x, blocks=20)
    assert jack_gpu.mean == pytest.approx(jack_cpu.mean, rel=1e-12)
    assert jack_gpu.error == pytest.approx(jack_cpu.error, rel=1e-9)
    boot_gpu = stats.bootstrap(lambda a: float(a.mean()), cp.asarray(x), stream=Stream.named(1, "b"), n_resamples=50)
    boot_cpu = stats.bootstrap(lambda a: float(a.mean()), x, stream=Stream.named(1, "b"), n_resamples=50)
    assert boot_gpu.error == pytest.approx(boot_cpu.error, rel=1e-9)
    spins = Stream.named(4, "lattice").spins((5, 16, 16))
    d = cp.array(spins)
    assert np.array_equal(to_numpy(bond_sum_2d(d)), bond_sum_2d(spins))
    assert np.array_equal(to_numpy(energy_2d(d)), energy_2d(spins))
    assert np.array_equal(to_numpy(magnetization(d)), magnetization(spins))
