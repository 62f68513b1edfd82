"""Sampling the 2D Ising model over a temperature grid with measured thinning.

For every temperature the sampler runs ``chains`` independent Markov chains
(all temperatures batched together in the kernels) and goes through:

1. **Start** — ordered (all +1) at T ≤ Tc, random above (keyed init stream).
2. **Burn-in** of ``min_thermalize`` sweeps.  A Wolff *sweep* is
   ``clusters_per_sweep = round(L² / ⟨C⟩)`` cluster updates, ⟨C⟩ the mean
   cluster size measured during burn-in, so both algorithms count time in
   units of about L² spin updates.
3. **Pilot**: energy and magnetization after every sweep give Sokal's
   τ_int (max over e, m and |m|, averaged over chains).  The pilot doubles
   until it is ≥ 50 τ_int long (or hits ``max_pilot_sweeps``).
   With ``algorithm="auto"`` both algorithms are piloted and the one with the
   lower cost per independent sample, τ_int × (cost of a sweep), wins; the
   Wolff sweep costs :data:`WOLFF_SWEEP_COST` Metropolis sweeps (measured by
   ``bench/sampler_speed.py``).  Below Tc the signed magnetization never
   tunnels under Metropolis, so the cluster update wins there, as it does near
   Tc; far above Tc Metropolis does.
4. **Thermalization** topped up to ``max(min_thermalize, 20 τ_int)`` sweeps.
5. **Production**: a sample every ``thin = ceil(thin_factor · τ_int)`` sweeps.

Everything is a deterministic function of the keyed streams, so a rerun, or a
rerun with other temperatures added to the grid, reproduces each
temperature's samples bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numba
import numpy as np

from rgml.exact import TC
from rgml.params import default
from rgml.ising.lattice import energy_2d, magnetization
from rgml.ising.metropolis import acceptance_thresholds, metropolis_sweeps
from rgml.ising.metropolis_cuda import metropolis_sweeps_offloaded
from rgml.ising.wolff import add_thresholds, neighbour_table, wolff_sweeps
from rgml.rng import Stream, stream_key
from rgml.stats import integrated_time

ALGORITHMS = ("auto", "metropolis", "wolff")

#: Wall time of one Wolff sweep (L² flipped spins) over one checkerboard
#: Metropolis sweep (L² attempts), as measured by bench/sampler_speed.py on
#: the reference machine (BENCHMARKS.md).  A fixed constant, not a timing
#: taken at run time, so that the choice of algorithm is reproducible.
WOLFF_SWEEP_COST = 14.0

#: Most rounds :meth:`ChainBatch.calibrate_clusters` takes to find its provisional
#: sweep length (doubling from one cluster reaches the 2**24 sites of the largest
#: torus the config allows, L = 4096, in 24).
CALIBRATION_ROUNDS = 40

#: A pilot series is trusted when it is at least this many τ_int long.
PILOT_LENGTH_IN_TAU = 50


@dataclass(frozen=True, kw_only=True)
class SamplerSettings:
    """Knobs of the sampler; ``None`` means "choose from the measured τ_int".

    Defaults are those of the configuration keys ``ising2d.chains``,
    ``ising2d.algorithm``, ``ising2d.thermalize``, ``ising2d.thin`` and
    ``ising2d.thin_factor`` (:mod:`rgml.params`).
    """

    chains: int = default("ising2d.chains")
    algorithm: str = default("ising2d.algorithm")
    thermalize: int | None = default("ising2d.thermalize")
    thin: int | None = default("ising2d.thin")
    thin_factor: float = default("ising2d.thin_factor")
    min_thermalize: int = 200
    pilot_sweeps: int = 500
    max_pilot_sweeps: int = 32000

    def __post_init__(self):
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm: unknown value {self.algorithm!r}; use one of {', '.join(ALGORITHMS)}")
        if self.chains < 1:
            raise ValueError(f"chains: must be at least 1, got {self.chains}")
        for name in ("thermalize", "thin"):
            value = getattr(self, name)
            if value is not None and value < (0 if name == "thermalize" else 1):
                raise ValueError(f"{name}: got {value}; use a positive number of sweeps or leave it unset")


@dataclass(frozen=True)
class TemperaturePlan:
    """What the sampler decided for one temperature (all times in sweeps)."""

    temperature: float
    algorithm: str
    tau_int: float
    tau_reliable: bool
    thermalize: int
    thin: int
    clusters_per_sweep: int
    pilot_sweeps: int
    tau_metropolis: float = math.nan
    tau_wolff: float = math.nan


@dataclass
class SampleBlock:
    """Consecutive stored samples for all temperatures; sample = step · chains + chain."""

    spins: np.ndarray  # int8 (temperature, sample, L, L)
    energy: np.ndarray  # float64 (temperature, sample), per spin
    magnetization: np.ndarray  # float64 (temperature, sample), per spin, signed
    sweep: np.ndarray  # int64 (temperature, sample): the chain's sweep count at storage
    first_step: int


@dataclass
class ChainBatch:
    """State of every chain, laid out as ``chain · n_T + temperature_index``.

    Chains of one temperature are spread over the index range so that the
    kernels' parallel loops share the expensive temperatures between threads.
    With ``backend="cupy"`` the Metropolis sweeps run on the GPU
    (:func:`rgml.ising.metropolis_cuda.metropolis_sweeps_offloaded`: the spins
    stay here and only the chains being advanced travel, 2 L² bytes each per
    call); Wolff chains always run on the CPU.  Both give the same spins.
    """

    size: int
    temperatures: np.ndarray
    chains: int
    spins: np.ndarray
    metropolis_keys: np.ndarray
    wolff_keys: np.ndarray
    metropolis_sweeps: np.ndarray
    wolff_counters: np.ndarray
    backend: str = "numpy"
    clusters_per_sweep: np.ndarray = field(init=False)
    sweeps: np.ndarray = field(init=False)

    def __post_init__(self):
        if self.backend not in ("numpy", "cupy"):
            raise ValueError(f"backend: expected 'numpy' or 'cupy' (resolve 'auto' first), got {self.backend!r}")
        n = self.spins.shape[0]
        self.clusters_per_sweep = np.ones(n, np.int64)
        self.sweeps = np.zeros(n, np.int64)
        couplings = 1.0 / np.tile(self.temperatures, self.chains)
        self._metropolis_thresholds = acceptance_thresholds(couplings)
        self._wolff_thresholds = add_thresholds(couplings)
        self._neighbours = neighbour_table(self.size)

    @classmethod
    def start(cls, size: int, temperatures, chains: int, *, seed: int, backend: str = "numpy") -> "ChainBatch":
        """Fresh chains: all +1 at T ≤ Tc, random spins above; keyed per (L, T, chain)."""
        temperatures = np.asarray(temperatures, dtype=np.float64)
        spins = np.empty((chains * len(temperatures), size, size), np.int8)
        m_keys, w_keys = [], []
        for c in range(chains):
            for i, t in enumerate(temperatures):
                name = (seed, "ising2d", size, float(t), "chain", c)
                spins[c * len(temperatures) + i] = (
                    1 if t <= TC else Stream.named(*name, "init").spins((size, size))
                )
                m_keys.append(stream_key(*name, "metropolis"))
                w_keys.append(stream_key(*name, "wolff"))
        n = len(m_keys)
        return cls(
            size, temperatures, chains, spins,
            np.array(m_keys, np.uint64), np.array(w_keys, np.uint64),
            np.zeros(n, np.int64), np.zeros(n, np.uint64), backend,
        )

    def copy(self) -> "ChainBatch":
        new = ChainBatch(
            self.size, self.temperatures, self.chains, self.spins.copy(),
            self.metropolis_keys, self.wolff_keys,
            self.metropolis_sweeps.copy(), self.wolff_counters.copy(), self.backend,
        )
        new.clusters_per_sweep = self.clusters_per_sweep.copy()
        new.sweeps = self.sweeps.copy()
        return new

    #: The arrays that, with the parameters, determine the rest of every chain's run.
    STATE = ("spins", "metropolis_sweeps", "wolff_counters", "clusters_per_sweep", "sweeps")

    def state(self) -> dict[str, np.ndarray]:
        """Copies of the chain state arrays (for a checkpoint)."""
        return {name: getattr(self, name).copy() for name in self.STATE}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        """Continue from a :meth:`state` of a batch started with the same parameters."""
        for name in self.STATE:
            current = getattr(self, name)
            if state[name].shape != current.shape:
                raise ValueError(f"checkpointed {name} has shape {state[name].shape}, expected {current.shape}")
            current[...] = state[name]

    def per_chain(self, per_temperature) -> np.ndarray:
        """Broadcast a per-temperature array to the chain layout."""
        return np.tile(np.asarray(per_temperature), self.chains)

    def per_temperature(self, per_chain) -> np.ndarray:
        """Reshape a chain-layout array ``(n_chains, ...)`` to ``(n_T, chains, ...)``."""
        a = np.asarray(per_chain)
        return a.reshape(self.chains, len(self.temperatures), *a.shape[1:]).swapaxes(0, 1)

    def advance(self, sweeps, wolff, *, record: int = 0):
        """Advance chain i by ``sweeps[i]`` sweeps of Wolff (``wolff[i]``) or Metropolis.

        Returns the number of spins flipped by cluster updates per chain and,
        with ``record = n > 0``, the energy and magnetization per spin after
        each of the first n sweeps, arrays ``(chains, n)``.
        """
        sweeps = np.asarray(sweeps, np.int64)
        wolff = np.asarray(wolff, bool)
        n = len(sweeps)
        flipped = np.zeros(n, np.int64)
        bonds = np.zeros((n, record), np.int64)
        spin_sums = np.zeros((n, record), np.int64)
        metropolis = metropolis_sweeps if self.backend == "numpy" else metropolis_sweeps_offloaded
        with numba.parallel_chunksize(1):  # chains differ in cost: hand them out one by one
            if (~wolff & (sweeps > 0)).any():
                metropolis(
                    self.spins, self._metropolis_thresholds, self.metropolis_keys,
                    self.metropolis_sweeps, np.where(wolff, 0, sweeps), bonds, spin_sums,
                )
            if (wolff & (sweeps > 0)).any():
                wolff_sweeps(
                    self.spins, self._neighbours, self._wolff_thresholds, self.wolff_keys,
                    self.wolff_counters, np.where(wolff, sweeps, 0), self.clusters_per_sweep,
                    flipped, bonds, spin_sums,
                )
        self.sweeps += sweeps
        if not record:
            return flipped
        n_sites = self.size * self.size
        return flipped, -bonds / n_sites, spin_sums / n_sites

    def calibrate_clusters(self, sweeps: int) -> None:
        """Burn in with Wolff updates and set ``clusters_per_sweep`` from ⟨C⟩.

        A provisional length is found first: starting from one cluster, each
        round runs one sweep and sets the next length to ``L² / ⟨C⟩`` of that
        round, but at most twice the current one.  A temperature settles after
        two rounds in a row whose measured ``L² / ⟨C⟩`` lies within a factor 2
        of their length (each flipped between L²/2 and 2 L² spins), or after
        :data:`CALIBRATION_ROUNDS` rounds.  ⟨C⟩ is then measured over
        ``sweeps`` sweeps of the provisional length, and once more over
        ``sweeps`` sweeps of the length that gives (the clusters may still be
        growing in the first pass); each length is shared by the chains of a
        temperature.  The draws stay consumed.

        The rounds bound the cost.  Above Tc the hot start's clusters are a
        few sites while the equilibrium ones near Tc fill a sizeable part of
        the lattice (⟨C⟩ = χ), so a length taken from the first clusters makes
        each sweep flip that ratio times L² spins.  Grown by doubling, a round
        overruns only while the clusters grow within it, and the next round
        starts from what it measured (``bench/calibration.py``, BENCHMARKS.md).
        """
        n_sites = self.size * self.size
        n_t = len(self.temperatures)
        self.clusters_per_sweep[:] = 1
        in_band = np.zeros(n_t, np.int64)  # consecutive rounds that kept their length
        for _ in range(CALIBRATION_ROUNDS):
            growing = in_band < 2
            if not growing.any():
                break
            current = self.per_temperature(self.clusters_per_sweep)[:, 0]
            flipped = self.advance(self.per_chain(growing), self.per_chain(growing)) / self.clusters_per_sweep
            with np.errstate(divide="ignore"):  # temperatures that settled flipped nothing
                wanted = n_sites / self.per_temperature(flipped).mean(axis=1)
            kept = (current <= 2 * wanted) & (wanted <= 2 * current)
            in_band = np.where(growing, np.where(kept, in_band + 1, 0), in_band)
            proposal = np.where(growing, np.maximum(1, np.minimum(np.rint(wanted), 2 * current)), current)
            self.clusters_per_sweep = self.per_chain(proposal).astype(np.int64)
        for _ in range(2):  # provisional length, then the one it measures
            flipped = self.advance(np.full(len(self.sweeps), sweeps), np.ones(len(self.sweeps), bool))
            mean_cluster = self.per_temperature(flipped / (sweeps * self.clusters_per_sweep)).mean(axis=1)
            self.clusters_per_sweep = self.per_chain(np.maximum(1, np.rint(n_sites / mean_cluster))).astype(np.int64)
        self.sweeps[:] = 0


def _series_tau(energy: np.ndarray, mag: np.ndarray) -> float:
    """τ_int (in sweeps) of a chain set: max over e, m, |m|; arrays (chains, n).

    The signed m is centred on its exact mean 0, so a chain that never leaves
    one ordered sector (local updates below Tc) shows its true, huge τ_int.
    """
    return max(integrated_time(energy), integrated_time(mag, mean=0.0), integrated_time(np.abs(mag)))


def _pilot(
    batch: ChainBatch, wolff: np.ndarray, *, settings: SamplerSettings, active: np.ndarray,
    give_up: Callable[[int, float], bool],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Record e and m after every sweep, doubling the series until τ_int is resolved.

    ``active`` (per temperature) selects the temperatures to pilot;
    ``give_up(i, tau)`` may stop temperature ``i`` early.  Returns per-temperature
    τ_int, a reliability flag and the pilot length in sweeps.
    """
    n_t = len(batch.temperatures)
    energy = [[] for _ in range(n_t)]
    mag = [[] for _ in range(n_t)]
    tau = np.full(n_t, np.nan)
    reliable = np.zeros(n_t, bool)
    length = np.zeros(n_t, np.int64)
    running = active.copy()
    target = settings.pilot_sweeps
    while running.any():
        steps = target - length.max(where=running, initial=0)
        mask = batch.per_chain(running)
        _, e, m = batch.advance(mask * steps, wolff, record=steps)
        e, m = batch.per_temperature(e), batch.per_temperature(m)
        for i in np.flatnonzero(running):
            energy[i].append(e[i])
            mag[i].append(m[i])
        for i in np.flatnonzero(running):
            length[i] = target
            tau[i] = _series_tau(np.concatenate(energy[i], axis=1), np.concatenate(mag[i], axis=1))
            reliable[i] = target >= PILOT_LENGTH_IN_TAU * tau[i]
            if reliable[i] or target >= settings.max_pilot_sweeps or give_up(i, tau[i]):
                running[i] = False
        target = min(2 * target, settings.max_pilot_sweeps)
    return tau, reliable, length


