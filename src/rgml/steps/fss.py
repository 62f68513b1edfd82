"""Pipeline step: finite-size scaling of the 2D sample stores (:func:`rgml.fss.finite_size_scaling`).

Reads every size's per-sample energy and magnetization and computes the
structure factor at k_min from its spins (for ξ_2nd), one temperature at a
time; writes ``results/fss/ising2d.zarr`` (all five tables as one dataset),
the estimates as ``finite_size_scaling.csv``, the crossings and peaks as
``fss_crossings.csv`` / ``fss_peaks.csv``, and the figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rgml.fss import SizeSeries, finite_size_scaling, structure_factor_kmin
from rgml.inputs import load_spins, open_samples_2d
from rgml.plots.fss import fss_figure
from rgml.progress import log
from rgml.rg.coarse import chains_of
from rgml.store import provenance, save_figure, write_dataset, write_table


def size_series(path: Path) -> SizeSeries:
    """One store's per-sample series, with S(k_min) of every configuration (read one temperature at a time)."""
    ds = open_samples_2d(path)
    fourier = np.stack([structure_factor_kmin(load_spins(ds, path, temperature=i))
                        for i in range(ds.sizes["temperature"])])
    return SizeSeries(ds.sizes["x"], ds["temperature"].values, ds["energy"].values, ds["magnetization"].values,
                      fourier=fourier, chains=chains_of(ds))


def finite_size_scaling_step(*, stores: list[Path], blocks: int, reach: float, points: int, omega: float,
                             min_size: int, collapse_window: float, fit_collapses: bool, seed: int, out: Path,
                             tables: dict[str, Path], figure: Path) -> Path:
    """Write the FSS store, its tables and figure for the given 2D sample stores."""
    series = [size_series(path) for path in stores]
    result = finite_size_scaling(series, blocks=blocks, reach=reach, points=points, omega=omega, min_size=min_size,
                                 collapse_window=collapse_window, fit_collapses=fit_collapses, log=log)
    for _, row in result.estimates.to_frame().iterrows():
        log(f"{row['name']:>28}: {row['value']:.5g} ± {row['error']:.2g} (exact {row['exact']:.6g}, z = {row['z']:+.2f})")
    parameters = {"stores": [str(p) for p in stores], "blocks": blocks, "reach": reach, "points": points,
                  "omega": omega, "min_size": min_size, "collapse_window": collapse_window,
                  "fit_collapses": fit_collapses}
    attrs = provenance(title="finite-size scaling of the 2D Ising model", seed=seed, backend="numpy",
                       config={"fss": parameters})
    path = write_dataset(result.to_dataset(), out, attrs=attrs)
    for name, table in tables.items():
        write_table(getattr(result, name).to_frame(), table)
    save_figure(fss_figure(result), figure)
    return path
