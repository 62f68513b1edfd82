"""Checking stores end to end: ``rgml verify``.

Three checks per store, each reported with the store, the array and the
problem:

1. every chunk of every array decodes: its crc32c checksum (written with
   every chunk, :func:`rgml.store.checksummed`) matches and it decompresses;
   chunks are read one at a time, so memory stays at one chunk whatever the
   store's size;
2. the store has the layout of its kind (detected from its variables,
   :data:`KINDS`): variables, dims, dtypes, finite values, ±1 configurations;
3. what can be recomputed from the store itself agrees exactly: the stored
   energy and magnetization per spin of a sample store against those of its
   spins (:func:`rgml.ising.lattice.energy_2d`, ``energy_1d``,
   ``magnetization``), and the interaction densities of every coarse level of
   an RG store against its block spins
   (:func:`rgml.rg.correlations.interaction_densities`).  (Level 0's densities
   come from the sample store, which the RG store does not hold.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
import zarr

from rgml.inputs import open_kind
from rgml.ising.lattice import energy_1d, energy_2d, magnetization
from rgml.ising.samples import SAMPLES_1D, SAMPLES_2D
from rgml.layout import Layout, LayoutError
from rgml.rbm.temperature import RBM_MODEL
from rgml.rg.coarse import RG_BLOCKS, level_variables
from rgml.rg.correlations import interaction_densities
from rgml.rsmi.fit import RSMI_FIT
from rgml.rsmi.ring import RSMI_RING
from rgml.store import StoreError, is_checksum_error, open_store


@dataclass(frozen=True)
class Report:
    """What :func:`verify_store` found: the store, its kind, chunks decoded and the problems (empty: sound)."""

    path: Path
    kind: str
    chunks: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        """One line for the terminal: ``OK`` or ``FAIL`` with the first problem (and how many more)."""
        if self.ok:
            return f"OK    {self.path} ({self.kind}, {self.chunks} chunks)"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        return f"FAIL  {self.path}: {self.problems[0]}{more}"


def _chunks(array: zarr.Array) -> Iterable[tuple[int, ...]]:
    """Block indices of every chunk of ``array`` (one for a 0-d array)."""
    grid = array.cdata_shape
    return np.ndindex(*grid) if grid else [()]


def check_chunks(path: Path) -> tuple[int, list[str]]:
    """Decode every chunk of every array of the store at ``path``; (chunks read, problems)."""
    problems, count = [], 0
    group = zarr.open_group(path, mode="r")
    for name, array in sorted(group.arrays()):
        for index in _chunks(array):
            count += 1
            try:
                array.blocks[index] if index else array[...]
            except Exception as exc:  # zarr / codecs raise many types for damaged chunks
                reason = ("crc32c checksum mismatch: its bytes changed after it was written" if is_checksum_error(exc)
                          else f"{type(exc).__name__}: {exc}")
                problems.append(f"array {name!r} chunk {index}: {reason}; delete the store and rerun the step "
                                "that makes it")
    return count, problems


def _samples_2d(ds: xr.Dataset) -> list[str]:
    """Stored energy and magnetization per spin against the spins, temperature by temperature, chunk by chunk."""
    problems = []
    spins = ds["spins"]
    block = int(spins.encoding.get("chunks", spins.shape)[1])
    for i, t in enumerate(ds["temperature"].values):
        bad_e = bad_m = 0
        for start in range(0, ds.sizes["sample"], block):
            part = ds.isel(temperature=i, sample=slice(start, start + block))
            s = part["spins"].values
            bad_e += int(np.sum(energy_2d(s) != part["energy"].values))
            bad_m += int(np.sum(magnetization(s) != part["magnetization"].values))
        for name, bad in (("energy", bad_e), ("magnetization", bad_m)):
            if bad:
                problems.append(f"array {name!r}: {bad} samples at T={float(t):.6g} differ from the {name} of "
                                "their stored spins; the store is inconsistent, delete it and rerun the step")
    return problems


def _samples_1d(ds: xr.Dataset) -> list[str]:
    problems = []
    for i, k in enumerate(ds["coupling"].values):
        bad = int(np.sum(energy_1d(ds["spins"].isel(coupling=i).values) != ds["energy"].isel(coupling=i).values))
        if bad:
            problems.append(f"array 'energy': {bad} samples at K={float(k):.6g} differ from the energy of their "
                            "stored spins; the store is inconsistent, delete it and rerun the step")
    return problems


def _rg_blocks(ds: xr.Dataset) -> list[str]:
    """Interaction densities of levels 1, 2, … against the stored block spins."""
    problems = []
    levels = int(ds.attrs["levels"])
    n = ds.sizes["interaction"]
    for i, t in enumerate(ds["temperature"].values):
        stored = ds["densities"].isel(temperature=i).values
        for level in range(1, levels + 1):
            recomputed = interaction_densities(ds[f"level{level}"].isel(temperature=i).values, n)
            bad = int(np.sum(np.any(recomputed != stored[level], axis=-1)))
            if bad:
                problems.append(f"array 'densities': {bad} samples at T={float(t):.6g}, level {level} differ from "
                                f"the densities of 'level{level}'; the store is inconsistent, delete it and rerun "
                                "the step")
    return problems


@dataclass(frozen=True)
class Kind:
    """A kind of store: its layout and the consistency check of what it can recompute (None: none)."""

    layout: Layout
    consistency: Callable[[xr.Dataset], list[str]] | None = None


#: Every kind of store with a layout, in the order they are recognised.
KINDS = (
    Kind(SAMPLES_2D, _samples_2d),
    Kind(SAMPLES_1D, _samples_1d),
    Kind(RG_BLOCKS, _rg_blocks),
    Kind(RSMI_FIT),
    Kind(RSMI_RING),
    Kind(RBM_MODEL),
)


def kind_of(ds: xr.Dataset) -> Kind | None:
    """The kind whose layout ``ds`` has (None: a store without a registered layout)."""
    for kind in KINDS:
        try:
            kind.layout.check_structure(ds)
        except LayoutError:
            continue
        return kind
    return None


def verify_store(path: str | os.PathLike, *, consistency: bool = True) -> Report:
    """Check one store (see the module docstring); problems are returned, not raised."""
    path = Path(path)
    try:
        ds = open_store(path, checksums=False)  # check_chunks below reports every damaged chunk
    except StoreError as exc:
        return Report(path, "unreadable", 0, (str(exc).split(": ", 1)[-1],))
    count, problems = check_chunks(path)
    kind = kind_of(ds)
    name = "store without a registered layout" if kind is None else kind.layout.name
    if kind is not None and not problems:
        try:
            ds = open_kind(path, kind.layout)
            if kind.layout is RG_BLOCKS:
                from rgml.layout import check_variables

                check_variables(ds, level_variables(int(ds.attrs["levels"])), kind=kind.layout.name)
            for variable in ds.data_vars:
                if kind.layout.is_lazy(str(variable)) and not np.all(np.abs(ds[variable].values) == 1):
                    problems.append(f"array {variable!r} holds values other than -1 and +1")
            if consistency and kind.consistency is not None and not problems:
                problems += kind.consistency(ds)
        except (StoreError, LayoutError) as exc:
            problems.append(str(exc).removeprefix(f"{path}: "))
    return Report(path, name, count, tuple(problems))


def find_stores(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Path]]:
    """Complete-looking stores (``*.zarr``) and incomplete ones (``*.zarr.partial``) at or under ``paths``."""
    from rgml.results import find_stores as walk

    stores, incomplete = [], []
    for root in map(Path, paths):
        if not root.exists():
            raise StoreError(f"{root}: no such file or directory")
        found = [root] if (root / "zarr.json").is_file() else walk(root)
        for store in found:
            (stores if store.suffix == ".zarr" or store == root else incomplete).append(store)
    return stores, incomplete


def first_damage(paths: Iterable[str | os.PathLike]) -> str | None:
    """The first damaged chunk among the stores ``paths`` (``"<store>: array …"``), or None.

    For error messages after a step failed on a chunk it could not decode.
    """
    for path in map(Path, paths):
        if not (path / "zarr.json").is_file():
            continue
        try:
            _, problems = check_chunks(path)
        except Exception:  # noqa: BLE001 - a store too damaged to list is reported by its reader
            continue
        if problems:
            return f"{path}: {problems[0]}"
    return None
