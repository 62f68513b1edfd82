"""Checkerboard Metropolis on a CUDA GPU: one fused kernel per half-sweep.

The kernel below produces bit for bit the spins of
:func:`rgml.ising.metropolis.metropolis_reference` and of the Numba kernel
:func:`rgml.ising.metropolis.metropolis_sweeps` for the same inputs, because
it evaluates the same integer function at every site:

* the draw of site ``i = y·L + x`` in sweep ``t`` of chain ``c`` is
  ``mix64(key[c] + (n + 1)·GAMMA)`` with ``n = (sweeps_done[c] + t)·L² + i``,
  all in wrapping ``unsigned long long`` arithmetic (:mod:`rgml.rng`);
* a site with ``s·h > 0`` flips iff ``draw >> 32 < threshold[c, 0]`` (s·h = 2,
  ΔE = 4) or ``threshold[c, 1]`` (s·h = 4, ΔE = 8); ``s·h ≤ 0`` always flips;
* colour ``(x + y) % 2 == 0`` is updated first, then colour 1, and sites of one
  colour have no common bond, so the order of threads does not matter.

Layout and thread mapping (one spin per byte)
---------------------------------------------
Spins are int8 ``(chains, L, L)`` in C order.  A thread owns one ``W``-byte
word (``W`` = 16, 8, 4 or 2: the largest that divides L) in each of the two
rows ``y0 = 2·pair`` and ``y0 + 1``: 2W sites, W of them of the colour being
updated.  Consecutive threads own consecutive words of a row pair, so a warp
reads and writes whole 16-byte words of contiguous memory (coalesced).  It
loads the words above and below the pair, plus one byte left or right of its
words for the active site at a word's end, updates the active bytes in
registers and writes both words back (the inactive bytes unchanged: no other
thread changes them in this launch, so the rewrite races with nothing).

Recording: after the colour-1 half-sweep every bond has its colour-1 end
updated and its colour-0 end final, so ``Σ_<ij> s_i s_j = Σ_{i colour 1}
s_i h_i`` (L even: each bond joins the two colours).  Each thread adds its
sites' ``s_i h_i`` and spins, a warp sums them with shuffles (when all its
lanes belong to one chain) and one lane adds them atomically to the chain's
column; the recording costs no extra pass over memory.

Two numbers first (METHOD.md)
-----------------------------
Bytes: each half-sweep reads every spin byte once from DRAM (the rows above
and below come again from L1/L2) and writes every byte back (both colours
share each 32-byte sector), so a sweep moves at least 4 bytes per site.  At
the H100's ~3.0 TB/s (device-to-device copy measured on this workplace's
H100, read + write) that is 3.0e12 / 4 = 750 site updates per ns.
Arithmetic: about 25–30 32-bit integer instructions per attempted flip
(SplitMix64: three 64-bit xor-shifts and two or three 64-bit multiplies of
~3 IMAD each, the neighbour sum, compare and select); 132 SMs × 64 integer
lanes × ~1.75 GHz ≈ 15e12 per s on one pipe, i.e. ~500–600 flips/ns, more
where the integer and IMAD pipes overlap.  Expected ceiling: ~500–750
flips/ns, both limits close; the issue's target for a one-byte-per-spin
kernel is ≥ 100, the multi-spin-coded record (Romero et al., Comput. Phys.
Commun. 256, 107473 (2020)) ~900 on an H100.  ``bench/gpu_sampler.py``
measures where we are.  nvcc 13.0 for sm_90: 56–64 registers at W = 16,
no stack frame or spills, 16-byte loads and stores of the row words.

Checked without a GPU: ``tests/test_ising_cuda_emulated.py`` compiles this
very source as C++ and runs each launch thread by thread against the
reference (all but the warp-shuffle reduction, which needs real warps).

Host ↔ device traffic in the sampler
------------------------------------
:func:`metropolis_sweeps_offloaded` takes the Numba kernel's host arrays,
copies the spins of the chains that have Metropolis sweeps to do to the GPU,
runs them there and copies them back: 2 L² bytes over PCIe per chain and call
(at ~25 GB/s, the time of ~50 kernel sweeps at the ceiling above), whatever
the number of sweeps.  Wolff chains never leave the host.  The sampler calls
it once per stored sample, whose spins must reach the host anyway.

Nothing here imports CuPy at module level; the kernels are compiled with
NVRTC on first use (``cupy.RawModule``), once per word width.
"""

