"""RSMI partition: V / buffer / E geometry, extraction with periodic wrap, split by configuration."""

import numpy as np
import pytest

from rgml.backend import to_numpy
from rgml.rng import Stream
from rgml.rsmi import Geometry, block_positions, extract, split_configurations


def naive_extract_2d(spins, geometry, positions):
    """Loop-by-loop reference: V in block C order, E = the shell sites in window C order."""
    size = spins.shape[-1]
    reach = geometry.buffer + geometry.env
    vis, env = [], []
    for y0, x0 in positions:
        side = range(geometry.block)
        v = [spins[:, (y0 + dy) % size, (x0 + dx) % size] for dy in side for dx in side]
        e = []
        for dy in range(-reach, geometry.block + reach):
            for dx in range(-reach, geometry.block + reach):
                dist = max(max(-dy, dy - geometry.block + 1, 0), max(-dx, dx - geometry.block + 1, 0))
                if geometry.buffer < dist <= reach:
                    e.append(spins[:, (y0 + dy) % size, (x0 + dx) % size])
        vis.append(np.stack(v, axis=1))
        env.append(np.stack(e, axis=1))
    return np.stack(vis, axis=1), np.stack(env, axis=1)


@pytest.mark.parametrize("block, buffer, env", [(2, 0, 1), (2, 1, 2), (4, 2, 2), (3, 0, 1)])
def test_site_counts(block, buffer, env):
    g = Geometry(block, buffer, env)
    inner = block + 2 * buffer
    assert len(g.visible_offsets()) == block**2
    assert len(g.environment_offsets()) == g.window**2 - inner**2
    g1 = Geometry(block, buffer, env, dim=1)
    assert len(g1.environment_offsets()) == 2 * env
    assert sorted(g1.environment_offsets()[:, 0]) == sorted(
        [-buffer - k for k in range(1, env + 1)] + [block - 1 + buffer + k for k in range(1, env + 1)]
    )


def test_extract_matches_loops_2d_with_wrap(xp):
    spins = Stream.named(1, "test-partition").spins((5, 8, 8))
    g = Geometry(2, 1, 2)
    positions = block_positions(8, g, stride=1)
    assert len(positions) == 64
    vis, env = extract(xp.asarray(spins), g, positions)
    ref_v, ref_e = naive_extract_2d(spins, g, positions)
    np.testing.assert_array_equal(to_numpy(vis), ref_v)
    np.testing.assert_array_equal(to_numpy(env), ref_e)
    assert vis.dtype == np.int8 and env.dtype == np.int8
    # rows in C order: the fit's reshape to (rows, sites) must be a view, not a copy of the whole set
    assert vis.flags.c_contiguous and env.flags.c_contiguous


def test_split_pairs_cut_each_side_of_the_split_as_the_whole_set_cut_then_split():
    from rgml.rsmi import FitConfig
    from rgml.rsmi.fit import split_indices, split_pairs

    spins = Stream.named(5, "test-partition").spins((60, 8, 8))
    g, config, stream = Geometry(2, 1, 1), FitConfig(stride=2), Stream.named(6, "test-split")
    (train_v, train_e), (held_v, held_e) = split_pairs(spins, g, stream, config)
    train, held = split_indices(len(spins), stream, config)
    vis, env = extract(spins, g, block_positions(8, g, stride=2))
    for got, want in ((train_v, vis[train]), (train_e, env[train]), (held_v, vis[held]), (held_e, env[held])):
        np.testing.assert_array_equal(got, want)


def test_extract_1d_with_wrap(xp):
    spins = Stream.named(2, "test-partition").spins((3, 12))
    g = Geometry(3, 1, 2, dim=1)
    vis, env = extract(xp.asarray(spins), g, np.array([[10]]))
    np.testing.assert_array_equal(to_numpy(vis)[:, 0], spins[:, [10, 11, 0]])
    np.testing.assert_array_equal(to_numpy(env)[:, 0], spins[:, [7, 8, 2, 3]])


def test_window_must_fit():
    g = Geometry(4, 2, 2)
    assert g.window == 12
    with pytest.raises(ValueError, match="smaller than the RSMI window"):
        block_positions(10, g)
    with pytest.raises(ValueError, match="2D geometry"):
        extract(np.ones((2, 16), np.int8), g, np.zeros((1, 2), int))
    with pytest.raises(ValueError, match="L_V"):
        Geometry(0)


def test_default_positions_tile_the_lattice():
    pos = block_positions(8, Geometry(2, 0, 1))
    assert len(pos) == 16
    assert set(map(tuple, pos)) == {(y, x) for y in range(0, 8, 2) for x in range(0, 8, 2)}


def test_split_is_by_configuration_and_deterministic():
    train, held = split_configurations(1000, Stream.named(3, "split"), holdout=0.2)
    again = split_configurations(1000, Stream.named(3, "split"), holdout=0.2)
    np.testing.assert_array_equal(train, again[0])
    assert len(held) == 200 and len(train) == 800
    assert np.intersect1d(train, held).size == 0
    np.testing.assert_array_equal(np.union1d(train, held), np.arange(1000))
    # held-out configurations come in contiguous chunks of 50 (sampling order)
    assert np.count_nonzero(np.diff(held) != 1) <= 3
    other = split_configurations(1000, Stream.named(4, "split"), holdout=0.2)[1]
    assert not np.array_equal(held, other)
