"""The CUDA Metropolis kernel's source, run on the CPU (no GPU needed).

``tests/cuda_emulation.py`` compiles the very text of
``rgml.ising.metropolis_cuda.CUDA_SOURCE`` as C++ and runs each launch thread
by thread; the Python driver, the host↔device wrapper and the sampler's
``backend="cupy"`` path run unchanged around it, on the emulated device of
``tests/emulated_cupy.py`` (where host and device arrays must not mix).  tests/test_gpu.py repeats the bitwise checks on a real device.
"""

import re
import shutil
import subprocess

import numpy as np
import pytest

from cuda_emulation import EmulatedKernels, compiler
from rgml.ising import metropolis_cuda
from rgml.ising.metropolis import acceptance_thresholds, metropolis_reference, metropolis_sweeps
from rgml.ising.metropolis_cuda import (
    CUDA_SOURCE, WIDTHS, kernel_name, metropolis_sweeps_cuda, metropolis_sweeps_offloaded, word_width,
)
from rgml.ising.sampler import SamplerSettings, prepare_chains, production
from rgml.rng import GAMMA, Stream, stream_key

pytestmark = [pytest.mark.skipif(compiler() is None, reason="needs a C++ compiler to emulate the CUDA source"),
              pytest.mark.workflow]  # compiles and runs the emulated kernel in another process

#: Very low (nothing uphill is accepted), around Tc, high, and K = 0 (everything is).
COUPLINGS = np.array([1 / 0.05, 1 / 1.0, 1 / 2.269185, 1 / 3.5, 1 / 1e6, 0.0])


@pytest.fixture(scope="module")
def emulated(tmp_path_factory):
    return EmulatedKernels(tmp_path_factory.mktemp("cuda"))


@pytest.fixture
def on_cpu(emulated, emulated_gpu, monkeypatch):
    """Route the driver's launches to the emulated kernels and its device to the emulated one.

    The driver's own checks and launches also take NumPy arrays (the tests below call it with them).
    """
    monkeypatch.setattr(metropolis_cuda, "_kernel", emulated.kernel)
    return emulated


def _chains(size, couplings, seed=3):
    n = len(couplings)
    spins = Stream.named(seed, "cuda-emulated", size).spins((n, size, size))
    keys = np.array([stream_key(seed, "cuda-emulated", i) for i in range(n)], np.uint64)
    return spins, keys, acceptance_thresholds(couplings)


def _empty(n):
    return np.zeros((n, 0), np.int64), np.zeros((n, 0), np.int64)


@pytest.mark.parametrize("size", [4, 6, 8, 10, 12, 16, 48, 64])
def test_kernel_equals_reference_bitwise(on_cpu, size):
    """Every word width (16, 8, 4, 2), several sweeps, nonzero sweep offsets."""
    spins, keys, thresholds = _chains(size, COUPLINGS)
    offsets = np.array([0, 1, 7, 12345, 2**40, 3], np.int64)
    ref = spins.copy()
    metropolis_reference(ref, thresholds, keys, offsets, 5)
    done = offsets.copy()
    metropolis_sweeps_cuda(spins, thresholds, keys, done, np.full(len(keys), 5, np.int64), *_empty(len(keys)))
    assert np.array_equal(spins, ref)
    assert np.array_equal(done, offsets + 5)


def test_a_draw_equal_to_the_threshold_rejects(on_cpu):
    """Site (0, 0) of an all-up lattice (ΔE = 8) with threshold = its own draw: ``<`` rejects, ``<=`` would not."""
    key = np.array([stream_key(3, "tie")], np.uint64)
    draw = Stream(key[0]).bits(1)[0] >> np.uint64(32)  # counter 0: site 0 of sweep 0
    thresholds = np.array([[draw, draw]], np.uint64)
    spins, ref = np.ones((1, 8, 8), np.int8), np.ones((1, 8, 8), np.int8)
    metropolis_reference(ref, thresholds, key, np.zeros(1, np.int64), 1)
    metropolis_sweeps_cuda(spins, thresholds, key, np.zeros(1, np.int64), np.ones(1, np.int64), *_empty(1))
    assert ref[0, 0, 0] == 1 and np.array_equal(spins, ref)


def test_chains_with_different_sweep_counts_match_numba(on_cpu):
    spins, keys, thresholds = _chains(16, COUPLINGS)
    n_sweeps = np.array([0, 3, 1, 6, 2, 5], np.int64)
    numba_spins, numba_done = spins.copy(), np.arange(6, dtype=np.int64)
    metropolis_sweeps(numba_spins, thresholds, keys, numba_done, n_sweeps, *_empty(6))
    done = np.arange(6, dtype=np.int64)
    metropolis_sweeps_cuda(spins, thresholds, keys, done, n_sweeps, *_empty(6))
    assert np.array_equal(spins, numba_spins) and np.array_equal(done, numba_done)


@pytest.mark.parametrize("size", [6, 16, 64])
def test_recorded_sums_match_numba(on_cpu, size):
    """Columns t < min(n, n_sweeps[c]) hold the sums after sweep t; the rest are untouched."""
    spins, keys, thresholds = _chains(size, COUPLINGS)
    n_sweeps = np.array([4, 0, 2, 4, 1, 3], np.int64)
    outputs = []
    for run in (metropolis_sweeps, metropolis_sweeps_cuda):
        s, done = spins.copy(), np.zeros(6, np.int64)
        bonds, sums = np.full((6, 3), -7, np.int64), np.full((6, 3), -7, np.int64)
        run(s, thresholds, keys, done, n_sweeps, bonds, sums)
        outputs.append((s, bonds, sums))
    (s0, b0, m0), (s1, b1, m1) = outputs
    assert np.array_equal(s0, s1) and np.array_equal(b0, b1) and np.array_equal(m0, m1)
    assert (b0[1] == -7).all() and (b0[2, 2] == -7)  # not recorded: left as they were
    assert (b0[0] != -7).all()


