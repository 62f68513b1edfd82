"""Correlation ratios across RG levels at Tc: the η mechanism of decimation."""

import numpy as np
import pytest
import xarray as xr
from rg_toy import toy_rg

from rgml.exact import TC
from rgml.rg import coarse_grain
from rgml.rg.eta import CorrelationRatios, correlation_ratios, eta_reference, mean_and_error, shapes_per_site
from rgml.rng import Stream


def test_reference_lines():
    assert eta_reference(2, "nn") == pytest.approx(2**-0.25)
    assert eta_reference(3, "nnn") == pytest.approx(3**-0.25)
    assert eta_reference(4, "plaquette") == pytest.approx(4**-0.5)  # four spins: b^(-2 eta)
    assert shapes_per_site("nn") == 2 and shapes_per_site("plaquette") == 1


@pytest.mark.parametrize("b, sizes", [(2, (16, 32)), (3, (12, 36))])
def test_toy_ratios_recover_the_rescaling_factor(b, sizes):
    ratio = b**-0.25
    datasets = [toy_rg("decimation", b, L, ratio=ratio) for L in sizes]
    datasets += [toy_rg("majority", b, L) for L in sizes]
    table = correlation_ratios(datasets).to_frame()
    assert set(table["L"]) == {sizes[1]} and table["T"].eq(TC).all()
    for rule, expected in (("decimation", ratio), ("majority", 1.0)):
        rows = table[table["rule"] == rule]
        assert len(rows) == 3 * rows["level"].nunique()
        z = (rows["ratio"] - expected) / rows["ratio_err"]
        assert np.all(np.abs(z) < 4), rows
    dec = table[(table["rule"] == "decimation") & (table["interaction"] == "nn")]
    assert not dec["rescales"].any() and dec["matches_eta"].all()
    maj = table[(table["rule"] == "majority") & (table["interaction"] == "nn")]
    assert maj["rescales"].all() and not maj["matches_eta"].any()


def test_decimated_correlation_is_the_bare_correlation_at_distance_b_to_the_n():
    """G_nn at level n of decimation is the raw correlation at distance bⁿ, and G = density / terms."""
    spins = Stream.named(4, "corr").spins((40, 1, 16, 16))
    smooth = np.sign(spins + np.roll(spins, 1, -1) + np.roll(spins, 1, -2)).astype(np.int8)  # correlated field

    def dataset(lattices):
        return xr.DataArray(lattices.transpose(1, 0, 2, 3), dims=("temperature", "sample", "y", "x"),
                            coords={"temperature": [TC]})

    fine = coarse_grain(dataset(smooth), "decimation", b=2, seed=0)
    coarse = coarse_grain(dataset(smooth[:, :, ::2, ::2].copy()), "decimation", b=2, seed=0)
    table = correlation_ratios([fine, coarse], blocks=None).to_frame().set_index(["level", "interaction"])
    lattices = smooth[:, 0].astype(np.float64)
    for n in (1, 2):
        kept = lattices[:, :: 2**n, :: 2**n]  # the spins 2^n apart that level n keeps
        bare = 0.5 * (kept * np.roll(kept, -1, -1) + kept * np.roll(kept, -1, -2)).mean()
        assert table.loc[(n, "nn"), "G_fine"] == pytest.approx(bare)
        level = n - 1
        kept = lattices[:, ::2, ::2][:, :: 2**level, :: 2**level]
        bare = (kept * np.roll(kept, -1, -1) * np.roll(kept, -1, -2) * np.roll(kept, (-1, -1), (-1, -2))).mean()
        assert table.loc[(n, "plaquette"), "G_coarse"] == pytest.approx(bare)


def test_block_errors_grow_for_correlated_chains():
    stream = Stream.named(2, "ar")
    x = np.empty(4000)
    x[0] = 0.0
    noise = stream.normal(4000)
    for i in range(1, 4000):  # AR(1), tau ~ 10
        x[i] = 0.9 * x[i - 1] + noise[i]
    _, iid = mean_and_error(x, blocks=None)
    _, blocked = mean_and_error(x, blocks=40)
    assert blocked > 2.5 * iid  # sqrt(2 tau) ~ 4.4


def test_round_trip_and_argument_checks():
    datasets = [toy_rg("majority", 2, L, samples=100) for L in (8, 16)]
    table = correlation_ratios(datasets)
    again = CorrelationRatios.from_dataset(table.to_dataset())
    for name in table.names():
        np.testing.assert_array_equal(getattr(again, name), getattr(table, name))
    assert len(table.nearest_neighbour()) == len(table) // 3
    with pytest.raises(ValueError, match="interactions"):
        correlation_ratios(datasets, interactions=("bogus",))
