"""RBM definition: unit conventions, conditionals and free energies against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from rgml.rbm import RBM, log_partition, logit_of_means, spins_to_units, units_to_spins
from rgml.rbm.logz import all_states
from rgml.rbm.numerics import logsumexp
from rgml.rng import Stream


def random_rbm(n_visible, n_hidden, seed=0, scale=0.7):
    stream = Stream.named(seed, "test-rbm-model", n_visible, n_hidden)
    return RBM(
        scale * stream.normal((n_visible, n_hidden)),
        scale * stream.normal(n_visible),
        scale * stream.normal(n_hidden),
    )


def joint_table(model):
    """All (v, h) pairs and their energies."""
    v = all_states(model.n_visible)
    h = all_states(model.n_hidden)
    vv = np.repeat(v, len(h), axis=0)
    hh = np.tile(h, (len(v), 1))
    return vv, hh, model.energy(vv, hh)


def test_spin_unit_round_trip_and_site_order():
    spins = Stream.named(1, "test-units").spins((5, 3, 4))
    units = spins_to_units(spins)
    assert units.shape == (5, 12) and units.dtype == np.float64
    assert set(np.unique(units)) <= {0.0, 1.0}
    # site (y, x) is unit y·Lx + x
    assert np.array_equal(units[:, 1 * 4 + 2], (spins[:, 1, 2] + 1) / 2)
    back = units_to_spins(units, shape=(3, 4))
    assert back.dtype == np.int8 and np.array_equal(back, spins)


def test_free_energies_marginalise_the_joint_exactly():
    model = random_rbm(5, 4)
    vv, hh, energy = joint_table(model)
    n_h = 2**model.n_hidden
    marginal_v = logsumexp(-energy.reshape(-1, n_h), axis=1)
    assert np.allclose(-model.free_energy(all_states(5)), marginal_v, rtol=0, atol=1e-12)
    marginal_h = logsumexp(-energy.reshape(-1, n_h).T, axis=1)
    assert np.allclose(-model.hidden_free_energy(all_states(4)), marginal_h, rtol=0, atol=1e-12)


def test_conditionals_match_the_joint():
    model = random_rbm(4, 3, seed=2)
    vv, hh, energy = joint_table(model)
    weight = np.exp(-energy).reshape(2**4, 2**3)  # [v, h]
    h_states, v_states = all_states(3), all_states(4)
    p_h_given_v = (weight @ h_states) / weight.sum(axis=1, keepdims=True)
    assert np.allclose(model.hidden_probabilities(v_states), p_h_given_v, atol=1e-13)
    p_v_given_h = (weight.T @ v_states) / weight.sum(axis=0)[:, None]
    assert np.allclose(model.visible_probabilities(h_states), p_v_given_h, atol=1e-13)


def test_spin_parameters_give_the_same_energy_up_to_the_stated_constant():
    stream = Stream.named(3, "test-spin-params")
    j, g, f = stream.normal((4, 3)), stream.normal(4), stream.normal(3)
    model, constant = RBM.from_spin_parameters(j, g, f)
    vv, hh, energy = joint_table(model)
    s, sigma = 2 * vv - 1, 2 * hh - 1
    minus_e_spin = ((s @ j) * sigma).sum(axis=1) + s @ g + sigma @ f
    assert np.allclose(minus_e_spin, -energy + constant, atol=1e-12)
    j2, g2, f2, constant2 = model.spin_parameters()
    assert np.allclose(j2, j) and np.allclose(g2, g) and np.allclose(f2, f)
    assert constant2 == pytest.approx(constant)


def test_transposed_swaps_the_layers():
    model = random_rbm(5, 3, seed=4)
    states = all_states(3)
    assert np.allclose(model.transposed().free_energy(states), model.hidden_free_energy(states))


def test_flip_hidden_keeps_p_of_v_and_shifts_log_z():
    model = random_rbm(5, 4, seed=5)
    mask = np.array([True, False, True, False])
    flipped = model.flip_hidden(mask)
    v = all_states(5)
    shift = model.hidden_bias[mask].sum()
    assert np.allclose(flipped.free_energy(v), model.free_energy(v) + shift, atol=1e-12)
    assert log_partition(flipped) == pytest.approx(log_partition(model) - shift, abs=1e-12)
    assert np.allclose(flipped.hidden_probabilities(v)[:, mask], 1 - model.hidden_probabilities(v)[:, mask])


def test_logit_of_means_and_shape_errors():
    units = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    bias = logit_of_means(units, floor=1e-3)
    assert bias[2] == pytest.approx(0.0)
    assert bias[0] == pytest.approx(np.log(1e-3 / (1 - 1e-3)))
    with pytest.raises(ValueError, match="shapes disagree"):
        RBM(np.zeros((3, 2)), np.zeros(2), np.zeros(2))


def test_random_init_statistics():
    model = RBM.random(64, 32, Stream.named(6, "test-init"), scale=0.01)
    w = model.weights
    assert abs(w.mean()) < 4 * 0.01 / np.sqrt(w.size)
    assert w.std() == pytest.approx(0.01, rel=4 / np.sqrt(2 * w.size))
    assert not model.hidden_bias.any() and not model.visible_bias.any()
