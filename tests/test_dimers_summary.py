"""The dimer stage's tables (rgml.dimers.summary) on small samples of the library sampler."""

import numpy as np
import pytest

from rgml.dimers import correlation_rows, sample_dimers, summary_rows


@pytest.fixture(scope="module")
def samples():
    return sample_dimers(16, [np.inf, 0.4], 160, seed=5).to_dataset()


def test_summary_rows_separate_the_coulomb_phase_from_the_crystal(samples):
    """T = ∞: winding fluctuates and |D| is small; T = 0.4 (deep columnar): |D| near 1, windings frozen at 0."""
    hot, cold = sorted(summary_rows(samples), key=lambda r: -r["T"])
    assert hot["T"] == np.inf and hot["winding_variance"] > 3 * hot["winding_variance_err"]
    assert cold["columnar_order"] > 0.8 and cold["winding_variance"] == 0.0
    assert hot["columnar_order"] < cold["columnar_order"] - 10 * hot["columnar_order_err"]
    assert hot["energy_err"] > 0 and hot["L"] == cold["L"] == 16


def test_correlation_rows_meet_the_sum_rule_and_fail_the_fit_cleanly(samples):
    """C(1) = 1/16 exactly (every site holds one dimer); L = 8 has too few distances for the fit: NaN, said;
    occupations other than 0/1 are refused."""
    rows = correlation_rows(samples["dimers"].isel(temperature=0).values, r_min=2)
    assert [r["r"] for r in rows] == list(range(1, 9))
    assert rows[0]["C"] == pytest.approx(1 / 16) and np.isfinite(rows[0]["exponent"])
    said = []
    small = correlation_rows(sample_dimers(8, [np.inf], 40, seed=2).dimers[0], r_min=4, log=said.append)
    assert np.isnan(small[0]["exponent"]) and any("no power-law fit" in s for s in said)
    with pytest.raises(ValueError):
        correlation_rows(np.full((2, 2, 8, 8), 2, np.int8), r_min=2)
