"""Self-learning Monte Carlo study of the plaquette model: train, then compare with local updates.

The procedure of Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017):

1. **Train** (:func:`train_effective_model`): sample the true model with local
   Metropolis at the training temperature and size, and fit the effective
   model to the configurations' energies (:mod:`rgml.slmc.effective`).
   Liu et al. then iterate: ``refit_rounds`` more fits, each on configurations
   sampled by SLMC with the previous fit.
2. **Compare** (:func:`run_slmc`): at every temperature run local Metropolis
   and SLMC chains of the same length in sweeps, from the same all-+1 start,
   one after the other in the same process so that their timings compare,
   and summarise both (:class:`rgml.slmc.result.SLMCResult`): ⟨e⟩, ⟨|m|⟩,
   the Binder cumulant, τ_int of e and |m|, acceptance and the wall time per
   effectively independent sample.

Estimators: means and errors by :func:`rgml.stats.estimate` on the per-sweep
series of all chains (τ-corrected); τ_int for the cost is max(τ_e, τ_|m|) in
sweeps, and the cost per independent sample is seconds / (sweeps · chains /
(2 τ_int)) — the estimator of ``bench/sampler_speed.py`` — in wall time and,
less sensitive to other jobs on a shared machine, in CPU time.  The Binder cumulant
U_4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²) gets a blocked-jackknife error (50 blocks in time).

Everything except the wall times is a deterministic function of the seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rgml.params import default
from rgml.rng import Stream, as_stream
from rgml.slmc.effective import EffectiveModel, fit_effective_model
from rgml.slmc.plaquette import PlaquetteModel, check_size, energy_from_sums
from rgml.slmc.result import ALGORITHMS, SLMCResult
from rgml.slmc.sampling import ChainRun, run_cluster, run_local
from rgml.stats import autocorrelation, estimate, jackknife

#: Blocks of the jackknife error of the Binder cumulant.
BINDER_BLOCKS = 50


@dataclass(frozen=True, kw_only=True)
class SLMCConfig:
    """Knobs of an SLMC study; all times in sweeps of the algorithm concerned.

    Training: ``train_samples`` configurations (over all chains) spaced
    ``train_thin`` sweeps apart after ``train_thermalize`` sweeps, at
    ``train_size`` (None: the run's L) and ``train_temperature`` (the schema's
    ``slmc.train_temperature``, Liu et al.'s T_c for J = 1, K = 0.2, as in the
    workflow; None: the median of the run's temperatures, for other couplings),
    fitted with ``shells`` neighbour shells;
    then ``refit_rounds`` refits on SLMC configurations.
    Comparison: ``chains`` chains per algorithm and temperature;
    ``local_per_slmc_sweep`` local sweeps appended to every SLMC sweep;
    the autocorrelation of |m| is stored for lags 0 … ``acf_lags`` sweeps
    (1000: about 4 τ_int of local Metropolis at T_c and L = 64).

    Defaults follow bench/slmc.py at T_c: one shell (the three-shell fit has
    J_1 ≈ 1.24 with antiferromagnetic J_2, whose Wolff clusters span ~80% of the
    lattice and decorrelate slowly) and one local sweep per SLMC sweep
    (``local_per_slmc_sweep = 0``, the pure SLMC of Liu et al., loses its
    advantage at L ≥ 48: acceptance falls to ~0.3 and the energy stays
    correlated for hundreds of sweeps).
    """

    chains: int = default("slmc.chains")
    shells: int = default("slmc.shells")
    train_size: int | None = None
    train_temperature: float | None = default("slmc.train_temperature")
    train_samples: int = default("slmc.train_samples")
    train_thin: int = default("slmc.train_thin")
    train_thermalize: int = default("slmc.train_thermalize")
    refit_rounds: int = 0
    local_thermalize: int = default("slmc.local_thermalize")
    local_sweeps: int = default("slmc.local_sweeps")
    slmc_thermalize: int = default("slmc.slmc_thermalize")
    slmc_sweeps: int = default("slmc.slmc_sweeps")
    local_per_slmc_sweep: int = default("slmc.local_per_slmc_sweep")
    acf_lags: int = 1000

    def __post_init__(self):
        positive = ("chains", "shells", "train_samples", "train_thin", "local_sweeps", "slmc_sweeps", "acf_lags")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1, got {getattr(self, name)}")
        for name in ("train_thermalize", "refit_rounds", "local_thermalize", "slmc_thermalize", "local_per_slmc_sweep"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must be non-negative, got {getattr(self, name)}")
        if self.shells > 3:
            raise ValueError(f"shells: the effective model has 1 to 3 neighbour shells, got {self.shells}")
        if self.train_size is not None:
            check_size(self.train_size, "train_size")
        if self.train_temperature is not None and not self.train_temperature > 0:
            raise ValueError(f"train_temperature: must be a positive temperature or None, got {self.train_temperature}")
        if self.train_samples < self.chains * 2:
            raise ValueError(f"train_samples: need at least 2 per chain ({2 * self.chains}), got {self.train_samples}")


def _part(seed: int | Stream, *parts) -> int | Stream:
    """An int seed as is (callees key by what they sample), or a child stream named by ``parts``."""
    return seed.child(*parts) if isinstance(seed, Stream) else seed


def train_effective_model(
    size: int, temperature: float, model: PlaquetteModel = PlaquetteModel(), config: SLMCConfig = SLMCConfig(), *,
    seed: int | Stream, log: Callable[[str], None] | None = None,
) -> EffectiveModel:
    """Fit the effective model on configurations of the true model at (``size``, ``temperature``).

    Round 0 samples with local Metropolis; each of ``config.refit_rounds``
    further rounds samples with SLMC proposals from the previous fit.  An int
    seed keys round r by ("slmc-train", J, K, L, T, r) — independent of the
    comparison runs' chains and of the run's temperature grid; a stream's
    children are named ("train", r).
    """
    per_chain = -(-config.train_samples // config.chains)
    sweeps = per_chain * config.train_thin
    n_sites = check_size(size) ** 2
    def stream(round_: int) -> Stream:
        if isinstance(seed, Stream):
            return seed.child("train", round_)
        return as_stream(seed, "slmc-train", model.coupling, model.plaquette, size, float(temperature), round_)

    run = run_local(size, temperature, model, chains=config.chains, thermalize=config.train_thermalize,
                    sweeps=sweeps, seed=stream(0), pair_sums=True)
    effective = _fit(run, model, config, n_sites, temperature, size)
    for round_ in range(1, config.refit_rounds + 1):
        if log is not None:
            log(f"L={size} T={temperature}: round {round_ - 1} J_eff = {np.round(effective.couplings, 4).tolist()}")
        run = run_cluster(size, temperature, model, effective, chains=config.chains,
                          thermalize=config.slmc_thermalize, sweeps=sweeps, seed=stream(round_),
                          local_per_sweep=config.local_per_slmc_sweep, pair_sums=True)
        effective = _fit(run, model, config, n_sites, temperature, size)
    return effective


def _fit(run: ChainRun, model, config, n_sites, temperature, size) -> EffectiveModel:
    stored = run.sums[:, config.train_thin - 1 :: config.train_thin]
    energies = energy_from_sums(stored, model, n_sites)
    pairs = stored[..., [0, 3, 4]]
    return fit_effective_model(pairs, energies, n_sites=n_sites, shells=config.shells,
                               temperature=temperature, size=size)


def _binder(m: np.ndarray) -> float:
    m2 = np.mean(m * m)
    return float(1.0 - np.mean(m**4) / (3.0 * m2 * m2)) if m2 > 0 else math.nan


def summarise(run: ChainRun, model: PlaquetteModel, n_sites: int, *, acf_lags: int) -> dict:
    """Per-run statistics of :class:`SLMCResult` (one entry per variable) from a :class:`ChainRun`."""
    energy = energy_from_sums(run.sums, model, n_sites)
    abs_m = np.abs(run.sums[..., 2]) / n_sites
    e = estimate(energy)
    m = estimate(abs_m)
    binder = jackknife(_binder, (abs_m.T.copy(),), blocks=min(BINDER_BLOCKS, abs_m.shape[1]))
    chains, sweeps = energy.shape
    tau = max(e.tau_int, m.tau_int)
    acf = np.full(acf_lags + 1, np.nan)
    rho = autocorrelation(abs_m)[: acf_lags + 1]
    acf[: rho.size] = rho
    return {
        "energy": e.mean, "energy_err": e.error, "abs_magnetization": m.mean, "abs_magnetization_err": m.error,
        "binder": binder.mean, "binder_err": binder.error, "tau_energy": e.tau_int,
        "tau_abs_magnetization": m.tau_int, "reliable": e.reliable and m.reliable, "acceptance": run.acceptance,
        "mean_cluster_size": run.mean_cluster_size, "clusters_per_sweep": run.clusters_per_sweep,
        "sweeps": sweeps, "seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
        "cost_per_independent_sample": run.seconds / (sweeps * chains / (2.0 * tau)),
        "cpu_cost_per_independent_sample": run.cpu_seconds / (sweeps * chains / (2.0 * tau)),
        "acf_abs_magnetization": acf,
    }


def run_slmc(
    size: int, temperatures, model: PlaquetteModel = PlaquetteModel(), config: SLMCConfig = SLMCConfig(), *,
    seed: int | Stream, effective: EffectiveModel | None = None, algorithms: tuple[str, ...] = ALGORITHMS,
    log: Callable[[str], None] | None = None,
) -> SLMCResult:
    """Train the effective model (unless given) and compare local Metropolis with SLMC at every temperature.

    Parameters
    ----------
    size:
        L of the L×L torus (even, ≥ 4).
    temperatures:
        Temperatures in J/k_B; each is run independently (keyed by its value).
    model, config:
        The true model and the study's knobs.
    seed:
        Root seed, or a stream whose children are used.
    effective:
        A fitted effective model to reuse (e.g. trained once at a small L);
        ``None`` trains one as ``config`` says.
    algorithms:
        Which of ("local", "slmc") to run; ("slmc",) alone is a cheap scan
        (e.g. of the Binder cumulant on a fine grid near Tc).
    log:
        Called with one progress line per stage.
    """
    size = check_size(size)
    algorithms = tuple(algorithms)
    if not algorithms or any(a not in ALGORITHMS for a in algorithms) or len(set(algorithms)) != len(algorithms):
        raise ValueError(f"algorithms: choose one or both of {ALGORITHMS}, got {algorithms!r}")
    algorithms = tuple(a for a in ALGORITHMS if a in algorithms)
    temperatures = np.asarray(temperatures, dtype=np.float64).reshape(-1)
    if temperatures.size == 0 or not np.all(temperatures > 0):
        raise ValueError(f"temperatures: need at least one positive temperature, got {temperatures.tolist()}")
    if effective is None:
        train_t = config.train_temperature if config.train_temperature is not None else float(np.median(temperatures))
        train_l = config.train_size if config.train_size is not None else size
        effective = train_effective_model(train_l, train_t, model, config, seed=seed, log=log)
    if log is not None:
        log(f"L={size}: J_eff = {np.round(effective.couplings, 4).tolist()} ± "
            f"{np.round(effective.couplings_err, 4).tolist()}, R² = {effective.r2:.5f}")
    n_sites = size * size
    rows: list[list[dict]] = []
    for t in temperatures:
        t = float(t)
        runs = []
        if "local" in algorithms:
            runs.append(run_local(size, t, model, chains=config.chains, thermalize=config.local_thermalize,
                                  sweeps=config.local_sweeps, seed=_part(seed, "local", size, t)))
        if "slmc" in algorithms:
            runs.append(run_cluster(size, t, model, effective, chains=config.chains,
                                    thermalize=config.slmc_thermalize, sweeps=config.slmc_sweeps,
                                    seed=_part(seed, "cluster", size, t), local_per_sweep=config.local_per_slmc_sweep))
        rows.append([summarise(r, model, n_sites, acf_lags=config.acf_lags) for r in runs])
        if log is not None:
            log(f"L={size} T={t}: " + "; ".join(
                f"{a} e = {r['energy']:.5f}, τ = {max(r['tau_energy'], r['tau_abs_magnetization']):.2f} sweeps, "
                f"acceptance {r['acceptance']:.3f}" for a, r in zip(algorithms, rows[-1])))
    columns = {name: np.array([[row[a][name] for a in range(len(algorithms))] for row in rows])
               for name in rows[0][0]}
    return SLMCResult(size=size, coupling=model.coupling, plaquette=model.plaquette, chains=config.chains,
                      local_per_slmc_sweep=config.local_per_slmc_sweep, algorithms=algorithms,
                      temperatures=temperatures,
                      effective=effective, **columns)
