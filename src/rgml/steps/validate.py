"""Checks on input stores before a step uses them.

A step given a store that is missing, incomplete, from another format
version, truncated (chunk files missing), of the wrong kind, or damaged
(wrong variables, dims or dtypes, unreadable chunks, spins that are not ±1,
non-finite energies) stops with a :class:`rgml.store.StoreError` that names
the file and the problem, before it writes anything.

What a kind of store must hold is a :class:`StoreKind`; :func:`open_kind`
checks it and reads every variable except the lattice configurations right
away, so a damaged chunk surfaces when the store is opened, not half-way
through a step.  The configurations (``spins``, an RG store's ``level{n}``)
can be large and are read lazily through :func:`load_spins`, which turns an
unreadable chunk into a :class:`StoreError` and checks the values are ±1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from rgml.store import StoreError, load_variable, open_store
from rgml.streaming import BYTES_PER_SITE, ConfigurationSet, in_memory_if_fits


@dataclass(frozen=True)
class StoreKind:
    """What one kind of store holds.

    Attributes
    ----------
    name:
        How messages call it (``"2D sample store"``).
    variables:
        ``{name: (dims, dtype)}`` every store of this kind has.
    dims:
        Dimensions that identify the kind (a store without them is another kind).
    attrs:
        Attributes it must carry.
    finite:
        Variables whose values must all be finite.
    lazy:
        Regular expression of the variable names read lazily (configurations).
    """

    name: str
    variables: dict
    dims: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()
    finite: tuple[str, ...] = ()
    lazy: str = "spins"


SAMPLES_2D = StoreKind(
    "2D sample store (rgml sample ising2d)",
    {
        "spins": (("temperature", "sample", "y", "x"), np.int8),
        "energy": (("temperature", "sample"), np.float64),
        "magnetization": (("temperature", "sample"), np.float64),
        "tau_int": (("temperature",), np.float64),
        "algorithm": (("temperature",), np.int8),
        "thin": (("temperature",), np.int64),
    },
    dims=("temperature",),
    finite=("energy", "magnetization"),
)

SAMPLES_1D = StoreKind(
    "1D ring sample store (rgml sample ising1d)",
    {
        "spins": (("coupling", "sample", "x"), np.int8),
        "energy": (("coupling", "sample"), np.float64),
    },
    dims=("coupling",),
    finite=("energy",),
)

RG_BLOCKS = StoreKind(
    "RG store (rgml rg coarse-grain)",
    {"densities": (("temperature", "level", "sample", "interaction"), np.float64)},
    attrs=("rule", "b", "size", "levels"),
    finite=("densities",),
    lazy=r"level\d+",
)

RSMI_FIT = StoreKind(
    "RSMI fit store (rgml rsmi fit)",
    {
        "lambda": (("hidden", "vy", "vx"), np.float64),
        "mi": ((), np.float64),
        "mi_err": ((), np.float64),
        "train_mi": ((), np.float64),
        "filter_uniformity": (("hidden",), np.float64),
        "boundaryness": (("hidden",), np.float64),
        "history_step": (("record",), np.int64),
        "history_lambda": (("record", "hidden", "vy", "vx"), np.float64),
    },
    attrs=("size", "block", "buffer", "environment", "estimator", "n_hidden"),
    finite=("lambda", "mi", "mi_err"),
)


RBM_MODEL = StoreKind(
    "RBM store (rgml rbm train / block / flow)",
    {
        "W": (("visible", "hidden"), np.float64),
        "visible_bias": (("visible",), np.float64),
        "hidden_bias": (("hidden",), np.float64),
    },
    finite=("W", "visible_bias", "hidden_bias"),
    lazy=r"generated|final_spins",
)


def check_layout(ds: xr.Dataset, path: Path, layout: dict, *, kind: str = "") -> None:
    """Every variable of ``layout`` is present with the given dims and dtype."""
    for name, (dims, dtype) in layout.items():
        if name not in ds.variables:
            expected = f", expected: {kind}" if kind else ""
            raise StoreError(f"{path}: variable {name!r} is missing; wrong kind of store{expected}")
        var = ds[name]
        if var.dims != dims:
            raise StoreError(f"{path}: variable {name!r} has dims {var.dims}, expected {dims}; "
                             "the store is damaged, rerun the step that makes it")
        if var.dtype != dtype:
            raise StoreError(f"{path}: variable {name!r} has dtype {var.dtype}, expected {np.dtype(dtype)}; "
                             "the store is damaged, rerun the step that makes it")


def check_finite(ds: xr.Dataset, path: Path, name: str) -> np.ndarray:
    values = load_variable(ds, name, path)
    if not np.all(np.isfinite(values)):
        raise StoreError(f"{path}: variable {name!r} holds NaN or infinite values; the store is corrupt, rerun the step")
    return values


def check_spins(spins: np.ndarray, path: Path, name: str = "spins") -> np.ndarray:
    """Spins must be exactly ±1."""
    if not np.all(np.abs(spins) == 1):
        raise StoreError(f"{path}: {name!r} holds values other than -1 and +1; the store is corrupt, rerun the step")
    return spins


def open_kind(path: str | Path, kind: StoreKind) -> xr.Dataset:
    """Open a store, check it is a complete, undamaged store of ``kind`` and read its small variables."""
    path = Path(path)
    ds = open_store(path)
    for key in kind.attrs:
        if key not in ds.attrs:
            raise StoreError(f"{path}: attribute {key!r} is missing; wrong kind of store, expected: {kind.name}")
    for dim in kind.dims:
        if dim not in ds.dims:
            raise StoreError(f"{path}: dimension {dim!r} is missing; wrong kind of store, expected: {kind.name}")
    check_layout(ds, path, kind.variables, kind=kind.name)
    for name, variable in ds.variables.items():
        if not re.fullmatch(kind.lazy, str(name)):
            try:
                variable.load()
            except Exception as exc:  # zarr / codecs raise many types for damaged chunks
                raise StoreError(f"{path}: variable {name!r} cannot be read ({type(exc).__name__}: {exc}); "
                                 "the store is corrupt, rerun the step that makes it") from None
    for name in kind.finite:
        check_finite(ds, path, name)
    return ds


def open_samples_2d(path: str | Path) -> xr.Dataset:
    """Open and check a 2D sample store (see :mod:`rgml.steps.sample`)."""
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
    levels = {f"level{n}": (("temperature", "sample", f"y{n}", f"x{n}"), np.int8)
              for n in range(1, int(ds.attrs["levels"]) + 1)}
    check_layout(ds, path, levels, kind=RG_BLOCKS.name)
    return ds


def load_spins(ds: xr.Dataset, path: str | Path, *, variable: str = "spins", **selection) -> np.ndarray:
    """Load (a selection of) the configurations ``variable`` and check they are ±1."""
    da = ds[variable].isel(selection) if selection else ds[variable]
    try:
        values = da.values
    except Exception as exc:
        raise StoreError(f"{path}: {variable!r} cannot be read ({type(exc).__name__}: {exc}); "
                         "the store is corrupt, rerun the step that makes it") from None
    return check_spins(values, Path(path), variable)


def _grid_index(ds: xr.Dataset, path: Path, temperature: float) -> int:
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
    i = _grid_index(ds, path, temperature)
    return float(ds["temperature"].values[i]), load_spins(ds, path, temperature=i)


def stored_spins(ds: xr.Dataset, path: str | Path, index: int, *, budget_bytes: int,
                 row_bytes: int | None = None) -> ConfigurationSet:
    """The configurations of temperature ``index`` of an opened 2D sample store as a lazily read set.

    Rows are ±1 int8 lattices ``(L, L)``, checked as they are read; groups hold
    at most ``budget_bytes`` at ``row_bytes`` per configuration (default
    :func:`training_row_bytes`) and are whole store chunks.  Pass it through
    :func:`rgml.streaming.in_memory_if_fits` to hold small sets in memory.
    """
    path = Path(path)
    spins = ds["spins"]
    block = int(spins.encoding.get("chunks", spins.shape)[spins.dims.index("sample")])
    row_bytes = row_bytes or training_row_bytes(ds.sizes["x"])
    group = max(block, budget_bytes // row_bytes // block * block)

    def read(positions):
        return load_spins(ds, path, temperature=index, sample=positions)

    return ConfigurationSet(read, ds.sizes["sample"], group, block)


def spins_at(
    path: str | Path, temperature: float, *, budget_bytes: int, row_bytes: Callable[[int], int] | None = None,
) -> tuple[float, int, ConfigurationSet]:
    """Like :func:`samples_at`, as a set: in memory if it fits ``budget_bytes``, else read group by group.

    ``row_bytes(L)``: memory one L×L configuration costs the caller (default
    :func:`training_row_bytes`).  Returns the grid temperature, L and the set.
    """
    path = Path(path)
    ds = open_samples_2d(path)
    i = _grid_index(ds, path, temperature)
    size = ds.sizes["x"]
    cost = (row_bytes or training_row_bytes)(size)
    rows = stored_spins(ds, path, i, budget_bytes=budget_bytes, row_bytes=cost)
    return float(ds["temperature"].values[i]), size, in_memory_if_fits(rows, cost, budget_bytes)


def training_row_bytes(size: int) -> int:
    """Memory one resident L×L configuration costs in RBM training (bytes)."""
    return size * size * BYTES_PER_SITE
