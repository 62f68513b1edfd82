"""Block-RBM coarse-graining: block data, maximum-likelihood training, the coarse-graining map."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from rgml.rbm import RBM, TrainConfig, block_units, coarse_grain, orient, train_block_rbm
from rgml.rbm.logz import all_states
from rgml.rbm.numerics import logsumexp
from rgml.rng import Stream
from rbm_ising_data import ising_samples

TEMPERATURE = 2.27


@pytest.fixture(scope="module")
def spins():
    return ising_samples(8, TEMPERATURE, 2000)


@pytest.fixture(scope="module")
def block_model(spins):
    # one hidden unit = a two-mode mixture: the Gibbs chain needs ~20 sweeps to cross between modes
    config = TrainConfig(n_hidden=1, epochs=20, batch_size=100, learning_rate=0.3, lr_schedule="linear",
                         final_learning_rate=0.001, k=20, logz="exact")
    return train_block_rbm(spins, 2, config, seed=Stream.named(50, "test-block-train"))


def test_block_units_layout():
    spins = np.arange(2 * 4 * 4).reshape(2, 4, 4) % 2 * 2 - 1  # alternating columns
    spins[1] = 1
    spins[0, 0, 0] = 1
    units = block_units(spins.astype(np.int8), 2)
    assert units.shape == (2 * 4, 4)
    # first block of sample 0 holds sites (0,0), (0,1), (1,0), (1,1) in row-major order
    assert np.array_equal(units[0], [1, 1, 0, 1])
    assert np.array_equal(units[4:], np.ones((4, 4)))
    with pytest.raises(ValueError, match="divide"):
        block_units(spins.astype(np.int8), 3)


def exact_block_log_likelihood(params, counts):
    model = RBM(params[:4, None].copy(), params[4:8].copy(), params[8:9].copy())
    log_p = -model.free_energy(all_states(4))
    log_p -= float(logsumexp(log_p))
    return float(counts @ log_p) / counts.sum()


def test_training_reaches_the_maximum_likelihood_block_rbm(spins, block_model):
    """The CD-trained block RBM is (close to) the exact maximum-likelihood RBM of the block data:
    maximising the exact block log-likelihood (16 states enumerated) from the trained parameters
    gains only a little."""
    units = block_units(spins, 2)
    index = (units @ (2 ** np.arange(4))).astype(int)
    counts = np.bincount(index, minlength=16).astype(float)
    model = block_model.model
    start = np.concatenate([model.weights[:, 0], model.visible_bias, model.hidden_bias])
    trained = exact_block_log_likelihood(start, counts)
    best = minimize(lambda p: -exact_block_log_likelihood(p, counts), start, method="BFGS")
    entropy = -float(counts @ np.log(np.where(counts > 0, counts / counts.sum(), 1))) / counts.sum()
    print(f"\nblock 2×2 at T = {TEMPERATURE}: trained ln L = {trained:.5f}, exact ML = {-best.fun:.5f}, "
          f"empirical −entropy = {-entropy:.5f} nats/block; weights {np.round(model.weights[:, 0], 3)}")
    assert trained == pytest.approx(block_model.history["train_loglik"][-1], abs=1e-9)
    assert -best.fun - trained < 1e-3
    assert -best.fun <= -entropy + 1e-9


def test_trained_rule_is_majority_like(block_model):
    """Oriented (h = 1 ↔ block up), with weights equal by the block's symmetry up to noise."""
    w = block_model.model.weights[:, 0]
    assert np.all(w > 0)
    assert w.std() < 0.1 * w.mean()


def test_orient_keeps_the_distribution(block_model):
    model = block_model.model
    flipped = model.flip_hidden([True])
    assert np.all(flipped.weights < 0)
    reoriented = orient(flipped)
    assert np.allclose(reoriented.weights, model.weights)
    assert np.allclose(reoriented.visible_bias, model.visible_bias)


def test_coarse_grain_shapes_determinism_and_conditional(spins, block_model):
    model = block_model.model
    coarse = coarse_grain(spins, model, Stream.named(51, "test-cg"))
    assert coarse.shape == (2000, 4, 4) and coarse.dtype == np.int8
    assert np.array_equal(coarse, coarse_grain(spins, model, Stream.named(51, "test-cg")))
    # the frequency of h = +1 over blocks of one type matches P(h=1|v)
    units = block_units(spins, 2)
    all_up = units.sum(axis=1) == 3  # blocks with exactly three up spins
    p = model.hidden_probabilities(units[all_up])[:, 0]
    h = (coarse.reshape(-1) == 1)[all_up]
    assert abs(h.mean() - p.mean()) < 4 * np.sqrt((p * (1 - p)).sum()) / len(p)


def test_mean_field_rule_with_ties():
    """Sign of the hidden input; exact zeros (two up, two down) are decided by fair coins."""
    model = RBM(np.full((4, 1), 2.0), np.zeros(4), np.array([-4.0]))
    lattice = np.ones((4000, 2, 2), dtype=np.int8)
    lattice[:, 1, :] = -1  # two up, two down: input −4 + 2·2 = 0
    lattice[:2000, 1, 1] = 1  # three up: input 2 > 0
    coarse = coarse_grain(lattice, model, Stream.named(52, "test-mf"), rule="mean_field")[:, 0, 0]
    assert np.all(coarse[:2000] == 1)
    ties = coarse[2000:] == 1
    assert abs(ties.mean() - 0.5) < 4 * 0.5 / np.sqrt(ties.size)
    with pytest.raises(ValueError, match="rule"):
        coarse_grain(lattice, model, Stream.named(52, "x"), rule="majority")
    with pytest.raises(ValueError, match="block RBM"):
        coarse_grain(lattice, RBM(np.zeros((4, 2)), np.zeros(4), np.zeros(2)), Stream.named(52, "x"))
