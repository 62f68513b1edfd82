"""The RBM code on every array namespace (NumPy always, CuPy where a GPU is usable).

On the GPU the Numba kernels give way to array code that consumes the same stream counters, so a
short training run must follow the NumPy run to rounding (different BLAS and ``tanh``
implementations change the last bits, which a Bernoulli draw would only notice if a uniform fell
within ~1e-16 of its probability).
"""

from __future__ import annotations

import numpy as np

from rgml.backend import to_numpy
from rgml.rbm import TrainConfig, ais_log_partition, block_units, coarse_grain, log_partition, orient, train
from rgml.rng import Stream
from rbm_ising_data import ising_units


def test_training_and_evaluation_agree_with_numpy(xp):
    train_units, test_units = ising_units(4, 2.27, 400, 100)
    config = TrainConfig(n_hidden=6, epochs=3, logz="exact", centering=True, l1=1e-4, l2=1e-4)
    reference = train(train_units, config, seed=Stream.named(100, "test-backend"), test_data=test_units)
    result = train(xp.asarray(train_units), config, seed=Stream.named(100, "test-backend"), test_data=xp.asarray(test_units))
    assert type(result.model.weights) is type(xp.asarray(train_units))
    assert np.allclose(to_numpy(result.model.weights), reference.model.weights, rtol=0, atol=1e-10)
    assert np.allclose(result.history["test_loglik"], reference.history["test_loglik"], rtol=0, atol=1e-9)
    assert result.state.stream == reference.state.stream

    model = result.model
    assert abs(log_partition(model, side="visible") - log_partition(model, side="hidden")) < 1e-9
    ais = ais_log_partition(model, Stream.named(101, "test-backend-ais"), n_runs=20, n_betas=300)
    assert abs(ais.log_z - log_partition(model)) < 4 * ais.log_z_err + 1e-3


def test_coarse_graining_agrees_with_numpy(xp):
    spins = Stream.named(102, "test-backend-cg").spins((20, 4, 4))
    block_model = orient(train(block_units(spins, 2), TrainConfig(n_hidden=1, epochs=1, logz="none"),
                               seed=Stream.named(103, "test-backend-block")).model)
    reference = coarse_grain(spins, block_model, Stream.named(104, "test-backend-cg"))
    on_xp = coarse_grain(xp.asarray(spins), block_model.to(xp), Stream.named(104, "test-backend-cg"))
    assert np.array_equal(to_numpy(on_xp), reference)
