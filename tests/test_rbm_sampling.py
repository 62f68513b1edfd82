"""Block Gibbs sampling against the exact distribution of a small RBM."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from rgml.rbm import generate, gibbs_step, log_partition
from rgml.rbm.logz import all_states
from rgml.rng import Stream
from test_rbm_model import random_rbm


def test_generated_configurations_follow_p_of_v():
    """Chi-square of 20 000 independent chains (30 sweeps each) against exact P(v) of a 5×3 RBM."""
    model = random_rbm(5, 3, seed=80, scale=1.0)
    samples = generate(model, 20_000, Stream.named(81, "test-gibbs"), n_steps=30)
    index = (samples @ (2 ** np.arange(5))).astype(int)
    observed = np.bincount(index, minlength=32)
    p = np.exp(-model.free_energy(all_states(5)) - log_partition(model))
    expected = p * len(samples)
    statistic = float(((observed - expected) ** 2 / expected).sum())
    assert chi2.sf(statistic, df=31) > 1e-4


def test_gibbs_step_is_reproducible_and_validates_init():
    model = random_rbm(6, 4, seed=82)
    v = np.zeros((10, 6))
    a = gibbs_step(model, v, Stream.named(83, "x"))
    b = gibbs_step(model, v, Stream.named(83, "x"))
    assert np.array_equal(a, b) and set(np.unique(a)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="init"):
        generate(model, 5, Stream.named(83, "x"), init=np.zeros((4, 6)))
