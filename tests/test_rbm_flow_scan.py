"""The RBM flow's systematics: thermometers × weight decays × seeds × training sets (tiny recipe)."""

import numpy as np
import pytest

from rgml.exact import TC, torus_samples
from rgml.rbm.flow import flow_experiment
from rgml.rbm.flow_scan import FlowScan, flow_scan, replica_seed, training_subsets
from rgml.rg.observable_thermometer import ReferenceCurves, read_temperatures
from rgml.rng import Stream

TEMPERATURES = [1.8, 2.2, TC, 2.35, 3.0]
RECIPE = {"n_hidden": 8, "epochs": 2, "steps": 4, "chains": 40}


@pytest.fixture(scope="module")
def data():
    sets = [torus_samples(4, t, 150, Stream.named(3, "flow-scan", float(t))) for t in TEMPERATURES]
    grid = np.array([1.6, 2.0, 2.4, 2.8, 3.4, 4.0])
    reference = ReferenceCurves.from_samples(
        [torus_samples(4, t, 1500, Stream.named(4, "ref", float(t))) for t in grid], grid, blocks=None)
    return sets, reference


def test_training_subsets():
    subsets = training_subsets(TEMPERATURES, exclude=0.1)
    assert subsets == {"all": [0, 1, 2, 3, 4], "without_tc": [0, 4]}
    with pytest.raises(ValueError, match="exclude"):
        training_subsets(TEMPERATURES, exclude=5.0)
    assert replica_seed(7, 0) == 7 and isinstance(replica_seed(7, 1), Stream)


def test_scan_rows_replica_zero_and_ranges(data):
    sets, reference = data
    scan = flow_scan(sets, TEMPERATURES, reference, seed=5, l2=(0.1,), replicas=2, **RECIPE)
    df = scan.readings.to_frame()
    assert len(df) == 5 * (2 + 2 * 2)
    flows = df[df["source"] == "flow_end"]
    assert set(zip(flows["training_set"], flows["l2"], flows["replica"])) == {
        (s, 0.1, r) for s in ("all", "without_tc") for r in (0, 1)}
    # replica 0 is the workflow's flow (int seed keyed as flow_experiment keys it)
    direct = flow_experiment(sets, seed=5, l2=0.1, **RECIPE)
    final = np.concatenate([run.spins for run in direct.runs])
    expected = read_temperatures(final, reference).to_frame().set_index("observable")
    row = flows[(flows["training_set"] == "all") & (flows["l2"] == 0.1) & (flows["replica"] == 0)]
    np.testing.assert_array_equal(row.set_index("observable")["value"], expected["value"])
    other = flows[(flows["training_set"] == "all") & (flows["l2"] == 0.1) & (flows["replica"] == 1)]
    assert not np.array_equal(other["value"].to_numpy(), row["value"].to_numpy())
    # the mixture is read on the pooled training data of each set
    mix = df[(df["source"] == "training_mixture") & (df["training_set"] == "without_tc")].set_index("observable")
    pooled = np.concatenate([sets[0][:120], sets[4][:120]])
    assert mix.loc["energy", "T"] == pytest.approx(read_temperatures(pooled).to_frame()["T"].iloc[0])
    ranges = scan.ranges.to_frame().set_index(["scope", "observable"])
    energy = flows[(flows["observable"] == "energy") & np.isfinite(flows["T"])]
    assert ranges.loc[("all_runs", "energy"), "T_min"] == energy["T"].min()
    assert ranges.loc[("all_runs", "energy"), "T_max"] == energy["T"].max()
    assert ranges.loc[("all_runs", "all"), "runs"] == np.isfinite(flows["T"]).sum()
    again = FlowScan.from_dataset(scan.to_dataset())
    for name in scan.readings.names():
        np.testing.assert_array_equal(getattr(again.readings, name), getattr(scan.readings, name))
