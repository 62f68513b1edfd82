"""Disk full / read-only results (issue 8, item 6).

Each writer (a store, a store made from a store, a table with a figure) runs
into a results directory that is full or read-only.  It must fail with one
clear line naming the path and what to do (exit status 2, no traceback),
leave the earlier results there byte for byte, and leave no debris; freeing
the space makes the same command succeed.

The directory is a small tmpfs mounted by the test (filled up with a filler
file, or remounted read-only), which needs root or CAP_SYS_ADMIN; without
them the read-only case falls back to a directory without write permission
and the disk-full case is skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from rgml.store import StoreError, open_store
from test_bad_data import LOG_LINE, snapshot, stores  # noqa: F401  (stores: the fixture of small real stores)

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes

#: The tmpfs: small, but room for an earlier result and its replacement once the filler is gone.
TMPFS_SIZE = "1m"


@dataclass(frozen=True)
class Writer:
    """A command writing into ``results``; ``earlier`` puts results there first (at its output paths)."""

    id: str
    command: str
    argv: Callable[[dict, Path], list]
    earlier: Callable[[dict, Path], None]
    resumable: bool = False  # keeps its (incomplete) partial store for the next attempt, by design


def _copy(name: str, target: str) -> Callable[[dict, Path], None]:
    return lambda stores, results: shutil.copytree(stores[name], results / target)


def _files(*names: str) -> Callable[[dict, Path], None]:
    def make(stores, results):
        for name in names:
            (results / name).write_text(f"earlier {name}\n")
    return make


WRITERS = [
    Writer("store", "rgml sample ising1d",
           lambda s, r: ["sample", "ising1d", "--size", 16, "--couplings", "0.5,1.0", "--samples", 400, "--seed", 2,
                         "--out", r / "N16.zarr", "--overwrite"],
           _copy("N16", "N16.zarr")),
    Writer("store-from-store", "rgml rg coarse-grain",
           lambda s, r: ["rg", "coarse-grain", "--samples", s["L8"], "--rule", "majority", "--seed", 3,
                         "--out", r / "majority_b2.zarr", "--overwrite"],
           _copy("maj8", "majority_b2.zarr")),
    Writer("table-and-figure", "rgml rg ring",
           lambda s, r: ["rg", "ring", "--samples", s["N16"], "--table", r / "ring.csv", "--figure", r / "ring.png"],
           _files("ring.csv", "ring.png")),
    Writer("sampling", "rgml sample ising2d",
           lambda s, r: ["sample", "ising2d", "--size", 8, "--temperatures", "2.0,3.0", "--samples", 64, "--seed", 2,
                         "--thermalize", 10, "--thin", 1, "--out", r / "L8.zarr", "--overwrite"],
           _copy("L8", "L8.zarr"), resumable=True),
]


def _run(argv: list) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rgml.cli", *map(str, argv)], capture_output=True, text=True,
                          timeout=300)


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextlib.contextmanager
def tmpfs(path: Path):
    """A fresh tmpfs of TMPFS_SIZE at ``path`` (skips the test where mounting is not permitted)."""
    path.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(path))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({mounted.stderr.strip() or 'mount failed'}); needs root or CAP_SYS_ADMIN")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill_up(directory: Path) -> Path:
    """Write a filler file until the file system is full."""
    filler = directory / "filler"
    block = b"\0" * 4096
    with open(filler, "wb", buffering=0) as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(block)
    return filler


def results_of(directory: Path, writer: Writer) -> dict[str, bytes]:
    """The files of the results directory that must not change (a resumable partial may)."""
    skip = ("filler",) + ((".partial", ".checkpoint") if writer.resumable else ())
    return {k: v for k, v in snapshot(directory).items() if not any(part in k for part in skip)}


def check_clean_failure(proc, *, writer: Writer, results: Path, reason: str) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith(f"{writer.command}: error: {results}"), errors[0]
    assert reason in errors[0], errors[0]


def check_no_complete_looking_debris(results: Path, writer: Writer) -> None:
    debris = [p for p in results.iterdir() if ".partial" in p.name]
    if not writer.resumable:
        assert not debris, debris
    for partial in debris:
        if partial.is_dir():
            with pytest.raises(StoreError, match="incomplete"):
                open_store(partial)


@pytest.mark.parametrize("writer", WRITERS, ids=[w.id for w in WRITERS])
def test_full_disk_fails_cleanly_and_keeps_earlier_results(writer, stores, tmp_path):  # noqa: F811
    with tmpfs(tmp_path / "results") as results:
        writer.earlier(stores, results)
        before = results_of(results, writer)
        filler = fill_up(results)
        proc = _run(writer.argv(stores, results))
        check_clean_failure(proc, writer=writer, results=results, reason="disk is full")
        assert results_of(results, writer) == before
        check_no_complete_looking_debris(results, writer)

        filler.unlink()  # the control: with space, the same command replaces the earlier results
        rerun = _run(writer.argv(stores, results))
        assert rerun.returncode == 0, rerun.stderr
        assert results_of(results, writer) != before
        assert not [p for p in results.iterdir() if ".partial" in p.name or p.name.endswith(".old")]


@pytest.mark.parametrize("writer", WRITERS, ids=[w.id for w in WRITERS])
def test_read_only_results_fail_cleanly_and_keep_earlier_results(writer, stores, tmp_path):  # noqa: F811
    if os.geteuid() == 0:  # root writes through permissions: make the file system itself read-only
        context, reason = tmpfs(tmp_path / "results"), "read-only"
    else:
        context, reason = contextlib.nullcontext(tmp_path / "results"), "permission denied"
        (tmp_path / "results").mkdir()
    with context as results:
        writer.earlier(stores, results)
        before = results_of(results, writer)
        if os.geteuid() == 0:
            remounted = _mount("-o", "remount,ro", str(results))
            assert remounted.returncode == 0, remounted.stderr
        else:
            results.chmod(0o555)
        try:
            proc = _run(writer.argv(stores, results))
        finally:
            if os.geteuid() != 0:
                results.chmod(0o755)
        check_clean_failure(proc, writer=writer, results=results, reason=reason)
        assert results_of(results, writer) == before
        check_no_complete_looking_debris(results, writer)


def test_a_failed_final_rename_puts_the_earlier_store_back(stores, tmp_path, monkeypatch):  # noqa: F811
    """The last moment a commit can fail: the earlier store is already moved aside; it goes back."""
    import rgml.store
    from rgml.store import WriteError, array_digests, write_dataset

    target = tmp_path / "N16.zarr"
    shutil.copytree(stores["N16"], target)
    earlier = array_digests(target)
    real_replace = os.replace

    def replace(src, dst):
        if str(src).endswith(".partial"):
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(rgml.store.os, "replace", replace)
    with pytest.raises(WriteError, match=r"N16\.zarr: cannot write it \(No space left on device\); the disk is full"):
        write_dataset(open_store(stores["L8"])[["energy"]].load(), target, attrs={"title": "new"})
    monkeypatch.undo()
    assert array_digests(target) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["N16.zarr"]
