"""Counter-based random streams: keys, reproducibility, distribution."""

import numpy as np
import pytest

from rgml.rng import Stream, bits, stream_key, threshold32, to_uniform


def test_keys_depend_on_every_part_and_on_value_not_position():
    base = stream_key(1, "ising2d", 16, 2.5, "chain", 0)
    assert base == stream_key(1, "ising2d", 16, 2.5, "chain", 0)
    others = [
        stream_key(2, "ising2d", 16, 2.5, "chain", 0),
        stream_key(1, "ising1d", 16, 2.5, "chain", 0),
        stream_key(1, "ising2d", 32, 2.5, "chain", 0),
        stream_key(1, "ising2d", 16, 2.6, "chain", 0),
        stream_key(1, "ising2d", 16, 2.5, "chain", 1),
    ]
    assert len({base, *others}) == 6
    # floats are keyed by value: numpy and Python floats of the same value agree
    assert stream_key(1, np.float64(2.5)) == stream_key(1, 2.5)


def test_stream_blocks_are_consecutive_counters(xp):
    s = Stream.named(7, "x")
    a = s.bits(5, xp)
    b = s.bits((2, 3), xp)
    whole = Stream.named(7, "x").bits(11, xp)
    assert (xp.concatenate([a, b.ravel()]) == whole).all()
    assert s.state()["counter"] == 11
    resumed = Stream(s.key, counter=5).bits(6, xp)
    assert (resumed == whole[5:]).all()


def test_uniforms_are_uniform_and_spins_fair():
    s = Stream.named(3, "u")
    u = s.uniform(200_000)
    assert u.min() >= 0 and u.max() < 1
    counts, _ = np.histogram(u, bins=20, range=(0, 1))
    expected = u.size / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 45  # chi-square with 19 dof: p ~ 1e-3
    spins = s.spins(100_000)
    assert set(np.unique(spins)) == {-1, 1}
    assert abs(spins.mean()) < 4 / np.sqrt(spins.size)
    z = s.normal(100_000)
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.var() - 1) < 4 * np.sqrt(2 / z.size)


def test_permutation_is_a_permutation():
    p = Stream.named(1, "p").permutation(1000)
    assert sorted(p.tolist()) == list(range(1000))


@pytest.mark.parametrize("p", [0.0, 0.25, 0.5, 0.999, 1.0])
def test_threshold_acceptance_rate(p):
    draws = Stream.named(5, "t", p).bits(100_000) >> np.uint64(32)
    rate = (draws < threshold32(p)).mean()
    assert abs(rate - p) <= 4 * np.sqrt(p * (1 - p) / draws.size) + 1e-12


def test_uniform_uses_top_bits():
    b = bits(np.uint64(1), np.arange(4, dtype=np.uint64))
    assert np.allclose(to_uniform(b), (b >> np.uint64(11)) / 2.0**53)


def test_as_stream_keys_an_int_seed_like_the_workflow_and_uses_a_given_stream():
    from rgml.rng import as_stream, keyed

    assert as_stream(7, "rsmi", 32, 2.269185).key == Stream.named(7, "rsmi", 32, 2.269185).key
    assert keyed(7, "ring", 0.5).key == Stream.named(7, "ring", 0.5).key
    given = Stream.named(1, "x")
    assert as_stream(given, "ignored") is given
    assert keyed(given, "part").key == given.child("part").key
    for bad in (-1, 1.5, "7", True):
        with pytest.raises((TypeError, ValueError), match="seed"):
            as_stream(bad, "x")
        with pytest.raises((TypeError, ValueError), match="seed"):
            keyed(bad, "x")
