"""Checks on input stores before a step uses them.

A step given a store that is missing, incomplete, from another format
version, or damaged (wrong variables, dims or dtypes, spins that are not ±1,
non-finite energies) stops with a :class:`rgml.store.StoreError` that names
the file and the problem, before it writes anything.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from rgml.store import StoreError, load_variable, open_store

SAMPLES_2D = {
    "spins": (("temperature", "sample", "y", "x"), np.int8),
    "energy": (("temperature", "sample"), np.float64),
    "magnetization": (("temperature", "sample"), np.float64),
    "tau_int": (("temperature",), np.float64),
    "algorithm": (("temperature",), np.int8),
    "thin": (("temperature",), np.int64),
}

SAMPLES_1D = {
    "spins": (("coupling", "sample", "x"), np.int8),
    "energy": (("coupling", "sample"), np.float64),
}


def check_layout(ds: xr.Dataset, path: Path, layout: dict) -> None:
    """Every variable of ``layout`` is present with the given dims and dtype."""
    for name, (dims, dtype) in layout.items():
        if name not in ds.variables:
            raise StoreError(f"{path}: variable {name!r} is missing; is this the right kind of store?")
        var = ds[name]
        if var.dims != dims:
            raise StoreError(f"{path}: variable {name!r} has dims {var.dims}, expected {dims}")
        if var.dtype != dtype:
            raise StoreError(f"{path}: variable {name!r} has dtype {var.dtype}, expected {np.dtype(dtype)}")


def check_finite(ds: xr.Dataset, path: Path, name: str) -> np.ndarray:
    values = load_variable(ds, name, path)
    if not np.all(np.isfinite(values)):
        raise StoreError(f"{path}: variable {name!r} holds NaN or infinite values; the store is corrupt, rerun the step")
    return values


def check_spins(spins: np.ndarray, path: Path) -> np.ndarray:
    """Spins must be exactly ±1."""
    if not np.all(np.abs(spins) == 1):
        raise StoreError(f"{path}: 'spins' holds values other than -1 and +1; the store is corrupt, rerun the step")
    return spins


def open_samples_2d(path: str | Path) -> xr.Dataset:
    """Open and check a 2D sample store (see :mod:`rgml.steps.sample`)."""
    path = Path(path)
    ds = open_store(path)
    check_layout(ds, path, SAMPLES_2D)
    if ds.sizes["y"] != ds.sizes["x"]:
        raise StoreError(f"{path}: lattices are {ds.sizes['y']}x{ds.sizes['x']}, expected square")
    check_finite(ds, path, "energy")
    return ds


def open_samples_1d(path: str | Path) -> xr.Dataset:
    """Open and check a 1D ring sample store."""
    path = Path(path)
    ds = open_store(path)
    check_layout(ds, path, SAMPLES_1D)
    check_finite(ds, path, "energy")
    return ds


def load_spins(ds: xr.Dataset, path: str | Path, **selection) -> np.ndarray:
    """Load (a selection of) the spins and check they are ±1."""
    da = ds["spins"].isel(selection) if selection else ds["spins"]
    try:
        values = da.values
    except Exception as exc:
        raise StoreError(f"{path}: 'spins' cannot be read ({type(exc).__name__}: {exc})") from None
    return check_spins(values, Path(path))
