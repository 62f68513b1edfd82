"""Shared fixtures: exact reference values and array namespaces."""

from __future__ import annotations

import json
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
    """Parsed JSON of one reference file, e.g. ``load_reference("ising2d_exact")``."""
    return json.loads((reference_dir() / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def ising2d_exact() -> dict:
    return load_reference("ising2d_exact")


@pytest.fixture(scope="session")
def mi_exact() -> dict:
    return load_reference("mutual_information_exact")


def _namespaces():
    params = [pytest.param(np, id="numpy")]
    if cupy_available():
        import cupy

        params.append(pytest.param(cupy, id="cupy", marks=pytest.mark.gpu))
    return params


@pytest.fixture(params=_namespaces())
def xp(request):
    """Array namespace: always NumPy, plus CuPy where a GPU is usable."""
    return request.param
