"""Hand-written gradients of the MI bounds against finite differences; influence terms; Adam."""

import numpy as np
import pytest

from rgml.rng import Stream
from rgml.rsmi.adam import Adam
from rgml.rsmi.coarse import hidden_log_probs, hidden_probs, hidden_states, preactivation
from rgml.rsmi.critic import critic_backward, critic_forward, init_critic
from rgml.rsmi.estimators import ESTIMATORS, filter_gradient, infonce_shortfall, objective, pointwise


def problem(n_hidden, *, seed=0, rows=40, n_v=4, n_e=6, width=5):
    """Correlated toy data, random filters and a critic with non-trivial read-out."""
    s = Stream.named(seed, "test-estimators")
    visible = s.spins((rows, n_v)).astype(float)
    environment = s.spins((rows, n_e)).astype(float)
    environment[:, :n_v] = np.where(s.uniform((rows, n_v)) < 0.8, visible, -visible)
    filters = s.normal((n_hidden, n_v))
    critic = init_critic(n_e, 2**n_hidden, width, s.child("critic"), np)
    critic["W2"] = s.normal(critic["W2"].shape)
    critic["b2"] = s.normal(critic["b2"].shape)
    return visible, environment, filters, critic


def bound(name, visible, environment, filters, critic):
    states = hidden_states(filters.shape[0])
    log_q = hidden_log_probs(preactivation(visible, filters), states)
    scores, _ = critic_forward(critic, environment)
    return objective(name, log_q, scores)[0]


@pytest.mark.parametrize("n_hidden", [1, 2])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_gradients_match_finite_differences(name, n_hidden):
    visible, environment, filters, critic = problem(n_hidden, seed=n_hidden)
    states = hidden_states(n_hidden)
    a = preactivation(visible, filters)
    scores, hidden = critic_forward(critic, environment)
    _, grad_log_q, grad_scores = objective(name, hidden_log_probs(a, states), scores)
    analytic = critic_backward(critic, environment, hidden, grad_scores)
    analytic["filters"] = filter_gradient(grad_log_q, a, states, visible)
    params = dict(critic, filters=filters)
    h = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            old = value[index]
            value[index] = old + h
            up = bound(name, visible, environment, params["filters"], critic)
            value[index] = old - h
            down = bound(name, visible, environment, params["filters"], critic)
            value[index] = old
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(analytic[key], numeric, atol=1e-8, rtol=1e-6, err_msg=key)
        assert np.abs(numeric).max() > 1e-4 or key == "b2", f"{key}: degenerate check"


def test_log_probs_match_probabilities():
    visible, _, filters, _ = problem(3)
    states = hidden_states(3)
    a = preactivation(visible, filters)
    np.testing.assert_allclose(np.exp(hidden_log_probs(a, states)), hidden_probs(a, filters, states), rtol=1e-12)
    np.testing.assert_allclose(hidden_probs(a, filters, states).sum(axis=1), 1.0, rtol=1e-12)
    # no overflow at saturating pre-activations
    big = hidden_log_probs(np.array([[800.0], [-800.0]]), hidden_states(1))
    np.testing.assert_allclose(big, [[-1600.0, 0.0], [0.0, -1600.0]])


@pytest.mark.parametrize("name", ESTIMATORS)
def test_pointwise_terms_are_the_influence_function(name):
    """mean(ψ) is the bound, and adding one row moves the bound by (ψ_row − bound)/(n + 1) to O(1/n²)."""
    visible, environment, filters, critic = problem(1, rows=4000)
    states = hidden_states(1)
    log_q = hidden_log_probs(preactivation(visible, filters), states)
    scores, _ = critic_forward(critic, environment)
    value = objective(name, log_q, scores)[0]
    psi = pointwise(name, log_q, scores)
    assert psi.mean() == pytest.approx(value, rel=1e-12)
    n = len(psi)
    for row in (0, 1, 2):
        extended = objective(name, np.vstack([log_q, log_q[row]]), np.vstack([scores, scores[row]]))[0]
        assert (extended - value) * (n + 1) == pytest.approx(psi[row] - value, rel=1e-2, abs=1e-3)


