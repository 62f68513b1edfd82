"""Block rules on hand-made configurations (issue 3, acceptance 4)."""

import numpy as np
import pytest

from rgml.rg.blocks import block_sums, decimate_ring, decimation, majority, n_levels
from rgml.rg.correlations import INTERACTION_NAMES, interaction_densities
from rgml.rng import Stream


def lattice(rows):
    return np.array(rows, dtype=np.int8)


def test_majority_odd_block_known_answer():
    s = lattice([
        [1, 1, -1, -1, -1, -1],
        [1, -1, 1, -1, 1, -1],
        [-1, 1, 1, -1, -1, 1],
        [1, 1, 1, -1, -1, -1],
        [1, 1, 1, -1, 1, -1],
        [1, 1, 1, 1, 1, -1],
    ])
    out = majority(s, 3, Stream.named(0, "t"))
    assert out.tolist() == [[1, -1], [1, -1]]
    assert out.dtype == np.int8


def test_majority_even_block_without_ties_is_deterministic():
    s = lattice([[1, 1, -1, -1], [1, -1, -1, -1], [1, 1, 1, -1], [1, 1, -1, -1]])
    a = majority(s, 2, Stream.named(0, "a"))
    b = majority(s, 2, Stream.named(99, "b"))
    assert a.tolist() == b.tolist() == [[1, -1], [1, -1]]


def test_ties_are_reproducible_from_the_stream_and_fair():
    tie = np.tile(lattice([[1, -1], [-1, 1]]), (200, 200))  # every 2x2 block is a tie
    a = majority(tie, 2, Stream.named(5, "ties"))
    b = majority(tie, 2, Stream.named(5, "ties"))
    c = majority(tie, 2, Stream.named(6, "ties"))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert set(np.unique(a)) == {-1, 1}
    n = a.size
    assert abs((a == 1).mean() - 0.5) < 4 * 0.5 / np.sqrt(n)


def test_decimation_keeps_the_top_left_spin():
    s = np.arange(16).reshape(4, 4)
    assert decimation(s, 2).tolist() == [[0, 2], [8, 10]]
    assert decimate_ring(np.arange(8), 2).tolist() == [0, 2, 4, 6]
    assert decimate_ring(np.arange(9), 3).tolist() == [0, 3, 6]


def test_batches_keep_leading_shape():
    s = Stream.named(1, "batch").spins((3, 5, 16, 16))
    assert majority(s, 2, Stream.named(1, "m")).shape == (3, 5, 8, 8)
    assert decimation(s, 4).shape == (3, 5, 4, 4)
    assert block_sums(s, 4).shape == (3, 5, 4, 4)
    # the batch entries are coarse-grained independently of each other
    one = majority(s[1, 2], 2, Stream.named(1, "x"))
    assert one.shape == (8, 8)


@pytest.mark.parametrize("rule", [majority, decimation])
def test_size_not_divisible_is_a_clear_error(rule):
    with pytest.raises(ValueError, match="not divisible by the block size b=4"):
        rule(np.ones((6, 6), np.int8), 4, Stream.named(0, "e"))
    with pytest.raises(ValueError, match="ring size 10 is not divisible"):
        decimate_ring(np.ones(10, np.int8), 3)


def test_levels_stop_at_four_sites_across():
    assert n_levels(64, 2) == 4 and n_levels(32, 2) == 3 and n_levels(8, 2) == 1
    assert n_levels(6, 2) == 0 and n_levels(27, 3) == 1 and n_levels(64, 4) == 2


def test_interaction_densities_of_ordered_and_checkerboard_lattices():
    ordered = np.ones((2, 8, 8), np.int8)
    d = interaction_densities(ordered)
    assert d.shape == (2, len(INTERACTION_NAMES))
    # per site: nn 2 bonds, nnn 2, plaquette 1, third 2, knight 4, fourth 2
    assert d[0].tolist() == [2, 2, 1, 2, 4, 2]
    checker = np.where(np.indices((8, 8)).sum(axis=0) % 2 == 0, 1, -1).astype(np.int8)
    assert interaction_densities(checker).tolist() == [-2, 2, 1, 2, -4, 2]
