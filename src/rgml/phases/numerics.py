"""Small numerical helpers of the phase classifiers: stable logistic functions, one BLAS thread."""

from __future__ import annotations

import contextlib

from rgml.backend import array_namespace


def sigmoid(z):
    """σ(z) = 1 / (1 + e^{−z}), overflow-free for any z (NumPy or CuPy)."""
    xp = array_namespace(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z):
    """ln(1 + e^z) without overflow."""
    xp = array_namespace(z)
    return xp.logaddexp(0.0, z)


def one_blas_thread():
    """BLAS limited to one thread where threadpoolctl is installed: small products run faster on shared cores,
    and reductions keep one summation order, so results do not depend on the thread count."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
