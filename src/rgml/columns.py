"""Tidy result tables: equal-length columns along one dimension, as xarray and pandas.

A result table is a frozen dataclass whose fields are 1-D NumPy arrays of
one length (one entry per row: per lattice size, per pair of sizes, per
estimate, …).  Subclasses of :class:`Columns` declare

* ``DIM`` — the name of the row dimension in :meth:`Columns.to_dataset`;
* ``KEYS`` — the columns that identify a row; they become coordinates;
* ``META`` — ``{column: (units, long_name)}`` for the attrs.

and get :meth:`to_dataset` / :meth:`from_dataset` (an exact round trip),
:meth:`to_frame` (one row per observation) and :meth:`from_rows`.
A :class:`TableSet` holds several tables and puts them in one Dataset
(variables prefixed by the table name) and takes them out again.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr


@dataclasses.dataclass(frozen=True)
class Columns:
    """Base class of a tidy result table (see the module docstring)."""

    DIM: ClassVar[str] = "row"
    KEYS: ClassVar[tuple[str, ...]] = ()
    META: ClassVar[dict[str, tuple[str, str]]] = {}

    def __post_init__(self):
        lengths = {name: np.shape(getattr(self, name)) for name in self.names()}
        if any(len(s) != 1 for s in lengths.values()) or len({s[0] for s in lengths.values()}) > 1:
            raise ValueError(f"{type(self).__name__}: every column must be a 1-D array of one length, got {lengths}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def __len__(self) -> int:
        return len(getattr(self, self.names()[0]))

    @classmethod
    def from_rows(cls, rows: list[dict]):
        """Build the table from dicts with one entry per column (missing floats become NaN)."""
        columns = {}
        for name in cls.names():
            values = [row.get(name, np.nan) for row in rows]
            columns[name] = np.array(values) if values else np.array([], dtype=np.float64)
        return cls(**columns)

    def to_frame(self) -> pd.DataFrame:
        """One row per entry, columns in declaration order."""
        return pd.DataFrame({name: getattr(self, name) for name in self.names()})

    def to_dataset(self, *, prefix: str = "") -> xr.Dataset:
        """The table along dimension ``DIM`` (key columns as coordinates, with units and long names)."""
        dim = prefix + self.DIM
        variables, coords = {}, {}
        for name in self.names():
            units, long_name = self.META.get(name, ("1", name))
            target = coords if name in self.KEYS else variables
            target[prefix + name] = (dim, np.asarray(getattr(self, name)), {"units": units, "long_name": long_name})
        return xr.Dataset(variables, coords=coords)

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, *, prefix: str = ""):
        """Inverse of :meth:`to_dataset` (same ``prefix``)."""
        missing = [prefix + n for n in cls.names() if prefix + n not in ds.variables]
        if missing:
            raise ValueError(f"dataset lacks the {cls.__name__} variables {missing}; was it written by to_dataset?")
        return cls(**{name: ds[prefix + name].values for name in cls.names()})


@dataclasses.dataclass(frozen=True)
class TableSet:
    """Base class of a result made of several :class:`Columns` tables (its dataclass fields).

    Subclasses set ``TITLE`` and ``MAIN`` (the field :meth:`to_frame` returns).  In
    :meth:`to_dataset` each table's variables and dimension are prefixed ``"<field>_"``.
    """

    TITLE: ClassVar[str] = ""
    MAIN: ClassVar[str] = ""

    @classmethod
    def kinds(cls) -> dict[str, type[Columns]]:
        """``{field: table class}`` in declaration order."""
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``{name: DataFrame}`` of every table (one row per observation)."""
        return {name: getattr(self, name).to_frame() for name in self.kinds()}

    def to_frame(self) -> pd.DataFrame:
        """The main table (``MAIN``)."""
        return getattr(self, self.MAIN).to_frame()

    def to_dataset(self) -> xr.Dataset:
        """All tables in one Dataset, variables and dimensions prefixed by the table's name."""
        merged = xr.merge([getattr(self, name).to_dataset(prefix=f"{name}_") for name in self.kinds()],
                          compat="no_conflicts", join="exact")
        merged.attrs["title"] = self.TITLE
        return merged

    @classmethod
    def from_dataset(cls, ds: xr.Dataset):
        """Inverse of :meth:`to_dataset`."""
        return cls(**{name: kind.from_dataset(ds, prefix=f"{name}_") for name, kind in cls.kinds().items()})
