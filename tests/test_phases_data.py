"""Inputs of rgml.phases: sizes and grids, Monte Carlo-time splits, chain-block bootstrap."""

import numpy as np
import pytest
import xarray as xr

from phases_toy import toy_samples
from rgml.phases import PCAConfig, SizeSamples, block_labels, bootstrap_means, collect, time_split
from rgml.phases.data import config_attrs, config_from_attrs, evenly_spaced, spread
from rgml.rng import Stream
from rgml.stats import estimate


def test_block_labels_are_contiguous_steps_of_one_chain():
    chains, n = 4, 1000
    labels = block_labels(n, chains=chains, blocks=40)
    assert np.unique(labels).size == 40
    index = np.arange(n)
    for unit in np.unique(labels):
        members = index[labels == unit]
        assert np.unique(members % chains).size == 1  # one chain
        steps = members // chains
        assert np.array_equal(steps, np.arange(steps[0], steps[0] + steps.size))  # consecutive steps
    with pytest.raises(ValueError, match="blocks"):
        block_labels(10, chains=2, blocks=40)


def test_time_split_holds_out_whole_chunks():
    train, test = time_split(1000, Stream.named(1, "split"), holdout=0.5, chunks=10)
    assert np.intersect1d(train, test).size == 0 and np.union1d(train, test).size == 1000
    assert test.size == 500 and set(np.diff(test)) <= {1, 101, 201, 301, 401, 501}  # runs of 100 samples
    again, _ = time_split(1000, Stream.named(1, "split"), holdout=0.5, chunks=10)
    assert np.array_equal(train, again)


def test_evenly_spaced_keeps_ends_and_count():
    index = np.arange(100, 200)
    picked = evenly_spaced(index, 5)
    assert picked.tolist() == [100, 125, 150, 174, 199]
    assert evenly_spaced(index, None) is index and evenly_spaced(index, 500).size == 100


def test_bootstrap_of_independent_samples_matches_the_standard_error():
    x = Stream.named(5, "iid").normal(2000)
    labels = block_labels(x.size, chains=1, blocks=1000)
    mean, replicas = bootstrap_means(x, labels, Stream.named(6, "boot"), 2000)
    assert mean[0] == pytest.approx(x.mean())
    ratio = replicas[:, 0].std(ddof=1) / (x.std(ddof=1) / np.sqrt(x.size))
    # relative scatter of the ratio: 1/sqrt(2 · 1000 blocks) ⊕ 1/sqrt(2 · 2000 replicas) ≈ 2.7 %
    assert abs(ratio - 1.0) < 4 * 0.027


def test_block_bootstrap_sees_autocorrelation_that_a_sample_bootstrap_misses():
    """AR(1) chains with τ_int ≈ 10: blocks of 25 steps give the τ-corrected error, single samples do not."""
    rho, chains, steps = 0.9, 4, 2500
    noise = Stream.named(9, "ar1").normal((chains, steps))
    series = np.zeros((chains, steps))
    for k in range(1, steps):
        series[:, k] = rho * series[:, k - 1] + np.sqrt(1 - rho**2) * noise[:, k]
    stored = series.T.ravel()  # sample = step · chains + chain
    honest = estimate(series).error
    _, blocked = bootstrap_means(stored, block_labels(stored.size, chains=chains, blocks=100),
                                 Stream.named(1, "b"), 400)
    _, single = bootstrap_means(stored, np.arange(stored.size), Stream.named(1, "b"), 400)
    assert abs(blocked[:, 0].std(ddof=1) / honest - 1.0) < 4 * 0.075  # 100 blocks: sqrt(1/200) ≈ 7 % scatter
    assert single[:, 0].std(ddof=1) < 0.4 * honest


def test_spread_ignores_nan_replicas():
    r = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, 2.0]])
    assert spread(r)[0] == pytest.approx(np.sqrt(2.0)) and np.isnan(spread(r)[1])


def test_collect_checks_grids_and_reads_sample_stores():
    a = toy_samples(4, [1.0, 3.0], 10)
    b = toy_samples(6, [1.0, 3.0], 10)
    assert list(collect([b, a])) == [4, 6] and list(collect({6: b})) == [6]
    with pytest.raises(ValueError, match="temperature grid"):
        collect([a, toy_samples(6, [1.0, 2.5], 10)])
    with pytest.raises(ValueError, match="given twice"):
        collect([a, a])
    ds = xr.Dataset({"spins": (("temperature", "sample", "y", "x"), a.spins)},
                    coords={"temperature": a.temperatures, "chain": ("sample", np.arange(10) % 2)})
    read = SizeSamples.from_dataset(ds)
    assert read.chains == 2 and np.array_equal(read.spins, a.spins) and read.size == 4
    assert SizeSamples.from_dataset(ds.expand_dims(chain_index=5).isel(chain_index=0, drop=True)).chains == 2
    lazy = SizeSamples.from_dataset(ds, load=False)
    assert isinstance(lazy.spins, xr.DataArray)
    assert np.array_equal(lazy.flat(1, [2, 5]), read.flat(1, [2, 5])) and lazy.flat(0).shape == (10, 16)
    with pytest.raises(ValueError, match="strictly increasing"):
        SizeSamples(np.array([2.0, 1.0]), a.spins, 1)


def test_configs_refuse_settings_that_cannot_work():
    from rgml.phases import ConfusionConfig, SupervisedConfig

    with pytest.raises(ValueError, match="n_boot"):
        PCAConfig(n_boot=1)
    with pytest.raises(ValueError, match="blocks"):
        SupervisedConfig(blocks=1)
    with pytest.raises(ValueError, match="members"):
        SupervisedConfig(members=0)
    with pytest.raises(ValueError, match="models"):
        SupervisedConfig(models=("svm",))
    with pytest.raises(ValueError, match="weighting"):
        ConfusionConfig(weighting="log")


def test_config_attrs_round_trip_beside_the_pipeline_provenance():
    from rgml.store import provenance

    config = PCAConfig(collapse_window=(0.2, 0.5), fit_samples=None)
    attrs = config_attrs("pca", config) | provenance(title="t", seed=1, backend="numpy", config={"phases": {}})
    assert config_from_attrs(PCAConfig, attrs) == config and attrs["analysis"] == "pca"
    with pytest.raises(ValueError, match="analysis_config"):
        config_from_attrs(PCAConfig, {"config": attrs["config"]})
