"""Reading checked inputs from stores: every step's inputs go through here.

A step given a store that is missing, incomplete, from another format
version, truncated (chunk files missing), of the wrong kind, or damaged
(wrong variables, dims or dtypes, unreadable chunks, spins that are not ±1,
non-finite energies) stops with a :class:`rgml.store.StoreError` that names
the file and the problem, before it writes anything.

What a kind of store must hold is the :class:`rgml.layout.Layout` of the
result that writes it (one home per contract).  :func:`open_kind` checks it
and reads every variable except the lattice configurations right away, so a
damaged chunk surfaces when the store is opened, not half-way through a step.
The configurations (``spins``, an RG store's ``level{n}``) can be large and
are read lazily through :func:`load_spins`, which turns an unreadable chunk
into a :class:`StoreError` and checks the values are ±1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from rgml.ising.samples import SAMPLES_1D, SAMPLES_2D
from rgml.layout import Layout, LayoutError, check_finite, check_spins, check_variables
from rgml.progress import log
from rgml.rg.coarse import RG_BLOCKS, level_variables
from rgml.store import StoreError, load_variable, open_store, read_error
from rgml.streaming import ConfigurationSet, in_memory_if_fits, training_row_bytes


def open_kind(path: str | Path, layout: Layout) -> xr.Dataset:
    """Open a store, check it is a complete, undamaged store of ``layout``'s kind and read its small variables."""
    path = Path(path)
    ds = open_store(path)
    try:
        layout.check_structure(ds)
    except LayoutError as exc:
        raise StoreError(f"{path}: {exc}") from None
    for name, variable in ds.variables.items():
        if not layout.is_lazy(str(name)):
            try:
                variable.load()
            except Exception as exc:  # zarr / codecs raise many types for damaged chunks
                raise read_error(path, str(name), exc) from None
    for name in layout.finite:
        try:
            check_finite(load_variable(ds, name, path), name)
        except LayoutError as exc:
            raise StoreError(f"{path}: {exc}") from None
    return ds


def open_samples_2d(path: str | Path) -> xr.Dataset:
    """Open and check a 2D sample store (:data:`rgml.ising.samples.SAMPLES_2D`)."""
    path = Path(path)
    ds = open_kind(path, SAMPLES_2D)
    if ds.sizes["y"] != ds.sizes["x"]:
        raise StoreError(f"{path}: lattices are {ds.sizes['y']}x{ds.sizes['x']}, expected square")
    return ds


def open_samples_1d(path: str | Path) -> xr.Dataset:
    """Open and check a 1D ring sample store."""
    return open_kind(path, SAMPLES_1D)


def open_rg_store(path: str | Path) -> xr.Dataset:
    """Open and check a coarse-grained store: its densities and the layout of every ``level{n}``."""
    path = Path(path)
    ds = open_kind(path, RG_BLOCKS)
    try:
        check_variables(ds, level_variables(int(ds.attrs["levels"])), kind=RG_BLOCKS.name)
    except LayoutError as exc:
        raise StoreError(f"{path}: {exc}") from None
    return ds


def load_spins(ds: xr.Dataset, path: str | Path, *, variable: str = "spins", **selection) -> np.ndarray:
    """Load (a selection of) the configurations ``variable`` and check they are ±1."""
    da = ds[variable].isel(selection) if selection else ds[variable]
    try:
        values = da.values
    except Exception as exc:  # zarr / codecs raise many types for damaged chunks
        raise read_error(path, variable, exc) from None
    try:
        return check_spins(values, variable)
    except LayoutError as exc:
        raise StoreError(f"{path}: {exc}") from None


def grid_index(ds: xr.Dataset, path: str | Path, temperature: float) -> int:
    """Index of ``temperature`` (to 1e-9) in the store's temperature grid."""
    grid = ds["temperature"].values
    i = int(np.argmin(np.abs(grid - temperature)))
    if abs(grid[i] - temperature) > 1e-9:
        raise StoreError(f"{path}: temperature {temperature} is not in its grid {grid.tolist()}")
    return i


def samples_at(path: str | Path, temperature: float) -> tuple[float, np.ndarray]:
    """The grid temperature (to 1e-9) and the checked ±1 configurations ``(samples, L, L)`` of a 2D sample store."""
    path = Path(path)
    ds = open_samples_2d(path)
    i = grid_index(ds, path, temperature)
    return float(ds["temperature"].values[i]), load_spins(ds, path, temperature=i)


def stored_spins(ds: xr.Dataset, path: str | Path, index: int, *, budget_bytes: int,
                 row_bytes: int | None = None) -> ConfigurationSet:
    """The configurations of temperature ``index`` of an opened 2D sample store as a lazily read set.

    Rows are ±1 int8 lattices ``(L, L)``, checked as they are read; groups hold
    at most ``budget_bytes`` at ``row_bytes`` per configuration (default
    :func:`rgml.streaming.training_row_bytes`) and are whole store chunks, so
    at least one chunk is held whatever the budget (the config refuses a
    smaller ``memory_budget_mib``; here a line in the log says so).  Pass
    it through :func:`rgml.streaming.in_memory_if_fits` to hold small sets in memory.
    """
    path = Path(path)
    spins = ds["spins"]
    block = int(spins.encoding.get("chunks", spins.shape)[spins.dims.index("sample")])
    row_bytes = row_bytes or training_row_bytes(ds.sizes["x"])
    group = max(block, budget_bytes // row_bytes // block * block)
    chunk_bytes = min(block, ds.sizes["sample"]) * row_bytes
    if 0 < budget_bytes < chunk_bytes:  # the floor: whole chunks are read (the config refuses such budgets)
        log(f"memory budget {budget_bytes / 2**20:.3g} MiB is below one store chunk of {path} "
            f"({chunk_bytes / 2**20:.3g} MiB): holding one chunk at a time")

    def read(positions):
        return load_spins(ds, path, temperature=index, sample=positions)

    return ConfigurationSet(read, ds.sizes["sample"], group, block)


def spins_at(
    path: str | Path, temperature: float, *, budget_bytes: int, row_bytes: Callable[[int], int] | None = None,
) -> tuple[float, int, ConfigurationSet]:
    """Like :func:`samples_at`, as a set: in memory if it fits ``budget_bytes``, else read group by group.

    ``row_bytes(L)``: memory one L×L configuration costs the caller (default
    :func:`rgml.streaming.training_row_bytes`).  Returns the grid temperature, L and the set.
    """
    path = Path(path)
    ds = open_samples_2d(path)
    i = grid_index(ds, path, temperature)
    size = ds.sizes["x"]
    cost = (row_bytes or training_row_bytes)(size)
    rows = stored_spins(ds, path, i, budget_bytes=budget_bytes, row_bytes=cost)
    return float(ds["temperature"].values[i]), size, in_memory_if_fits(rows, cost, budget_bytes)


def read_table(path: str | Path):
    """A CSV table made by an earlier step, or a :class:`StoreError` naming it."""
    import pandas as pd

    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot be read as a table ({exc}); rerun the step that makes it") from None
