"""Pipeline step: thermodynamics of the 2D sample stores against exact results.

One row per (L, T): energy, specific heat, |m|, susceptibility and Binder
cumulant with autocorrelation-aware errors, next to Kaufman's exact
finite-torus energy and specific heat (with z-scores) and Onsager / Yang's
infinite-lattice values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rgml.exact import kaufman_energy, kaufman_specific_heat, onsager_energy, yang_magnetization
from rgml.plots.thermo import thermodynamics_figure
from rgml.progress import log
from rgml.stats import estimate, jackknife
from rgml.steps.validate import open_samples_2d
from rgml.store import load_variable, save_figure, write_table

JACKKNIFE_BLOCKS = 40


def _by_chain(series: np.ndarray, chains: int) -> np.ndarray:
    """Stored series (sample = step · chains + chain) as (chains, steps)."""
    n = series.size - series.size % chains
    return series[:n].reshape(-1, chains).T


def observables(energy: np.ndarray, mag: np.ndarray, *, temperature: float, sites: int, chains: int) -> dict:
    """Estimates with errors for one temperature from per-sample e and m (per spin)."""
    e = estimate(_by_chain(energy, chains))
    abs_m = estimate(_by_chain(np.abs(mag), chains))
    blocks = min(JACKKNIFE_BLOCKS, energy.size)
    c = jackknife(lambda x: sites * x.var() / temperature**2, energy, blocks=blocks)
    chi = jackknife(lambda m: sites * (np.mean(m**2) - np.mean(np.abs(m)) ** 2) / temperature, mag, blocks=blocks)
    binder = jackknife(lambda m: 1.0 - np.mean(m**4) / (3.0 * np.mean(m**2) ** 2), mag, blocks=blocks)
    return {
        "energy": e.mean, "energy_err": e.error, "energy_tau_int": e.tau_int,
        "specific_heat": c.mean, "specific_heat_err": c.error,
        "abs_magnetization": abs_m.mean, "abs_magnetization_err": abs_m.error,
        "susceptibility": chi.mean, "susceptibility_err": chi.error,
        "binder": binder.mean, "binder_err": binder.error,
    }


def thermodynamics_table(stores: list[Path]) -> pd.DataFrame:
    rows = []
    for path in stores:
        ds = open_samples_2d(path)
        size = ds.sizes["x"]
        chains = int(ds["chain"].values.max()) + 1
        energy = load_variable(ds, "energy", path)
        mag = load_variable(ds, "magnetization", path)
        algorithm_names = ds["algorithm"].attrs["flag_meanings"].split()
        for i, t in enumerate(ds["temperature"].values):
            row = {"L": size, "T": float(t), "n_samples": energy.shape[1],
                   "algorithm": algorithm_names[int(ds["algorithm"].values[i])],
                   "tau_int_sweeps": float(ds["tau_int"].values[i]), "thin_sweeps": int(ds["thin"].values[i])}
            row |= observables(energy[i], mag[i], temperature=float(t), sites=size * size, chains=chains)
            rows.append(row)
        log(f"{path}: {ds.sizes['temperature']} temperatures")
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


def thermodynamics(stores: list[Path], *, table: Path, figure: Path) -> pd.DataFrame:
    """Write the thermodynamics CSV and figure for the given 2D sample stores."""
    df = thermodynamics_table(stores)
    worst = df["energy_z"].abs().max()
    log(f"energy vs Kaufman: max |z| = {worst:.2f} over {len(df)} (L, T) points")
    write_table(df, table)
    save_figure(thermodynamics_figure(df), figure)
    return df
