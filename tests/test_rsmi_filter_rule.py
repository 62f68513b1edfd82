"""FilterRule: a filter direction at a chosen norm as a block rule, any b, |λ| up to ∞."""

import math

import numpy as np
import pytest

from rgml.backend import to_numpy
from rgml.rg import Majority, coarse_grain
from rgml.rg.blocks import block_sums
from rgml.rg.rules import DETERMINISTIC_NORM
from rgml.rng import Stream
from rgml.rsmi import FilterRule, apply_filter


def lattices(shape, seed=0):
    return Stream.named(seed, "test-filter-rule").spins(shape)


def test_uniform_at_infinite_norm_is_majority_without_coins_for_odd_b(xp):
    spins = xp.asarray(lattices((50, 12, 12)))
    assert not np.any(to_numpy(block_sums(spins, 3)) == 0)  # odd b: b² spins never tie
    stream = Stream.named(1, "majority")
    majority = Majority(3).coarse_grain(spins, stream)
    assert stream.counter == 0  # majority at odd b draws no coin at all
    rule = FilterRule.uniform(3, math.inf)
    np.testing.assert_array_equal(to_numpy(rule.coarse_grain(spins, Stream.named(2, "other"))), to_numpy(majority))


def test_uniform_at_infinite_norm_breaks_even_ties_by_fair_coins():
    spins = lattices((400, 8, 8), seed=1)
    out = FilterRule.uniform(2, math.inf).coarse_grain(spins, Stream.named(0, "coins"))
    total = block_sums(spins, 2)
    decided = total != 0
    np.testing.assert_array_equal(out[decided], np.sign(total[decided]))
    ties = out[~decided].astype(np.float64)
    assert ties.size > 2000 and abs(ties.sum() / np.sqrt(ties.size)) < 4


def test_finite_norm_is_the_stochastic_filter_at_that_norm():
    direction = np.array([[0.9, -0.3], [0.4, 0.2]])
    rule = FilterRule.rescaled(direction, 1.5)
    assert rule.name == "rsmi_norm1.5" and rule.b == 2 and not rule.deterministic
    assert np.linalg.norm(rule.weights) == pytest.approx(1.5)
    np.testing.assert_allclose(rule.weights / 1.5, direction / np.linalg.norm(direction))
    spins = lattices((20, 8, 8), seed=2)
    expected = apply_filter(spins, rule.weights[None], Stream.named(3, "s"))
    np.testing.assert_array_equal(rule.coarse_grain(spins, Stream.named(3, "s")), expected)
    np.testing.assert_array_equal(rule.as_filter().weights, rule.weights)
    assert rule.as_filter().bias == 0.0


def test_names_key_independent_streams_and_filters():
    assert FilterRule.uniform(2, 0.25).name == "uniform_norm0.25"
    assert FilterRule.uniform(4, math.inf).name == "uniform_norminf"
    assert FilterRule.rescaled(np.ones((1, 3, 3)), 2.0).name == "rsmi_norm2"
    deterministic = FilterRule.uniform(2, math.inf).as_filter().weights
    assert np.linalg.norm(deterministic) == pytest.approx(DETERMINISTIC_NORM)
    np.testing.assert_allclose(deterministic, Majority(2).as_filter().weights)
    # two rules of one shape and different norms coarse-grain with different streams
    import xarray as xr

    spins = xr.DataArray(lattices((1, 30, 8, 8), seed=3), dims=("temperature", "sample", "y", "x"),
                         coords={"temperature": [2.3]})
    a = coarse_grain(spins, FilterRule.uniform(2, 1.0), seed=5)
    b = coarse_grain(spins, FilterRule.uniform(2, 1.0, name="other"), seed=5)
    assert not np.array_equal(a["level1"].values, b["level1"].values)
    np.testing.assert_array_equal(a["level1"].values, coarse_grain(spins, FilterRule.uniform(2, 1.0),
                                                                    seed=5)["level1"].values)


def test_checks_name_the_argument():
    with pytest.raises(ValueError, match="norm"):
        FilterRule.uniform(2, 0.0)
    with pytest.raises(ValueError, match="non-zero"):
        FilterRule.rescaled(np.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match="direction"):
        FilterRule.rescaled(np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="b:"):
        FilterRule.uniform(1, 1.0)
