"""Numba kernels of rgml.rbm against the array-code reference and rgml.rng."""

from __future__ import annotations

import numpy as np
import pytest

from rgml.rbm.kernels import bernoulli, momentum_step_
from rgml.rbm.numerics import logmeanexp, logsumexp, sigmoid, softplus
from rgml.rng import Stream


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bernoulli_kernel_equals_stream_uniforms(dtype):
    p = Stream.named(1, "test-p").uniform((37, 11)).astype(dtype)
    fast, slow = Stream.named(2, "test-bern"), Stream.named(2, "test-bern")
    fast.counter = slow.counter = 12345
    sample = bernoulli(p, fast)
    reference = (slow.uniform(p.shape) < p).astype(dtype)
    assert sample.dtype == dtype and np.array_equal(sample, reference)
    assert fast.counter == slow.counter


def test_bernoulli_out_in_place_and_frequency():
    stream = Stream.named(3, "test-bern-rate")
    p = np.full(200_000, 0.3)
    out = bernoulli(p, stream, out=p)
    assert out is p
    rate = p.mean()
    assert abs(rate - 0.3) < 4 * np.sqrt(0.3 * 0.7 / p.size)
    with pytest.raises(ValueError, match="C-contiguous"):
        bernoulli(np.zeros((4, 4)), stream, out=np.zeros((4, 4)).T)


@pytest.mark.parametrize("momentum,l2,l1", [(0.0, 0.0, 0.0), (0.9, 1e-3, 2e-4)])
def test_momentum_kernel_equals_array_code(momentum, l2, l1):
    stream = Stream.named(4, "test-momentum")
    w, vel, grad = (stream.normal((6, 5)) for _ in range(3))
    w[0, 0] = 0.0
    expected_vel = momentum * vel + grad - l2 * w - l1 * np.sign(w)
    expected_w = w + expected_vel
    # the Fortran-ordered copies take the array-code path, the C-ordered ones the kernel
    w_f, vel_f = np.asfortranarray(w), np.asfortranarray(vel)
    momentum_step_(w, vel, grad, momentum=momentum, l2=l2, l1=l1)
    momentum_step_(w_f, vel_f, np.asfortranarray(grad), momentum=momentum, l2=l2, l1=l1)
    assert np.array_equal(w, w_f) and np.array_equal(vel, vel_f)
    assert np.allclose(w, expected_w, rtol=0, atol=1e-15) and np.allclose(vel, expected_vel, rtol=0, atol=1e-15)


def test_numerics_are_accurate_and_warning_free():
    x = np.array([-800.0, -40.0, -3.0, 0.0, 2.5, 40.0, 800.0])
    s = sigmoid(x)
    with np.errstate(over="ignore"):
        reference = 1.0 / (1.0 + np.exp(-x))
    assert np.allclose(s, reference, rtol=0, atol=2e-16)
    assert softplus(np.array([800.0]))[0] == 800.0
    assert softplus(np.array([0.0]))[0] == pytest.approx(np.log(2.0))
    assert softplus(np.array([-800.0]))[0] == 0.0
    values = np.array([[1000.0, 1000.0], [-np.inf, 0.0]])
    assert np.allclose(logsumexp(values, axis=1), [1000.0 + np.log(2.0), 0.0])
    assert float(logmeanexp(np.array([5.0, 5.0, 5.0]))) == pytest.approx(5.0)
