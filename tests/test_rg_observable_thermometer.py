"""Thermometers per observable: a Gibbs state reads one temperature on all of them, a mixture does not.

Exact samples of the 4×4 torus (enumeration, independent draws) serve as both the Monte Carlo
reference curves and the ensembles read.
"""

import numpy as np
import pytest

from rgml.exact import torus_samples
from rgml.rg.observable_thermometer import (OBSERVABLES, ReferenceCurves, lattice_observables, read_monte_carlo,
                                            read_temperatures)
from rgml.rg.thermometer import projection_thermometer
from rgml.rng import Stream

GRID = np.array([1.6, 1.9, 2.2, 2.4, 2.6, 2.8, 3.1, 3.5, 4.0])


@pytest.fixture(scope="module")
def reference():
    sets = [torus_samples(4, t, 4000, Stream.named(7, "reference", float(t))) for t in GRID]
    return ReferenceCurves.from_samples(sets, GRID, blocks=None)


def test_observables_of_one_lattice():
    up = np.ones((1, 4, 4), np.int8)
    np.testing.assert_allclose(lattice_observables(up)[0], [-2.0, 1.0, 1.0, 1.0, 1.0])
    stripes = np.tile(np.array([1, -1, 1, -1], np.int8)[:, None], (1, 1, 4))  # rows alternate
    e, abs_m, m2, nnn, plaquette = lattice_observables(stripes)[0]
    assert (e, abs_m, m2, nnn, plaquette) == (0.0, 0.0, 0.0, -1.0, 1.0)


def test_a_gibbs_state_reads_its_temperature_on_every_thermometer(reference):
    t0 = 2.5
    spins = torus_samples(4, t0, 3000, Stream.named(8, "ensemble"))
    table = read_temperatures(spins, reference).to_frame().set_index("observable")
    assert list(table.index) == list(OBSERVABLES)
    z = (table["T"] - t0) / table["T_err"]
    assert np.all(np.abs(z) < 4), table
    assert table.loc["energy", "T"] == pytest.approx(projection_thermometer(spins)[0])
    assert table.loc["energy", "reference"] == "exact" and table.loc["abs_m", "reference"] == "monte_carlo"


def test_a_mixture_of_temperatures_reads_different_ones(reference):
    spins = np.concatenate([torus_samples(4, t, 3000, Stream.named(9, "mix", t)) for t in (1.2, 5.0)])
    table = read_temperatures(spins, reference).to_frame().set_index("observable")
    gap = table.loc["abs_m", "T"] - table.loc["plaquette", "T"]
    assert gap > 5 * np.hypot(table.loc["abs_m", "T_err"], table.loc["plaquette", "T_err"]), table


def test_readings_beyond_the_grid_are_flagged_and_round_trip(reference):
    assert read_monte_carlo(0.999, 0.001, reference, "abs_m")[2] == "below"
    assert read_monte_carlo(0.01, 0.001, reference, "abs_m")[2] == "above"
    again = ReferenceCurves.from_dataset(reference.to_dataset())
    np.testing.assert_array_equal(again.mean, reference.mean)
    np.testing.assert_array_equal(again.temperatures, reference.temperatures)
    assert again.size == 4
    with pytest.raises(ValueError, match="L=4"):
        read_temperatures(np.ones((2, 8, 8), np.int8), reference)
    only_energy = read_temperatures(torus_samples(4, 2.5, 50, Stream.named(1, "e")))
    assert only_energy.observable.tolist() == ["energy"]