from __future__ import annotations

import functools
from types import ModuleType

import numpy as np

from rgml.backend import array_namespace, get_xp, to_numpy

#: Threads per block (a multiple of the warp size, which the recording assumes).
BLOCK = 256

#: Word widths in bytes a thread may own per row, widest first.
WIDTHS = (16, 8, 4, 2)

CUDA_SOURCE = r"""
// rgml.ising.metropolis_cuda: checkerboard Metropolis half-sweep over a batch of
// L x L Ising tori, one int8 spin per byte.  Must stay bitwise equal to
// rgml.ising.metropolis.metropolis_reference (see the Python module docstring).
// No #include: NVRTC compiles this without the standard headers.

typedef unsigned long long u64;

// SplitMix64 constants; must equal rgml.rng (GAMMA, _M1, _M2).
#define RGML_GAMMA 0x9E3779B97F4A7C15ULL
#define RGML_M1 0xBF58476D1CE4E5B9ULL
#define RGML_M2 0x94D049BB133111EBULL

// rgml.rng.mix64, written for one unsigned long long.
__device__ __forceinline__ u64 mix64(u64 z)
{
    z = (z ^ (z >> 30)) * RGML_M1;
    z = (z ^ (z >> 27)) * RGML_M2;
    return z ^ (z >> 31);
}

// The machine word a thread loads and stores per row (one 16-, 8-, 4- or 2-byte access),
// and its bytes.  Plain C++ types, so that the source needs no CUDA header.
struct alignas(16) Word16 { unsigned int v[4]; };
struct alignas(8) Word8 { unsigned int v[2]; };
template <int W> struct WordOf;
template <> struct WordOf<16> { typedef Word16 type; };
template <> struct WordOf<8> { typedef Word8 type; };
template <> struct WordOf<4> { typedef unsigned int type; };
template <> struct WordOf<2> { typedef unsigned short type; };

template <int W> union Bytes {
    typename WordOf<W>::type word;
    signed char s[W];
};

// One W-byte access; p is W-aligned because W divides L and the batch starts aligned.
template <int W>
__device__ __forceinline__ Bytes<W> load_word(const signed char* p)
{
    Bytes<W> b;
    b.word = *reinterpret_cast<const typename WordOf<W>::type*>(p);
    return b;
}

template <int W>
__device__ __forceinline__ void store_word(signed char* p, const Bytes<W>& b)
{
    *reinterpret_cast<typename WordOf<W>::type*>(p) = b.word;
}

// Metropolis update of the active bytes j = P, P + 2, ... of one row word.
//   up, down : the words above and below (their bytes j are of the other colour)
//   edge     : the spin left of byte 0 (P = 0) or right of byte W - 1 (P = 1)
//   z_row    : key + (n + 1) * GAMMA for byte 0 of this word; byte j's hash input
//              is z_row + j * GAMMA (counter n + j), the same value modulo 2^64
//   thr4/8   : acceptance thresholds for s*h = 2 (dE = 4) and s*h = 4 (dE = 8)
// Returns sum over the active bytes of s_new * h (the bond sum seen from them).
// Only the active bytes change, and each reads only inactive ones.
template <int W, int P>
__device__ __forceinline__ int update_row(Bytes<W>& row, const Bytes<W>& up, const Bytes<W>& down,
                                          int edge, u64 z_row, u64 thr4, u64 thr8)
{
    int bond = 0;
#pragma unroll
    for (int j = P; j < W; j += 2) {                    // compile-time j: bytes stay in registers
        const int left = (j == 0) ? edge : row.s[j > 0 ? j - 1 : 0];
        const int right = (j == W - 1) ? edge : row.s[j < W - 1 ? j + 1 : 0];
        const int s = row.s[j];
        const int h = left + right + up.s[j] + down.s[j];
        const int sh = s * h;                           // dE = 2 * s * h
        bool flip = true;                               // dE <= 0: always (no draw needed)
        if (sh > 0) {
            const u64 draw = mix64(z_row + (u64)j * RGML_GAMMA) >> 32;
            flip = draw < (sh == 2 ? thr4 : thr8);
        }
        const int s_new = flip ? -s : s;
        row.s[j] = (signed char)s_new;
        bond += s_new * h;
    }
    return bond;
}

// One half-sweep (colour COL) of sweep t (counted from this call's start) of every
// chain c with t < n_sweeps[c].  Thread g owns words w of rows y0, y0 + 1 of chain c:
//     per_chain = (L / 2) * (L / W),  c = g / per_chain,  r = g % per_chain,
//     pair = r / (L / W),  y0 = 2 * pair,  x0 = (r % (L / W)) * W.
// x0 and y0 are even, so the active bytes of row y0 are j = COL (mod 2) and those
// of row y0 + 1 are j = 1 - COL (mod 2).  With t < n_record and COL = 1 it adds the
// chain's bond sum and spin sum after the sweep to bonds / spin_sums[c * n_record + t]
// (zeroed by the caller).  warp_aggregate != 0 promises that per_chain is a
// multiple of 32 and blockDim.x a multiple of 32, so that a warp never spans two
// chains and never has lanes that returned early.
template <int W, int COL>
__global__ void metropolis_half(signed char* spins, const u64* keys, const u64* thresholds,
                                const long long* sweeps_done, const long long* n_sweeps,
                                long long* bonds, long long* spin_sums,
                                int chains, int L, long long t, int n_record, int warp_aggregate)
{
    const unsigned int words_per_row = (unsigned int)L / W;
    const unsigned int per_chain = (unsigned int)(L / 2) * words_per_row;
    const unsigned int g = blockIdx.x * blockDim.x + threadIdx.x;   // < 2^32 (checked on the host)
    const unsigned int c = g / per_chain;
    if (c >= (unsigned int)chains || t >= n_sweeps[c]) return;
    const unsigned int r = g - c * per_chain;
    const unsigned int pair = r / words_per_row;
    const int x0 = (int)(r - pair * words_per_row) * W;
    const int y0 = 2 * (int)pair;
    const int y_up = (y0 == 0) ? L - 1 : y0 - 1;              // periodic
    const int y_down = (y0 + 2 == L) ? 0 : y0 + 2;
    const int x_left = (x0 == 0) ? L - 1 : x0 - 1;
    const int x_right = (x0 + W == L) ? 0 : x0 + W;

    signed char* lattice = spins + (u64)c * L * L;
    signed char* row_a = lattice + (u64)y0 * L;                // even row y0
    signed char* row_b = row_a + L;                            // odd row y0 + 1
    const Bytes<W> up = load_word<W>(lattice + (u64)y_up * L + x0);
    Bytes<W> a = load_word<W>(row_a + x0);
    Bytes<W> b = load_word<W>(row_b + x0);
    const Bytes<W> down = load_word<W>(lattice + (u64)y_down * L + x0);
    // Row a's active end is byte 0 when COL = 0 (needs x0 - 1), byte W - 1 when COL = 1
    // (needs x0 + W); row b the other way round.  Those neighbours are inactive.
    const int edge_a = row_a[COL == 0 ? x_left : x_right];
    const int edge_b = row_b[COL == 0 ? x_right : x_left];

    const u64 key = keys[c];
    const u64 thr4 = thresholds[2 * (u64)c];
    const u64 thr8 = thresholds[2 * (u64)c + 1];
    // n + 1 for site (x0, y0): n = (sweeps_done + t) * L^2 + y0 * L + x0.
    const u64 n1 = ((u64)sweeps_done[c] + (u64)t) * ((u64)L * (u64)L) + (u64)y0 * L + (u64)x0 + 1ULL;
    const u64 z_a = key + n1 * RGML_GAMMA;
    const u64 z_b = z_a + (u64)L * RGML_GAMMA;                 // row y0 + 1: L counters later

    // Row a first: its vertical neighbours are up and b (b's bytes j of the other colour);
    // then row b, whose neighbours a and down are inactive there, so a's update is invisible.
    int bond = update_row<W, COL>(a, up, b, edge_a, z_a, thr4, thr8);
    bond += update_row<W, 1 - COL>(b, a, down, edge_b, z_b, thr4, thr8);
    store_word<W>(row_a + x0, a);
    store_word<W>(row_b + x0, b);

    if (COL == 1 && t < n_record) {
        int total = 0;
#pragma unroll
        for (int j = 0; j < W; ++j) total += a.s[j] + b.s[j];
        u64* bond_slot = reinterpret_cast<u64*>(bonds + (u64)c * n_record + t);
        u64* spin_slot = reinterpret_cast<u64*>(spin_sums + (u64)c * n_record + t);
        // Two's-complement adds: unsigned atomics accumulate signed sums exactly.
        if (warp_aggregate) {
            for (int offset = 16; offset > 0; offset >>= 1) {
                bond += __shfl_xor_sync(0xffffffffu, bond, offset);
                total += __shfl_xor_sync(0xffffffffu, total, offset);
            }
            if ((threadIdx.x & 31u) == 0) {
                atomicAdd(bond_slot, (u64)(long long)bond);
                atomicAdd(spin_slot, (u64)(long long)total);
            }
        } else {
            atomicAdd(bond_slot, (u64)(long long)bond);
            atomicAdd(spin_slot, (u64)(long long)total);
        }
    }
}
"""


