"""The layout of a dataset: what a result's ``to_dataset()`` writes and a store of its kind must hold.

Every result object of the library that becomes a store declares one
:class:`Layout` next to its ``to_dataset()`` / ``from_dataset()``: the
variables with their dims and dtypes, the dimensions and attributes that
identify the kind, the variables that must be finite, and which variables
are lattice configurations (large, read lazily, checked to be ±1).  The
same object is the writer's contract (a test checks every ``to_dataset()``
against its layout) and the reader's check (:func:`rgml.store.open_kind`
applies it to a store on disk).  This module has no file I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import xarray as xr


class LayoutError(ValueError):
    """A dataset does not have the layout of its kind; the message names the variable and the fix."""


@dataclass(frozen=True)
class Layout:
    """What one kind of dataset holds.

    Attributes
    ----------
    name:
        How messages call the kind (``"2D sample store (rgml sample ising2d)"``).
    variables:
        ``{name: (dims, dtype)}`` every dataset of this kind has (more are allowed).
    dims:
        Dimensions that identify the kind (a dataset without them is another kind).
    attrs:
        Attributes it must carry.
    finite:
        Variables whose values must all be finite.
    lazy:
        Regular expression of the variables that are lattice configurations:
        read lazily by readers, and checked to be ±1 where they are read.
    """

    name: str
    variables: dict
    dims: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()
    finite: tuple[str, ...] = ()
    lazy: str = "spins"

    def is_lazy(self, variable: str) -> bool:
        """Whether ``variable`` holds configurations (read lazily, checked ±1 on reading)."""
        return re.fullmatch(self.lazy, variable) is not None

    def check_structure(self, ds: xr.Dataset) -> None:
        """Attributes, dimensions, variables, dims and dtypes (no values read)."""
        for key in self.attrs:
            if key not in ds.attrs:
                raise LayoutError(f"attribute {key!r} is missing; wrong kind of store, expected: {self.name}")
        for dim in self.dims:
            if dim not in ds.dims:
                raise LayoutError(f"dimension {dim!r} is missing; wrong kind of store, expected: {self.name}")
        check_variables(ds, self.variables, kind=self.name)

    def check(self, ds: xr.Dataset) -> None:
        """Structure, finite values and ±1 configurations of an in-memory dataset (what a writer produced)."""
        self.check_structure(ds)
        for name in self.finite:
            check_finite(np.asarray(ds[name].values), name)
        for name in ds.data_vars:
            if self.is_lazy(str(name)):
                check_spins(np.asarray(ds[name].values), str(name))


def check_variables(ds: xr.Dataset, variables: dict, *, kind: str = "") -> None:
    """Every variable of ``variables`` (``{name: (dims, dtype)}``) is present with those dims and dtype."""
    for name, (dims, dtype) in variables.items():
        if name not in ds.variables:
            expected = f", expected: {kind}" if kind else ""
            raise LayoutError(f"variable {name!r} is missing; wrong kind of store{expected}")
        var = ds[name]
        if var.dims != tuple(dims):
            raise LayoutError(f"variable {name!r} has dims {var.dims}, expected {tuple(dims)}; "
                              "the store is damaged, rerun the step that makes it")
        if var.dtype != dtype:
            raise LayoutError(f"variable {name!r} has dtype {var.dtype}, expected {np.dtype(dtype)}; "
                              "the store is damaged, rerun the step that makes it")


def check_finite(values: np.ndarray, name: str) -> np.ndarray:
    """All of ``values`` are finite, or a :class:`LayoutError` naming ``name``."""
    if not np.all(np.isfinite(values)):
        raise LayoutError(f"variable {name!r} holds NaN or infinite values; the store is corrupt, rerun the step")
    return values


def check_spins(spins: np.ndarray, name: str = "spins") -> np.ndarray:
    """Spins must be exactly ±1, or a :class:`LayoutError` naming ``name``."""
    if not np.all(np.abs(spins) == 1):
        raise LayoutError(f"{name!r} holds values other than -1 and +1; the store is corrupt, rerun the step")
    return spins


def scalar(ds: xr.Dataset, name: str) -> float:
    """A 0-d variable as a Python float."""
    return float(ds[name].values)
