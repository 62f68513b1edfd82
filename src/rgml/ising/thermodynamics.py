"""Thermodynamics of 2D sample sets against exact results.

Per (L, T), from the per-sample energy e and magnetization m per spin of N = L²
spins at temperature T (k_B = 1):

* ⟨e⟩ with the autocorrelation-aware error of :func:`rgml.stats.estimate`
  (chains as independent series);
* specific heat per spin C = N Var(e) / T² (fluctuation-dissipation);
* ⟨|m|⟩ and the finite-size susceptibility χ = N (⟨m²⟩ − ⟨|m|⟩²) / T
  (Binder & Heermann, *Monte Carlo Simulation in Statistical Physics*, §2.3);
* the Binder cumulant U₄ = 1 − ⟨m⁴⟩ / (3⟨m²⟩²) (Binder, Z. Phys. B 43, 119 (1981)).

Errors of the nonlinear estimates come from a blocked jackknife.  The table
puts Kaufman's exact finite-torus energy and specific heat beside them
(with z-scores) and Onsager's and Yang's infinite-lattice results.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from rgml.exact import kaufman_energy, kaufman_specific_heat, onsager_energy, yang_magnetization
from rgml.stats import estimate, jackknife

#: Blocks of the jackknife of C, χ and U₄ (contiguous in sampling order).
JACKKNIFE_BLOCKS = 40


def by_chain(series: np.ndarray, chains: int) -> np.ndarray:
    """A stored series (sample = step · chains + chain) as ``(chains, steps)``."""
    n = series.size - series.size % chains
    return series[:n].reshape(-1, chains).T


def specific_heat(energy: np.ndarray, temperature: float, sites: int) -> float:
    """C per spin = N Var(e) / T² from energies per spin ``e`` of N-site configurations."""
    return sites * energy.var() / temperature**2


def susceptibility(mag: np.ndarray, temperature: float, sites: int) -> float:
    """χ per spin = N (⟨m²⟩ − ⟨|m|⟩²) / T of magnetizations per spin (finite-size estimator)."""
    return sites * (np.mean(mag**2) - np.mean(np.abs(mag)) ** 2) / temperature


def binder_cumulant(mag: np.ndarray) -> float:
    """U₄ = 1 − ⟨m⁴⟩ / (3 ⟨m²⟩²)."""
    return 1.0 - np.mean(mag**4) / (3.0 * np.mean(mag**2) ** 2)


def observables(energy: np.ndarray, mag: np.ndarray, *, temperature: float, sites: int, chains: int) -> dict:
    """Estimates with errors at one temperature from per-sample e and m (per spin)."""
    e = estimate(by_chain(energy, chains))
    abs_m = estimate(by_chain(np.abs(mag), chains))
    blocks = min(JACKKNIFE_BLOCKS, energy.size)
    c = jackknife(lambda x: specific_heat(x, temperature, sites), energy, blocks=blocks)
    chi = jackknife(lambda m: susceptibility(m, temperature, sites), mag, blocks=blocks)
    binder = jackknife(binder_cumulant, mag, blocks=blocks)
    return {
        "energy": e.mean, "energy_err": e.error, "energy_tau_int": e.tau_int,
        "specific_heat": c.mean, "specific_heat_err": c.error,
        "abs_magnetization": abs_m.mean, "abs_magnetization_err": abs_m.error,
        "susceptibility": chi.mean, "susceptibility_err": chi.error,
        "binder": binder.mean, "binder_err": binder.error,
    }


def thermodynamics(sample_sets: Iterable[xr.Dataset]) -> pd.DataFrame:
    """One row per (L, T) of 2D sample sets: observables with errors next to the exact results.

    ``sample_sets``: datasets with the sample store's layout
    (:data:`rgml.ising.samples.SAMPLES_2D`), e.g. from
    :func:`rgml.ising.sample_ising2d` or the workflow's stores.
    """
    rows = []
    for ds in sample_sets:
        size = ds.sizes["x"]
        chains = int(ds["chain"].values.max()) + 1
        energy, mag = ds["energy"].values, ds["magnetization"].values
        algorithm_names = ds["algorithm"].attrs["flag_meanings"].split()
        for i, t in enumerate(ds["temperature"].values):
            row = {"L": size, "T": float(t), "n_samples": energy.shape[1],
                   "algorithm": algorithm_names[int(ds["algorithm"].values[i])],
                   "tau_int_sweeps": float(ds["tau_int"].values[i]), "thin_sweeps": int(ds["thin"].values[i])}
            row |= observables(energy[i], mag[i], temperature=float(t), sites=size * size, chains=chains)
            rows.append(row)
    df = pd.DataFrame(rows)
    for size, group in df.groupby("L"):
        idx = group.index
        df.loc[idx, "energy_exact"] = kaufman_energy(int(size), group["T"].to_numpy())
        df.loc[idx, "specific_heat_exact"] = kaufman_specific_heat(int(size), group["T"].to_numpy())
    df["energy_z"] = (df["energy"] - df["energy_exact"]) / df["energy_err"]
    df["specific_heat_z"] = (df["specific_heat"] - df["specific_heat_exact"]) / df["specific_heat_err"]
    df["energy_onsager"] = onsager_energy(df["T"].to_numpy())
    df["magnetization_yang"] = yang_magnetization(df["T"].to_numpy())
    return df.sort_values(["L", "T"]).reset_index(drop=True)
