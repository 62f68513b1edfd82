"""Training: reproducibility, resuming bitwise, schedules, history, learning itself."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rgml.exact import kaufman_log_z
from rgml.ising.lattice import bond_sum_2d
from rgml.rbm import TrainConfig, TrainState, log_likelihood, train
from rgml.rbm.train import HISTORY_KEYS, init_state, train_epoch
from rgml.rng import Stream
from rbm_ising_data import exact_torus_samples, ising_units

TEMPERATURE = 2.27


@pytest.fixture(scope="module")
def small_data():
    """Exact 4×4 samples at T = 2.27: 2000 train, 1000 test rows of 16 units."""
    return ising_units(4, TEMPERATURE, 2000, 1000)


def full_config(method: str, **changes) -> TrainConfig:
    """Every feature switched on, so the resume test covers all of the state."""
    values = dict(
        n_hidden=6,
        epochs=20,
        batch_size=32,
        learning_rate=0.05,
        lr_schedule="exponential",
        final_learning_rate=0.005,
        momentum=0.9,
        initial_momentum=0.5,
        momentum_warmup=5,
        method=method,
        k=2,
        n_chains=24 if method == "pcd" else None,
        flip_moves=True,
        l1=1e-4,
        l2=1e-3,
        logz="exact",
    )
    values.update(changes)
    return TrainConfig(**values)


def assert_same_state(a, b):
    for x, y in zip((a.model.weights, a.model.visible_bias, a.model.hidden_bias, *a.velocity),
                    (b.model.weights, b.model.visible_bias, b.model.hidden_bias, *b.velocity)):
        assert np.array_equal(x, y)
    assert (a.chains is None and b.chains is None) or np.array_equal(a.chains, b.chains)
    assert a.epoch == b.epoch and a.stream == b.stream


@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_resume_is_bitwise_identical(small_data, method):
    """train(20) == train(10) → resume → 10 more, bitwise (issue 8 item 1)."""
    train_units, test_units = small_data
    config = full_config(method)
    whole = train(train_units, config, seed=Stream.named(30, "test-resume"), test_data=test_units)
    first = train(train_units, config, seed=Stream.named(30, "test-resume"), test_data=test_units, stop_epoch=10)
    snapshot = first.state.copy()
    second = train(train_units, config, resume=first.state, test_data=test_units)
    assert first.state.epoch == 10 and second.state.epoch == 20
    assert_same_state(first.state, snapshot)  # resuming does not touch the state it was given
    assert_same_state(whole.state, second.state)
    assert np.array_equal(whole.model.weights, second.model.weights)
    for key in HISTORY_KEYS:
        assert np.array_equal(whole.history[key], second.history[key], equal_nan=True), key


def test_resume_from_a_serialised_state(small_data):
    """The checkpoint form (plain arrays and ints, as stored on disk) resumes bitwise too."""
    train_units, test_units = small_data
    config = full_config("pcd", epochs=6, centering=True)
    whole = train(train_units, config, seed=Stream.named(38, "test-ckpt"), test_data=test_units)
    first = train(train_units, config, seed=Stream.named(38, "test-ckpt"), test_data=test_units, stop_epoch=3)
    saved = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in first.state.to_dict().items()}
    assert all(isinstance(v, (np.ndarray, int)) for v in saved.values())
    resumed = train(train_units, config, resume=TrainState.from_dict(saved), test_data=test_units)
    assert_same_state(whole.state, resumed.state)
    assert all(np.array_equal(a, b) for a, b in zip(whole.state.offsets, resumed.state.offsets))
    for key in HISTORY_KEYS:
        assert np.array_equal(whole.history[key], resumed.history[key], equal_nan=True), key


def test_centred_step_is_the_transformed_plain_step(small_data):
    """One minibatch, no momentum: the centred update (Melchior et al. 2016) is
    ΔW = g_W − μ g_bᵀ − g_a λᵀ, Δa = g_a − ΔW λ, Δb = g_b − ΔWᵀ μ in terms of the plain one."""
    train_units, _ = small_data
    data = train_units[:16]
    base = dict(n_hidden=5, epochs=1, batch_size=16, learning_rate=0.1, lr_schedule="constant", momentum=0.0,
                initial_momentum=0.0, method="cd", k=1, logz="none")
    stream_a, stream_b = Stream.named(39, "test-centre"), Stream.named(39, "test-centre")
    start = init_state(data, TrainConfig(**base, centering=True), stream_a)
    mu, lam = (o.copy() for o in start.offsets)
    plain_state = init_state(data, TrainConfig(**base), stream_b)
    w0, a0, b0 = (p.copy() for p in (start.model.weights, start.model.visible_bias, start.model.hidden_bias))
    train_epoch(start, data, TrainConfig(**base, centering=True))
    train_epoch(plain_state, data, TrainConfig(**base))
    g_w = plain_state.model.weights - w0
    g_a = plain_state.model.visible_bias - a0
    g_b = plain_state.model.hidden_bias - b0
    d_w = g_w - np.outer(mu, g_b) - np.outer(g_a, lam)
    assert np.allclose(start.model.weights - w0, d_w, atol=1e-14)
    assert np.allclose(start.model.visible_bias - a0, g_a - d_w @ lam, atol=1e-14)
    assert np.allclose(start.model.hidden_bias - b0, g_b - mu @ d_w, atol=1e-14)


def test_reruns_are_identical_and_seeds_differ(small_data):
    train_units, _ = small_data
    config = full_config("pcd", epochs=3, logz="none")
    a = train(train_units, config, seed=Stream.named(31, "test-rerun"))
    b = train(train_units, config, seed=Stream.named(31, "test-rerun"))
    c = train(train_units, config, seed=Stream.named(32, "test-rerun"))
    assert np.array_equal(a.model.weights, b.model.weights)
    assert not np.array_equal(a.model.weights, c.model.weights)


def test_history_contents(small_data):
    train_units, test_units = small_data
    config = full_config("pcd", epochs=4)
    result = train(train_units, config, seed=Stream.named(33, "test-history"), test_data=test_units)
    assert set(result.history) == set(HISTORY_KEYS)
    assert all(values.shape == (4,) for values in result.history.values())
    assert np.allclose(result.history["learning_rate"], [config.learning_rate_at(e) for e in range(4)])
    assert np.all(np.isfinite(result.history["test_loglik"])) and np.all(result.history["log_z_err"] == 0)
    assert result.logz_method == "exact" and result.hyperparameters["k"] == 2
    no_test = train(train_units, dataclasses.replace(config, logz="none"), seed=Stream.named(33, "test-history"))
    assert np.all(np.isnan(no_test.history["test_loglik"])) and np.all(np.isnan(no_test.history["log_z"]))
    assert np.all(np.isfinite(no_test.history["reconstruction_error"]))


def test_ais_history_for_large_layers(small_data):
    train_units, test_units = small_data
    config = full_config("pcd", epochs=1, n_hidden=24, logz="auto", ais_runs=20, ais_betas=200)
    result = train(train_units, config, seed=Stream.named(34, "test-history-ais"), test_data=test_units)
    assert result.logz_method == "exact"  # the visible layer (16 units) is enumerated
    config = dataclasses.replace(config, logz="ais")
    result = train(train_units, config, seed=Stream.named(34, "test-history-ais"), test_data=test_units)
    assert result.logz_method == "ais" and result.history["log_z_err"][0] > 0


def test_learning_approaches_the_ising_ceiling(small_data):
    """On exact 4×4 data the held-out log-likelihood climbs towards the true Ising
    log-likelihood of the same test set (the ceiling, Kaufman's ln Z) and never beats it
    beyond its statistical error (the gap is a KL divergence estimate, ≥ 0 in expectation)."""
    train_units, test_units = small_data
    config = TrainConfig(n_hidden=16, epochs=30, logz="exact")
    result = train(train_units, config, seed=Stream.named(35, "test-ceiling"), test_data=test_units)
    spins = (2 * test_units - 1).reshape(-1, 4, 4)
    ising = bond_sum_2d(spins) / TEMPERATURE - kaufman_log_z(4, TEMPERATURE)
    rbm = log_likelihood(result.model, test_units, result.history["log_z"][-1])
    gap = float((ising - rbm).mean())
    gap_err = float((ising - rbm).std() / np.sqrt(len(rbm)))
    # the best model of independent spins (the trainer's starting point) as the yardstick
    p = train_units.mean(axis=0)
    independent = float((test_units * np.log(p) + (1 - test_units) * np.log1p(-p)).sum(axis=1).mean())
    print(f"\n4×4 torus: RBM {rbm.mean():.3f} vs Ising {ising.mean():.3f} nats/sample "
          f"(gap {gap:.3f} ± {gap_err:.3f}); independent spins {independent:.3f}")
    assert rbm.mean() == pytest.approx(result.history["test_loglik"][-1])
    assert gap > -4 * gap_err
    assert gap < 0.1 * (ising.mean() - independent)


def test_float32_training_matches_float64_quality(small_data):
    train_units, test_units = small_data
    results = {}
    for dtype in ("float64", "float32"):
        config = TrainConfig(n_hidden=8, epochs=5, logz="exact", dtype=dtype)
        results[dtype] = train(train_units, config, seed=Stream.named(36, "test-dtype"), test_data=test_units)
    assert results["float32"].model.weights.dtype == np.float32
    ll64, ll32 = (results[d].history["test_loglik"][-1] for d in ("float64", "float32"))
    assert abs(ll64 - ll32) < 0.05


def test_schedules():
    base = dict(n_hidden=1, epochs=5, learning_rate=0.1, final_learning_rate=0.01)
    linear = TrainConfig(lr_schedule="linear", **base)
    exponential = TrainConfig(lr_schedule="exponential", **base)
    assert [linear.learning_rate_at(e) for e in (0, 2, 4)] == pytest.approx([0.1, 0.055, 0.01])
    assert [exponential.learning_rate_at(e) for e in (0, 2, 4)] == pytest.approx([0.1, 0.1 * 0.1**0.5, 0.01])
    assert TrainConfig(n_hidden=1, learning_rate=0.3, lr_schedule="constant").learning_rate_at(7) == 0.3
    warm = TrainConfig(n_hidden=1, momentum=0.9, initial_momentum=0.5, momentum_warmup=2)
    assert [warm.momentum_at(e) for e in range(4)] == [0.5, 0.5, 0.9, 0.9]


def test_config_round_trip_and_errors():
    config = TrainConfig(n_hidden=3, l1=0.01)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown keys"):
        TrainConfig.from_dict({"n_hidden": 3, "learnig_rate": 0.1})
    with pytest.raises(ValueError, match="final_learning_rate"):
        TrainConfig(n_hidden=3, lr_schedule="linear", final_learning_rate=None)
    with pytest.raises(ValueError, match="method"):
        TrainConfig(n_hidden=3, method="pt")


def test_spins_are_refused_with_a_hint():
    spins = exact_torus_samples(4, TEMPERATURE, 10).reshape(10, 16)
    with pytest.raises(ValueError, match="spins_to_units"):
        train(spins, TrainConfig(n_hidden=2, epochs=1), seed=Stream.named(37, "x"))
    with pytest.raises(ValueError, match="spins_to_units"):
        train(spins.astype(float), TrainConfig(n_hidden=2, epochs=1), seed=Stream.named(37, "x"))
    with pytest.raises(ValueError, match="exactly one"):
        train((spins + 1) / 2.0, TrainConfig(n_hidden=2, epochs=1))


def test_global_flip_move_leaves_the_model_distribution_invariant():
    """Σ_v P(v) T(v → v') = P(v') for the Metropolis flip move, on an enumerated 6-unit RBM."""
    from rgml.rbm.logz import all_states
    from rgml.rbm.model import RBM
    from rgml.rbm.train import _global_flip_move

    model = RBM.random(6, 3, Stream.named(4, "flip-model"), scale=1.0)
    states = all_states(6)
    p = np.exp(-model.free_energy(states))
    p /= p.sum()
    index = {tuple(v): i for i, v in enumerate(states.astype(int))}
    # acceptance probability of the flip from each state, estimated by many draws
    draws = 4000
    accepted = np.zeros(len(states))
    stream = Stream.named(4, "flip-draws")
    for _ in range(draws // 500):
        v = np.repeat(states, 500, axis=0).copy()
        _global_flip_move(model, v, stream)
        moved = (v != np.repeat(states, 500, axis=0)).any(axis=1).reshape(len(states), 500)
        accepted += moved.sum(axis=1)
    rate = accepted / draws
    exact = np.minimum(1.0, np.array([p[index[tuple(1 - s)]] / p[i] for i, s in enumerate(states.astype(int))]))
    assert np.all(np.abs(rate - exact) < 4 * np.sqrt(exact * (1 - exact) / draws) + 1e-9)
    # detailed balance of the exact kernel: P(v) a(v) = P(1-v) a(1-v)
    flows = p * exact
    partner = np.array([index[tuple(1 - s)] for s in states.astype(int)])
    assert np.allclose(flows, flows[partner], rtol=1e-12)


def test_flip_moves_learn_both_ordered_sectors():
    """Below Tc (T = 1.5, exact 4×4 samples) the held-out likelihood reaches the Ising ceiling."""
    temperature = 1.5
    train_units = ising_units(4, temperature, 2000, 1000)
    config = TrainConfig(n_hidden=8, epochs=20, flip_moves=True)  # without the move: gap ≈ 6 nats
    result = train(train_units[0], config, seed=Stream.named(5, "flip-train"), test_data=train_units[1])
    test_spins = 2 * train_units[1].reshape(-1, 4, 4).astype(np.int8) - 1
    ceiling = (bond_sum_2d(test_spins) / temperature - kaufman_log_z(4, temperature)).mean()
    gap = ceiling - result.history["test_loglik"][-1]
    assert 0 <= gap + 4 * result.history["test_loglik_err"][-1] and gap < 0.3, gap
