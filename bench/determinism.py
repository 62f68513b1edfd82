"""Determinism of the whole sweep (issue 8, item 4): two runs from clean must give identical arrays.

Copies the working tree (``git ls-files -co --exclude-standard``: tracked and
untracked files, nothing ignored, so no earlier ``results/``) into two
scratch directories, runs the sweep from clean in each, once with
``--cores 1`` and once with ``--cores 2`` (one after the other, so neither
slows the other), and compares ``rgml checksum results/`` of the two: every
array of every store must have the same content hash (attributes such as
creation times are not hashed).  Each run uses its copy's source
(``PYTHONPATH=<copy>/src``), so edits to the working tree during the runs do
not leak in.  Tables and figures are compared byte for byte as well, for
information.

Usage::

    python bench/determinism.py                      # the default sweep (config/config.yaml)
    python bench/determinism.py --configfile tests/workflow/tiny.yaml --keep

Prints PASS or FAIL with the counts and the wall time of each run; exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Failed(RuntimeError):
    """A run or the checksum listing failed; the message says where to look."""


def copy_tree(dest: Path) -> int:
    """Copy the files git knows of (tracked or untracked, not ignored) into ``dest``; return their number."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    copied = 0
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():  # listed but deleted in the working tree: skip
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
            copied += 1
    return copied


def run_sweep(tree: Path, *, cores: int, log: Path) -> float:
    """Run the sweep from clean in ``tree`` (``snakemake --cores N``); return its wall time in seconds."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tree / "src"),
                                                                      os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores)]
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run(cmd, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise Failed(f"the sweep with --cores {cores} failed (exit {proc.returncode}); see {log}")
    return wall


def checksums(tree: Path) -> dict[str, str]:
    """``{store/array: sha256}`` from ``rgml checksum results`` run with the copy's source."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", "checksum", "results"], cwd=tree, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failed(f"rgml checksum in {tree}: {proc.stderr.strip()}")
    return dict(line.rsplit(" ", 1) for line in proc.stdout.splitlines())


def file_hashes(results: Path) -> dict[str, str]:
    """sha256 of every table and figure (files outside stores, logs and benchmark timings)."""
    hashes = {}
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(results).as_posix()
        if path.is_file() and ".zarr" not in rel and path.suffix in (".csv", ".png"):
            hashes[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def compare(a: dict[str, str], b: dict[str, str]) -> tuple[int, list[str], list[str]]:
    """(identical, differing, present in one only)."""
    same = sum(a[k] == b[k] for k in a.keys() & b.keys())
    differ = sorted(k for k in a.keys() & b.keys() if a[k] != b[k])
    return same, differ, sorted(a.keys() ^ b.keys())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", type=Path, default=None,
                        help="config of the sweep, put in place of config/config.yaml in both copies "
                             "(snakemake --configfile would be merged into the default config)")
    parser.add_argument("--cores", type=int, nargs=2, default=(1, 2), metavar=("A", "B"),
                        help="cores of the two runs (default 1 2)")
    parser.add_argument("--scratch", type=Path, default=None, help="where to make the two copies (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the two copies and their results")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="rgml-determinism-", dir=args.scratch))
    try:
        runs = []
        for cores in args.cores:
            tree = scratch / f"cores{cores}"
            n = copy_tree(tree)
            if args.configfile is not None:
                shutil.copy(args.configfile, tree / "config" / "config.yaml")
            wall = run_sweep(tree, cores=cores, log=scratch / f"cores{cores}.log")
            print(f"run --cores {cores}: {n} files copied, sweep from clean in {wall:.1f} s", flush=True)
            runs.append((cores, tree, wall))
        (ca, ta, _), (cb, tb, _) = runs
        arrays_a, arrays_b = checksums(ta), checksums(tb)
        same, differ, lonely = compare(arrays_a, arrays_b)
        stores = {name.split(".zarr/")[0] for name in arrays_a.keys() | arrays_b.keys()}
        files_same, files_differ, files_lonely = compare(file_hashes(ta / "results"), file_hashes(tb / "results"))

        print(f"stores: {len(stores)}; arrays: {len(arrays_a)} (--cores {ca}) and {len(arrays_b)} (--cores {cb})")
        print(f"arrays identical: {same}, differing: {len(differ)}, in one run only: {len(lonely)}")
        for name in differ[:20]:
            print(f"  differs: {name}")
        for name in lonely[:20]:
            print(f"  in one run only: {name}")
        print(f"tables and figures (for information): identical {files_same}, differing {len(files_differ)}"
              + (f" ({', '.join(files_differ[:5])})" if files_differ else "")
              + (f", in one run only {len(files_lonely)}" if files_lonely else ""))
        ok = not differ and not lonely and same > 0
        print(("PASS" if ok else "FAIL") + f": {same} of {len(arrays_a.keys() | arrays_b.keys())} arrays in "
              f"{len(stores)} stores identical between --cores {ca} ({runs[0][2]:.1f} s) and "
              f"--cores {cb} ({runs[1][2]:.1f} s)")
        if args.keep:
            print(f"kept: {scratch}")
        return 0 if ok else 1
    except Failed as exc:
        args.keep = True  # keep the logs
        print(f"FAIL: {exc}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
