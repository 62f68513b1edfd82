"""Enumeration of small dimer tori against Kasteleyn's Pfaffians and the reference file."""

import json

import numpy as np
import pytest

from conftest import load_reference
from rgml.dimers import (
    DimerDegeneracies,
    enumerate_dimers,
    enumerate_statistics,
    histogram_pvalue,
    is_close_packed,
    kasteleyn_count,
    kasteleyn_parity_counts,
    pfaffian,
)
from rgml.dimers.exact import configuration_index, free_row_correlation
from rgml.dimers.observables import fit_correlation_exponent, fit_power_law
from rgml.rng import Stream

#: Written by bench/dimers_reference.py (the project's own exact values, in tests/reference).
REFERENCE = load_reference("dimers_exact")["tori"]


def test_pfaffian_squares_to_the_determinant():
    stream = Stream.named(1, "pfaffian")
    for n in (2, 4, 6, 10):
        m = stream.normal((n, n))
        a = m - m.T
        assert np.isclose(pfaffian(a) ** 2, np.linalg.det(a), rtol=1e-10)
    assert pfaffian(np.array([[0.0, 3.0], [-3.0, 0.0]])) == 3.0
    # block-diagonal: the product of the blocks, with sign
    assert np.isclose(pfaffian(np.kron(np.eye(3), [[0.0, 2.0], [-2.0, 0.0]])), 8.0)
    with pytest.raises(ValueError, match="skew"):
        pfaffian(np.ones((2, 2)))


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in ("6x6", "8x6") else n
                                  for n in sorted(REFERENCE)])
def test_counts_match_kasteleyn_and_reference(name):
    ref = REFERENCE[name]
    ly, lx = ref["ly"], ref["lx"]
    assert kasteleyn_count(ly, lx) == ref["count"]
    assert kasteleyn_parity_counts(ly, lx).tolist() == ref["parity_counts"]
    stats = enumerate_statistics(ly, lx)
    assert stats.to_dict() == {k: ref[k] for k in ("ly", "lx", "count", "levels")}


def test_4x4_torus_has_272_coverings():
    assert REFERENCE["4x4"]["count"] == 272  # the classical count (Kasteleyn 1961)


@pytest.mark.parametrize("shape", [(4, 4), (8, 4)])
def test_enumerated_configurations_are_distinct_coverings(shape):
    configs = enumerate_dimers(*shape)
    ref = DimerDegeneracies.from_dict(REFERENCE[f"{shape[0]}x{shape[1]}"])
    assert configs.shape == (ref.count, 2, *shape)
    assert is_close_packed(configs).all()
    assert len(np.unique(configs.reshape(len(configs), -1), axis=0)) == ref.count
    from_configs = DimerDegeneracies.from_configurations(configs)
    assert np.array_equal(from_configs.levels, ref.levels) and np.array_equal(from_configs.degeneracy, ref.degeneracy)
    assert np.array_equal(configuration_index(configs[::-1], configs), np.arange(len(configs))[::-1])


def test_exact_weights():
    ref = DimerDegeneracies.from_dict(REFERENCE["6x6"])
    p_inf = ref.probabilities(np.inf)
    assert np.allclose(p_inf, ref.degeneracy / ref.count)
    # low T: the four columnar crystals (N_par = N/2, W = 0) take all the weight
    p_cold = ref.probabilities(0.02)
    top = np.argmax(ref.levels[:, 0])
    assert ref.levels[top].tolist() == [18, 0, 0] and ref.degeneracy[top] == 4 and p_cold[top] > 1 - 1e-9
    energies = [ref.mean_energy(t) for t in (np.inf, 2.0, 1.0, 0.5, 0.02)]
    assert np.all(np.diff(energies) < 0) and np.isclose(energies[-1], -0.5)
    again = DimerDegeneracies.from_dict(json.loads(json.dumps(ref.to_dict())))
    assert np.array_equal(again.levels, ref.levels) and np.array_equal(again.degeneracy, ref.degeneracy)
    with pytest.raises(ValueError, match="temperature"):
        ref.probabilities(0.0)


def test_histogram_pvalue():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    assert histogram_pvalue(np.array([5000, 3000, 1500, 500]), p) > 0.99
    assert histogram_pvalue(np.array([5400, 2800, 1300, 500]), p) < 1e-6


def test_free_row_correlation():
    """Fisher–Stephenson / Kenyon: C(0) = 3/16, C(1) = 1/16, C(r) → 1/(π² r²)."""
    c = free_row_correlation(64)
    assert np.isclose(c[0], 3 / 16) and np.isclose(c[1], 1 / 16, rtol=1e-12)
    scaled = np.pi**2 * np.arange(65) ** 2 * c
    assert abs(scaled[64] - 1) < 1e-3 and abs(scaled[16] - 1) < 0.02 and scaled[4] > 1.1
    assert (c[2:] > 0).all() and (np.diff(c[1:]) < 0).all()


def test_power_law_fits_recover_the_exponent():
    c = free_row_correlation(64)
    r = np.arange(65.0)
    corrected = fit_power_law(r, c, 1e-3 * c, x_min=4, x_max=24, correction=True)
    plain = fit_power_law(r, c, 1e-3 * c, x_min=4, x_max=24)
    assert abs(corrected.exponent - 2) < 0.01 and abs(plain.exponent - 2) > 0.05
    # synthetic per-sample correlations of a 64 torus: the jackknife error covers the truth
    x = np.maximum(r[:33], 1)  # r = 0 is outside the fit range
    truth = (x**-2.0 + (64 - x) ** -2.0) * (1 + 3 / x**2) / np.pi**2
    noise = Stream.named(4, "fit").normal((2000, 33)) * 2e-3
    fit = fit_correlation_exponent(truth + noise, r_min=4, r_max=24)
    assert abs(fit.exponent - 2) < 4 * fit.exponent_error < 0.4
    assert abs(fit.amplitude - 1 / np.pi**2) < 4 * fit.amplitude_error
