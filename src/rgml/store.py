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

Every array of every store is written with a ``crc32c`` checksum codec
(Zarr v3's :class:`zarr.codecs.Crc32cCodec`, after the compressor): a byte
that changes in any chunk after it was written makes the next read of that
chunk fail, and rgml readers turn the failure into a :class:`StoreError`
naming the store and the array (:func:`read_error`).  ``rgml verify``
(:mod:`rgml.verify`) decodes every chunk of every store.

A command-line step replaces an existing store at its output path only if
that store was made by the same step with the same options, or with
``--overwrite``; it never replaces anything that is not an rgml store
(:func:`check_output`).  The workflow is unaffected: Snakemake removes a
job's outputs before it runs.

Outputs that cannot be written (disk full, read-only, no permission) raise
:class:`WriteError` naming the output, after removing the partial output and
without touching what was at the output path before.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import errno
import hashlib
import json
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import xarray as xr
import yaml
import zarr
from zarr.codecs import BloscCodec, Crc32cCodec, ZstdCodec

import rgml
from rgml.config import WORKFLOW_CONFIG_ENV

#: Bumped whenever the layout of a store changes incompatibly (2: every chunk carries a crc32c checksum).
STORE_VERSION = 2

#: Attribute recording the command-line step and options that made a store (see :func:`check_output`).
COMMAND_ATTR = "rgml_command"

#: Store attribute that records the digest of the workflow configuration a job ran under
#: (:data:`rgml.config.WORKFLOW_CONFIG_ENV`; :mod:`rgml.results` tells stores of earlier configurations by it).
WORKFLOW_CONFIG_ATTR = "rgml_workflow_config"
#: :meth:`AtomicStore.write_along` gathers blocks up to this many bytes into one Zarr write.
WRITE_BATCH_BYTES = 64 * 2**20


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


def checksum_codec() -> Crc32cCodec:
    """The bytes-to-bytes codec every chunk ends with: a crc32c of the compressed bytes."""
    return Crc32cCodec()


def _with_checksum(compressors) -> list:
    """``compressors`` (None: Zarr's default, Zstd) followed by the crc32c codec, which is added once."""
    if compressors is None:
        compressors = [ZstdCodec(level=0, checksum=False)]
    elif not isinstance(compressors, (list, tuple)):
        compressors = [compressors]
    compressors = list(compressors)
    if not any(isinstance(c, Crc32cCodec) for c in compressors):
        compressors.append(checksum_codec())
    return compressors


def checksummed(ds: xr.Dataset, encoding: dict | None, *, existing=()) -> tuple[xr.Dataset, dict]:
    """``ds`` and ``encoding`` with the crc32c codec in every new variable's codec pipeline.

    Variables named in ``encoding`` get it there; the others in their own
    ``.encoding`` (on a shallow copy: the caller's dataset is untouched).
    Variables in ``existing`` are already in the store and keep its codecs.
    """
    encoding = {name: dict(enc) for name, enc in (encoding or {}).items()}
    ds = ds.copy(deep=False)
    for name, variable in ds.variables.items():
        if name in existing:
            continue
        if name in encoding:
            encoding[name]["compressors"] = _with_checksum(encoding[name].get("compressors"))
        else:
            variable.encoding = {**variable.encoding,
                                 "compressors": _with_checksum(variable.encoding.get("compressors"))}
    return ds, {name: enc for name, enc in encoding.items() if name not in existing}


def is_checksum_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the crc32c codec's report of a chunk whose bytes changed."""
    return isinstance(exc, ValueError) and "checksum" in str(exc).lower()


def read_error(path: str | os.PathLike, name: str, exc: BaseException) -> StoreError:
    """The :class:`StoreError` for an array of ``path`` that cannot be read: what, where and what to do."""
    if is_checksum_error(exc):
        detail = "a chunk fails its crc32c checksum: its bytes changed after it was written"
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return StoreError(f"{path}: array {name!r} cannot be read ({detail}); the store is corrupt: delete it and "
                      f"rerun the step that makes it (`rgml verify {path}` checks every chunk)")


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
        """Create the store from ``ds`` (or add ``ds``'s variables to it).

        Every new array gets the crc32c checksum codec (:func:`checksummed`).
        """
        mode = "a" if self.partial.exists() else "w"
        existing = set()
        if mode == "a":
            existing = {name for name, _ in zarr.open_group(self.partial, mode="r").arrays()}
            encoding = {name: enc for name, enc in (encoding or {}).items() if name not in existing} or None
        ds, encoding = checksummed(variable_length_strings(ds), encoding, existing=existing)
        with writing(self.path):
            ds.to_zarr(self.partial, mode=mode, encoding=encoding or None, consolidated=False, zarr_format=3)

    def append(self, ds: xr.Dataset, *, dim: str) -> None:
        """Append ``ds`` along ``dim`` to the variables that have that dimension."""
        with writing(self.path):
            variable_length_strings(ds).to_zarr(self.partial, append_dim=dim, consolidated=False)

    def write_along(self, blocks: Iterable[xr.Dataset], *, dim: str, encoding: dict | None = None,
                    batch_bytes: int = WRITE_BATCH_BYTES) -> None:
        """Create the store from ``blocks``, each one step along ``dim``, in as few writes as memory allows.

        The store holds the chunks that writing the first block and appending
        the others one by one gives: every variable along ``dim`` is chunked
        one step along it (and whole along the others, unless ``encoding``
        says otherwise).  Blocks are gathered up to ``batch_bytes`` per write,
        since a Zarr write costs some 50 ms however little it holds.
        """
        pending: list[xr.Dataset] = []
        held = 0  # bytes in pending

        def flush() -> None:
            group = pending[0] if len(pending) == 1 else xr.concat(pending, dim=dim, data_vars="minimal",
                                                                   coords="minimal", compat="override")
            if (self.partial / "zarr.json").exists():
                self.append(group.drop_vars([v for v in group.variables if dim not in group[v].dims]), dim=dim)
            else:
                self.write(group, encoding=_stepwise_chunks(group, dim, encoding))
            pending.clear()

        for block in blocks:
            pending.append(block)
            held += block.nbytes
            if held >= batch_bytes:
                flush()
                held = 0
        if pending:
            flush()

    def commit(self, attrs: dict) -> Path:
        """Set ``attrs`` (+ ``rgml_complete``, ``rgml_chunks``), consolidate metadata, rename into place.

        ``rgml_chunks`` counts the chunk files of every array, so that
        :func:`open_store` recognises a store that lost chunks (copied half-way).
        A store made by a command-line step also records the step and its
        options (:data:`COMMAND_ATTR`).  Whatever is at the path is replaced only if it is an rgml store.
        """
        if self.path.exists() and not is_store(self.path):
            raise StoreError(f"{self.path}: exists and is not an rgml store; rgml replaces only its own stores: "
                             "move it away or choose another output path")
        with writing(self.path):
            group = zarr.open_group(self.partial, mode="r+")
            chunks = {name: _count_chunk_files(self.partial / name) for name, _ in group.arrays()}
            command = _COMMAND.get()
            extra = {COMMAND_ATTR: command} if command is not None else {}
            if os.environ.get(WORKFLOW_CONFIG_ENV):
                extra[WORKFLOW_CONFIG_ATTR] = os.environ[WORKFLOW_CONFIG_ENV]
            group.attrs.update({**attrs, **extra, "rgml_complete": True, "rgml_chunks": chunks})
            with warnings.catch_warnings():
                # Consolidated metadata is a zarr-python extension for format 3; xarray
                # reads it and opens the store without probing every array.
                warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
                zarr.consolidate_metadata(self.partial)
            _replace_path(self.partial, self.path)
        return self.path


def _stepwise_chunks(ds: xr.Dataset, dim: str, encoding: dict | None) -> dict:
    """``encoding`` with chunks one step along ``dim`` for every variable along it that has none."""
    out = {name: dict(enc) for name, enc in (encoding or {}).items()}
    for name, variable in ds.variables.items():
        if dim in variable.dims and "chunks" not in out.get(name, {}):
            out.setdefault(name, {})["chunks"] = tuple(1 if d == dim else n for d, n in variable.sizes.items())
    return out


def variable_length_strings(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width unicode variables as variable-length strings: the string type Zarr v3 specifies."""
    fixed = [name for name, var in ds.variables.items() if var.dtype.kind == "U"]
    return ds.assign({name: ds[name].astype(object) for name in fixed}) if fixed else ds


#: The command-line step being run (set by the CLI around a step; recorded in the stores it writes).
_COMMAND: contextvars.ContextVar[str | None] = contextvars.ContextVar("rgml_command", default=None)


@contextlib.contextmanager
def recording_command(command: str):
    """Record ``command`` (the step and its options, JSON) in every store committed inside the block."""
    token = _COMMAND.set(command)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a directory holding a Zarr store written by rgml (complete or damaged)."""
    path = Path(path)
    meta = path / "zarr.json"
    if not (path.is_dir() and meta.is_file()):
        return False
    try:
        root = json.loads(meta.read_text())
    except (OSError, ValueError):
        return False
    return "rgml_store_version" in root.get("attributes", {})


def check_output(path: str | os.PathLike, command: str, *, overwrite: bool = False) -> None:
    """May a step run with ``command`` (JSON of its step and options) write its store to ``path``?

    Nothing there, or a store that the same step made with the same options
    (rerunning it writes the same arrays): yes.  Another rgml store: only
    with ``overwrite``.  Anything else (a user's file or directory): never.
    Raises :class:`StoreError` saying what to do.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if not is_store(path):
        what = "a directory" if path.is_dir() else "a file"
        raise StoreError(f"{path}: exists and is {what}, not an rgml store; rgml never replaces other files: "
                         "move it away or choose another --out")
    if overwrite:
        return
    attrs = json.loads((path / "zarr.json").read_text()).get("attributes", {})
    made_by = attrs.get(COMMAND_ATTR)
    if made_by == command:
        return
    if made_by is None:
        difference = "it was not made by this command (no record of its options)"
    else:
        difference = describe_difference(json.loads(made_by), json.loads(command))
    raise StoreError(f"{path}: an existing store made with other parameters ({difference}); "
                     "pass --overwrite to replace it, or choose another --out")


def describe_difference(old: dict, new: dict, *, limit: int = 4) -> str:
    """``key: old -> new`` for the keys where two flat mappings differ (at most ``limit``)."""
    first = ("command", "model", "step")  # which step made it, before its options
    keys = sorted((k for k in set(old) | set(new) if old.get(k) != new.get(k)),
                  key=lambda k: (k not in first, first.index(k) if k in first else 0, k))
    parts = [f"{k}: {old.get(k, '(unset)')!r} -> {new.get(k, '(unset)')!r}" for k in keys[:limit]]
    if len(keys) > limit:
        parts.append(f"and {len(keys) - limit} more")
    return ", ".join(parts) or "no difference"


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


def check_checksums(path: str | os.PathLike) -> int:
    """Check the crc32c of every chunk file of every array of the store at ``path``; return the chunks checked.

    Reads the stored bytes only (no decompression), so it costs a read of
    the compressed store: every step checks its input stores this way before
    it reads them.  Raises :class:`StoreError` naming the array and chunk of
    the first mismatch.
    """
    import google_crc32c  # zarr's crc32c codec computes its checksums with this package

    path = Path(path)
    checked = 0
    for name, array in sorted(zarr.open_group(path, mode="r").arrays()):
        if not any(isinstance(codec, Crc32cCodec) for codec in array.metadata.codecs):
            continue
        root = path / name / "c"
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for chunk in files:
            data = chunk.read_bytes()
            checked += 1
            if len(data) < 4 or np.uint32(google_crc32c.value(data[:-4])).tobytes() != data[-4:]:
                index = tuple(int(part) for part in chunk.relative_to(root).parts) if chunk != root else ()
                raise StoreError(
                    f"{path}: array {name!r} chunk {index} fails its crc32c checksum (its bytes changed after it "
                    f"was written); the store is corrupt: delete it and rerun the step that makes it "
                    f"(`rgml verify` checks every store)")
    return checked


def open_store(path: str | os.PathLike, *, chunks=None, checksums: bool = True) -> xr.Dataset:
    """Open a complete rgml store lazily; raise :class:`StoreError` naming the problem.

    ``chunks``: None reads arrays lazily without Dask (what the steps do);
    ``{}`` or ``"auto"`` or a mapping of dims to sizes gives Dask arrays
    (``{}``: the store's chunks), for out-of-core analysis.
    ``checksums``: check every chunk's crc32c first (:func:`check_checksums`);
    without it a damaged chunk is still refused, when it is read.
    """
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
        ds = xr.open_zarr(path, consolidated=True, chunks=chunks)
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
    if checksums:
        check_checksums(path)
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
    except Exception as exc:  # zarr / codecs raise many types for damaged chunks
        raise read_error(path, name, exc) from None


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
            raise read_error(path, name, exc) from None
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
