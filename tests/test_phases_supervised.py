"""Supervised phases and the confusion scheme (rgml.phases.supervised, rgml.phases.confusion) on toy phases."""

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from phases_toy import through_store, toy_samples
from rgml.phases.data import spread
from rgml.phases import (ConfusionConfig, ConfusionResult, SupervisedConfig, SupervisedResult, confusion_phases,
                         middle_peak, proposals, supervised_phases, temperature_weights)

GRID = [0.5, 1.0, 1.5, 1.7, 1.9, 2.1, 2.3, 2.5, 3.0, 3.5]
SUPERVISED = SupervisedConfig(ordered_below=1.2, disordered_above=2.8, train_samples=40, hidden=4, n_boot=20,
                              blocks=10, max_iter=100, fss_min_size=0, members=2)
CONFUSION = ConfusionConfig(train_samples=20, n_boot=10, blocks=10, max_iter=60, fss_min_size=0)


@pytest.fixture(scope="module")
def toy():
    return [toy_samples(L, GRID, 120, chains=2) for L in (6, 8)]


@pytest.fixture(scope="module")
def supervised(toy):
    return supervised_phases(toy, SUPERVISED, seed=2026)


def test_output_falls_from_ordered_to_disordered(supervised):
    t = supervised.temperatures
    assert np.all(supervised.output[:, :, t < 1.2] > 0.95) and np.all(supervised.output[:, :, t > 2.8] < 0.05)
    assert np.all(supervised.test_accuracy > 0.97)
    # the toy order parameter vanishes at T0: every crossing lies between the last ordered and first disordered T
    assert np.all((supervised.tc_size > 1.5) & (supervised.tc_size < 2.3))
    assert np.all(supervised.train_seconds > 0) and np.all(supervised.iterations >= 1)


def test_a_classifier_that_did_not_learn_is_an_error(toy):
    """A penalty that pins the weights at zero leaves a constant output: an error naming the knob, not a NaN Tc."""
    with pytest.raises(ValueError, match=r"logistic classifier did not learn at L = 6 \(member 0: accuracy 0\.5\d\d .*"
                                         r"constant guess scores 0\.500\); lower phases\.supervised\.l2 \(now 1000\)"):
        supervised_phases(toy, replace(SUPERVISED, l2=1e3), seed=2026)


def test_a_collapsed_confusion_network_is_an_error(toy):
    with pytest.raises(ValueError, match=r"network classifier collapsed onto zero input weights at L = 6 for the "
                                         r"proposals T'c = .*lower phases\.confusion\.l2 \(now 0\.1\)"):
        confusion_phases(toy, replace(CONFUSION, model="network", l2=0.1), seed=2026)


def test_supervised_round_trip_determinism_and_keys(toy, supervised, tmp_path):
    back = SupervisedResult.from_dataset(through_store(supervised.to_dataset(), tmp_path / "supervised.zarr"))
    for name in ("output", "output_err", "tc_size", "tc_pairs", "tc", "nu", "train_seconds"):
        assert np.array_equal(getattr(back, name), getattr(supervised, name), equal_nan=True)
    assert back.config == supervised.config and list(back.models) == ["logistic", "network"]
    again = supervised_phases(toy, SUPERVISED, seed=2026)
    drop = ["train_seconds"]
    assert supervised.to_dataset().drop_vars(drop).identical(again.to_dataset().drop_vars(drop))
    assert len(supervised.to_frame()) == 2 * 2 * len(GRID)
    assert {"tc_crossing", "tc_extrapolated", "nu_collapse"} <= set(supervised.summary_frame()["quantity"])


def test_member_spread_widens_the_errors():
    from rgml.phases.supervised import _add_member_spread

    keys = ("tc_pairs", "tc_size", "tc", "collapse_tc", "nu")
    fit = {k + "_err": np.array([0.003]) for k in keys}
    members = [{k: np.array([v]) for k in keys} for v in (2.26, 2.27, 2.28)]
    _add_member_spread(fit, members)
    assert fit["tc_err"] == pytest.approx([np.hypot(0.003, 0.01 / np.sqrt(3))])


