"""Chains of the plaquette model under local Metropolis or SLMC cluster updates.

Two entry points with the same shape, :func:`run_local` and
:func:`run_cluster`: start ``chains`` chains all +1, thermalize, then record
the lattice sums (:data:`rgml.slmc.plaquette.SUMS`) after every production
sweep and time the production with a wall clock.

A *sweep* is L² local update attempts, or — as in :mod:`rgml.ising.sampler`
for Wolff — ``clusters_per_sweep = round(L² / ⟨C⟩)`` cluster proposals, ⟨C⟩
the mean *proposed* cluster size measured during burn-in (10 single-cluster
sweeps, then twice a quarter of the burn-in, the last measurement counting),
so that both count time in units of about L² spins touched.  A *hybrid* SLMC
sweep appends ``local_per_sweep`` local sweeps to every cluster sweep.

Streams: chain c of a run draws from ``stream.child("chain", c)`` (its hybrid
local sweeps from ``stream.child("hybrid-local", c)``) where
``stream = as_stream(seed, "slmc-local" | "slmc-cluster", J, K, L, T)``; a
cluster run's proposals also depend on the effective couplings it is given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from rgml.rng import Stream, as_stream
from rgml.slmc.cluster import CLUSTER_STATS, bond_thresholds, slmc_sweeps
from rgml.slmc.effective import EffectiveModel
from rgml.slmc.local import plaquette_metropolis_sweeps, plaquette_thresholds
from rgml.slmc.plaquette import PlaquetteModel, check_size, shell_table


@dataclass(frozen=True)
class ChainRun:
    """Recorded production of one temperature.

    Attributes
    ----------
    sums:
        int64 ``(chains, sweeps, k)``: :data:`rgml.slmc.plaquette.SUMS`
        (k = 3, or 5 with the pair sums C_2, C_3) after every production sweep.
    seconds:
        Wall time of the production sweeps (all chains, which run in parallel).
    cpu_seconds:
        CPU time of the process over the same sweeps (all threads), less
        sensitive than wall time to other jobs sharing the machine.
    acceptance:
        Accepted over proposed local flips or cluster flips in production.
    mean_cluster_size:
        Mean proposed cluster size in production (NaN for local updates).
    clusters_per_sweep:
        Cluster proposals per sweep (1 for local updates).
    """

    sums: np.ndarray
    seconds: float
    cpu_seconds: float
    acceptance: float
    mean_cluster_size: float = float("nan")
    clusters_per_sweep: int = 1


def _check_counts(chains: int, thermalize: int, sweeps: int) -> None:
    if chains < 1:
        raise ValueError(f"chains: must be at least 1, got {chains}")
    if thermalize < 0:
        raise ValueError(f"thermalize: must be a non-negative number of sweeps, got {thermalize}")
    if sweeps < 2:
        raise ValueError(f"sweeps: need at least 2 production sweeps to estimate anything, got {sweeps}")


def _chain_keys(stream: Stream, chains: int) -> np.ndarray:
    return np.array([stream.child("chain", c).key for c in range(chains)], np.uint64)


def run_local(
    size: int, temperature: float, model: PlaquetteModel = PlaquetteModel(), *, chains: int, thermalize: int,
    sweeps: int, seed: int | Stream, pair_sums: bool = False,
) -> ChainRun:
    """Local Metropolis chains of the plaquette model at one temperature (:mod:`rgml.slmc.local`).

    Parameters
    ----------
    size, temperature:
        L (even, ≥ 4) and T in J/k_B.
    model:
        The couplings J, K.
    chains, thermalize, sweeps:
        Independent chains, sweeps discarded, sweeps recorded.
    seed:
        Root seed or stream (keyed by "slmc-local", J, K, L, T).
    pair_sums:
        Also record C_2 and C_3 (training data for the effective model).
    """
    size = check_size(size)
    _check_counts(chains, thermalize, sweeps)
    stream = as_stream(seed, "slmc-local", model.coupling, model.plaquette, size, float(temperature))
    spins = np.ones((chains, size, size), np.int8)
    keys = _chain_keys(stream, chains)
    thresholds = plaquette_thresholds(np.full(chains, float(temperature)), model.coupling, model.plaquette)
    done = np.zeros(chains, np.int64)
    accepted = np.zeros(chains, np.int64)
    k = 5 if pair_sums else 3
    plaquette_metropolis_sweeps(spins, thresholds, keys, done, np.full(chains, thermalize, np.int64), accepted,
                                np.zeros((chains, 0, k), np.int64))
    accepted[:] = 0
    record = np.zeros((chains, sweeps, k), np.int64)
    start, start_cpu = time.perf_counter(), time.process_time()
    plaquette_metropolis_sweeps(spins, thresholds, keys, done, np.full(chains, sweeps, np.int64), accepted, record)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return ChainRun(record, seconds, cpu, float(accepted.sum()) / (chains * sweeps * size * size))


class _ClusterChains:
    """State and tables of a batch of SLMC chains at one temperature."""

    def __init__(self, size, temperature, model, effective, chains, stream, local_per_sweep=0):
        self.spins = np.ones((chains, size, size), np.int8)
        self.keys = _chain_keys(stream, chains)
        self.counters = np.zeros(chains, np.uint64)
        self.shells = shell_table(size)
        couplings = effective.padded()
        self.thresholds = bond_thresholds(np.full(chains, float(temperature)), couplings)
        self.beta = np.full(chains, 1.0 / float(temperature))
        self.true = np.array([model.coupling, model.plaquette], np.float64)
        self.effective = couplings
        self.clusters = np.ones(chains, np.int64)
        self.n_sites = size * size
        self.local_per_sweep = int(local_per_sweep)
        self.local_thresholds = plaquette_thresholds(np.full(chains, float(temperature)), model.coupling,
                                                     model.plaquette)
        self.local_keys = np.array([stream.child("hybrid-local", c).key for c in range(chains)], np.uint64)
        self.local_done = np.zeros(chains, np.int64)

    def advance(self, sweeps: int, record: np.ndarray) -> np.ndarray:
        """Do ``sweeps`` sweeps of every chain; returns the :data:`CLUSTER_STATS` of this call (summed)."""
        chains = len(self.keys)
        stats = np.zeros((chains, len(CLUSTER_STATS)), np.int64)
        slmc_sweeps(self.spins, self.shells, self.thresholds, self.beta,
                    self.true, self.effective, self.keys, self.counters, np.full(chains, sweeps, np.int64),
                    self.clusters, self.local_per_sweep, self.local_thresholds, self.local_keys, self.local_done,
                    stats, record)
        return stats.sum(axis=0)

    def calibrate(self, sweeps: int, k: int) -> None:
        """Set clusters per sweep to round(L² / ⟨C⟩): from 10 single-cluster sweeps, then twice ``sweeps`` sweeps.

        The second measurement starts from the burnt-in state of the first, so
        an ordered start does not inflate ⟨C⟩.
        """
        none = np.zeros((len(self.keys), 0, k), np.int64)
        self.clusters[:] = 1
        for n in (10, sweeps, sweeps):
            stats = self.advance(n, none)
            mean_cluster = stats[2] / stats[0]
            self.clusters[:] = max(1, int(np.rint(self.n_sites / mean_cluster)))


def run_cluster(
    size: int, temperature: float, model: PlaquetteModel = PlaquetteModel(),
    effective: EffectiveModel | None = None, *, chains: int, thermalize: int, sweeps: int, seed: int | Stream,
    local_per_sweep: int = 0, pair_sums: bool = False, clusters_per_sweep: int | None = None,
) -> ChainRun:
    """SLMC chains (:mod:`rgml.slmc.cluster`) of the plaquette model at one temperature.

    Parameters
    ----------
    size, temperature, model:
        As in :func:`run_local`.
    effective:
        The effective model whose Wolff clusters are proposed; ``None`` uses
        the nearest-neighbour model J_1 = J (plain Wolff proposals, exact when K = 0).
    chains, thermalize, sweeps:
        Chains; burn-in sweeps (the first half also calibrates the sweep
        length); recorded sweeps.
    seed:
        Root seed or stream (keyed by "slmc-cluster", J, K, L, T).
    local_per_sweep:
        Local Metropolis sweeps appended to every SLMC sweep (0: pure SLMC).
    pair_sums:
        Also record C_2 and C_3.
    clusters_per_sweep:
        Cluster proposals per sweep; ``None`` sets round(L² / ⟨C⟩) from the
        calibration.  Either way the calibration sweeps run, so the draws of
        the two settings start from the same burnt-in state.
    """
    size = check_size(size)
    _check_counts(chains, thermalize, sweeps)
    if effective is None:
        effective = EffectiveModel.exact([model.coupling])
    stream = as_stream(seed, "slmc-cluster", model.coupling, model.plaquette, size, float(temperature))
    if local_per_sweep < 0:
        raise ValueError(f"local_per_sweep: must be a non-negative number of sweeps, got {local_per_sweep}")
    if clusters_per_sweep is not None and clusters_per_sweep < 1:
        raise ValueError(f"clusters_per_sweep: must be a positive number of clusters or None, got {clusters_per_sweep}")
    state = _ClusterChains(size, temperature, model, effective, chains, stream, local_per_sweep)
    k = 5 if pair_sums else 3
    calibration = max(1, thermalize // 4)
    state.calibrate(calibration, k)
    if clusters_per_sweep is not None:
        state.clusters[:] = clusters_per_sweep
    state.advance(max(0, thermalize - 2 * calibration), np.zeros((chains, 0, k), np.int64))
    record = np.zeros((chains, sweeps, k), np.int64)
    start, start_cpu = time.perf_counter(), time.process_time()
    stats = state.advance(sweeps, record)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return ChainRun(record, seconds, cpu, float(stats[1] / stats[0]), float(stats[2] / stats[0]),
                    int(state.clusters[0]))
