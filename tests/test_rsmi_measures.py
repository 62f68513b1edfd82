"""Filter shape measures: uniformity, boundaryness, weight share."""

import numpy as np
import pytest

from rgml.rsmi import boundary_mask, boundaryness, decimation_filter, filter_uniformity, uniform_filter, weight_share


def test_uniform_and_decimation_values():
    uni = uniform_filter((4, 4), norm=3.0)
    dec = decimation_filter((4, 4), (0, 2))
    assert filter_uniformity(uni) == pytest.approx([1.0])
    assert filter_uniformity(dec) == pytest.approx([0.25])
    assert boundaryness(uni) == pytest.approx([1.0])
    assert boundaryness(dec) == [np.inf]
    assert boundaryness(decimation_filter((4, 4), (1, 2))) == pytest.approx([0.0])
    assert weight_share(uni) == pytest.approx([1 / 16])
    assert weight_share(dec) == pytest.approx([1.0])


def test_boundary_weighted_filter():
    filt = np.ones((1, 4, 4))
    filt[0, 1:3, 1:3] = 0.5  # interior 2×2 at half weight
    assert boundaryness(filt) == pytest.approx([2.0])
    assert boundary_mask((4, 4)).sum() == 12
    assert boundary_mask((5,)).tolist() == [True, False, False, False, True]
    assert boundaryness(np.array([[1.0, 0.5, 0.5, 1.0]])) == pytest.approx([2.0])


def test_invariances_and_undefined_cases():
    filt = np.random.default_rng(1).normal(size=(3, 3, 3))
    for f in (filter_uniformity, boundaryness, weight_share):
        np.testing.assert_allclose(f(-2.5 * filt), f(filt))
        assert f(filt).shape == (3,)
    assert np.isnan(boundaryness(np.ones((2, 2, 2)))).all()
    with pytest.raises(ValueError, match="n_hidden"):
        filter_uniformity(np.ones(4))