def prepare_chains(
    size: int, temperatures, *, seed: int, settings: SamplerSettings, log: Callable[[str], None] = print,
    backend: str = "numpy",
) -> tuple[ChainBatch, list[TemperaturePlan]]:
    """Start, burn in, pilot and thermalize chains for every temperature.

    Returns the thermalized chain batch and one :class:`TemperaturePlan` per
    temperature (in the order given).  ``backend`` ("numpy" or "cupy", already
    resolved) says where the Metropolis sweeps run; the results are the same.
    """
    temperatures = np.asarray(temperatures, dtype=np.float64)
    n_t = len(temperatures)
    start = ChainBatch.start(size, temperatures, settings.chains, seed=seed, backend=backend)
    burn_in = settings.min_thermalize if settings.thermalize is None else settings.thermalize
    candidates = ["metropolis", "wolff"] if settings.algorithm == "auto" else [settings.algorithm]
    measure = settings.thin is None or settings.algorithm == "auto"
    runs: dict[str, ChainBatch] = {}
    taus: dict[str, np.ndarray] = {}
    reliable: dict[str, np.ndarray] = {}
    pilot_len = np.zeros(n_t, np.int64)
    for algorithm in sorted(candidates, reverse=True):  # wolff first: its τ bounds the Metropolis pilot
        batch = start.copy()
        is_wolff = np.full(len(batch.sweeps), algorithm == "wolff")
        if algorithm == "wolff":
            batch.calibrate_clusters(max(1, burn_in // 4))
        log(f"L={size}: {algorithm} burn-in, {burn_in} sweeps")
        batch.advance(np.full(len(batch.sweeps), burn_in), is_wolff)
        if measure:
            wolff_cost = taus.get("wolff", np.full(n_t, np.inf)) * WOLFF_SWEEP_COST

            def give_up(i, tau, wolff_cost=wolff_cost):
                return algorithm == "metropolis" and tau > wolff_cost[i]

            taus[algorithm], reliable[algorithm], length = _pilot(
                batch, is_wolff, settings=settings, active=np.ones(n_t, bool), give_up=give_up
            )
            pilot_len = np.maximum(pilot_len, length)
            log(f"L={size}: {algorithm} pilot τ_int = " + ", ".join(f"{t:.3g}" for t in taus[algorithm]))
        runs[algorithm] = batch

    plans = []
    chosen = []
    for i, t in enumerate(temperatures):
        if settings.algorithm == "auto":
            cost_m = taus["metropolis"][i]
            cost_w = taus["wolff"][i] * WOLFF_SWEEP_COST
            algorithm = "wolff" if cost_w < cost_m else "metropolis"
        else:
            algorithm = settings.algorithm
        tau = taus[algorithm][i] if measure else math.nan
        thin = settings.thin if settings.thin is not None else max(1, math.ceil(settings.thin_factor * tau))
        if settings.thermalize is None:
            thermalize = max(settings.min_thermalize, math.ceil(20 * tau))
        else:
            thermalize = settings.thermalize
        plans.append(TemperaturePlan(
            temperature=float(t), algorithm=algorithm, tau_int=float(tau),
            tau_reliable=bool(reliable[algorithm][i]) if measure else False,
            thermalize=thermalize, thin=int(thin),
            clusters_per_sweep=int(runs[algorithm].clusters_per_sweep[i]) if algorithm == "wolff" else 1,
            pilot_sweeps=int(pilot_len[i]),
            tau_metropolis=float(taus.get("metropolis", np.full(n_t, np.nan))[i]),
            tau_wolff=float(taus.get("wolff", np.full(n_t, np.nan))[i]),
        ))
        chosen.append(algorithm)

    # Assemble the production batch from the chosen algorithm's chains.
    batch = runs[chosen[0]].copy()
    for i, algorithm in enumerate(chosen):
        src = runs[algorithm]
        idx = np.arange(i, len(batch.sweeps), n_t)
        for name in ("spins", "metropolis_sweeps", "wolff_counters", "clusters_per_sweep", "sweeps"):
            getattr(batch, name)[idx] = getattr(src, name)[idx]
    wolff = batch.per_chain([a == "wolff" for a in chosen])
    top_up = np.maximum(0, batch.per_chain([p.thermalize for p in plans]) - batch.sweeps)
    if top_up.any():
        log(f"L={size}: thermalizing, up to {top_up.max()} more sweeps")
        batch.advance(top_up, wolff)
    batch.sweeps[:] = 0
    return batch, plans


def production(
    batch: ChainBatch, plans: list[TemperaturePlan], samples_per_chain: int, *,
    block_steps: int, first_step: int = 0, progress: Callable[[int, int], None] | None = None,
) -> Iterator[SampleBlock]:
    """Yield blocks of ``block_steps`` stored steps (each ``chains`` samples) per temperature.

    The batch is advanced in place; ``first_step`` lets a resumed run number
    its samples where the interrupted one stopped.
    """
    thin = batch.per_chain([p.thin for p in plans])
    wolff = batch.per_chain([p.algorithm == "wolff" for p in plans])
    n_t, size = len(plans), batch.size
    step = first_step
    while step < samples_per_chain:
        k = min(block_steps, samples_per_chain - step)
        spins = np.empty((n_t, k * batch.chains, size, size), np.int8)
        sweep = np.empty((n_t, k * batch.chains), np.int64)
        for j in range(k):
            batch.advance(thin, wolff)
            rows = slice(j * batch.chains, (j + 1) * batch.chains)
            spins[:, rows] = batch.per_temperature(batch.spins)
            sweep[:, rows] = batch.per_temperature(batch.sweeps)
        yield SampleBlock(spins, energy_2d(spins), magnetization(spins), sweep, step)
        step += k
        if progress is not None:
            progress(step, samples_per_chain)
