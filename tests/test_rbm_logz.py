"""Exact ln Z: enumerating the visible side, the hidden side and the joint agree (acceptance 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rgml.rbm import RBM, estimate_log_partition, log_partition, mean_log_likelihood
from rgml.rbm.logz import all_states
from rgml.rbm.numerics import logsumexp
from rbm_ising_data import trained_rbm
from test_rbm_model import joint_table, random_rbm


def test_all_states_enumerates_in_binary_order():
    states = all_states(3)
    assert states.shape == (8, 3)
    assert np.array_equal(states[5], [1.0, 0.0, 1.0])
    assert len({tuple(row) for row in states}) == 8
    assert np.array_equal(all_states(3, start=2, stop=4), states[2:4])


def test_zero_rbm_has_log_z_of_free_units():
    model = RBM(np.zeros((7, 5)), np.zeros(7), np.zeros(5))
    assert log_partition(model, side="visible") == pytest.approx(12 * math.log(2.0), abs=1e-13)
    assert log_partition(model, side="hidden") == pytest.approx(12 * math.log(2.0), abs=1e-13)


def test_both_sides_equal_the_joint_sum():
    model = random_rbm(5, 4, seed=10)
    _, _, energy = joint_table(model)
    joint = float(logsumexp(-energy))
    assert log_partition(model, side="visible") == pytest.approx(joint, abs=1e-12)
    assert log_partition(model, side="hidden") == pytest.approx(joint, abs=1e-12)


@pytest.mark.parametrize("shape", [(12, 9), (16, 16), (20, 6)])
def test_visible_and_hidden_enumeration_agree_to_1e9(shape):
    """Acceptance 1 (first half), on random machines with O(1) couplings."""
    model = random_rbm(*shape, seed=11, scale=0.5)
    visible = log_partition(model, side="visible", chunk=1000)
    hidden = log_partition(model, side="hidden")
    assert abs(visible - hidden) <= 1e-9 * max(1.0, abs(visible))


def test_trained_model_sides_agree_to_1e9():
    """Acceptance 1 (first half) on an RBM trained on exact 4×4 Ising samples at T = 2.27
    (16 visible, 16 hidden: both sides enumerable)."""
    model = trained_rbm(4, 2.27, n_hidden=16, epochs=10, seed=0).model
    visible = log_partition(model, side="visible")
    hidden = log_partition(model, side="hidden")
    assert abs(visible - hidden) <= 1e-9 * max(1.0, abs(visible))


def test_enumeration_limit_says_what_to_do():
    model = random_rbm(30, 26)
    with pytest.raises(ValueError, match="ais_log_partition"):
        log_partition(model, side="visible")
    assert estimate_log_partition(random_rbm(30, 8), method="auto").method == "exact"
    with pytest.raises(ValueError, match="stream"):
        estimate_log_partition(model, method="auto")


def test_log_likelihood_normalises_the_model():
    """Σ_v P(v) = 1: the mean log-likelihood over all states, weighted by P, is −entropy."""
    model = random_rbm(6, 4, seed=12)
    log_z = estimate_log_partition(model, method="exact")
    states = all_states(6)
    log_p = -model.free_energy(states) - log_z.value
    assert float(logsumexp(log_p)) == pytest.approx(0.0, abs=1e-12)
    ll = mean_log_likelihood(model, states, log_z)
    assert ll.mean == pytest.approx(log_p.mean()) and ll.n_samples == 64 and ll.log_z.method == "exact"


def test_float32_models_are_evaluated_in_float64():
    model = random_rbm(10, 6, seed=13)
    single = RBM(*(a.astype(np.float32) for a in (model.weights, model.visible_bias, model.hidden_bias)))
    rounded = single.as_float64()
    assert log_partition(single) == log_partition(rounded)
