"""Inner-loop kernels of Gibbs sampling and training: Numba on the CPU, array code elsewhere.

A Gibbs step needs one uniform per unit.  ``Stream.uniform`` evaluates
SplitMix64 with about a dozen whole-array NumPy operations (≈ 70 ns per
draw); at the sizes used here (a few hundred units, minibatches of 10–100)
that alone cost more than the matrix products of an update.  The momentum
step likewise takes four or five array passes.  Each function below has

* a Numba kernel for C-contiguous NumPy arrays that does the job in one pass;
  the Bernoulli kernel evaluates exactly the random numbers of
  :class:`rgml.rng.Stream` (``bits`` then ``to_uniform``: element ``i`` of a
  request uses counter ``stream.counter + i`` in C order), ~2 ns per draw;
* a plain array version for CuPy (and any non-contiguous input), which is
  also the reference the kernels are tested against.

Both paths consume the stream identically and give identical results
(``tests/test_rbm_kernels.py``).  The logistic function stays in NumPy's own
vectorised ``tanh`` (:func:`rgml.rbm.numerics.sigmoid`): a scalar loop over
libm's ``tanh`` or ``exp`` was measured 2–3× slower than NumPy's SIMD code.
"""

from __future__ import annotations

import numba
import numpy as np

from rgml.backend import array_namespace
from rgml.rng import GAMMA, Stream, mix64

_mix64 = numba.njit(cache=True)(mix64)
_ONE = np.uint64(1)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0


@numba.njit(cache=True)
def _uniform(key, counter, i):
    """Draw ``counter + i`` of stream ``key`` as a float64 in [0, 1) (rgml.rng formula)."""
    return np.float64(_mix64(key + (counter + np.uint64(i) + _ONE) * GAMMA) >> _S11) * _TWO_M53


@numba.njit(cache=True)
def _bernoulli_kernel(key, counter, p, out):
    for i in range(p.size):
        out[i] = 1.0 if _uniform(key, counter, i) < p[i] else 0.0


@numba.njit(cache=True)
def _momentum_kernel(w, velocity, gradient, momentum, l2, l1):
    flat_w, flat_v, flat_g = w.reshape(-1), velocity.reshape(-1), gradient.reshape(-1)
    for i in range(flat_w.size):
        wi = flat_w[i]
        step = momentum * flat_v[i] + flat_g[i]
        if l2 != 0.0:
            step -= l2 * wi
        if l1 != 0.0 and wi != 0.0:
            step -= l1 if wi > 0.0 else -l1
        flat_v[i] = step
        flat_w[i] = wi + step


def _contiguous(*arrays) -> bool:
    return all(a.flags.c_contiguous for a in arrays)


def bernoulli(p, stream: Stream, *, out=None):
    """0/1 samples with success probabilities ``p``, in ``p``'s float dtype.

    Consumes ``p.size`` draws: element ``i`` (C order) is 1 iff
    ``uniform(stream.counter + i) < p[i]``, exactly as
    ``stream.uniform(p.shape) < p``.  ``out`` (C-contiguous, ``p``'s shape and
    dtype, may be ``p`` itself) receives the result if given.
    """
    xp = array_namespace(p)
    if out is not None and (out.shape != p.shape or out.dtype != p.dtype):
        raise ValueError("bernoulli: `out` must have p's shape and dtype")
    if xp is not np:
        sample = (stream.uniform(p.shape, xp) < p).astype(p.dtype)
        if out is None:
            return sample
        out[...] = sample
        return out
    p = np.ascontiguousarray(p)
    if out is None:
        out = np.empty_like(p)
    elif not _contiguous(out):
        raise ValueError("bernoulli: `out` must be C-contiguous")
    _bernoulli_kernel(np.uint64(stream.key), np.uint64(stream.counter), p.reshape(-1), out.reshape(-1))
    stream.counter += p.size
    return out


def momentum_step_(param, velocity, gradient, *, momentum: float, l2: float = 0.0, l1: float = 0.0):
    """In place: ``v ← μ v + g − l2·p − l1·sign(p)``, then ``p ← p + v``.

    ``gradient`` is the already scaled ascent step (learning rate included),
    as are ``l2`` and ``l1``.
    """
    if array_namespace(param) is np and _contiguous(param, velocity, gradient):
        _momentum_kernel(param, velocity, gradient, float(momentum), float(l2), float(l1))
        return param
    xp = array_namespace(param)
    velocity *= momentum
    velocity += gradient
    if l2:
        velocity -= l2 * param
    if l1:
        velocity -= l1 * xp.sign(param)
    param += velocity
    return param