def test_grid_without_training_temperatures_is_refused(toy):
    with pytest.raises(ValueError, match="ordered_below"):
        supervised_phases(toy, SupervisedConfig(ordered_below=0.1), seed=1)


def test_proposals_weights_and_the_middle_peak():
    t = np.array([1.0, 2.0, 2.5, 4.0])
    assert proposals(t).tolist() == [0.5, 1.5, 2.25, 3.25, 4.75]
    assert temperature_weights(t, "uniform").tolist() == [0.25] * 4
    w = temperature_weights(t, "spacing")
    assert w.sum() == pytest.approx(1.0) and w.tolist() == pytest.approx(np.diff(proposals(t)) / 4.25)
    w_shape = np.array([1.0, 0.95, 0.7, 0.9, 0.75, 0.85, 1.0])  # the arm next to an end is higher than the peak
    assert middle_peak(w_shape) == 3
    assert middle_peak(np.array([1.0, 0.9, 0.8, 0.7, 0.8, 0.9, 1.0])) == -1  # a V has no middle peak


def test_confusion_w_peaks_at_the_toy_transition(toy, tmp_path):
    result = confusion_phases(toy, CONFUSION, seed=2026)
    cuts = result.proposal
    assert np.all(result.accuracy[:, [0, -1]] == 1.0)
    # the toy transition lies between the grid points 1.9 and 2.1: proposal 2.0
    assert np.all(result.peak == 2.0)
    k = int(np.argmin(np.abs(cuts - 2.0)))
    assert np.all(result.accuracy[:, k] > result.accuracy[:, k - 2]) and np.all(result.accuracy[:, k] > 0.95)
    # the replicas are one resample for every proposal: their spread is the error, their paired differences
    # resolve the peak from its neighbour better than the two errors would
    assert result.accuracy_replicas.shape == (len(result.sizes), CONFUSION.n_boot, len(cuts))
    np.testing.assert_array_equal(spread(result.accuracy_replicas, axis=1), result.accuracy_err)
    paired = spread(result.accuracy_replicas[:, :, k] - result.accuracy_replicas[:, :, k - 1], axis=1)
    assert np.all(paired < np.hypot(result.accuracy_err[:, k], result.accuracy_err[:, k - 1]))
    back = ConfusionResult.from_dataset(through_store(result.to_dataset(), tmp_path / "confusion.zarr"))
    assert np.array_equal(back.accuracy, result.accuracy) and back.config == result.config
    assert np.array_equal(back.accuracy_replicas, result.accuracy_replicas)
    assert back.tc == result.tc and len(result.to_frame()) == 2 * len(cuts)


def test_every_analysis_runs_on_the_device_namespace(xp):
    """The same numbers from spins held on the array namespace ``xp`` (host/device slips raise on the emulation)."""
    from rgml.phases import PCAConfig, SizeSamples, pca_phases

    host = [toy_samples(L, GRID, 60, chains=2) for L in (4, 6)]
    device = [SizeSamples(s.temperatures, xp.asarray(s.spins), s.chains) for s in host]
    small = dict(n_boot=5, blocks=6, fss_min_size=0)
    sup = SupervisedConfig(ordered_below=1.2, disordered_above=2.8, train_samples=20, hidden=3, max_iter=30,
                           members=2, **small)
    conf = ConfusionConfig(train_samples=10, max_iter=20, **small)
    pca = PCAConfig(n_components=2, fit_samples=30, **small)
    for run, config in ((supervised_phases, sup), (confusion_phases, conf), (pca_phases, pca)):
        a, b = run(host, config, seed=3), run(device, config, seed=3)
        timing = [v for v in a.to_dataset().data_vars if v.endswith("seconds")]
        a, b = a.to_dataset().drop_vars(timing), b.to_dataset().drop_vars(timing)
        if xp is np or xp.__name__ != "cupy":
            assert a.equals(b)  # NumPy underneath: the same bits
        else:  # a GPU sums in another order
            xr.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
