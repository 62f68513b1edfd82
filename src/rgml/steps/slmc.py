"""Pipeline steps of the self-learning Monte Carlo stage (:mod:`rgml.slmc`).

``results/slmc/L{L}.zarr``: local Metropolis against SLMC at the comparison
temperatures, with the effective model trained at ``slmc.train_temperature``;
``results/slmc/binder_L{L}.zarr``: an SLMC-only Binder scan near Tc with that
effective model.  Wall and CPU times are measurements, not reproducible: the
stores hold NaN there and ``timing_L{L}.csv`` beside them the measured values.
The table step writes the comparison tables and the figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rgml.exact import TC
from rgml.inputs import read_table
from rgml.plots.slmc import slmc_figure
from rgml.progress import log
from rgml.slmc import PlaquetteModel, SLMCConfig, SLMCResult, run_slmc
from rgml.slmc.criticality import binder_crossing
from rgml.slmc.result import TIMING_VARIABLES
from rgml.store import open_store, provenance, save_figure, without_timings, write_dataset, write_table


def _write(result: SLMCResult, out: Path, timing: Path, *, seed: int, config: dict, title: str) -> Path:
    frame = result.to_frame()
    columns = ["temperature", "algorithm", *[c for c in frame.columns if "seconds" in c or c.startswith("cost")
                                             or c.startswith("cpu_cost")]]
    write_table(frame[columns], timing)
    attrs = provenance(title=title, seed=seed, backend="numpy", config={"slmc": config})
    return write_dataset(without_timings(result.to_dataset(), TIMING_VARIABLES), out, attrs=attrs)


def run(*, size: int, temperatures: list[float], model: PlaquetteModel, config: SLMCConfig, seed: int, out: Path,
        timing: Path) -> Path:
    """Local Metropolis and SLMC at every temperature of ``temperatures`` on the L×L torus."""
    result = run_slmc(size, temperatures, model, config, seed=seed, log=log)
    return _write(result, out, timing, seed=seed, title=f"SLMC vs local Metropolis, L={size}",
                  config={"size": size, "temperatures": temperatures, "J": model.coupling, "K": model.plaquette,
                          **config.__dict__})


def binder_scan(*, model_store: Path, temperatures: list[float], config: SLMCConfig, seed: int, out: Path,
                timing: Path) -> Path:
    """SLMC alone on a fine grid near Tc, with the effective model of a comparison store."""
    trained = SLMCResult.from_dataset(open_store(model_store))
    model = PlaquetteModel(coupling=trained.coupling, plaquette=trained.plaquette)
    result = run_slmc(trained.size, temperatures, model, config, seed=seed, effective=trained.effective,
                      algorithms=("slmc",), log=log)
    return _write(result, out, timing, seed=seed, title=f"SLMC Binder scan, L={trained.size}",
                  config={"size": trained.size, "temperatures": temperatures, "model_store": str(model_store),
                          **config.__dict__})


def _with_timing(store: Path, timing: Path) -> SLMCResult:
    """The result of a store with its measured times put back from the timing table."""
    ds = open_store(store)
    measured = read_table(timing).set_index(["temperature", "algorithm"])
    values = {}
    for name in TIMING_VARIABLES:
        column = {"cost_per_independent_sample": "cost_per_independent_sample_s",
                  "cpu_cost_per_independent_sample": "cpu_cost_per_independent_sample_s"}.get(name, name)
        grid = np.array([[measured.loc[(float(t), str(a)), column] for a in ds["algorithm"].values]
                         for t in ds["temperature"].values])
        values[name] = ds[name].copy(data=grid)
    return SLMCResult.from_dataset(ds.assign(values))


def tables(*, runs: list[Path], run_timings: list[Path], scans: list[Path], scan_timings: list[Path],
           reference_tc: float, out: dict[str, Path], figure: Path) -> None:
    """``slmc_runs``, ``slmc_couplings``, ``slmc_agreement``, ``slmc_speedup``, ``slmc_tc`` and the figure."""
    compared = [_with_timing(s, t) for s, t in zip(runs, run_timings)]
    scanned = sorted((_with_timing(s, t) for s, t in zip(scans, scan_timings)), key=lambda r: r.size)
    frames = {
        "runs": pd.concat([r.to_frame() for r in compared + scanned], ignore_index=True),
        "couplings": pd.concat([r.couplings_frame() for r in compared], ignore_index=True),
        "agreement": pd.concat([r.agreement() for r in compared], ignore_index=True),
        "speedup": pd.concat([r.speedup() for r in compared], ignore_index=True),
    }
    rows = []
    for small, large in zip(scanned[:-1], scanned[1:]):
        crossing = binder_crossing(small.temperatures, small.binder[:, 0], small.binder_err[:, 0],
                                   large.binder[:, 0], large.binder_err[:, 0])
        rows.append({"size_a": small.size, "size_b": large.size, "T_star": crossing.mean,
                     "T_star_err": crossing.error, "Tc_reference": reference_tc,
                     "z": (crossing.mean - reference_tc) / crossing.error if crossing.error > 0 else np.nan,
                     "Tc_ising": TC})
    frames["tc"] = pd.DataFrame(rows, columns=["size_a", "size_b", "T_star", "T_star_err", "Tc_reference", "z",
                                               "Tc_ising"])
    for _, row in frames["speedup"].iterrows():
        log(f"L={int(row['size'])} T={row['temperature']}: SLMC {row['speedup']:.2f} ± {row['speedup_err']:.2f}x "
            f"cheaper per independent sample (CPU {row['speedup_cpu']:.2f}x), tau {row['tau_local_sweeps']:.1f} ± "
            f"{row['tau_local_err']:.1f} -> {row['tau_slmc_sweeps']:.1f} ± {row['tau_slmc_err']:.1f} sweeps")
    for name, frame in frames.items():
        write_table(frame, out[name])
    save_figure(slmc_figure(compared, scanned, frames["tc"], reference_tc), figure)