def word_width(size: int) -> int:
    """Bytes a thread owns per row: the widest of :data:`WIDTHS` that divides ``size``."""
    for width in WIDTHS:
        if size % width == 0:
            return width
    raise ValueError(f"the checkerboard kernel needs an even L, got L = {size}")


def kernel_name(width: int, colour: int) -> str:
    """NVRTC name expression of one instantiation of the kernel template."""
    return f"metropolis_half<{width}, {colour}>"


@functools.cache
def _module(width: int):
    """The compiled ``cupy.RawModule`` holding both colours for one word width."""
    cupy = get_xp("cupy")
    names = [kernel_name(width, colour) for colour in (0, 1)]
    return cupy.RawModule(code=CUDA_SOURCE, options=("--std=c++17",), name_expressions=names)


def _kernel(width: int, colour: int):
    """Launchable ``kernel(grid, block, args)`` for one word width and colour."""
    return _module(width).get_function(kernel_name(width, colour))


def _address(a) -> int:
    """Start address of a NumPy or CuPy array's data."""
    interface = getattr(a, "__cuda_array_interface__", None) or a.__array_interface__
    return interface["data"][0]


def _check(name: str, a, dtype, shape: tuple) -> None:
    if a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
        raise ValueError(
            f"{name}: expected a C-contiguous {np.dtype(dtype).name} array of shape {shape}, "
            f"got {a.dtype} {a.shape}{'' if a.flags.c_contiguous else ' (not contiguous)'}; "
            "convert it with xp.ascontiguousarray(..., dtype=...)"
        )


