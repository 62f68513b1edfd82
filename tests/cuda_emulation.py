"""Run the CUDA source of :mod:`rgml.ising.metropolis_cuda` on the CPU (test helper).

The kernel text is compiled as plain C++ with a small shim that defines the
few CUDA names it uses (``__global__``, ``threadIdx``, ``atomicAdd``),
and each launch runs every thread of the grid one after the other.  That
checks the kernel's own arithmetic — word loads, neighbour and counter
indexing, colours, hashing, recording — against the NumPy reference without a
GPU.  It cannot check what needs real threads: the warp-shuffle reduction is
replaced by the per-thread atomic path (``warp_aggregate`` forced to 0), and
races are only probed by running the threads forwards and backwards (a
result that depends on thread order differs between the two).

``EmulatedKernels(tmp_dir).kernel`` has the signature of
``metropolis_cuda._kernel`` and returns launchers that take NumPy arrays or
the device arrays of :mod:`emulated_cupy`.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

from emulated_cupy import DeviceArray
from rgml.ising.metropolis_cuda import CUDA_SOURCE, WIDTHS

SHIM = r"""
#include <cstdlib>
#define __global__
#define __device__
#define __forceinline__ inline
struct Dim3 { unsigned int x, y, z; };
static Dim3 threadIdx, blockIdx, blockDim, gridDim;
static inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v)
{
    unsigned long long old = *p;
    *p = old + v;
    return old;
}
static inline int __shfl_xor_sync(unsigned int, int, int) { std::abort(); }  // not emulated
"""

LAUNCHER = r"""
extern "C" void launch_{W}_{C}(unsigned int grid, unsigned int block, int backwards,
        signed char* spins, const u64* keys, const u64* thresholds, const long long* sweeps_done,
        const long long* n_sweeps, long long* bonds, long long* spin_sums,
        int chains, int L, long long t, int n_record)
{{
    gridDim = Dim3{{grid, 1, 1}};
    blockDim = Dim3{{block, 1, 1}};
    for (unsigned int i = 0; i < grid; ++i) {{
        blockIdx = Dim3{{backwards ? grid - 1 - i : i, 0, 0}};
        for (unsigned int k = 0; k < block; ++k) {{
            threadIdx = Dim3{{backwards ? block - 1 - k : k, 0, 0}};
            metropolis_half<{W}, {C}>(spins, keys, thresholds, sweeps_done, n_sweeps, bonds, spin_sums,
                                      chains, L, t, n_record, 0);
        }}
    }}
}}
"""


def compiler() -> str | None:
    """A C++ compiler on the PATH, or None."""
    return shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")


class EmulatedKernels:
    """The kernel source built as a shared library; ``kernel(width, colour)`` launchers."""

    def __init__(self, directory: Path, *, backwards: bool = False):
        source = directory / "metropolis_emulated.cpp"
        library = directory / "metropolis_emulated.so"
        source.write_text(SHIM + CUDA_SOURCE + "".join(
            LAUNCHER.format(W=w, C=c) for w in WIDTHS for c in (0, 1)))
        subprocess.run(
            [compiler(), "-O1", "-std=c++17", "-shared", "-fPIC", "-fno-strict-aliasing",
             "-Wall", "-Wno-unknown-pragmas", "-Werror", str(source), "-o", str(library)],
            check=True, capture_output=True, text=True,
        )
        self._lib = ctypes.CDLL(str(library))
        self.backwards = backwards

    def kernel(self, width: int, colour: int):
        function = getattr(self._lib, f"launch_{width}_{colour}")
        backwards = int(self.backwards)

        def launch(grid, block, args):
            *arrays, chains, size, t, n_record, _warp_aggregate = args
            pointers = []
            for a in arrays:
                a = a.memory if isinstance(a, DeviceArray) else a
                assert isinstance(a, np.ndarray) and a.flags.c_contiguous
                pointers.append(ctypes.c_void_p(a.ctypes.data))
            function(
                ctypes.c_uint(grid[0]), ctypes.c_uint(block[0]), ctypes.c_int(backwards), *pointers,
                ctypes.c_int(int(chains)), ctypes.c_int(int(size)), ctypes.c_longlong(int(t)),
                ctypes.c_int(int(n_record)),
            )

        return launch