def test_infonce_shortfall_adds_up_and_separates_spread_from_cross():
    """ln M − I_NCE = marginal + spread + cross on soft rows; on rows whose state E fixes, a critic with
    one score per state and row kind has no spread, and its cross term falls as e^{−margin}."""
    visible, environment, filters, critic = problem(2, rows=500)
    log_q = hidden_log_probs(preactivation(visible, filters), hidden_states(2))
    scores, _ = critic_forward(critic, environment)
    parts = infonce_shortfall(log_q, scores)
    assert min(parts) >= 0.0 and parts.spread > 1e-3 and parts.cross > 1e-3
    assert sum(parts) == pytest.approx(np.log(4) - objective("infonce", log_q, scores)[0], rel=1e-10)

    held = np.repeat(np.arange(4), [40, 40, 40, 40])
    log_q = np.log(np.eye(4)[held] + 1e-300)
    for margin in (5.0, 10.0):
        flat = margin * np.eye(4)[held]
        parts = infonce_shortfall(log_q, flat)
        assert parts.marginal == pytest.approx(0.0, abs=1e-15) and parts.spread == pytest.approx(0.0, abs=1e-15)
        assert parts.cross == pytest.approx(np.log1p(3 * np.exp(-margin)), rel=1e-10)
    noisy = flat + 0.1 * Stream.named(1, "test-shortfall").normal(flat.shape) * np.eye(4)[held]
    parts = infonce_shortfall(log_q, noisy)
    assert parts.spread == pytest.approx(0.5 * 0.1**2, rel=0.3)  # about half the own-state variance
    assert sum(parts) == pytest.approx(np.log(4) - objective("infonce", log_q, noisy)[0], rel=1e-10)
    # a state no row holds (probabilities underflowed to 0): the marginal counts it, the other parts do not
    unused = np.hstack([np.log(np.eye(4)[held] + 1e-300), np.full((len(held), 1), -2000.0)])
    padded = np.hstack([noisy, np.zeros((len(held), 1))])
    parts = infonce_shortfall(unused, padded)
    assert np.isfinite(parts).all() and parts.marginal == pytest.approx(np.log(5 / 4), rel=1e-12)
    assert sum(parts) == pytest.approx(np.log(5) - objective("infonce", unused, padded)[0], rel=1e-10)


def test_infonce_is_tight_for_the_optimal_critic():
    """With F = ln P(h|E) on an exactly known joint the population InfoNCE equals I(H:E)."""
    rng = np.random.default_rng(0)
    joint = rng.random((2, 3))
    joint /= joint.sum()
    # rows: every (h, e) pair weighted by its probability, represented by repetition
    counts = np.round(joint * 100000).astype(int)
    joint = counts / counts.sum()
    h_idx, e_idx = np.nonzero(counts)
    reps = counts[h_idx, e_idx]
    h_rows, e_rows = np.repeat(h_idx, reps), np.repeat(e_idx, reps)
    log_q = np.log(np.eye(2)[h_rows] + 1e-300)
    p_h_given_e = joint / joint.sum(axis=0)
    scores = np.log(p_h_given_e.T[e_rows])
    mi = np.sum(joint * np.log(joint / np.outer(joint.sum(1), joint.sum(0))))
    assert objective("infonce", log_q, scores)[0] == pytest.approx(mi, rel=1e-9)
    assert objective("ba", log_q, scores)[0] == pytest.approx(mi, rel=1e-9)


def test_adam_ascends_a_concave_function():
    target = np.array([1.5, -2.0, 0.25])
    params = {"x": np.zeros(3)}
    opt = Adam(params, {"x": 0.05})
    for _ in range(2000):
        opt.ascend(params, {"x": -2.0 * (params["x"] - target)})
    np.testing.assert_allclose(params["x"], target, atol=1e-3)
    with pytest.raises(ValueError, match="unknown parameters"):
        Adam(params, {"y": 0.1})
