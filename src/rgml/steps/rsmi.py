"""Pipeline steps of the mutual-information RG stage (Koch-Janusz & Ringel).

``results/rsmi/ising2d/L{L}/T{T}.zarr`` holds one fit: the learned filters
``lambda (hidden, vy, vx)``, the training history along ``record``, the
held-out bound on I(H:E) with its standard error (nats), the filter shape
measures, and the geometry and estimator in attrs.  The same layout serves
the buffer sweep and the filter that becomes the RG rule ``rsmi``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from rgml.backend import select_backend
from rgml.plots.rsmi import rsmi_buffer_figure, rsmi_filters_figure, rsmi_mi_figure, rsmi_training_figure
from rgml.progress import log
from rgml.rng import Stream
from rgml.rg.ring import ring_flow
from rgml.rsmi import FitConfig, Geometry, apply_filter, boundaryness, filter_uniformity, fit, weight_share
from rgml.rsmi.partition import block_positions
from rgml.steps.validate import RSMI_FIT, load_spins, open_kind, open_samples_1d, spins_at
from rgml.store import StoreError, provenance, save_figure, write_dataset, write_table
from rgml.streaming import DEFAULT_BUDGET_BYTES


#: Fewest configurations a fit accepts: 20 train/held-out chunks of at least two each.
MIN_CONFIGURATIONS = 40


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
                              row_bytes=lambda size: rsmi_row_bytes(size, geometry, config))
    if spins.n < MIN_CONFIGURATIONS:
        raise StoreError(f"{samples}: only {spins.n} configurations at T={temperature}; an RSMI fit "
                         f"splits them into 20 chunks and needs at least {MIN_CONFIGURATIONS}: sample more")
    log(f"RSMI fit L={size} T={t:.6g}: block {geometry.block}, buffer {geometry.buffer}, "
        f"environment {geometry.env}, {config.n_hidden} hidden, {config.estimator}"
        + spins.reading())
    stream = Stream.named(seed, "rsmi", size, t, geometry.block, geometry.buffer, geometry.env,
                          config.n_hidden, config.estimator)
    result = fit(spins.to(xp), geometry, stream, config)
    log(f"held-out I(H:E) >= {result.mi:.5f} ± {result.mi_err:.5f} nats (train {result.train_mi:.5f})")
    h = result.history
    filters = result.filters
    ds_out = xr.Dataset(
        {
            "lambda": (("hidden", "vy", "vx"), filters, {"long_name": "filter: P(h=+1|V) = sigmoid(2 lambda.V)"}),
            "mi": ((), result.mi, {"long_name": "held-out lower bound on I(H:E)", "units": "nats"}),
            "mi_err": ((), result.mi_err, {"long_name": "standard error of mi", "units": "nats"}),
            "train_mi": ((), result.train_mi, {"long_name": "the bound on training configurations",
                                               "units": "nats"}),
            "filter_uniformity": (("hidden",), filter_uniformity(filters),
                                  {"long_name": "|cos| of the filter with the uniform filter"}),
            "boundaryness": (("hidden",), _boundaryness(filters),
                             {"long_name": "mean |lambda| on the block boundary / in the interior (1: uniform)"}),
            "history_step": (("record",), h["step"], {"long_name": "optimizer step"}),
            "history_train_mi": (("record",), h["train_mi"], {"units": "nats",
                                                              "long_name": "minibatch bound since last record"}),
            "history_heldout_mi": (("record",), h["heldout_mi"], {"units": "nats",
                                                                  "long_name": "held-out bound (monitor set)"}),
            "history_filter_norm": (("record", "hidden"), h["filter_norm"], {"long_name": "|lambda|"}),
            "history_lambda": (("record", "hidden", "vy", "vx"), h["filters"], {"long_name": "filters"}),
        },
        coords={"temperature": ((), t, {"units": "J/k_B"})},
    )
    attrs = provenance(title=f"RSMI filters, L={size}, T={t:.6g}", seed=seed, backend=backend,
                       config={"rsmi": {"samples": str(samples), "temperature": t, **geometry.as_attrs(),
                                        **config.as_attrs()}})
    attrs |= {"size": size, "block": geometry.block, "buffer": geometry.buffer, "environment": geometry.env,
              "estimator": config.estimator, "n_hidden": config.n_hidden,
              "n_train": result.n_train, "n_heldout": result.n_heldout}
    return write_dataset(ds_out, out, attrs=attrs)


def rsmi_row_bytes(size: int, geometry: Geometry, config: FitConfig) -> int:
    """Memory one configuration costs an RSMI fit: the lattice and its (V, E) windows, int8 (bytes)."""
    positions = len(block_positions(size, geometry, stride=config.stride))
    return size * size + positions * (len(geometry.visible_offsets()) + len(geometry.environment_offsets()))


def _boundaryness(filters: np.ndarray) -> np.ndarray:
    """Boundaryness where the block has an interior (side ≥ 3), else NaN (quietly)."""
    if min(filters.shape[1:]) < 3:
        return np.full(filters.shape[0], np.nan)
    return boundaryness(filters)


def open_fit(path: Path) -> xr.Dataset:
    """Open and check a fit store (all of it is read: it is small)."""
    return open_kind(path, RSMI_FIT)


def rsmi_tables(*, fits: list[Path], table: Path, filters_figure: Path, mi_figure: Path, buffer_figure: Path,
                training_figure: Path) -> pd.DataFrame:
    """The table of every fit and the RSMI figures."""
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


@dataclass(frozen=True)
class RSMIRule:
    """The RG rule ``rsmi``: a learned single-unit filter applied block by block."""

    filters: np.ndarray

    def coarse_grain(self, spins, b: int, stream: Stream):
        if self.filters.shape[1:] != (b, b):
            raise ValueError(f"the RSMI rule has a {self.filters.shape[1]}x{self.filters.shape[2]} filter, "
                             f"it cannot coarse-grain with b={b}; fit the rule with block = {b}")
        return apply_filter(spins, self.filters[:1], stream)


def load_rsmi_rule(path: Path) -> RSMIRule:
    ds = open_fit(path)
    return RSMIRule(np.asarray(ds["lambda"].values, np.float64))


def rsmi_ring(*, samples: Path, b: int, buffer: int, environment: int, config: FitConfig, seed: int,
              out: Path) -> Path:
    """1D: learn a b-site RSMI filter at every coupling of a ring store and follow its RG flow.

    Lenggenhager et al. (PRX 10, 011037 (2020)) show that in 1D the
    information-optimal rule approaches decimation; the learned filter is
    applied level by level to the ring samples and the coupling read off
    each level as in :mod:`rgml.rg.ring`.
    """
    ds = open_samples_1d(samples)
    spins = load_spins(ds, samples)
    couplings = ds["coupling"].values
    geometry = Geometry(block=b, buffer=buffer, env=environment, dim=1)
    filters, mi, mi_err = [], [], []
    for k, rings in zip(couplings, spins):
        result = fit(rings, geometry, Stream.named(seed, "rsmi-ring", rings.shape[-1], float(k), b), config)
        filters.append(result.filters[0])
        mi.append(result.mi)
        mi_err.append(result.mi_err)
        log(f"K={k:g}: filter {np.round(result.filters[0], 3).tolist()}, I(H:E) >= {result.mi:.5f} nats")
    stream = Stream.named(seed, "rsmi-ring-flow", b)
    rows = ring_flow(spins, couplings, b,
                     coarsen=lambda rings, i: apply_filter(rings, filters[i][None], stream.child(i, rings.shape[-1])))
    flow = pd.DataFrame(rows)
    levels = sorted(flow["level"].unique())
    table = flow.set_index(["K", "level"])
    out_ds = xr.Dataset(
        {
            "lambda": (("coupling", "vx"), np.array(filters), {"long_name": "learned filter per coupling"}),
            "mi": (("coupling",), mi, {"units": "nats", "long_name": "held-out bound on I(H:E)"}),
            "mi_err": (("coupling",), mi_err, {"units": "nats"}),
            "weight_share": (("coupling",), weight_share(np.array(filters)),
                             {"long_name": "largest squared-weight share of the filter (1: decimation)"}),
            **{name: (("coupling", "level"), np.array([[table.loc[(k, n), col] for n in levels] for k in couplings]),
                      {"long_name": long})
               for name, col, long in (("K_eff", "K_eff", "coupling of the coarse rings"),
                                       ("K_eff_err", "K_eff_err", "its error"),
                                       ("K_exact", "K_exact", "exact decimation recursion"))},
        },
        coords={"coupling": ("coupling", couplings), "level": ("level", levels)},
    )
    attrs = provenance(title=f"RSMI on the 1D ring, b={b}", seed=seed, backend="numpy",
                       config={"rsmi_ring": {"samples": str(samples), **geometry.as_attrs(), **config.as_attrs()}})
    return write_dataset(out_ds, out, attrs=attrs | {"b": b, "buffer": buffer, "environment": environment,
                                                     "estimator": config.estimator})
