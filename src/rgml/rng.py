"""Counter-based random streams keyed by what they sample (DESIGN.md §3).

Every random number in rgml is a pure function of a 64-bit *key* and a
64-bit *counter*::

    bits(key, n) = mix64(key + (n + 1) * GAMMA)          (uint64)

which is SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) evaluated at position
``n`` of the sequence seeded with ``key``; its output passes BigCrush.  The
key is a hash of the root seed and of names that say what is sampled
(model, size, temperature *value*, chain, stage), so

* adding a temperature to a grid leaves the others' draws unchanged;
* the same formula written for NumPy arrays, for Numba and for CUDA gives
  the same bits, so CPU and GPU paths can be compared exactly;
* a stream's whole state is ``(key, counter)``: checkpointing is trivial.

Nothing here imports the rest of rgml.
"""

from __future__ import annotations

import hashlib
from types import ModuleType

import numpy as np

#: Weyl increment of SplitMix64 (odd, ~2^64 / golden ratio).
GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11 = np.uint64(11)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_ONE = np.uint64(1)

#: 2^-53: turns the top 53 bits of a draw into a float64 in [0, 1).
_TWO_M53 = 1.0 / 9007199254740992.0

_KEY_VERSION = "rgml-stream-v1"


def _canonical(part) -> str:
    """Stable text for one key part; floats by value (``repr`` round-trips)."""
    if isinstance(part, bool):
        return str(part)
    if isinstance(part, (int, np.integer)):
        return str(int(part))
    if isinstance(part, (float, np.floating)):
        return repr(float(part))
    if isinstance(part, str):
        return part
    raise TypeError(f"stream key parts must be str, int or float, not {type(part).__name__}")


def stream_key(seed: int, *parts) -> np.uint64:
    """64-bit key for the stream named by ``parts`` under root ``seed``.

    Examples of names: ``stream_key(2026, "ising2d", 32, 2.269185, "chain", 3)``.
    Floats are keyed by their value, so ``2.2`` and ``2.2000000001`` differ
    but the position of a temperature in a grid never matters.
    """
    text = "/".join([_KEY_VERSION, _canonical(seed), *map(_canonical, parts)])
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def mix64(z):
    """SplitMix64 output function: a bijective avalanche mix of uint64 values.

    Works elementwise on NumPy or CuPy ``uint64`` arrays, and compiles under
    Numba (the kernels jit this very function).
    """
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def bits(key, counter):
    """uint64 draw number ``counter`` of the stream ``key`` (elementwise)."""
    return mix64(key + (counter + _ONE) * GAMMA)


def to_uniform(b, xp: ModuleType = np):
    """Map uint64 draws to float64 uniforms in [0, 1) using their top 53 bits."""
    return (b >> _S11).astype(xp.float64) * _TWO_M53


def threshold32(p) -> np.ndarray:
    """Integer acceptance thresholds: a draw ``b`` accepts with probability p iff
    ``(b >> 32) < threshold32(p)``.

    Comparing integers (not floats) keeps accept/reject decisions bitwise
    identical across NumPy, Numba and CUDA.  ``p >= 1`` always accepts.
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.floor(p * 4294967296.0).astype(np.uint64) + (p >= 1.0).astype(np.uint64)


class Stream:
    """A keyed random stream that hands out consecutive blocks of draws.

    Parameters
    ----------
    key:
        From :func:`stream_key`.
    counter:
        Position of the next draw (restore a checkpoint by passing it back).

    The draws for a request of ``size`` values occupy counters
    ``[counter, counter + size)`` in C order, on whichever array namespace
    ``xp`` is asked for, so NumPy and CuPy get the same numbers.
    """

    def __init__(self, key: np.uint64, counter: int = 0):
        self.key = np.uint64(key)
        self.counter = int(counter)

    @classmethod
    def named(cls, seed: int, *parts) -> "Stream":
        """Stream for ``stream_key(seed, *parts)`` starting at counter 0."""
        return cls(stream_key(seed, *parts))

    def child(self, *parts) -> "Stream":
        """An independent stream whose key also names ``parts``."""
        return Stream(stream_key(int(self.key), *parts))

    def state(self) -> dict:
        """Serializable state: ``{"key": int, "counter": int}``."""
        return {"key": int(self.key), "counter": self.counter}

    def bits(self, shape, xp: ModuleType = np):
        """uint64 draws of the given shape."""
        shape = (shape,) if np.isscalar(shape) else tuple(shape)
        n = int(np.prod(shape, dtype=np.int64))
        counters = xp.arange(self.counter, self.counter + n, dtype=xp.uint64)
        self.counter += n
        return bits(xp.uint64(self.key), counters).reshape(shape)

    def uniform(self, shape, xp: ModuleType = np):
        """float64 uniforms in [0, 1)."""
        return to_uniform(self.bits(shape, xp), xp)

    def normal(self, shape, xp: ModuleType = np):
        """Standard normal float64 values (Box–Muller on pairs of uniforms)."""
        shape = (shape,) if np.isscalar(shape) else tuple(shape)
        u = self.uniform((2, *shape), xp)
        radius = xp.sqrt(-2.0 * xp.log1p(-u[0]))
        return radius * xp.cos(2.0 * np.pi * u[1])

    def bernoulli(self, p, xp: ModuleType = np):
        """Boolean array, True with probability ``p`` (broadcast shape of p)."""
        p = xp.asarray(p)
        return self.uniform(p.shape, xp) < p

    def spins(self, shape, xp: ModuleType = np):
        """Independent fair ±1 spins as int8."""
        b = self.bits(shape, xp)
        return (((b >> _S32) & _ONE).astype(xp.int8) * 2 - 1).astype(xp.int8)

    def permutation(self, n: int, xp: ModuleType = np):
        """A uniformly random permutation of ``range(n)``."""
        return xp.argsort(self.bits(n, xp))


def as_stream(seed: "int | Stream", *parts) -> Stream:
    """The stream a library call draws from: keyed by an int seed, or a given :class:`Stream`.

    Library entry points take ``seed: int | Stream``.  An int is the root seed
    of a sweep and the stream is ``Stream.named(seed, *parts)``, with ``parts``
    naming what the call samples (stage, size, temperature, …) exactly as the
    workflow names it, so a notebook call with the workflow's seed reproduces
    the workflow's store bit for bit.  A :class:`Stream` is used as given.
    """
    if isinstance(seed, Stream):
        return seed
    return Stream.named(_root_seed(seed), *parts)


def keyed(seed: "int | Stream", *parts) -> Stream:
    """One of several independent streams of a call: ``Stream.named(seed, *parts)``, or a given stream's child.

    For calls that draw several families (one per coupling, per start, …):
    with an int seed the family is keyed as the workflow keys it; with a
    :class:`Stream` it is that stream's ``child(*parts)``.
    """
    if isinstance(seed, Stream):
        return seed.child(*parts)
    return Stream.named(_root_seed(seed), *parts)


def _root_seed(seed) -> int:
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected a non-negative int or an rgml.rng.Stream, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed: must be a non-negative integer, got {seed}")
    return int(seed)
