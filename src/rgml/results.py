"""The whole sweep as one tree: ``rgml.open_results("results")`` and ``rgml inspect``.

Every complete Zarr store under the results directory becomes a node of an
:class:`xarray.DataTree`, named by its path without ``.zarr``
(``samples/ising2d/L32``, ``rg/ising2d/L32/majority_b2``,
``rsmi/ising2d/L32/T2.2692``, …).  Arrays are opened lazily.  Stores that are
not complete — a ``.partial`` left by a killed job, a store whose writer did
not finish — are never included; they are listed in the tree's
``incomplete`` attribute so nothing is silently skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr

from rgml.store import StoreError, open_store

#: Attributes worth a glance in `rgml inspect`.
KEY_ATTRS = ("title", "seed", "backend", "rgml_version", "git_revision", "created")


def find_stores(root: Path) -> list[Path]:
    """Every ``*.zarr`` directory under ``root`` (not descending into stores)."""
    found = []
    for directory, subdirs, _ in os.walk(root):
        here = Path(directory)
        if here.suffix == ".zarr" or here.name.endswith((".zarr.partial", ".zarr.old")):
            found.append(here)
            subdirs[:] = []
        else:
            subdirs.sort()
    return sorted(found)


def open_results(path: str | os.PathLike = "results") -> xr.DataTree:
    """Open every complete store of a sweep as one lazily loaded :class:`xarray.DataTree`."""
    root = Path(path)
    if not root.is_dir():
        raise StoreError(f"{root}: no such results directory; run `snakemake --cores all` first")
    nodes: dict[str, xr.Dataset] = {}
    incomplete = []
    for store in find_stores(root):
        name = store.relative_to(root).as_posix()
        if not name.endswith(".zarr"):
            incomplete.append(name)
            continue
        try:
            nodes[name.removesuffix(".zarr")] = open_store(store)
        except StoreError as exc:
            incomplete.append(f"{name} ({str(exc).split(': ', 1)[-1]})")
    tree = xr.DataTree.from_dict(nodes)
    tree.attrs["results"] = str(root)
    tree.attrs["incomplete"] = incomplete
    return tree


def describe(tree: xr.DataTree) -> str:
    """A terminal listing: one block per store with its dims, variables and key attributes."""
    lines = [f"{tree.attrs.get('results', '')}: {sum(1 for n in tree.subtree if n.has_data)} stores"]
    for node in sorted(tree.subtree, key=lambda n: n.path):
        if not node.has_data:
            continue
        ds = node.dataset
        dims = ", ".join(f"{d}={n}" for d, n in ds.sizes.items())
        lines.append(f"{node.path.lstrip('/')}  ({dims})")
        lines.append("    variables: " + ", ".join(sorted(ds.data_vars)))
        attrs = [f"{k}={ds.attrs[k]}" for k in KEY_ATTRS if k in ds.attrs]
        lines.append("    " + "; ".join(attrs))
    for name in tree.attrs.get("incomplete", []):
        lines.append(f"{name}  INCOMPLETE (not opened)")
    return "\n".join(lines)
