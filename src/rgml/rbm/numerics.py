"""Elementwise functions shared by the RBM code (NumPy or CuPy).

All of them work on the namespace of their argument and are written to be
safe at any argument size: no overflow, no ``RuntimeWarning``.

* ``sigmoid(x) = 1/(1 + e^{-x})`` — the logistic function.  The review's
  Eq. (7) prints ``1/(1 - e^{-x})``; that is a misprint (DESIGN.md §5).
  It is evaluated as ``(1 + tanh(x/2))/2``, exact to an *absolute*
  1e-16 everywhere (probabilities below ~1e-17 round to 0), which is what
  sampling needs; log-probabilities use :func:`softplus` instead.
* ``softplus(x) = ln(1 + e^{x})`` — evaluated by ``logaddexp(0, x)``.
* ``logsumexp`` and ``logmeanexp`` over an axis, max-shifted.
"""

from __future__ import annotations

from rgml.backend import array_namespace


def sigmoid(x, *, out=None):
    """Logistic function σ(x) = 1/(1 + e^{−x}), elementwise.

    Parameters
    ----------
    x:
        Float array.
    out:
        Optional float array of the same shape to write into; ``out=x``
        evaluates in place (the hot loops of the trainer do this).
    """
    xp = array_namespace(x)
    out = xp.multiply(x, 0.5, out=out)
    xp.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def softplus(x):
    """ln(1 + e^{x}), elementwise, without overflow."""
    xp = array_namespace(x)
    return xp.logaddexp(0.0, x)


def logsumexp(x, *, axis=None):
    """ln Σ e^{x} along ``axis`` (all elements when None), max-shifted.

    Returns a 0-d array for ``axis=None``.  ``-inf`` entries are allowed
    as long as every slice has a finite one.
    """
    xp = array_namespace(x)
    peak = xp.max(x, axis=axis, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0.0)
    total = xp.log(xp.sum(xp.exp(x - peak), axis=axis, keepdims=True)) + peak
    return xp.squeeze(total, axis=axis) if axis is not None else total.reshape(())


def logmeanexp(x, *, axis=None):
    """ln of the mean of e^{x} along ``axis``, max-shifted."""
    xp = array_namespace(x)
    n = x.size if axis is None else x.shape[axis]
    return logsumexp(x, axis=axis) - xp.log(xp.asarray(float(n)))
