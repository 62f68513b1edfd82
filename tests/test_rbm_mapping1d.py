"""1D decimation as an exact RBM (acceptance 4) and couplings read off RBM marginals."""

from __future__ import annotations

import numpy as np
import pytest

from rgml.exact import ring_log_z
from rgml.rbm import RBM, TrainConfig, decimation_rbm, log_partition, rbm_decimation_flow, ring_couplings, train
from rgml.rbm import spins_to_units
from rgml.rng import Stream
from rbm_ising_data import ring_samples

COUPLINGS = [0.1, 0.5, 1.0, 2.0]


def test_decimation_rbm_parameters_are_4k_and_minus_4k():
    """DESIGN.md §5: in 0/1 units W = 4K on the two bonds of each hidden spin, biases −4K."""
    k = 0.7
    model, _ = decimation_rbm(5, k)
    w = model.weights
    for j in range(5):
        assert set(np.flatnonzero(w[:, j])) == {j, (j + 1) % 5}
    assert np.allclose(w[w != 0], 4 * k) and (w != 0).sum() == 10
    assert np.allclose(model.visible_bias, -4 * k) and np.allclose(model.hidden_bias, -4 * k)


@pytest.mark.parametrize("k", COUPLINGS)
def test_partition_function_is_the_rings(k):
    """ln Z of the RBM plus the stated constant is ln Z of the ring of 2n spins (exact formula)."""
    model, constant = decimation_rbm(6, k)
    assert log_partition(model) + constant == pytest.approx(float(ring_log_z(12, k)), abs=1e-11)


@pytest.mark.parametrize("k", COUPLINGS)
def test_marginal_recovers_k_prime(k):
    """Acceptance 4: |K′ − ½ ln cosh 2K| ≤ 1e-10, and the marginal is exactly a ring."""
    couplings = ring_couplings(decimation_rbm(8, k)[0])
    k_prime = 0.5 * np.log(np.cosh(2 * k))
    print(f"\nK = {k}: K' = {couplings.nearest_neighbour:.15f}, "
          f"|K' - ½ ln cosh 2K| = {abs(couplings.nearest_neighbour - k_prime):.1e}, "
          f"residual {couplings.residual:.1e}")
    assert abs(couplings.nearest_neighbour - k_prime) <= 1e-10
    assert np.all(np.abs(couplings.couplings[1:]) <= 1e-12) and abs(couplings.field) <= 1e-12
    assert couplings.residual <= 1e-11


@pytest.mark.parametrize("k", COUPLINGS)
def test_stacked_steps_square_tanh(k):
    """Acceptance 4: tanh K⁽ⁿ⁺¹⁾ = tanh² K⁽ⁿ⁾ to 1e-12 along stacked decimation RBMs."""
    flow = rbm_decimation_flow(k, 5)
    error = np.abs(np.tanh(flow[1:]) - np.tanh(flow[:-1]) ** 2)
    print(f"\nK = {k}: flow {np.array2string(flow, precision=6)}, max |tanh K' - tanh² K| = {error.max():.1e}")
    assert error.max() <= 1e-12
    assert np.all(np.diff(flow) < 0)  # flows to the K = 0 fixed point


def test_ring_couplings_read_a_known_marginal():
    """An RBM whose marginal has a field and a distance-2 coupling: both are read back."""
    model, _ = decimation_rbm(7, 0.4)
    shifted = RBM(model.weights, model.visible_bias + 0.3, model.hidden_bias)  # field 0.15 per site
    couplings = ring_couplings(shifted)
    assert couplings.field == pytest.approx(0.15, abs=1e-12)
    assert couplings.nearest_neighbour == pytest.approx(0.5 * np.log(np.cosh(0.8)), abs=1e-12)
    with pytest.raises(ValueError, match="2\\^N"):
        ring_couplings(RBM(np.zeros((30, 2)), np.zeros(30), np.zeros(2)))


def test_trained_rbm_learns_the_ring_coupling():
    """An RBM trained on exact samples of a 10-site ring at K = 0.5: its marginal's
    nearest-neighbour coupling approaches K, the longer-range ones stay small, and it is
    close to what exact maximum likelihood on the same data could reach (the empirical
    correlation, tanh K_fit = ⟨s_i s_{i+1}⟩_data for a ring of this length)."""
    k = 0.5
    spins = ring_samples(10, k, 6000)
    data = spins_to_units(spins)
    config = TrainConfig(n_hidden=10, epochs=40, logz="none")
    model = train(data, config, seed=Stream.named(40, "test-ring-train")).model
    couplings = ring_couplings(model)
    nn = (spins * np.roll(spins, -1, axis=1)).mean(axis=1)
    nn_err = nn.std() / np.sqrt(len(nn))
    print(f"\nring N = 10, K = {k}: RBM K_1 = {couplings.nearest_neighbour:.4f}, K_2..5 = "
          f"{np.array2string(couplings.couplings[1:], precision=4)}, field {couplings.field:.4f}, "
          f"residual {couplings.residual:.3f}; data ⟨s s'⟩ = {nn.mean():.4f} ± {nn_err:.4f}")
    assert abs(couplings.nearest_neighbour - k) < 0.1 * k
    assert np.all(np.abs(couplings.couplings[1:]) < 0.2 * k)
