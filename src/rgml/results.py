"""The whole sweep as one tree: ``rgml.open_results("results")`` and ``rgml inspect``.

Every complete Zarr store under the results directory becomes a node of an
:class:`xarray.DataTree`, named by its path without ``.zarr``
(``samples/ising2d/L32``, ``rg/ising2d/L32/majority_b2``,
``rsmi/ising2d/L32/T2.2692``, …).  Arrays are opened lazily, without Dask by
default; ``chunks={}`` gives Dask arrays chunked like the stores, for
reductions over stores larger than memory.  Stores that are not complete — a
``.partial`` left by a killed job, a store whose writer did not finish — are
never included; they are listed in the tree's ``incomplete`` attribute so
nothing is silently skipped.

Stale stores.  Each run of the workflow records, in
``results/.rgml/outputs.json``, every output of its job graph and the
configuration that made it (:func:`record_outputs`, called when a run starts),
and every store it writes carries the digest of that configuration
(``rgml_workflow_config``).  A store that the last run's configuration does
not produce — left from an earlier configuration, e.g. ``rbm/ising2d/L16/*``
after ``rbm.size`` changed to 8 — is *stale*: it is left out of the tree and
listed in its ``stale`` attribute with the configuration difference that made
it stale (``rbm.size: 16 -> 8``).  ``stale=True`` includes them, each marked
with an ``rgml_stale`` attribute; ``rgml clean --stale`` deletes them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import xarray as xr
import yaml

from rgml.config import config_digest
from rgml.store import WORKFLOW_CONFIG_ATTR as CONFIG_ATTR
from rgml.store import StoreError, is_store, open_store, write_text_atomic

#: Attributes worth a glance in `rgml inspect`.
KEY_ATTRS = ("title", "seed", "backend", "rgml_version", "git_revision", "created")

#: Where a workflow run records what it produces, relative to the results directory.
MANIFEST = Path(".rgml") / "outputs.json"


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


def record_outputs(results: str | os.PathLike, outputs, config: dict) -> Path:
    """Record the outputs of a workflow run's job graph and its configuration (what is current).

    ``outputs``: every output path of every job (relative to the working
    directory, e.g. ``results/samples/ising2d/L8.zarr``); those under
    ``results`` are kept, relative to it.  The configuration is kept under
    ``.rgml/configs/<digest>.yaml`` so that a later run can say how a store of
    an earlier configuration differs.
    """
    results = Path(results)
    digest = config_digest(config)
    inside = sorted({Path(p).relative_to(results).as_posix() for p in map(str, outputs)
                     if Path(p).is_relative_to(results)})
    write_text_atomic(results / MANIFEST.parent / "configs" / f"{digest}.yaml",
                      yaml.safe_dump(json.loads(json.dumps(config, default=str)), sort_keys=False))
    return write_text_atomic(results / MANIFEST, json.dumps({"config": digest, "outputs": inside}, indent=1))


def _flatten(node, prefix: str = "") -> dict:
    if isinstance(node, dict):
        flat = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): node}


def config_difference(old: dict, new: dict, *, limit: int = 4) -> str:
    """``key: old -> new`` for the config keys where two configurations differ."""
    a, b = _flatten(old), _flatten(new)
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    parts = [f"{k}: {a.get(k, '(unset)')} -> {b.get(k, '(unset)')}" for k in keys[:limit]]
    if len(keys) > limit:
        parts.append(f"and {len(keys) - limit} more")
    return ", ".join(parts)


def _read_config(root: Path, digest: str) -> dict | None:
    path = root / MANIFEST.parent / "configs" / f"{digest}.yaml"
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None


class _Currency:
    """Which stores the last workflow run's configuration produces (everything, without a record)."""

    def __init__(self, root: Path):
        self.root = root
        try:
            manifest = json.loads((root / MANIFEST).read_text())
        except (OSError, ValueError):
            manifest = None
        self.outputs = None if manifest is None else set(manifest["outputs"])
        self.digest = None if manifest is None else manifest["config"]
        self.config = None if manifest is None else _read_config(root, self.digest)

    def stale(self, name: str, attrs: dict) -> str | None:
        """None for a current store, else why it is stale (the configuration difference)."""
        if self.outputs is None or name in self.outputs:
            return None
        made = attrs.get(CONFIG_ATTR)
        why = "not an output of the current configuration"
        if made is None:
            return f"{why}; made outside the workflow"
        old = _read_config(self.root, made)
        if old is None or self.config is None:
            return f"{why}; made by an earlier configuration ({made})"
        difference = config_difference(old, self.config)
        return f"{why}; made with {difference}" if difference else why


