"""Filter cosines and map distances: which block rules are one map."""

import math

import numpy as np
import pytest

from rgml.rg import Decimation, Majority
from rgml.rg.similarity import RuleSimilarity, block_configurations, rule_similarity, up_probability
from rgml.rng import Stream
from rgml.rsmi import FilterRule


def test_enumerated_and_sampled_blocks():
    blocks = block_configurations(2)
    assert blocks.shape == (16, 4) and len({tuple(r) for r in blocks}) == 16
    spins = Stream.named(0, "blocks").spins((3, 6, 6))
    sampled = block_configurations(3, spins)
    assert sampled.shape == (3 * 4, 9)
    np.testing.assert_array_equal(sampled[1], spins[0, 0:3, 3:6].ravel())
    with pytest.raises(ValueError, match="enumerate"):
        block_configurations(5)


def test_majority_probabilities_and_exact_distances():
    blocks = block_configurations(2)
    p = up_probability(Majority(2), blocks)
    total = blocks.sum(axis=1)
    np.testing.assert_allclose(p, np.where(total > 0, 1.0, np.where(total < 0, 0.0, 0.5)), atol=1e-15)
    rules = [Majority(2), FilterRule.uniform(2, math.inf), FilterRule.uniform(2, 1.0), Decimation(2)]
    table = rule_similarity(rules).to_frame().set_index(["rule", "other"])
    assert table.loc[("uniform_norminf", "majority"), "cosine"] == pytest.approx(1.0)
    assert table.loc[("uniform_norminf", "majority"), "map_distance"] < 1e-12
    # uniform at |λ| = 1: λ_i = 1/2, P(+|V) = σ(Σ s); over all 16 blocks the mean |P − P_majority|
    sums = blocks.sum(axis=1)
    noisy = 1 / (1 + np.exp(-sums))
    expected = np.mean(np.abs(noisy - np.where(sums > 0, 1, np.where(sums < 0, 0, 0.5))))
    assert table.loc[("uniform_norm1", "majority"), "map_distance"] == pytest.approx(expected)
    assert table.loc[("uniform_norm1", "majority"), "cosine"] == pytest.approx(1.0)
    assert table.loc[("decimation", "majority"), "cosine"] == pytest.approx(0.5)
    again = RuleSimilarity.from_dataset(rule_similarity(rules).to_dataset())
    assert again.same_map_as() == {("majority", 2): "", ("uniform_norminf", 2): "majority",
                                   ("uniform_norm1", 2): "", ("decimation", 2): ""}
    assert again.same_shape_as() == {("majority", 2): "", ("uniform_norminf", 2): "majority",
                                     ("uniform_norm1", 2): "majority", ("decimation", 2): ""}


def test_tie_breaking_filters_are_a_different_map_despite_a_high_cosine():
    tilted = FilterRule.rescaled(np.array([[4.0, 5.0], [3.0, 3.7]]), 8.0)  # cos 0.98: ties decided by site weights
    table = rule_similarity([Majority(2), tilted]).to_frame().set_index(["rule", "other"])
    row = table.loc[("rsmi_norm8", "majority")]
    assert row["cosine"] > 0.98 and row["map_distance"] > 0.1 and row["same_shape"] and not row["same_map"]


def test_a_flipped_filter_is_the_same_map():
    flipped = FilterRule.rescaled(-np.ones((3, 3)), math.inf)
    row = rule_similarity([Majority(3), flipped]).to_frame().iloc[1]
    assert row["cosine"] == pytest.approx(1.0) and row["map_distance"] < 1e-12 and row["same_map"]


def test_only_equal_block_sizes_are_compared_and_names_must_differ():
    table = rule_similarity([Majority(2), Majority(3), Decimation(3)]).to_frame()
    assert set(zip(table["rule"], table["other"], table["b"])) == {("majority", "decimation", 3),
                                                                    ("decimation", "majority", 3)}
    with pytest.raises(ValueError, match="unique"):
        rule_similarity([Majority(2), Majority(2)])