def test_result_does_not_depend_on_thread_order(tmp_path, monkeypatch):
    """Threads run backwards give the same spins: no thread reads what another writes."""
    backwards = EmulatedKernels(tmp_path, backwards=True)
    monkeypatch.setattr(metropolis_cuda, "_kernel", backwards.kernel)
    spins, keys, thresholds = _chains(16, COUPLINGS)
    ref = spins.copy()
    metropolis_reference(ref, thresholds, keys, np.zeros(6, np.int64), 4)
    metropolis_sweeps_cuda(spins, thresholds, keys, np.zeros(6, np.int64), np.full(6, 4, np.int64), *_empty(6))
    assert np.array_equal(spins, ref)


def test_offloaded_call_matches_numba_for_a_subset_of_chains(on_cpu):
    spins, keys, thresholds = _chains(8, COUPLINGS)
    n_sweeps = np.array([2, 0, 5, 0, 1, 3], np.int64)
    outputs = []
    for run in (metropolis_sweeps, metropolis_sweeps_offloaded):
        s, done = spins.copy(), np.arange(6, dtype=np.int64) * 10
        bonds, sums = np.full((6, 4), 9, np.int64), np.full((6, 4), 9, np.int64)
        run(s, thresholds, keys, done, n_sweeps, bonds, sums)
        outputs.append((s, done, bonds, sums))
    for a, b in zip(*outputs):
        assert np.array_equal(a, b)


def test_sampler_with_cupy_backend_gives_the_numpy_samples(on_cpu):
    """prepare_chains + production, Metropolis on the (emulated) device, Wolff on the CPU."""
    settings = SamplerSettings(chains=2, min_thermalize=20, pilot_sweeps=40, max_pilot_sweeps=160)
    temperatures = [1.8, 2.269185, 4.0, 8.0]
    results = []
    for backend in ("numpy", "cupy"):
        batch, plans = prepare_chains(8, temperatures, seed=4, settings=settings, log=lambda m: None,
                                      backend=backend)
        blocks = list(production(batch, plans, 6, block_steps=4))
        results.append((plans, np.concatenate([b.spins for b in blocks], axis=1), batch.metropolis_sweeps))
    (plans_np, spins_np, sweeps_np), (plans_cp, spins_cp, sweeps_cp) = results
    assert plans_np == plans_cp
    assert {p.algorithm for p in plans_np} == {"metropolis", "wolff"}  # both paths ran
    assert np.array_equal(spins_np, spins_cp) and np.array_equal(sweeps_np, sweeps_cp)


def test_driver_rejects_what_the_kernel_cannot_take(on_cpu):
    spins, keys, thresholds = _chains(8, COUPLINGS)
    n, none = len(keys), _empty(len(keys))
    with pytest.raises(ValueError, match="even L >= 4"):
        metropolis_sweeps_cuda(np.ones((n, 5, 5), np.int8), thresholds, keys, np.zeros(n, np.int64),
                               np.ones(n, np.int64), *none)
    with pytest.raises(ValueError, match="int64"):
        metropolis_sweeps_cuda(spins, thresholds, keys, np.zeros(n, np.int32), np.ones(n, np.int64), *none)
    with pytest.raises(ValueError, match="not contiguous"):
        metropolis_sweeps_cuda(spins.transpose(0, 2, 1), thresholds, keys, np.zeros(n, np.int64),
                               np.ones(n, np.int64), *none)


def test_word_width_is_the_widest_divisor():
    assert [word_width(size) for size in (4, 6, 8, 10, 12, 16, 24, 1024)] == [4, 2, 8, 2, 4, 16, 8, 16]


def test_source_constants_are_those_of_rgml_rng():
    from rgml import rng

    constants = dict(re.findall(r"#define RGML_(\w+) (0x[0-9A-F]+)ULL", CUDA_SOURCE))
    assert int(constants["GAMMA"], 16) == int(GAMMA)
    assert int(constants["M1"], 16) == int(rng._M1) and int(constants["M2"], 16) == int(rng._M2)


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc")
def test_source_builds_for_hopper_without_spills(tmp_path):
    """nvcc (not NVRTC, but the same front end) builds every instantiation for sm_90 in registers."""
    signature = ("signed char*, const u64*, const u64*, const long long*, const long long*, "
                 "long long*, long long*, int, int, long long, int, int")
    instances = "".join(
        f"template __global__ void {kernel_name(w, c)}({signature});\n" for w in WIDTHS for c in (0, 1))
    source = tmp_path / "kernel.cu"
    source.write_text(CUDA_SOURCE + instances)
    report = subprocess.run(
        ["nvcc", "-std=c++17", "-arch=sm_90", "-cubin", "-Xptxas", "-v", "-Werror", "all-warnings",
         str(source), "-o", str(tmp_path / "kernel.cubin")],
        check=True, capture_output=True, text=True,
    ).stderr
    frames = re.findall(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", report)
    assert len(frames) == 2 * len(WIDTHS)
    assert all(f == ("0", "0", "0") for f in frames), report
