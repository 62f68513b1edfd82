"""The result of an SLMC study and its dataset / table forms.

Dataset layout (:meth:`SLMCResult.to_dataset`)::

    coords     temperature (J/k_B), algorithm ["local", "slmc"] (or one of them),
               shell ["nearest", "diagonal", "third"][:n], lag (sweeps)
    (temperature, algorithm)   energy, energy_err, abs_magnetization, abs_magnetization_err, binder, binder_err,
                               tau_energy, tau_abs_magnetization, tau_int, reliable, acceptance,
                               mean_cluster_size, clusters_per_sweep, sweeps, seconds, cpu_seconds,
                               seconds_per_sweep, cost_per_independent_sample, cpu_cost_per_independent_sample
    (temperature, algorithm, lag)  acf_abs_magnetization
    (shell)    effective_coupling, effective_coupling_err
    0-d        size, coupling_J, plaquette_K, chains, local_per_slmc_sweep, effective_e0, effective_e0_err, fit_r2,
               fit_residual_rms, fit_residual_tau, train_samples, train_temperature, train_size

The :data:`TIMING_VARIABLES` (wall and CPU seconds and the costs derived from
them) are measurements; everything else is a deterministic function of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import xarray as xr

from rgml.slmc.effective import EffectiveModel
from rgml.slmc.plaquette import SHELLS
from rgml.stats import tau_error

ALGORITHMS = ("local", "slmc")

#: Variables that hold wall-clock times (not reproducible bit for bit).
TIMING_VARIABLES = ("seconds", "cpu_seconds", "seconds_per_sweep", "cost_per_independent_sample",
                    "cpu_cost_per_independent_sample")

#: (units, long_name) of the per-(temperature, algorithm) variables.
_PER_RUN = {
    "energy": ("J", "mean energy per spin"),
    "energy_err": ("J", "standard error of the energy per spin (tau-corrected)"),
    "abs_magnetization": ("1", "mean |m| per spin"),
    "abs_magnetization_err": ("1", "standard error of |m| (tau-corrected)"),
    "binder": ("1", "Binder cumulant 1 - <m^4>/(3 <m^2>^2)"),
    "binder_err": ("1", "blocked-jackknife error of the Binder cumulant"),
    "tau_energy": ("sweeps", "integrated autocorrelation time of e"),
    "tau_abs_magnetization": ("sweeps", "integrated autocorrelation time of |m|"),
    "reliable": ("1", "chains longer than 50 tau_int"),
    "acceptance": ("1", "accepted / proposed local flips or cluster flips"),
    "mean_cluster_size": ("sites", "mean proposed cluster size (NaN for local updates)"),
    "clusters_per_sweep": ("1", "cluster proposals per sweep (1 for local updates)"),
    "sweeps": ("sweeps", "production sweeps per chain"),
    "seconds": ("s", "wall time of the production sweeps, all chains"),
    "cpu_seconds": ("s", "CPU time (all threads) of the production sweeps"),
    "cost_per_independent_sample": ("s", "wall time per effectively independent sample, 2 tau_int max(e,|m|)"),
    "cpu_cost_per_independent_sample": ("s", "CPU time per effectively independent sample"),
}
_DERIVED = {
    "tau_int": ("sweeps", "max of tau_energy and tau_abs_magnetization"),
    "seconds_per_sweep": ("s", "wall time per sweep of all chains"),
}
_EFFECTIVE_SCALARS = {
    "effective_e0": ("e0", "J", "constant E_0 / L^2 of the effective model"),
    "effective_e0_err": ("e0_err", "J", "standard error of E_0 / L^2"),
    "fit_r2": ("r2", "1", "R^2 of the effective-model fit on its training set"),
    "fit_residual_rms": ("residual_rms", "J", "rms residual energy per spin of the fit"),
    "fit_residual_tau": ("residual_tau", "samples", "tau_int of the fit residuals (widens the errors)"),
    "train_samples": ("n_samples", "1", "training configurations"),
    "train_temperature": ("temperature", "J/k_B", "temperature of the training configurations"),
    "train_size": ("size", "1", "L of the training configurations"),
}


@dataclass(frozen=True, eq=False)
class SLMCResult:
    """Local Metropolis vs SLMC on the plaquette model at one size (host NumPy arrays).

    Per-run arrays have shape ``(temperature, algorithm)`` with the algorithms
    of ``algorithms`` (a subset of :data:`ALGORITHMS`, in that order);
    ``acf_abs_magnetization`` adds a ``lag`` axis (ρ(t) of |m| for
    t = 0 … acf_lags sweeps).
    """

    size: int
    coupling: float
    plaquette: float
    chains: int
    local_per_slmc_sweep: int
    algorithms: tuple[str, ...]
    temperatures: np.ndarray
    effective: EffectiveModel
    energy: np.ndarray
    energy_err: np.ndarray
    abs_magnetization: np.ndarray
    abs_magnetization_err: np.ndarray
    binder: np.ndarray
    binder_err: np.ndarray
    tau_energy: np.ndarray
    tau_abs_magnetization: np.ndarray
    reliable: np.ndarray
    acceptance: np.ndarray
    mean_cluster_size: np.ndarray
    clusters_per_sweep: np.ndarray
    sweeps: np.ndarray
    seconds: np.ndarray
    cpu_seconds: np.ndarray
    cost_per_independent_sample: np.ndarray
    cpu_cost_per_independent_sample: np.ndarray
    acf_abs_magnetization: np.ndarray

    @property
    def tau_int(self) -> np.ndarray:
        """max(τ_e, τ_|m|) in sweeps, the τ that sets the cost."""
        return np.maximum(self.tau_energy, self.tau_abs_magnetization)

    @property
    def seconds_per_sweep(self) -> np.ndarray:
        return self.seconds / self.sweeps

    # ------------------------------------------------------------------ comparisons
    def _pair(self) -> tuple[int, int]:
        if self.algorithms != ALGORITHMS:
            raise ValueError(f"algorithms: this result holds only {self.algorithms}; "
                             f"run both {ALGORITHMS} to compare them")
        return 0, 1

    def agreement(self) -> pd.DataFrame:
        """z = (SLMC − local)/σ of ⟨e⟩, ⟨|m|⟩ and U_4 (σ² the sum of both errors²), one row per temperature."""
        lo, sl = self._pair()
        out = {"size": self.size, "temperature": self.temperatures}
        for name in ("energy", "abs_magnetization", "binder"):
            value, err = getattr(self, name), getattr(self, f"{name}_err")
            out[f"z_{name}"] = (value[:, sl] - value[:, lo]) / np.hypot(err[:, lo], err[:, sl])
        return pd.DataFrame(out)

    @property
    def tau_int_err(self) -> np.ndarray:
        """Statistical error of :attr:`tau_int` (:func:`rgml.stats.tau_error`, all chains' sweeps together)."""
        return tau_error(self.tau_int, self.sweeps * self.chains)

    def speedup(self) -> pd.DataFrame:
        """Local over SLMC cost per independent sample (and its factors), one row per temperature.

        ``speedup_err`` is the part of the error that comes from the two τ_int
        (relative errors added in quadrature); the timings' own scatter between
        runs is not in it.
        """
        lo, sl = self._pair()
        tau, tau_err = self.tau_int, self.tau_int_err
        speedup = self.cost_per_independent_sample[:, lo] / self.cost_per_independent_sample[:, sl]
        relative = np.hypot(tau_err[:, lo] / tau[:, lo], tau_err[:, sl] / tau[:, sl])
        return pd.DataFrame({
            "size": self.size,
            "temperature": self.temperatures,
            "tau_local_sweeps": tau[:, lo],
            "tau_local_err": tau_err[:, lo],
            "tau_slmc_sweeps": tau[:, sl],
            "tau_slmc_err": tau_err[:, sl],
            "sweep_cost_ratio": self.seconds_per_sweep[:, sl] / self.seconds_per_sweep[:, lo],
            "acceptance_slmc": self.acceptance[:, sl],
            "speedup": speedup,
            "speedup_err": speedup * relative,
            "speedup_cpu": self.cpu_cost_per_independent_sample[:, lo] / self.cpu_cost_per_independent_sample[:, sl],
        })

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """One row per (temperature, algorithm); times in sweeps and seconds as the column names say."""
        n_t = len(self.temperatures)
        frame = {
            "size": self.size,
            "temperature": np.repeat(self.temperatures, len(self.algorithms)),
            "algorithm": np.tile(self.algorithms, n_t),
        }
        renamed = {"tau_energy": "tau_energy_sweeps", "tau_abs_magnetization": "tau_abs_magnetization_sweeps",
                   "seconds": "seconds", "cpu_seconds": "cpu_seconds",
                   "cost_per_independent_sample": "cost_per_independent_sample_s",
                   "cpu_cost_per_independent_sample": "cpu_cost_per_independent_sample_s"}
        for name in _PER_RUN:
            frame[renamed.get(name, name)] = getattr(self, name).ravel()
        frame["tau_int_sweeps"] = self.tau_int.ravel()
        frame["seconds_per_sweep"] = self.seconds_per_sweep.ravel()
        return pd.DataFrame(frame)

    def couplings_frame(self) -> pd.DataFrame:
        """One row per shell: the fitted effective coupling, its error and the fit's R²."""
        eff = self.effective
        return pd.DataFrame({
            "size": self.size,
            "train_size": eff.size,
            "train_temperature": eff.temperature,
            "shell": list(SHELLS[: eff.shells]),
            "J_eff": eff.couplings,
            "J_eff_err": eff.couplings_err,
            "fit_r2": eff.r2,
            "train_samples": eff.n_samples,
        })

    # ------------------------------------------------------------------ datasets
    def to_dataset(self) -> xr.Dataset:
        """The result as an :class:`xarray.Dataset` (layout in the module docstring)."""
        eff = self.effective
        dims = ("temperature", "algorithm")
        data = {}
        for table in (_PER_RUN, _DERIVED):
            for name, (units, long_name) in table.items():
                data[name] = (dims, np.asarray(getattr(self, name)), {"units": units, "long_name": long_name})
        data["acf_abs_magnetization"] = (
            (*dims, "lag"), self.acf_abs_magnetization, {"units": "1", "long_name": "autocorrelation of |m|"})
        data["effective_coupling"] = ("shell", eff.couplings, {"units": "J", "long_name": "fitted J_n of H_eff"})
        data["effective_coupling_err"] = ("shell", eff.couplings_err, {"units": "J", "long_name": "error of J_n"})
        for name, (field, units, long_name) in _EFFECTIVE_SCALARS.items():
            data[name] = ((), getattr(eff, field), {"units": units, "long_name": long_name})
        scalars = {"size": (self.size, "1", "L of the L x L torus"),
                   "coupling_J": (self.coupling, "J", "nearest-neighbour coupling J of the true model"),
                   "plaquette_K": (self.plaquette, "J", "plaquette coupling K of the true model"),
                   "chains": (self.chains, "1", "chains per algorithm and temperature"),
                   "local_per_slmc_sweep": (self.local_per_slmc_sweep, "sweeps",
                                            "local sweeps appended to every SLMC sweep (0: pure SLMC)")}
        for name, (value, units, long_name) in scalars.items():
            data[name] = ((), value, {"units": units, "long_name": long_name})
        coords = {
            "temperature": ("temperature", self.temperatures, {"units": "J/k_B", "long_name": "temperature"}),
            "algorithm": ("algorithm", np.array(self.algorithms, dtype=object), {"long_name": "update algorithm"}),
            "shell": ("shell", np.array(SHELLS[: eff.shells], dtype=object), {"long_name": "neighbour shell of H_eff"}),
            "lag": ("lag", np.arange(self.acf_abs_magnetization.shape[-1]), {"units": "sweeps"}),
        }
        return xr.Dataset(data, coords=coords, attrs={
            "title": "Self-learning Monte Carlo vs local Metropolis, plaquette Ising model",
            "model": "H = -J sum_<ij> s_i s_j - K sum_plaquettes s_i s_j s_k s_l, L x L torus",
            "references": "Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017)",
        })

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "SLMCResult":
        """Inverse of :meth:`to_dataset` (exact round trip)."""
        eff_kwargs = {field: ds[name].item() for name, (field, _, _) in _EFFECTIVE_SCALARS.items()}
        effective = EffectiveModel(couplings=ds["effective_coupling"].values.copy(),
                                   couplings_err=ds["effective_coupling_err"].values.copy(), **eff_kwargs)
        per_run = {f.name: ds[f.name].values.copy() for f in fields(cls) if f.name in _PER_RUN}
        return cls(size=int(ds["size"].item()), coupling=float(ds["coupling_J"].item()),
                   plaquette=float(ds["plaquette_K"].item()), chains=int(ds["chains"].item()),
                   local_per_slmc_sweep=int(ds["local_per_slmc_sweep"].item()),
                   algorithms=tuple(str(a) for a in ds["algorithm"].values),
                   temperatures=ds["temperature"].values.copy(), effective=effective,
                   acf_abs_magnetization=ds["acf_abs_magnetization"].values.copy(), **per_run)
