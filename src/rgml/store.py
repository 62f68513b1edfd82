"""Zarr stores, tables and figures on disk: atomic writes, provenance, checks.

Every store is a Zarr v3 directory written with xarray (DESIGN.md §4).  It is
built under ``<name>.partial`` next to its final path and renamed into place
only when complete, with ``rgml_complete = True`` among its attributes, so a
killed job never leaves a store that looks finished.  Stores carry the
provenance attributes ``title``, ``rgml_version``, ``rgml_store_version``,
``git_revision``, ``seed``, ``backend``, ``created`` and ``config`` (the YAML
of the parameters that made it), and ``rgml_chunks``, the number of chunk
files of every array, by which :func:`open_store` recognises a store that
lost some (copied half-way).

Outputs that cannot be written (disk full, read-only, no permission) raise
:class:`WriteError` naming the output, after removing the partial output and
without touching what was at the output path before.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import xarray as xr
import yaml
import zarr
from zarr.codecs import BloscCodec

import rgml

#: Bumped whenever the layout of a store changes incompatibly.
STORE_VERSION = 1


class StoreError(RuntimeError):
    """A store is missing, incomplete, corrupt or of the wrong kind; the message names the file."""


class WriteError(RuntimeError):
    """An output cannot be written (disk full, read-only, no permission); the message names it.

    Raised only after the partial output is cleaned up: whatever was at the
    output path before is left as it was.
    """


#: What to do about the usual reasons an output cannot be written.
_WRITE_ADVICE = {
    errno.ENOSPC: "the disk is full: free space there or write the results elsewhere",
    errno.EDQUOT: "the disk quota is used up: free space there or write the results elsewhere",
    errno.EROFS: "the file system is read-only: write the results to a writable location",
    errno.EACCES: "permission denied: make the directory writable or write the results elsewhere",
    errno.EPERM: "permission denied: make the directory writable or write the results elsewhere",
}


def os_error_message(path: str | os.PathLike | None, exc: OSError, *, action: str = "access") -> str:
    """One line: the path, what failed and what to do (``action`` is e.g. ``"write"``)."""
    reason = exc.strerror or str(exc)
    advice = _WRITE_ADVICE.get(exc.errno, "check that the location exists and is accessible")
    path = path or exc.filename
    return f"{path}: cannot {action} it ({reason}); {advice}" if path else f"{reason}; {advice}"


@contextlib.contextmanager
def writing(path: Path):
    """Turn an :class:`OSError` while writing ``path`` into a :class:`WriteError` naming it.

    Use around every write of an output (and the clean-up of its temporary
    files) so that a full or read-only disk gives one clear line.
    """
    try:
        yield
    except OSError as exc:
        raise WriteError(os_error_message(path, exc, action="write") + "; earlier results there are untouched") \
            from None


def spin_compressor() -> BloscCodec:
    """Blosc(zstd, bitshuffle): ±1 int8 spins compress to about 1 bit per spin."""
    return BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle")


def git_revision() -> str | None:
    """Commit of the rgml source tree (``+dirty`` if modified), or None outside git."""
    src = Path(rgml.__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty else "")


def provenance(*, title: str, seed: int | None, backend: str, config: dict) -> dict:
    """Provenance attributes for a store (DESIGN.md §4)."""
    return {
        "title": title,
        "rgml_version": rgml.__version__,
        "rgml_store_version": STORE_VERSION,
        "git_revision": git_revision() or "unknown",
        "seed": -1 if seed is None else int(seed),
        "backend": backend,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config": yaml.safe_dump(config, sort_keys=False),
    }


def _replace_path(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``, replacing an existing file or directory there."""
    if dst.exists():
        old = dst.with_name(dst.name + ".old")
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        os.replace(dst, old)
        try:
            os.replace(src, dst)
        except OSError:
            os.replace(old, dst)  # put the earlier result back
            raise
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    else:
        os.replace(src, dst)