def open_results(path: str | os.PathLike = "results", *, chunks=None, stale: bool = False) -> xr.DataTree:
    """Open every complete, current store of a sweep as one lazily loaded :class:`xarray.DataTree`.

    Parameters
    ----------
    path:
        The results directory.
    chunks:
        None: arrays are read lazily without Dask; ``{}``: Dask arrays with the
        stores' chunks (or a mapping of dims to chunk sizes, or ``"auto"``),
        so reductions run chunk by chunk, out of core.
    stale:
        Also include stores the current configuration does not produce (each
        with an ``rgml_stale`` attribute saying why); by default they are only
        listed in the tree's ``stale`` attribute.
    """
    root = Path(path)
    if not root.is_dir():
        raise StoreError(f"{root}: no such results directory; run `snakemake --cores all` first")
    currency = _Currency(root)
    nodes: dict[str, xr.Dataset] = {}
    incomplete, stale_names = [], []
    for store in find_stores(root):
        name = store.relative_to(root).as_posix()
        if not name.endswith(".zarr"):
            incomplete.append(name)
            continue
        try:
            ds = open_store(store, chunks=chunks, checksums=False)
        except StoreError as exc:
            incomplete.append(f"{name} ({str(exc).split(': ', 1)[-1]})")
            continue
        why = currency.stale(name, ds.attrs)
        if why is not None:
            stale_names.append(f"{name} ({why})")
            if not stale:
                continue
            ds.attrs["rgml_stale"] = why
        nodes[name.removesuffix(".zarr")] = ds
    tree = xr.DataTree.from_dict(nodes)
    tree.attrs["results"] = str(root)
    tree.attrs["incomplete"] = incomplete
    tree.attrs["stale"] = stale_names
    return tree


def stale_stores(path: str | os.PathLike = "results") -> list[tuple[Path, str]]:
    """Complete rgml stores under ``path`` that the current configuration does not produce, and why."""
    root = Path(path)
    currency = _Currency(root)
    if currency.outputs is None:
        raise StoreError(f"{root}: no record of the current configuration's outputs ({MANIFEST}); "
                         "run the workflow once (it records them when it starts)")
    found = []
    for store in find_stores(root):
        name = store.relative_to(root).as_posix()
        if name.endswith(".zarr") and is_store(store):
            attrs = json.loads((store / "zarr.json").read_text()).get("attributes", {})
            why = currency.stale(name, attrs)
            if why is not None:
                found.append((store, why))
    return found


def remove_stale(path: str | os.PathLike = "results", *, dry_run: bool = False, log=print) -> int:
    """Delete (or with ``dry_run`` only list) the stale stores under ``path``; return how many."""
    found = stale_stores(path)
    for store, why in found:
        log(f"{'would remove' if dry_run else 'removing'} {store} ({why})")
        if not dry_run:
            shutil.rmtree(store)
    return len(found)


def describe(tree: xr.DataTree) -> str:
    """A terminal listing: one block per store with its dims, variables and key attributes."""
    lines = [f"{tree.attrs.get('results', '')}: {sum(1 for n in tree.subtree if n.has_data)} stores"]
    for node in sorted(tree.subtree, key=lambda n: n.path):
        if not node.has_data:
            continue
        ds = node.dataset
        dims = ", ".join(f"{d}={n}" for d, n in ds.sizes.items())
        mark = "  STALE" if "rgml_stale" in ds.attrs else ""
        lines.append(f"{node.path.lstrip('/')}  ({dims}){mark}")
        lines.append("    variables: " + ", ".join(sorted(ds.data_vars)))
        attrs = [f"{k}={ds.attrs[k]}" for k in KEY_ATTRS if k in ds.attrs]
        lines.append("    " + "; ".join(attrs))
        if mark:
            lines.append(f"    stale: {ds.attrs['rgml_stale']}")
    for name in tree.attrs.get("incomplete", []):
        lines.append(f"{name}  INCOMPLETE (not opened)")
    listed = {node.path.lstrip("/") for node in tree.subtree if node.has_data}
    for entry in tree.attrs.get("stale", []):
        if entry.split(".zarr", 1)[0] not in listed:
            lines.append(f"{entry.replace('.zarr (', '.zarr  STALE (', 1)}")
    if tree.attrs.get("stale"):
        lines.append("stale stores are not outputs of the current configuration: `rgml clean --stale "
                     f"{tree.attrs.get('results', 'results')}` deletes them")
    return "\n".join(lines)
