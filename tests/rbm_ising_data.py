"""Ising training data for the RBM tests and benchmark (test helper, not library code).

* ``exact_torus_samples``: L ≤ 4 tori sampled exactly by enumerating all 2^{L²}
  states (inverse-CDF on the Boltzmann weights).
* ``mc_samples``: larger tori from the project's Monte Carlo sampler
  (:mod:`rgml.ising.sampler`, tested against Kaufman's exact values there).
* ``ring_samples``: exact 1D ring samples from :func:`rgml.ising.ring.sample_ring`.

Results are cached per argument tuple for the test session.
"""

from __future__ import annotations

import functools

import numpy as np

from rgml.ising.lattice import bond_sum_2d
from rgml.ising.ring import sample_ring
from rgml.ising.sampler import SamplerSettings, prepare_chains, production
from rgml.rbm import TrainConfig, TrainResult, spins_to_units, train
from rgml.rng import Stream

SEED = 20260415


@functools.cache
def mc_samples(
    size: int, temperature: float, n_samples: int, *, chains: int = 100, seed: int = SEED
) -> np.ndarray:
    """``(n_samples, size, size)`` int8 spins from the project's sampler (:mod:`rgml.ising.sampler`).

    It pilots τ_int, thermalises for ≥ 20 τ_int and thins by ≥ 2 τ_int (Wolff near Tc).
    """
    settings = SamplerSettings(chains=chains)
    batch, plans = prepare_chains(size, [temperature], seed=seed, settings=settings, log=lambda _: None)
    per_chain = -(-n_samples // chains)
    blocks = production(batch, plans, per_chain, block_steps=per_chain)
    return np.concatenate([block.spins[0] for block in blocks])[:n_samples].copy()


@functools.cache
def exact_torus_samples(size: int, temperature: float, n_samples: int, *, seed: int = SEED) -> np.ndarray:
    """``(n_samples, size, size)`` exact Boltzmann samples of a small torus (size ≤ 4)."""
    if size > 4:
        raise ValueError("exact_torus_samples enumerates 2^{L²} states; use L ≤ 4")
    n = size * size
    index = np.arange(2**n)
    states = (2 * ((index[:, None] >> np.arange(n)) & 1) - 1).astype(np.int8).reshape(-1, size, size)
    log_w = bond_sum_2d(states) / temperature
    p = np.exp(log_w - log_w.max())
    cdf = np.cumsum(p / p.sum())
    u = Stream.named(seed, "rbm-test-exact-torus", size, temperature).uniform(n_samples)
    return states[np.minimum(np.searchsorted(cdf, u, side="right"), 2**n - 1)].copy()


@functools.cache
def ring_samples(size: int, coupling: float, n_samples: int, *, seed: int = SEED) -> np.ndarray:
    """``(n_samples, size)`` exact ±1 samples of the periodic ring at coupling K."""
    return sample_ring(size, coupling, n_samples, Stream.named(seed, "rbm-test-ring", size, coupling))


def ising_samples(size: int, temperature: float, n_samples: int) -> np.ndarray:
    """Exact samples for L ≤ 4, Monte Carlo samples above."""
    if size <= 4:
        return exact_torus_samples(size, temperature, n_samples)
    return mc_samples(size, temperature, n_samples)


@functools.cache
def ising_units(size: int, temperature: float, n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) 0/1 rows from one sample set of ``n_train + n_test`` configurations."""
    units = spins_to_units(ising_samples(size, temperature, n_train + n_test))
    return units[:n_train], units[n_train:]


@functools.cache
def trained_rbm(
    size: int,
    temperature: float,
    *,
    n_hidden: int,
    epochs: int,
    seed: int,
    n_train: int = 5000,
    n_test: int = 2000,
    logz: str = "none",
) -> TrainResult:
    """An RBM trained with the default hyperparameters on Ising data (cached for the session)."""
    train_units, test_units = ising_units(size, temperature, n_train, n_test)
    config = TrainConfig(n_hidden=n_hidden, epochs=epochs, logz=logz)
    stream = Stream.named(seed, "rbm-test-train", size, temperature, n_hidden)
    return train(train_units, config, seed=stream, test_data=test_units)
