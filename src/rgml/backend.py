"""Array backend selection: NumPy on the CPU, CuPy on a CUDA GPU.

Library code never imports CuPy directly.  It asks for the namespace of the
arrays it was given (``xp = array_namespace(x)``) or, where it creates arrays
from nothing, for the namespace of a backend name (``xp = get_xp(name)``).
CuPy is imported lazily, so the package imports and runs without it.
Arrays cross back to NumPy only at the I/O boundary (``to_numpy``).
"""

from __future__ import annotations

import functools
from types import ModuleType

import numpy as np

BACKENDS = ("auto", "numpy", "cupy")


class BackendError(RuntimeError):
    """A requested backend cannot be used on this machine."""


@functools.cache
def _cupy() -> ModuleType | None:
    """Return the cupy module if it imports and sees a CUDA device, else None."""
    try:
        import cupy
    except Exception:  # ImportError, or a CUDA library that fails to load
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:  # no driver / no device
        return None
    return cupy


def cupy_available() -> bool:
    """True when CuPy imports and at least one CUDA device is visible."""
    return _cupy() is not None


def resolve_backend(name: str) -> str:
    """Turn a configured backend name into the one that will run.

    ``auto`` becomes ``cupy`` where a GPU is usable and ``numpy`` otherwise.
    Asking for ``cupy`` where it cannot run raises :class:`BackendError`
    with a message that says what to change.
    """
    if name not in BACKENDS:
        raise BackendError(f"backend: unknown value {name!r}; use one of {', '.join(BACKENDS)}")
    if name == "auto":
        return "cupy" if cupy_available() else "numpy"
    if name == "cupy" and not cupy_available():
        raise BackendError(
            "backend: 'cupy' was requested but CuPy with a CUDA device is not available here; "
            "install the 'gpu' extra on a GPU machine or set backend to 'numpy' or 'auto'"
        )
    return name


def get_xp(name: str) -> ModuleType:
    """Array namespace (``numpy`` or ``cupy``) for a backend name."""
    return select_backend(name)[1]


def select_backend(name: str) -> tuple[str, ModuleType]:
    """The backend a configured name runs on (as :func:`resolve_backend`) and its array namespace."""
    resolved = resolve_backend(name)
    return resolved, (_cupy() if resolved == "cupy" else np)


def array_namespace(*arrays) -> ModuleType:
    """Namespace of the given arrays: cupy if any of them is a CuPy array, else numpy."""
    for a in arrays:
        if type(a).__module__.startswith("cupy"):
            return _cupy()
    return np


def backend_name(xp: ModuleType) -> str:
    """``"cupy"`` or ``"numpy"`` for a namespace returned by this module."""
    return "cupy" if xp is not np else "numpy"


def to_numpy(a) -> np.ndarray:
    """Copy a (possibly device) array to host memory; NumPy arrays pass through."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)


def asarray(a, xp: ModuleType, dtype=None):
    """Move a host array onto the namespace ``xp`` (no copy when already there)."""
    return xp.asarray(a, dtype=dtype)
