"""apply_filter: coarse-graining whole lattices block by block (RG rule ``rsmi``)."""

import numpy as np
import pytest

from rgml.backend import to_numpy
from rgml.rng import Stream
from rgml.rsmi import apply_filter, decimation_filter, uniform_filter


def lattices(shape, seed=0):
    return Stream.named(seed, "test-apply").spins(shape)


def test_decimation_keeps_one_spin_per_block(xp):
    spins = lattices((6, 12, 12))
    out = apply_filter(xp.asarray(spins), decimation_filter((3, 3), (1, 2)), Stream.named(0, "a"), deterministic=True)
    assert out.shape == (6, 4, 4) and out.dtype == np.int8
    np.testing.assert_array_equal(to_numpy(out), spins[:, 1::3, 2::3])
    ring = lattices((5, 12), seed=1)
    out = apply_filter(xp.asarray(ring), decimation_filter((4,), 0, norm=2.0), Stream.named(0, "b"), deterministic=True)
    np.testing.assert_array_equal(to_numpy(out), ring[:, ::4])


def test_deterministic_majority_with_fair_ties():
    spins = lattices((400, 16, 16), seed=2)
    out = apply_filter(spins, uniform_filter((2, 2)), Stream.named(0, "c"), deterministic=True)
    block_sum = spins.reshape(400, 8, 2, 8, 2).sum(axis=(2, 4))
    decided = block_sum != 0
    np.testing.assert_array_equal(out[decided], np.sign(block_sum[decided]))
    ties = out[~decided]
    z = ties.sum() / np.sqrt(ties.size)  # ±1 fair coins: mean 0, variance 1 each
    assert abs(z) < 4 and ties.size > 5000


def test_stochastic_rule_frequencies():
    """P(h=+1|V) = σ(2 λ·V): compare the frequency of h = +1 with its expectation per pre-activation."""
    filt = np.array([[[0.9, -0.3], [0.4, 0.2]]])
    spins = lattices((2000, 8, 8), seed=3)
    out = apply_filter(spins, filt, Stream.named(0, "d"))
    a = spins.reshape(2000, 4, 2, 4, 2).transpose(0, 1, 3, 2, 4).reshape(2000, 4, 4, 4) @ filt.ravel()
    for value in np.unique(np.round(a, 12)):
        sel = np.isclose(a, value)
        p = 1.0 / (1.0 + np.exp(-2.0 * value))
        n = sel.sum()
        z = ((out[sel] == 1).sum() - n * p) / np.sqrt(n * p * (1 - p))
        assert abs(z) < 4, (value, z)


def test_batch_axes_reproducibility_and_checks():
    spins = lattices((2, 3, 8, 8), seed=4)  # e.g. (temperature, sample, y, x)
    filt = uniform_filter((2, 2), norm=0.7)
    first = apply_filter(spins, filt, Stream.named(5, "e"))
    assert first.shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(first, apply_filter(spins, filt, Stream.named(5, "e")))
    flat = apply_filter(spins.reshape(6, 8, 8), filt, Stream.named(5, "e"))
    np.testing.assert_array_equal(first.reshape(6, 4, 4), flat)
    with pytest.raises(ValueError, match="one hidden unit"):
        apply_filter(spins, np.ones((2, 2, 2)), Stream.named(0, "f"))
    with pytest.raises(ValueError, match="one hidden unit"):
        apply_filter(spins, np.ones((2, 2)), Stream.named(0, "f"))
    with pytest.raises(ValueError, match="divisible"):
        apply_filter(spins, np.ones((1, 3, 3)), Stream.named(0, "g"))
