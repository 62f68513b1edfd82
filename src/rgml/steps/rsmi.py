"""Pipeline steps of the mutual-information RG stage (Koch-Janusz & Ringel).

``results/rsmi/ising2d/L{L}/T{T}.zarr`` is one :class:`rgml.rsmi.FitResult`
(:data:`rgml.rsmi.RSMI_FIT`): the learned filters, the training history and
the held-out bound on I(H:E).  The same layout serves the buffer sweep and the
filter that becomes the RG rule ``rsmi``; ``results/rsmi/ising1d/ring_b{b}.zarr``
is the 1D experiment (:func:`rgml.rsmi.ring_rsmi`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from rgml.backend import select_backend
from rgml.inputs import load_spins, open_kind, open_samples_1d, spins_at
from rgml.progress import log
from rgml.rsmi import RSMI_FIT, FitConfig, Geometry, fit, ring_rsmi
from rgml.rsmi.partition import MIN_CONFIGURATIONS, row_bytes
from rgml.store import StoreError, provenance, save_figure, write_dataset, write_table
from rgml.streaming import DEFAULT_BUDGET_BYTES


def rsmi_fit(
    *, samples: Path, temperature: float, geometry: Geometry, config: FitConfig, seed: int, out: Path,
    budget_bytes: int = DEFAULT_BUDGET_BYTES, backend: str = "numpy",
) -> Path:
    """Fit RSMI filters on the configurations of one temperature and store the result.

    Configurations whose (V, E) rows need more than ``budget_bytes`` are read
    from the store in groups (:mod:`rgml.streaming`).  ``backend``: where the
    fit runs (:mod:`rgml.backend`).
    """
    backend, xp = select_backend(backend)
    t, size, spins = spins_at(samples, temperature, budget_bytes=budget_bytes,
                              row_bytes=lambda size: row_bytes(size, geometry, stride=config.stride))
    if spins.n < MIN_CONFIGURATIONS:
        raise StoreError(f"{samples}: only {spins.n} configurations at T={temperature}; an RSMI fit "
                         f"splits them into 20 chunks and needs at least {MIN_CONFIGURATIONS}: sample more")
    log(f"RSMI fit L={size} T={t:.6g}: block {geometry.block}, buffer {geometry.buffer}, "
        f"environment {geometry.env}, {config.n_hidden} hidden, {config.estimator}" + spins.reading())
    result = fit(spins.to(xp), geometry, config, seed=seed, temperature=t)
    log(f"held-out I(H:E) >= {result.mi:.5f} ± {result.mi_err:.5f} nats (train {result.train_mi:.5f})")
    attrs = provenance(title=f"RSMI filters, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rsmi": {"samples": str(samples), "temperature": t, **geometry.as_attrs(),
                                        **config.as_attrs()}})
    return write_dataset(result.to_dataset(), out, attrs=attrs)


def open_fit(path: Path) -> xr.Dataset:
    """Open and check a fit store (all of it is read: it is small)."""
    return open_kind(path, RSMI_FIT)


def rsmi_tables(*, fits: list[Path], table: Path, filters_figure: Path, mi_figure: Path, buffer_figure: Path,
                training_figure: Path) -> pd.DataFrame:
    """The table of every fit and the RSMI figures."""
    from rgml.plots.rsmi import rsmi_buffer_figure, rsmi_filters_figure, rsmi_mi_figure, rsmi_training_figure

    rows, stores = [], []
    for path in fits:
        ds = open_fit(path)
        stores.append(ds)
        rows.append({
            "L": ds.attrs["size"], "T": float(ds["temperature"]), "block": ds.attrs["block"],
            "buffer": ds.attrs["buffer"], "environment": ds.attrs["environment"], "n_hidden": ds.attrs["n_hidden"],
            "estimator": ds.attrs["estimator"], "mi_nats": float(ds["mi"]), "mi_err": float(ds["mi_err"]),
            "train_mi_nats": float(ds["train_mi"]),
            "filter_uniformity": float(ds["filter_uniformity"][0]), "boundaryness": float(ds["boundaryness"][0]),
            "store": str(path),
        })
    df = pd.DataFrame(rows).sort_values(["L", "block", "buffer", "T"]).reset_index(drop=True)
    log(f"{len(df)} RSMI fits; held-out I(H:E) from {df['mi_nats'].min():.4f} to {df['mi_nats'].max():.4f} nats")
    write_table(df, table)
    main = _main_geometry(df)
    save_figure(rsmi_filters_figure([s for s in stores if _geometry_of(s) == main]), filters_figure)
    save_figure(rsmi_mi_figure(df, main), mi_figure)
    save_figure(rsmi_buffer_figure(df, main), buffer_figure)
    save_figure(rsmi_training_figure([s for s in stores if _geometry_of(s) == main]), training_figure)
    return df


def _geometry_of(ds: xr.Dataset) -> tuple:
    return ds.attrs["size"], ds.attrs["block"], ds.attrs["buffer"]


def _main_geometry(df: pd.DataFrame) -> tuple:
    """The (L, block, buffer) fitted at the most temperatures: the MI-vs-T study."""
    counts = df.groupby(["L", "block", "buffer"]).size()
    return tuple(int(v) for v in counts.idxmax())


def rsmi_ring(*, samples: Path, b: int, buffer: int, environment: int, config: FitConfig, seed: int,
              out: Path) -> Path:
    """1D: a b-site RSMI filter at every coupling of a ring store and its RG flow (:func:`rgml.rsmi.ring_rsmi`)."""
    ds = open_samples_1d(samples)
    if ds.sizes["x"] % b:
        raise StoreError(f"{samples}: ring size {ds.sizes['x']} is not divisible by the block size b={b}")
    ds = ds.assign(spins=ds["spins"].copy(data=load_spins(ds, samples)))
    result = ring_rsmi(ds, b=b, buffer=buffer, environment=environment, config=config, seed=seed, log=log)
    attrs = provenance(title=f"RSMI on the 1D ring, b={b}", seed=seed, backend="numpy",
                       config={"rsmi_ring": {"samples": str(samples), **result.geometry.as_attrs(),
                                             **config.as_attrs()}})
    return write_dataset(result.to_dataset(), out, attrs=attrs)
