"""Annealed importance sampling of ln Z against exact enumeration (acceptance 1, second half)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rgml.rbm import RBM, ais_log_partition, annealing_schedule, log_partition, logit_of_means
from rgml.rng import Stream
from rbm_ising_data import ising_units, trained_rbm
from test_rbm_model import random_rbm


def test_schedule_shape():
    betas = annealing_schedule(14_500)
    assert betas[0] == 0.0 and betas[-1] == 1.0 and len(betas) == 14_500
    assert np.all(np.diff(betas) > 0)
    assert (betas < 0.5).sum() == 500 and ((betas >= 0.5) & (betas < 0.9)).sum() == 4000
    with pytest.raises(ValueError):
        annealing_schedule(2)


def test_uncoupled_model_is_exact_with_zero_spread():
    """With W = 0 and the base equal to the target's visible bias every weight is 1."""
    stream = Stream.named(20, "test-ais-free")
    a, b = stream.normal(6), stream.normal(3)
    model = RBM(np.zeros((6, 3)), a, b)
    result = ais_log_partition(model, stream, n_runs=10, n_betas=50, base_visible_bias=a)
    exact = float(np.logaddexp(0, a).sum() + np.logaddexp(0, b).sum())
    assert result.log_z == pytest.approx(exact, abs=1e-12)
    assert result.log_z_err == pytest.approx(0.0, abs=1e-12)
    assert result.effective_sample_size == pytest.approx(10.0)


@pytest.mark.parametrize("side", ["visible", "hidden"])
def test_small_random_model_within_error(side):
    model = random_rbm(12, 9, seed=21, scale=0.5)
    exact = log_partition(model)
    result = ais_log_partition(model, Stream.named(22, "test-ais", side), n_runs=100, n_betas=3000, side=side)
    assert abs(result.log_z - exact) < 4 * result.log_z_err + 1e-3
    assert result.log_z_err < 0.05
    assert result.log_z_lower < result.log_z < result.log_z_upper
    assert result.log_weights.shape == (100,) and result.n_betas == 3000


@pytest.mark.slow
def test_ais_on_ising_trained_64x16_within_005_nats():
    """Acceptance 1: AIS (S&M schedule, 100 runs, data base rate) vs exact ln Z of a
    64-visible / 16-hidden RBM trained on L = 8, T = 2.27 Ising samples."""
    result_train = trained_rbm(8, 2.27, n_hidden=16, epochs=30, seed=0)
    model = result_train.model
    train_units, _ = ising_units(8, 2.27, 5000, 2000)
    exact = log_partition(model, side="hidden")
    ais = ais_log_partition(
        model,
        Stream.named(23, "test-ais-ising"),
        n_runs=100,
        n_betas=14_500,
        base_visible_bias=logit_of_means(train_units),
    )
    print(f"\nacceptance 1: exact ln Z = {exact:.6f}, AIS = {ais.log_z:.6f} ± {ais.log_z_err:.6f}, "
          f"|diff| = {abs(ais.log_z - exact):.6f}, ESS = {ais.effective_sample_size:.1f}/100")
    assert abs(ais.log_z - exact) < 0.05
    assert abs(ais.log_z - exact) < 4 * ais.log_z_err + 1e-3
    assert math.isfinite(ais.log_z_lower)


def test_input_validation():
    model = random_rbm(4, 3)
    stream = Stream.named(24, "test-ais-bad")
    with pytest.raises(ValueError, match="increase"):
        ais_log_partition(model, stream, betas=[0.0, 0.7, 0.5, 1.0])
    with pytest.raises(ValueError, match="n_runs"):
        ais_log_partition(model, stream, n_runs=1)
    with pytest.raises(ValueError, match="side"):
        ais_log_partition(model, stream, side="both")
