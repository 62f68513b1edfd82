"""Acceptance 2: held-out exact log-likelihood at L = 8, T = 2.27 with 16 hidden units.

5000 training / 2000 held-out configurations, 30 epochs, 5 seeds, the default hyperparameters
of ``TrainConfig``; ln Z exact (2^16 hidden states enumerated).  Targets: mean
≥ −21.5 nats/sample, worst seed ≥ −22.5.  The Ising log-likelihood of the same test set
(Kaufman's ln Z) is printed as the ceiling.
"""

from __future__ import annotations

import numpy as np
import pytest

from rgml.exact import kaufman_log_z
from rgml.ising.lattice import bond_sum_2d
from rgml.rbm import estimate_log_partition, mean_log_likelihood
from rbm_ising_data import ising_units, trained_rbm

SIZE, TEMPERATURE = 8, 2.27
SEEDS = range(5)


@pytest.mark.slow
def test_held_out_log_likelihood_acceptance():
    _, test_units = ising_units(SIZE, TEMPERATURE, 5000, 2000)
    scores = []
    for seed in SEEDS:
        model = trained_rbm(SIZE, TEMPERATURE, n_hidden=16, epochs=30, seed=seed).model
        log_z = estimate_log_partition(model, method="exact")
        assert log_z.method == "exact"
        scores.append(mean_log_likelihood(model, test_units, log_z))
    means = np.array([s.mean for s in scores])
    spins = (2 * test_units - 1).reshape(-1, SIZE, SIZE)
    ising = float(np.mean(bond_sum_2d(spins) / TEMPERATURE) - kaufman_log_z(SIZE, TEMPERATURE))
    print(f"\nacceptance 2: held-out ln L per seed {np.array2string(means, precision=3)} "
          f"(± {max(s.error for s in scores):.3f}); mean {means.mean():.3f}, worst {means.min():.3f}; "
          f"Ising ceiling {ising:.3f} (gap {ising - means.mean():.3f}) nats/sample")
    assert means.mean() >= -21.5
    assert means.min() >= -22.5
    assert np.all(means < ising + 4 * max(s.error for s in scores))