class AtomicStore:
    """Build a Zarr store under ``<path>.partial`` and rename it into place on commit.

    Use as a context manager; on an exception the partial store is removed
    (unless ``resume``) and nothing at ``path`` is touched until the final
    rename.  An :class:`OSError` while writing (disk full, read-only) becomes
    a :class:`WriteError` naming ``path``::

        with AtomicStore(path) as store:
            store.write(first_block, encoding=...)
            store.append(next_block, dim="sample")
            store.commit(attrs)
    """

    def __init__(self, path: str | os.PathLike, *, resume: bool = False):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.resume = resume

    def __enter__(self) -> "AtomicStore":
        with writing(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.partial.exists() and not self.resume:
                shutil.rmtree(self.partial)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # a resumable store keeps its partial data for the next attempt
        if exc_type is not None and self.partial.exists() and not self.resume:
            shutil.rmtree(self.partial, ignore_errors=True)

    def discard(self) -> None:
        """Remove the partial store (e.g. when its checkpoint no longer matches)."""
        if self.partial.exists():
            shutil.rmtree(self.partial)

    def length(self, dim: str) -> int:
        """Current length of ``dim`` in the partial store (0 if nothing is written yet)."""
        if not (self.partial / "zarr.json").exists():
            return 0
        for _, array in zarr.open_group(self.partial, mode="r").arrays():
            names = array.metadata.dimension_names or ()
            if dim in names:
                return array.shape[names.index(dim)]
        return 0

    def truncate(self, dim: str, length: int) -> None:
        """Cut every array of the partial store to ``length`` along ``dim`` (drop unrecorded work)."""
        group = zarr.open_group(self.partial, mode="r+")
        for _, array in group.arrays():
            names = array.metadata.dimension_names or ()
            if dim in names:
                shape = list(array.shape)
                shape[names.index(dim)] = length
                array.resize(tuple(shape))

    def write(self, ds: xr.Dataset, *, encoding: dict | None = None) -> None:
        """Create the store from ``ds`` (or add ``ds``'s variables to it)."""
        mode = "a" if self.partial.exists() else "w"
        with writing(self.path):
            variable_length_strings(ds).to_zarr(self.partial, mode=mode, encoding=encoding if mode == "w" else None,
                                                consolidated=False, zarr_format=3)

    def append(self, ds: xr.Dataset, *, dim: str) -> None:
        """Append ``ds`` along ``dim`` to the variables that have that dimension."""
        with writing(self.path):
            variable_length_strings(ds).to_zarr(self.partial, append_dim=dim, consolidated=False)

    def commit(self, attrs: dict) -> Path:
        """Set ``attrs`` (+ ``rgml_complete``, ``rgml_chunks``), consolidate metadata, rename into place.

        ``rgml_chunks`` counts the chunk files of every array, so that
        :func:`open_store` recognises a store that lost chunks (copied half-way).
        """
        with writing(self.path):
            group = zarr.open_group(self.partial, mode="r+")
            chunks = {name: _count_chunk_files(self.partial / name) for name, _ in group.arrays()}
            group.attrs.update({**attrs, "rgml_complete": True, "rgml_chunks": chunks})
            with warnings.catch_warnings():
                # Consolidated metadata is a zarr-python extension for format 3; xarray
                # reads it and opens the store without probing every array.
                warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
                zarr.consolidate_metadata(self.partial)
            _replace_path(self.partial, self.path)
        return self.path


def variable_length_strings(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width unicode variables as variable-length strings: the string type Zarr v3 specifies."""
    fixed = [name for name, var in ds.variables.items() if var.dtype.kind == "U"]
    return ds.assign({name: ds[name].astype(object) for name in fixed}) if fixed else ds


def _count_chunk_files(array_dir: Path) -> int:
    """Chunk files of one Zarr v3 array (default key encoding: under ``<array>/c``)."""
    chunks = array_dir / "c"
    if chunks.is_file():  # a 0-d array's only chunk
        return 1
    return sum(len(files) for _, _, files in os.walk(chunks))


def _check_chunks(path: Path, attrs: dict) -> None:
    """Every array still has the chunk files it was committed with (stores without the record pass)."""
    for name, expected in sorted(attrs.get("rgml_chunks", {}).items()):
        found = _count_chunk_files(path / name)
        if found != expected:
            raise StoreError(
                f"{path}: array {name!r} has {found} of its {expected} chunk files; the store is truncated "
                "(copied or written only in part), delete it and rerun the step that makes it"
            )


def write_dataset(ds: xr.Dataset, path: str | os.PathLike, *, attrs: dict, encoding: dict | None = None) -> Path:
    """Write a whole dataset atomically (see :class:`AtomicStore`)."""
    with AtomicStore(path) as store:
        store.write(ds, encoding=encoding)
        return store.commit(attrs)


def open_store(path: str | os.PathLike) -> xr.Dataset:
    """Open a complete rgml store lazily; raise :class:`StoreError` naming the problem."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such store; run the step that makes it first")
    if not (path / "zarr.json").is_file():
        raise StoreError(f"{path}: not a Zarr v3 store (zarr.json missing)")
    try:
        root = json.loads((path / "zarr.json").read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: unreadable zarr.json ({exc}); the store is corrupt, rerun the step") from None
    if path.name.endswith(".partial") or "consolidated_metadata" not in root:
        raise StoreError(f"{path}: incomplete store (its writer did not finish); rerun the step that makes it")
    try:
        ds = xr.open_zarr(path, consolidated=True)
    except Exception as exc:  # zarr raises many types for damaged stores
        raise StoreError(f"{path}: cannot be read as a Zarr store ({type(exc).__name__}: {exc})") from None
    if not ds.attrs.get("rgml_complete", False):
        raise StoreError(f"{path}: incomplete store (its writer did not finish); delete it and rerun the step")
    version = ds.attrs.get("rgml_store_version")
    if version != STORE_VERSION:
        raise StoreError(
            f"{path}: store format version {version!r}, this rgml reads version {STORE_VERSION}; "
            "regenerate it with this version"
        )
    _check_chunks(path, ds.attrs)
    return ds


def without_timings(ds: xr.Dataset, names) -> xr.Dataset:
    """``ds`` with the measured wall/CPU times ``names`` set to NaN (units and names kept).

    Stores are bitwise reproducible; timings are not, so they go to the
    step's tables and the store keeps NaN in their place.
    """
    return ds.assign({name: ds[name].copy(data=np.full(ds[name].shape, np.nan)) for name in names})


def load_variable(ds: xr.Dataset, name: str, path: str | os.PathLike) -> np.ndarray:
    """Read one variable fully, turning a missing or unreadable chunk into a :class:`StoreError`."""
    if name not in ds.variables:
        raise StoreError(f"{path}: variable {name!r} is missing")
    try:
        return ds[name].values
    except Exception as exc:
        raise StoreError(f"{path}: variable {name!r} cannot be read ({type(exc).__name__}: {exc})") from None


def array_digests(path: str | os.PathLike) -> dict[str, str]:
    """SHA-256 of every array's decoded bytes (with dtype and shape) in a store.

    Attributes (timestamps, git revision) are ignored: equal digests mean
    the data are bitwise equal.  The store must be complete (see
    :func:`open_store`); an unreadable chunk is a :class:`StoreError`.
    """
    open_store(path)
    group = zarr.open_group(path, mode="r")
    digests = {}
    for name, array in sorted(group.arrays()):
        try:
            data = np.ascontiguousarray(array[...])
        except Exception as exc:  # zarr / codecs raise many types for damaged chunks
            raise StoreError(f"{path}: array {name!r} cannot be read ({type(exc).__name__}: {exc}); "
                             "the store is corrupt, rerun the step that makes it") from None
        h = hashlib.sha256(f"{data.dtype.str}{data.shape}".encode())
        h.update(data.tobytes())
        digests[name] = h.hexdigest()
    return digests


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write a text file via a temporary sibling and rename (the sibling is removed on failure)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    with writing(path), _removed_on_error(tmp):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text)
        os.replace(tmp, path)
    return path


@contextlib.contextmanager
def _removed_on_error(tmp: Path):
    """Remove the temporary file ``tmp`` if the block fails (a full disk leaves it half-written)."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def write_table(df, path: str | os.PathLike) -> Path:
    """Write a pandas DataFrame as CSV atomically (tidy: one row per observation)."""
    return write_text_atomic(path, df.to_csv(index=False, float_format="%.10g"))


def save_figure(fig, path: str | os.PathLike, *, dpi: int = 110) -> Path:
    """Save a Matplotlib figure atomically as PNG and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial.png")
    try:
        with writing(path), _removed_on_error(tmp):
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(tmp, dpi=dpi, metadata={"Software": None})
            os.replace(tmp, path)
    finally:
        plt.close(fig)
    return path
