"""Sampling interacting dimers over a temperature grid with measured thinning.

For every temperature (``np.inf`` allowed: the non-interacting Coulomb phase)
the sampler runs ``chains`` worm-algorithm chains (:mod:`rgml.dimers.worm`),
all temperatures batched in one kernel call, through the stages of
:mod:`rgml.ising.sampler`:

1. **Start** — chain c in the columnar crystal ``c mod 4`` (orientation
   ``c mod 2``, shift ``(c // 2) mod 2``), so that with 4 chains all four
   ordered states are represented even where the worm never tunnels between
   them (deep in the columnar phase at large L).
2. **Calibration and burn-in.**  A *sweep* is ``worms_per_sweep =
   max(1, round(L² / ⟨ℓ_w⟩))`` worms, ``⟨ℓ_w⟩`` the mean number of vertices a
   worm visits, measured during burn-in and shared by the chains of a
   temperature: a sweep visits L² vertices on average, each moving one dimer
   among the four links of a site (a bounce leaves it in place).  This is the
   unit of τ_int and of thinning, like a Metropolis sweep of L² spin updates.
3. **Pilot**: after every sweep the energy N_∥, the columnar order |D|, the
   winding numbers (W_x, W_y) and the direction of the columnar order
   (D_x, D_y) give Sokal's τ_int; signed quantities are centred on their exact
   mean 0, so a chain stuck in one sector shows its long memory.  The pilot
   doubles until it is ≥ 50 τ_int of each of them, or ``max_pilot_sweeps``
   long, and τ_int is their maximum.  Deep in the columnar phase the worm does
   not tunnel between the four crystals on a large torus: a direction τ_int
   still unresolved after ``sector_pilot_sweeps`` marks the temperature
   ``sector_frozen`` and is left out of τ_int (the chains then stay near their
   starting crystals, which cover all four with ≥ 4 chains, as the global flip
   of the Ising samples does).
4. **Thermalization** topped up to ``max(min_thermalize, 20 τ_int)`` sweeps.
5. **Production**: a sample every ``thin = ceil(thin_factor · τ_int)`` sweeps.

Streams are keyed per (L, T value, chain) under
``as_stream(seed, "dimers")``, so reruns — or reruns with temperatures added to
the grid — reproduce each temperature's samples bit for bit.  Samples are
ordered ``sample = step · chains + chain``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

import numba
import numpy as np
import xarray as xr

from rgml.params import default
from rgml.dimers.lattice import check_dimers, columnar_state, energy, is_close_packed, winding_numbers
from rgml.dimers.observables import columnar_order
from rgml.dimers.worm import RULES, vertex_probabilities, vertex_table, worm_sweeps
from rgml.rng import Stream, as_stream
from rgml.stats import integrated_time, stored_tau

#: A pilot series is trusted when it is at least this many τ_int long.
PILOT_LENGTH_IN_TAU = 50

TEMPERATURE_ATTRS = {"units": "|v|/k_B", "long_name": "temperature T (inf: non-interacting dimers)"}


@dataclass(frozen=True, kw_only=True)
class DimerSettings:
    """Knobs of the dimer sampler; ``None`` means "choose from the measured τ_int"."""

    chains: int = default("dimers.chains")
    rule: str = default("dimers.rule")
    thermalize: int | None = None
    thin: int | None = None
    thin_factor: float = default("dimers.thin_factor")
    min_thermalize: int = 200
    pilot_sweeps: int = 500
    max_pilot_sweeps: int = 32000
    sector_pilot_sweeps: int = 4000

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"rule: unknown vertex rule {self.rule!r}; use one of {', '.join(RULES)}")
        if self.chains < 1:
            raise ValueError(f"chains: must be at least 1, got {self.chains}")
        for name in ("thermalize", "thin"):
            value = getattr(self, name)
            if value is not None and value < (0 if name == "thermalize" else 1):
                raise ValueError(f"{name}: got {value}; use a positive number of sweeps or leave it unset")
        if not 10 <= self.pilot_sweeps <= min(self.sector_pilot_sweeps, self.max_pilot_sweeps):
            raise ValueError(f"need 10 ≤ pilot_sweeps ≤ sector_pilot_sweeps and max_pilot_sweeps, got "
                             f"{self.pilot_sweeps}, {self.sector_pilot_sweeps}, {self.max_pilot_sweeps}")


@dataclass(frozen=True)
class DimerPlan:
    """What the sampler decided for one temperature (times in sweeps)."""

    temperature: float
    tau_int: float
    tau_reliable: bool
    thermalize: int
    thin: int
    worms_per_sweep: int
    mean_worm_length: float
    pilot_sweeps: int
    tau_energy: float = math.nan
    tau_order: float = math.nan
    tau_winding: float = math.nan
    tau_direction: float = math.nan
    sector_frozen: bool = False


def _check_temperatures(temperatures) -> np.ndarray:
    t = np.asarray(temperatures, dtype=np.float64).reshape(-1)
    if t.size == 0 or not np.all(t > 0) or np.isnan(t).any():
        raise ValueError(f"temperatures: need values > 0 (np.inf allowed), got {temperatures!r}")
    if len(np.unique(t)) != len(t):
        raise ValueError(f"temperatures: give each temperature once, got {temperatures!r}")
    return t


@dataclass
class DimerChains:
    """State of every chain, laid out as ``chain · n_T + temperature_index``."""

    size: int
    temperatures: np.ndarray
    chains: int
    interaction: float
    rule: str
    dimers: np.ndarray
    keys: np.ndarray
    counters: np.ndarray
    worms_per_sweep: np.ndarray = field(init=False)
    sweeps: np.ndarray = field(init=False)
    moves: np.ndarray = field(init=False)
    worms: np.ndarray = field(init=False)
    tables: np.ndarray = field(init=False)

    def __post_init__(self):
        n = self.dimers.shape[0]
        self.worms_per_sweep = np.ones(n, np.int64)
        self.sweeps = np.zeros(n, np.int64)
        self.moves = np.zeros(n, np.int64)
        self.worms = np.zeros(n, np.int64)
        per_t = np.stack([
            vertex_table(vertex_probabilities(t, interaction=self.interaction, rule=self.rule))
            for t in self.temperatures
        ])
        self.tables = np.tile(per_t, (self.chains, 1, 1, 1))

    @classmethod
    def start(cls, size: int, temperatures, chains: int, *, seed: int | Stream, interaction: float = default("dimers.interaction"),
              rule: str = "directed") -> "DimerChains":
        """Fresh chains in columnar states (module docstring), keyed per (L, T, chain)."""
        temperatures = _check_temperatures(temperatures)
        check_dimers(np.zeros((2, size, size), np.int8), name="size")
        root = as_stream(seed, "dimers")
        n_t = len(temperatures)
        dimers = np.empty((chains * n_t, 2, size, size), np.int8)
        keys = np.empty(chains * n_t, np.uint64)
        for c in range(chains):
            crystal = columnar_state(size, orientation=c % 2, shift=(c // 2) % 2)
            for i, t in enumerate(temperatures):
                dimers[c * n_t + i] = crystal
                keys[c * n_t + i] = root.child(size, float(t), "chain", c, "worm").key
        return cls(size, temperatures, chains, float(interaction), rule, dimers, keys,
                   np.zeros(chains * n_t, np.uint64))

    #: The arrays that, with the parameters, determine the rest of every chain's run.
    STATE = ("dimers", "counters", "worms_per_sweep", "sweeps", "moves", "worms")

    def state(self) -> dict[str, np.ndarray]:
        """Copies of the chain state arrays (for a checkpoint)."""
        return {name: getattr(self, name).copy() for name in self.STATE}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        """Continue from a :meth:`state` of chains started with the same parameters."""
        for name in self.STATE:
            current = getattr(self, name)
            if state[name].shape != current.shape:
                raise ValueError(f"checkpointed {name} has shape {state[name].shape}, expected {current.shape}")
            current[...] = state[name]
        if not is_close_packed(self.dimers).all():
            raise ValueError("checkpointed dimers are not close-packed; the checkpoint is corrupt")

    def per_chain(self, per_temperature) -> np.ndarray:
        """Broadcast a per-temperature array to the chain layout."""
        return np.tile(np.asarray(per_temperature), self.chains)

    def per_temperature(self, per_chain) -> np.ndarray:
        """Reshape a chain-layout array ``(n_chains, ...)`` to ``(n_T, chains, ...)``."""
        a = np.asarray(per_chain)
        return a.reshape(self.chains, len(self.temperatures), *a.shape[1:]).swapaxes(0, 1)

    def advance(self, sweeps, *, record: int = 0, every=None, snapshots: int = 0) -> np.ndarray | None:
        """Advance chain i by ``sweeps[i]`` sweeps.

        With ``record = n > 0`` returns int64 ``(chains, n, 5)``: the
        :data:`rgml.dimers.worm.RECORD_FIELDS` after each of the first n
        sweeps.  With ``snapshots = m > 0`` returns int8
        ``(chains, m, 2, L, L)``: the configurations after sweeps
        ``every[i], 2 every[i], …, m every[i]``.
        """
        sweeps = np.asarray(sweeps, np.int64)
        n = len(sweeps)
        out = np.zeros((n, record, 5), np.int64)
        every = np.ones(n, np.int64) if every is None else np.asarray(every, np.int64)
        shots = np.zeros((n, snapshots, 2, self.size, self.size), np.int8)
        with numba.parallel_chunksize(1):  # chains differ in cost: hand them out one by one
            worm_sweeps(self.dimers, self.tables, self.keys, self.counters, sweeps, self.worms_per_sweep,
                        self.moves, self.worms, out, every, shots)
        self.sweeps += sweeps
        if snapshots:
            return shots
        return out if record else None

    def calibrate(self, sweeps: int) -> np.ndarray:
        """Burn in and set ``worms_per_sweep`` from the mean worm length; returns ⟨ℓ_w⟩ per temperature.

        ⟨ℓ_w⟩ is first estimated from 10 single-worm sweeps, then measured over
        ``sweeps`` sweeps of that provisional length, over all chains of a
        temperature.  The draws stay consumed.
        """
        n_sites = self.size * self.size
        self.worms_per_sweep[:] = 1
        mean = np.ones(len(self.temperatures))
        for n in (10, max(1, sweeps)):
            moves, worms = self.moves.copy(), self.worms.copy()
            self.advance(np.full(len(self.sweeps), n))
            done = self.per_temperature(self.moves - moves).sum(axis=1)
            mean = done / self.per_temperature(self.worms - worms).sum(axis=1)
            self.worms_per_sweep = self.per_chain(np.maximum(1, np.rint(n_sites / mean))).astype(np.int64)
        self.sweeps[:] = 0
        return mean


def _pilot_taus(record: np.ndarray, size: int) -> np.ndarray:
    """τ_int of N_∥, |D|, (W_x, W_y) and (D_x, D_y) from a pilot record ``(chains, n, 5)``."""
    n_par = record[..., 0].astype(np.float64)
    order = 2.0 * np.hypot(record[..., 1], record[..., 2]) / (size * size)
    winding = np.concatenate([record[..., 3], record[..., 4]]).astype(np.float64)
    direction = np.concatenate([record[..., 1], record[..., 2]]).astype(np.float64)
    return np.array([integrated_time(n_par), integrated_time(order), integrated_time(winding, mean=0.0),
                     integrated_time(direction, mean=0.0)])


def prepare_chains(
    size: int, temperatures, *, seed: int | Stream, settings: DimerSettings = DimerSettings(),
    interaction: float = default("dimers.interaction"), log: Callable[[str], None] | None = None,
) -> tuple[DimerChains, list[DimerPlan]]:
    """Start, calibrate, burn in, pilot and thermalize chains for every temperature.

    Returns the thermalized chains (their sweep counters reset to 0) and one
    :class:`DimerPlan` per temperature, in the order given.
    """
    log = log or (lambda message: None)
    batch = DimerChains.start(size, temperatures, settings.chains, seed=seed, interaction=interaction,
                              rule=settings.rule)
    n_t = len(batch.temperatures)
    burn_in = settings.min_thermalize if settings.thermalize is None else settings.thermalize
    mean_length = batch.calibrate(max(1, burn_in // 4))
    log(f"dimers L={size}: worms per sweep " + ", ".join(map(str, batch.worms_per_sweep[:n_t])))
    batch.advance(np.full(len(batch.sweeps), burn_in))
    measure = settings.thin is None or settings.thermalize is None
    taus = np.full((n_t, 4), np.nan)
    tau = np.full(n_t, np.nan)
    reliable = np.zeros(n_t, bool)
    frozen = np.zeros(n_t, bool)
    length = np.zeros(n_t, np.int64)
    if measure:
        series: list[list[np.ndarray]] = [[] for _ in range(n_t)]
        running = np.ones(n_t, bool)
        target = settings.pilot_sweeps
        while running.any():
            steps = target - length.max(where=running, initial=0)
            record = batch.per_temperature(batch.advance(batch.per_chain(running) * steps, record=steps))
            for i in np.flatnonzero(running):
                series[i].append(record[i])
                length[i] = target
                taus[i] = _pilot_taus(np.concatenate(series[i], axis=1), size)
                resolved = target >= PILOT_LENGTH_IN_TAU * taus[i]
                frozen[i] = not resolved[3] and target >= settings.sector_pilot_sweeps
                tau[i] = taus[i, :3].max() if frozen[i] else taus[i].max()
                reliable[i] = resolved[:3].all() and (resolved[3] or frozen[i])
                if reliable[i] or target >= settings.max_pilot_sweeps:
                    running[i] = False
            target = min(2 * target, settings.max_pilot_sweeps)
        log(f"dimers L={size}: pilot τ_int = " + ", ".join(
            f"{t:.3g}" + (" (sectors frozen)" if f else "") for t, f in zip(tau, frozen)))
    plans = []
    for i, t in enumerate(batch.temperatures):
        thin = settings.thin if settings.thin is not None else max(1, math.ceil(settings.thin_factor * tau[i]))
        thermalize = (settings.thermalize if settings.thermalize is not None
                      else max(settings.min_thermalize, math.ceil(20 * tau[i])))
        plans.append(DimerPlan(
            temperature=float(t), tau_int=float(tau[i]), tau_reliable=bool(reliable[i]),
            thermalize=int(thermalize), thin=int(thin), worms_per_sweep=int(batch.worms_per_sweep[i]),
            mean_worm_length=float(mean_length[i]), pilot_sweeps=int(length[i]),
            tau_energy=float(taus[i, 0]), tau_order=float(taus[i, 1]), tau_winding=float(taus[i, 2]),
            tau_direction=float(taus[i, 3]), sector_frozen=bool(frozen[i]),
        ))
    top_up = np.maximum(0, batch.per_chain([p.thermalize for p in plans]) - batch.sweeps)
    if top_up.any():
        log(f"dimers L={size}: thermalizing, up to {top_up.max()} more sweeps")
        batch.advance(top_up)
    batch.sweeps[:] = 0
    return batch, plans


@dataclass
class DimerBlock:
    """Consecutive stored samples for all temperatures; sample = step · chains + chain."""

    dimers: np.ndarray  # int8 (temperature, sample, 2, L, L)
    energy: np.ndarray  # float64 (temperature, sample), per site
    winding: np.ndarray  # int64 (temperature, sample, 2)
    columnar: np.ndarray  # float64 (temperature, sample, 2)
    sweep: np.ndarray  # int64 (temperature, sample): the chain's sweeps since thermalization
    first_step: int

    def to_dataset(self, temperatures, chains: int, *, first_sample: int = 0) -> xr.Dataset:
        """The per-sample variables of the sample store, samples numbered from ``first_sample``.

        ``dimers (temperature, sample, direction, y, x)`` int8, ``energy``,
        ``winding_x``, ``winding_y``, ``columnar_x``, ``columnar_y``,
        ``sweep (temperature, sample)``; a workflow step appends these block by
        block and adds :func:`plans_dataset` at the end.
        """
        sample = np.arange(first_sample, first_sample + self.dimers.shape[1])
        ts = ("temperature", "sample")
        return xr.Dataset(
            {
                "dimers": (("temperature", "sample", "direction", "y", "x"), self.dimers,
                           {"long_name": "link occupation (1: dimer); direction 0: link (y,x)-(y,x+1), "
                                         "1: link (y,x)-(y+1,x)", "units": "1", "flag_values": [0, 1]}),
                "energy": (ts, self.energy, {"long_name": "energy per site v N_par / L^2", "units": "|v|"}),
                "winding_x": (ts, self.winding[..., 0],
                              {"long_name": "winding number W_x (E flux through a column cut)", "units": "1"}),
                "winding_y": (ts, self.winding[..., 1],
                              {"long_name": "winding number W_y (E flux through a row cut)", "units": "1"}),
                "columnar_x": (ts, self.columnar[..., 0],
                               {"long_name": "columnar order D_x (Alet et al. 2005)", "units": "1"}),
                "columnar_y": (ts, self.columnar[..., 1],
                               {"long_name": "columnar order D_y (Alet et al. 2005)", "units": "1"}),
                "sweep": (ts, self.sweep, {"long_name": "sweeps of the chain since thermalization",
                                           "units": "sweeps"}),
            },
            coords={
                "temperature": ("temperature", np.asarray(temperatures, np.float64), TEMPERATURE_ATTRS),
                "sample": ("sample", sample, {"long_name": "sample index (step * chains + chain)"}),
                "chain": ("sample", (sample % chains).astype(np.int16), {"long_name": "Markov chain"}),
                "direction": ("direction", np.array([0, 1], np.int8),
                              {"long_name": "link direction from its site (0: +x, 1: +y)"}),
            },
        )


def production(
    batch: DimerChains, plans: list[DimerPlan], samples_per_chain: int, *, block_steps: int,
    first_step: int = 0, progress: Callable[[int, int], None] | None = None,
) -> Iterator[DimerBlock]:
    """Yield blocks of ``block_steps`` stored steps (each ``chains`` samples) per temperature.

    The batch is advanced in place; ``first_step`` lets a resumed run number
    its samples where the interrupted one stopped.
    """
    thin = batch.per_chain([p.thin for p in plans])
    n_t = len(plans)
    step = first_step
    while step < samples_per_chain:
        k = min(block_steps, samples_per_chain - step)
        start = batch.sweeps.copy()
        shots = batch.advance(k * thin, every=thin, snapshots=k)  # (n_chains, k, 2, L, L)
        # sample = step · chains + chain: (n_T, chains, k, ...) → (n_T, k, chains, ...) → (n_T, k · chains, ...)
        dimers = batch.per_temperature(shots).swapaxes(1, 2).reshape(n_t, k * batch.chains, *shots.shape[2:])
        sweeps = start[:, None] + thin[:, None] * np.arange(1, k + 1)[None, :]
        sweep = batch.per_temperature(sweeps).swapaxes(1, 2).reshape(n_t, k * batch.chains)
        yield DimerBlock(dimers, energy(dimers, interaction=batch.interaction), winding_numbers(dimers),
                         columnar_order(dimers), sweep, step)
        step += k
        if progress is not None:
            progress(step, samples_per_chain)


_PLAN_ATTRS = {
    "tau_int": ("pilot tau_int: max over energy, |D|, winding and (unless sectors are frozen) direction of D",
                "sweeps"),
    "tau_reliable": ("pilot run was at least 50 tau_int long", None),
    "thermalize": ("thermalization before the first stored sample", "sweeps"),
    "thin": ("sweeps between stored samples", "sweeps"),
    "worms_per_sweep": ("worms per sweep, round(L^2 / mean worm length)", None),
    "mean_worm_length": ("mean number of vertices a worm visits (burn-in)", "vertices"),
    "pilot_sweeps": ("length of the pilot run", "sweeps"),
    "tau_energy": ("pilot tau_int of the energy", "sweeps"),
    "tau_order": ("pilot tau_int of |columnar order|", "sweeps"),
    "tau_winding": ("pilot tau_int of the winding numbers (centred on 0)", "sweeps"),
    "tau_direction": ("pilot tau_int of the columnar order components (D_x, D_y) (centred on 0)", "sweeps"),
    "sector_frozen": ("no tunnelling between columnar crystals within sector_pilot_sweeps; direction tau "
                      "left out of tau_int", None),
}


def stored_tau_dataset(energy: np.ndarray, temperatures, chains: int) -> xr.Dataset:
    """``tau_int_energy_stored``: τ_int of the energy along each chain's stored samples, per temperature.

    ``energy`` is ``(n_T, samples)`` in sampling order (sample = step · chains + chain);
    the thinning check of the stored series (≈ 1/2 when the samples are independent).
    """
    tau = [stored_tau(e, chains) for e in np.asarray(energy)]
    return xr.Dataset(
        {"tau_int_energy_stored": (("temperature",), tau,
                                   {"long_name": "tau_int of the energy along each chain's stored samples",
                                    "units": "stored samples"})},
        coords={"temperature": ("temperature", np.asarray(temperatures, np.float64), TEMPERATURE_ATTRS)},
    )


def plans_dataset(plans) -> xr.Dataset:
    """Per-temperature provenance of the sampler: τ_int (and its parts), thinning, worms per sweep, …"""
    data = {}
    for name, (long_name, units) in _PLAN_ATTRS.items():
        attrs = {"long_name": long_name} | ({"units": units} if units else {})
        data[name] = (("temperature",), np.array([getattr(p, name) for p in plans]), attrs)
    temperatures = np.array([p.temperature for p in plans], np.float64)
    return xr.Dataset(data, coords={"temperature": ("temperature", temperatures, TEMPERATURE_ATTRS)})


@dataclass(frozen=True)
class DimerSamples:
    """Samples of the interacting dimer model at several temperatures (host arrays).

    Attributes
    ----------
    temperatures:
        float64 ``(n_T,)`` in units of |v|/k_B, ``inf`` allowed.
    dimers:
        int8 ``(n_T, samples, 2, L, L)`` link occupations (:mod:`rgml.dimers.lattice`).
    energy:
        float64 ``(n_T, samples)`` per site, ``v N_∥ / L²``.
    winding:
        int64 ``(n_T, samples, 2)``: ``(W_x, W_y)``.
    columnar:
        float64 ``(n_T, samples, 2)``: ``(D_x, D_y)`` (:mod:`rgml.dimers.observables`).
    sweep:
        int64 ``(n_T, samples)``: each chain's sweeps since thermalization.
    plans:
        One :class:`DimerPlan` per temperature.
    chains, interaction, rule:
        Chains per temperature, the plaquette energy v, the vertex rule.
    """

    temperatures: np.ndarray
    dimers: np.ndarray
    energy: np.ndarray
    winding: np.ndarray
    columnar: np.ndarray
    sweep: np.ndarray
    plans: tuple[DimerPlan, ...]
    chains: int
    interaction: float
    rule: str

    def to_dataset(self) -> xr.Dataset:
        """The sample-store layout: :meth:`DimerBlock.to_dataset`, :func:`plans_dataset`, :func:`stored_tau_dataset`."""
        block = DimerBlock(self.dimers, self.energy, self.winding, self.columnar, self.sweep, 0)
        ds = xr.merge([block.to_dataset(self.temperatures, self.chains), plans_dataset(self.plans),
                       stored_tau_dataset(self.energy, self.temperatures, self.chains)], combine_attrs="override")
        ds.attrs = {"model": "dimers", "interaction": self.interaction, "rule": self.rule, "chains": self.chains}
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "DimerSamples":
        """Rebuild from :meth:`to_dataset` (or a sample store opened with xarray)."""
        temperatures = ds["temperature"].values.astype(np.float64)
        plan_fields = [f.name for f in fields(DimerPlan) if f.name != "temperature"]
        plans = tuple(
            DimerPlan(temperature=float(t), **{name: ds[name].values[i].item() for name in plan_fields})
            for i, t in enumerate(temperatures)
        )
        return cls(
            temperatures=temperatures,
            dimers=ds["dimers"].values.astype(np.int8),
            energy=ds["energy"].values.astype(np.float64),
            winding=np.stack([ds["winding_x"].values, ds["winding_y"].values], axis=-1).astype(np.int64),
            columnar=np.stack([ds["columnar_x"].values, ds["columnar_y"].values], axis=-1).astype(np.float64),
            sweep=ds["sweep"].values.astype(np.int64),
            plans=plans,
            chains=int(ds.attrs["chains"]),
            interaction=float(ds.attrs["interaction"]),
            rule=str(ds.attrs["rule"]),
        )


def sample_dimers(
    size: int, temperatures, samples: int, *, seed: int | Stream, settings: DimerSettings = DimerSettings(),
    interaction: float = default("dimers.interaction"), log: Callable[[str], None] | None = None,
) -> DimerSamples:
    """Sample the L × L dimer torus at every temperature: the notebook front door.

    ``samples`` per temperature (rounded up to whole steps of all chains, then
    cut).  With the workflow's seed it reproduces the workflow's store.
    """
    if samples < 1:
        raise ValueError(f"samples: need at least 1, got {samples}")
    batch, plans = prepare_chains(size, temperatures, seed=seed, settings=settings, interaction=interaction, log=log)
    per_chain = math.ceil(samples / settings.chains)
    blocks = list(production(batch, plans, per_chain, block_steps=per_chain))
    cut = slice(0, samples)

    def joined(name):
        return np.concatenate([getattr(b, name) for b in blocks], axis=1)[:, cut]

    return DimerSamples(
        temperatures=batch.temperatures.copy(), dimers=joined("dimers"), energy=joined("energy"),
        winding=joined("winding"), columnar=joined("columnar"), sweep=joined("sweep"), plans=tuple(plans),
        chains=settings.chains, interaction=float(interaction), rule=settings.rule,
    )