def metropolis_sweeps_cuda(spins, thresholds, keys, sweeps_done, n_sweeps, bonds, spin_sums) -> None:
    """``n_sweeps[c]`` checkerboard sweeps of every chain ``c`` on the GPU.

    The call and the results are those of the Numba kernel
    :func:`rgml.ising.metropolis.metropolis_sweeps`, with every array on the
    device (CuPy).  Two kernel launches per sweep (one per colour) over all
    chains; chains with fewer sweeps to do sit out the later launches.

    Parameters
    ----------
    spins:
        int8 ``(chains, L, L)``, L even and ≥ 4; updated in place.
    thresholds:
        uint64 ``(chains, 2)`` from :func:`rgml.ising.metropolis.acceptance_thresholds`.
    keys:
        uint64 ``(chains,)`` Metropolis stream keys.
    sweeps_done:
        int64 ``(chains,)`` sweeps already done (counter offset); advanced in place.
    n_sweeps:
        int64 ``(chains,)`` sweeps to do per chain.
    bonds, spin_sums:
        int64 ``(chains, n)``: with n > 0, Σ_<ij> s_i s_j and Σ_i s_i after
        sweep t are stored in column t for t < min(n, n_sweeps[c]); the other
        entries are left as they are.
    """
    xp = array_namespace(spins)
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"spins: expected shape (chains, L, L), got {spins.shape}")
    chains, size, _ = spins.shape
    if size < 4 or size % 2:
        raise ValueError(f"spins: the checkerboard kernel needs an even L >= 4, got L = {size}")
    n_record = bonds.shape[1] if bonds.ndim == 2 else 0
    for name, a in (("thresholds", thresholds), ("keys", keys), ("sweeps_done", sweeps_done),
                    ("n_sweeps", n_sweeps), ("bonds", bonds), ("spin_sums", spin_sums)):
        if array_namespace(a) is not xp:
            raise TypeError(f"{name}: must live where spins do ({xp.__name__}); move it with xp.asarray")
    _check("spins", spins, np.int8, (chains, size, size))
    _check("thresholds", thresholds, np.uint64, (chains, 2))
    _check("keys", keys, np.uint64, (chains,))
    _check("sweeps_done", sweeps_done, np.int64, (chains,))
    _check("n_sweeps", n_sweeps, np.int64, (chains,))
    _check("bonds", bonds, np.int64, (chains, n_record))
    _check("spin_sums", spin_sums, np.int64, (chains, n_record))
    width = word_width(size)
    if _address(spins) % width:
        raise ValueError(f"spins: the data must start on a {width}-byte boundary; pass a fresh copy")
    per_chain = (size // 2) * (size // width)
    blocks = -(-chains * per_chain // BLOCK)
    if blocks * BLOCK >= 2**32:
        raise ValueError(f"spins: {chains} chains of {size}x{size} exceed one launch; pass fewer chains per call")
    steps = int(n_sweeps.max()) if chains else 0
    if steps <= 0:
        return
    if n_record:
        recorded = xp.arange(n_record)[None, :] < n_sweeps[:, None]
        bonds[recorded] = 0  # the kernel accumulates into these entries
        spin_sums[recorded] = 0
    warp_aggregate = np.int32(per_chain % 32 == 0)
    kernels = [_kernel(width, colour) for colour in (0, 1)]
    for t in range(steps):
        for kernel in kernels:
            kernel((blocks,), (BLOCK,), (
                spins, keys, thresholds, sweeps_done, n_sweeps, bonds, spin_sums,
                np.int32(chains), np.int32(size), np.int64(t), np.int32(n_record), warp_aggregate,
            ))
    sweeps_done += n_sweeps


def _device_namespace() -> ModuleType:
    """CuPy (raises :class:`rgml.backend.BackendError` with advice where it cannot run)."""
    return get_xp("cupy")


def metropolis_sweeps_offloaded(spins, thresholds, keys, sweeps_done, n_sweeps, bonds, spin_sums) -> None:
    """The Numba kernel's call on host (NumPy) arrays, run on the GPU.

    Same arguments and results as :func:`rgml.ising.metropolis.metropolis_sweeps`.
    Only the chains with ``n_sweeps > 0`` travel: their spins and state are
    copied to the device, advanced by :func:`metropolis_sweeps_cuda` and copied
    back (2 L² bytes per chain over PCIe per call, see the module docstring).
    """
    run = np.flatnonzero(n_sweeps > 0)
    if run.size == 0:
        return
    xp = _device_namespace()
    send = (lambda a: xp.array(a)) if run.size == len(n_sweeps) else (lambda a: xp.array(a[run]))
    device_spins = send(spins)
    device_done = send(sweeps_done)
    device_bonds = xp.zeros((run.size, bonds.shape[1]), xp.int64)
    device_sums = xp.zeros((run.size, bonds.shape[1]), xp.int64)
    metropolis_sweeps_cuda(
        device_spins, send(thresholds), send(keys), device_done, send(n_sweeps), device_bonds, device_sums
    )
    spins[run] = to_numpy(device_spins)
    sweeps_done[run] = to_numpy(device_done)
    if bonds.shape[1]:
        recorded = np.arange(bonds.shape[1])[None, :] < n_sweeps[run, None]
        bonds[run] = np.where(recorded, to_numpy(device_bonds), bonds[run])
        spin_sums[run] = np.where(recorded, to_numpy(device_sums), spin_sums[run])
