"""Training sets read from a sample store in memory-bounded groups (rgml.streaming)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rgml.rbm import TrainConfig, spins_to_units, train
from rgml.rng import Stream
from rgml.rsmi import FitConfig, Geometry, fit
from rgml.store import array_digests
from rgml.streaming import ConfigurationSet, batch_bounds, concatenate, in_memory_if_fits
from rbm_ising_data import exact_torus_samples, mc_samples


def counted(array: np.ndarray, block_rows: int, group_rows: int, reads: list | None = None) -> ConfigurationSet:
    """A streamed set over ``array`` that records every read (positions must be sorted and unique)."""

    def read(positions):
        assert np.all(np.diff(positions) > 0), "reads must be sorted and unique"
        if reads is not None:
            reads.append(len(positions))
        return array[positions]

    return ConfigurationSet(read, len(array), group_rows, block_rows)


def flat_units(spins):
    return spins_to_units(spins.reshape(spins.shape[0], -1))


def test_streamed_batches_cover_every_row_once_per_epoch_and_stay_in_their_group():
    rows = np.arange(103)[:, None]
    reads = []
    streamed = counted(rows, block_rows=7, group_rows=21, reads=reads)
    assert not streamed.resident
    batches = list(streamed.batches(6, Stream.named(1, "test-stream")))
    seen = np.concatenate(batches).ravel()
    assert np.array_equal(np.sort(seen), np.arange(103))
    assert max(len(b) for b in batches) <= 6
    assert max(reads) <= 21 and sum(reads) == 103
    # the same stream gives the same batches; another stream other ones
    again = np.concatenate(list(streamed.batches(6, Stream.named(1, "test-stream")))).ravel()
    other = np.concatenate(list(streamed.batches(6, Stream.named(2, "test-stream")))).ravel()
    assert np.array_equal(seen, again) and not np.array_equal(seen, other)
    # a group is three whole blocks, its rows shuffled
    first_group = seen[: reads[0]]
    assert len(set(first_group // 7)) == 3 and not np.array_equal(first_group, np.sort(first_group))


def test_resident_batches_are_one_permutation_of_all_rows():
    rows = np.arange(50.0)[:, None] * np.ones((1, 3))
    resident = ConfigurationSet.from_array(rows)
    assert resident.resident
    batches = list(resident.batches(8, Stream.named(3, "test-stream")))
    expected = rows[Stream.named(3, "test-stream").permutation(50)]
    assert [len(b) for b in batches] == [stop - start for start, stop in batch_bounds(50, 8)]
    assert np.array_equal(np.concatenate(batches), expected)


def test_rows_head_slice_map_and_concatenate_read_the_right_rows():
    a, b = np.arange(40).reshape(20, 2), 100 + np.arange(30).reshape(15, 2)
    joined = concatenate([counted(a, 4, 8), counted(b, 5, 10)])
    full = np.concatenate([a, b])
    assert joined.n == 35 and joined.block_rows == 4 and joined.group_rows == 8
    assert np.array_equal(joined.rows([34, 0, 19, 20, 19]), full[[34, 0, 19, 20, 19]])
    assert np.array_equal(joined.head(3), full[:3])
    part = joined.slice(18, 24)
    assert part.n == 6 and np.array_equal(np.concatenate(list(part.groups())), full[18:24])
    doubled = part.map(lambda x: 2 * x)
    assert np.array_equal(np.concatenate(list(doubled.groups())), 2 * full[18:24])
    assert [len(g) for g in joined.groups()] == [8, 8, 8, 8, 3]
    with pytest.raises(ValueError, match="outside"):
        joined.slice(30, 40)


def test_column_means_of_streamed_and_resident_sets():
    rows = Stream.named(4, "test-stream").uniform((1000, 5))
    assert np.allclose(counted(rows, 64, 128).column_means(), rows.mean(axis=0), rtol=1e-13)
    assert np.array_equal(ConfigurationSet.from_array(rows).column_means(), rows.mean(axis=0))


def test_in_memory_if_fits_reads_once_within_the_budget():
    rows = np.arange(60).reshape(30, 2)
    reads = []
    streamed = counted(rows, 4, 8, reads)
    assert in_memory_if_fits(streamed, row_bytes=100, budget_bytes=2999) is streamed
    held = in_memory_if_fits(streamed.map(lambda x: -x), row_bytes=100, budget_bytes=3000)
    assert held.resident and reads == [30]
    assert np.array_equal(held.head(30), -rows) and reads == [30]


def _train(data, test, seed, n_hidden=6, epochs=6):
    config = TrainConfig(n_hidden=n_hidden, epochs=epochs, logz="exact")
    return train(data, config, seed=Stream.named(seed, "test-stream-train"), test_data=test)


def test_training_on_a_resident_set_is_bitwise_training_in_memory():
    spins = exact_torus_samples(4, 2.27, 3000)
    in_memory = _train(flat_units(spins[:2500]), flat_units(spins[2500:]), seed=5)
    held = in_memory_if_fits(counted(spins, 100, 200), row_bytes=1, budget_bytes=10**6).map(flat_units)
    from_set = _train(held.slice(0, 2500), held.slice(2500, 3000), seed=5)
    assert np.array_equal(in_memory.model.weights, from_set.model.weights)
    assert np.array_equal(in_memory.history["test_loglik"], from_set.history["test_loglik"], equal_nan=True)


def test_streamed_groups_may_hold_larger_minibatches_than_the_whole_set():
    """41 rows in batches of ≤ 20 are three batches of 13–14, but a group of 20 rows is one batch of 20."""
    spins = exact_torus_samples(4, 2.27, 41)
    result = train(counted(spins, 20, 20).map(flat_units), TrainConfig(n_hidden=4, epochs=2, logz="none"),
                   seed=Stream.named(9, "test-stream-train"))
    assert np.all(np.isfinite(result.model.weights))


@pytest.mark.slow
def test_streamed_training_learns_as_well_as_training_in_memory():
    """L = 4 torus at T = 2.27, exact samples: streamed groups of 500 of 8000 rows (shuffled in blocks of
    100) reach the same held-out log-likelihood as full shuffling, within the seed-to-seed spread."""
    spins = exact_torus_samples(4, 2.27, 10_000)
    train_units, test_units = flat_units(spins[:8000]), flat_units(spins[8000:])
    streamed = counted(spins[:8000], block_rows=100, group_rows=500).map(flat_units)
    full, grouped = [], []
    for seed in range(4):
        full.append(_train(train_units, test_units, seed).history["test_loglik"][-1])
        grouped.append(_train(streamed, test_units, seed).history["test_loglik"][-1])
    full, grouped = np.array(full), np.array(grouped)
    spread = np.hypot(full.std(ddof=1), grouped.std(ddof=1)) / np.sqrt(len(full))
    print(f"\nheld-out ln L: in memory {full.mean():.4f} ± {full.std(ddof=1):.4f}, "
          f"streamed {grouped.mean():.4f} ± {grouped.std(ddof=1):.4f} (per seed)")
    assert abs(full.mean() - grouped.mean()) < 4 * spread


def test_rsmi_fit_on_a_streamed_set_finds_the_same_rule_and_information():
    """L = 16 at Tc, 3000 configurations read 400 at a time: the held-out bound (on the same held-out
    configurations) agrees with the in-memory fit within its error and the filters point the same way."""
    spins = mc_samples(16, 2.269185, 3000)
    geometry = Geometry(block=2, buffer=1, env=2)
    config = FitConfig(steps=400, polish_steps=100, batch_size=512, eval_every=100)
    in_memory = fit(spins, geometry, config, seed=Stream.named(8, "test-stream-rsmi"))
    reads = []
    streamed = fit(counted(spins, 100, 400, reads), geometry, config, seed=Stream.named(8, "test-stream-rsmi"))
    a, b = in_memory.filters.ravel(), streamed.filters.ravel()
    print(f"\nRSMI held-out bound: in memory {in_memory.mi:.4f} ± {in_memory.mi_err:.4f}, "
          f"streamed {streamed.mi:.4f} ± {streamed.mi_err:.4f}; filters {np.round(a, 3)} vs {np.round(b, 3)}")
    assert max(reads) <= 400
    assert streamed.n_train == in_memory.n_train and streamed.n_heldout == in_memory.n_heldout
    assert abs(streamed.mi - in_memory.mi) < 2 * in_memory.mi_err
    assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.99


# ----------------------------------------------------------------------------- the steps on a real store


def rgml(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rgml.cli", *map(str, argv)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def large_store(tmp_path_factory) -> Path:
    """L = 64 configurations in two chunks of 512 per temperature."""
    path = tmp_path_factory.mktemp("streaming") / "L64.zarr"
    proc = rgml("sample", "ising2d", "--size", 64, "--temperatures", "2.269185,3.0", "--samples", 600, "--seed", 3,
                "--thermalize", 20, "--thin", 2, "--out", path)
    assert proc.returncode == 0, proc.stderr
    return path


STEPS = {
    "rbm train": ["rbm", "train", "--temperature", 3.0, "--n-hidden", 4, "--epochs", 2, "--seed", 1],
    "rbm flow": ["rbm", "flow", "--n-hidden", 4, "--epochs", 2, "--steps", 3, "--chains", 20, "--seed", 1],
    "rsmi fit": ["rsmi", "fit", "--temperature", 3.0, "--block", 2, "--environment", 1, "--steps", 30,
                 "--seed", 1],
}


@pytest.mark.workflow  # runs the rgml command
@pytest.mark.parametrize("step", STEPS)
def test_steps_read_a_store_that_exceeds_the_budget_in_groups_and_reproducibly(large_store, tmp_path, step):
    """With a 1 MiB budget the 600 (or 1200) L = 64 configurations (≥ 12 MiB as training rows) are read
    512 at a time; the result is complete, and a second run writes the same bits."""
    argv = [*STEPS[step], "--samples", large_store, "--memory-budget-mib", 1]
    digests = []
    for run in ("a", "b"):
        proc = rgml(*argv, "--out", tmp_path / f"{run}.zarr")
        assert proc.returncode == 0, proc.stderr
        assert "from the store 512 at a time" in proc.stderr
        digests.append(array_digests(tmp_path / f"{run}.zarr"))
    assert digests[0] == digests[1]
    resident = rgml(*STEPS[step], "--samples", large_store, "--out", tmp_path / "resident.zarr")
    assert resident.returncode == 0 and "at a time" not in resident.stderr
