"""Shared fixtures: exact reference values, array namespaces and the tiny workflow run."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rgml.backend import cupy_available

ROOT = Path(__file__).resolve().parents[1]
#: The project's exact reference values live in ../shared/reference next to the
#: checkout; tests/reference holds a verbatim copy for machines without it
#: (test_reference_copy.py fails if the two ever differ).
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
VENDORED_REFERENCE = ROOT / "tests" / "reference"


def reference_dir() -> Path:
    return SHARED_REFERENCE if SHARED_REFERENCE.is_dir() else VENDORED_REFERENCE


def load_reference(name: str) -> dict:
    """Parsed JSON of one reference file, e.g. ``load_reference("ising2d_exact")``.

    The project's own exact values (made by a script under bench/, e.g. the dimer counts) live only
    in tests/reference; the ones the project was given are read from ../shared/reference.
    """
    shared = reference_dir() / f"{name}.json"
    return json.loads((shared if shared.is_file() else VENDORED_REFERENCE / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def ising2d_exact() -> dict:
    return load_reference("ising2d_exact")


@pytest.fixture(scope="session")
def mi_exact() -> dict:
    return load_reference("mutual_information_exact")


def _namespaces():
    params = [pytest.param(np, id="numpy"), pytest.param("emulated", id="emulated-cupy")]
    if cupy_available():
        import cupy

        params.append(pytest.param(cupy, id="cupy", marks=pytest.mark.gpu))
    return params


@pytest.fixture
def emulated_gpu(monkeypatch):
    """Make ``backend: cupy`` run on :mod:`emulated_cupy` (host/device mixing raises, as on a GPU)."""
    from emulated_cupy import cupy

    import rgml.backend

    monkeypatch.setattr(rgml.backend, "_cupy", lambda: cupy)
    return cupy


@pytest.fixture(params=_namespaces())
def xp(request):
    """Array namespace: NumPy, the emulated device (host/device slips raise), and CuPy where a GPU is usable."""
    if request.param == "emulated":
        return request.getfixturevalue("emulated_gpu")
    return request.param


#: The tiny workflow config: every stage in about a minute.
TINY = ROOT / "tests" / "workflow" / "tiny.yaml"


def snakemake(workdir: Path, *args, config: Path = TINY, check=True):
    """Run the workflow in ``workdir`` with ``--cores 2`` (later ``args`` such as ``--cores 1`` override)."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(config), "--cores", "2", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=2400)  # a tiny run on a busy 2-core machine
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A workdir where the tiny config ran from clean with ``--cores 2``; treat it as read-only.

    Made once per test session: pytest-xdist workers share it through a file
    lock, so the workflow tests and the determinism test pay for one run.
    ``RGML_TINY_RUN=<workdir>`` reuses a finished run of the tiny config made
    with this checkout (for developers iterating on workflow tests).
    """
    if os.environ.get("RGML_TINY_RUN"):
        return Path(os.environ["RGML_TINY_RUN"])
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the directory all workers of this session share
    workdir, done = root / "tiny_run", root / "tiny_run.done"
    with open(root / "tiny_run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(workdir, ignore_errors=True)  # what a failed attempt left
            workdir.mkdir()
            snakemake(workdir)
            done.touch()
    return workdir
