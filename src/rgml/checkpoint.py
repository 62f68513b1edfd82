"""Checkpoints of long steps: resume a killed job where it stopped, bit for bit.

A checkpoint is one ``.npz`` file next to the output (``<out>.checkpoint.npz``)
holding the arrays of the computation's state (chain configurations, random
stream counters, optimizer moments, …) and a JSON header with a fingerprint
of every parameter that shaped the computation.  It is replaced atomically
(written under a temporary name, then renamed), so a kill at any moment
leaves either the previous checkpoint or the new one.  A checkpoint whose
fingerprint does not match the current parameters is ignored and removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import yaml

from rgml.store import writing


def fingerprint(parameters: dict) -> str:
    """Stable hash of the parameters that determine a computation."""
    return hashlib.sha256(yaml.safe_dump(parameters, sort_keys=True).encode()).hexdigest()


class Checkpoint:
    """Save and restore the state of the computation that writes ``target``.

    Parameters
    ----------
    target:
        The output being built (a store path).
    parameters:
        Everything that shaped the computation; a checkpoint made with other
        parameters is never resumed.
    every:
        Minimum wall-clock seconds between saves (0: save whenever asked).
    """

    def __init__(self, target: Path, parameters: dict, *, every: float):
        self.path = Path(target).with_name(Path(target).name + ".checkpoint.npz")
        self.fingerprint = fingerprint(parameters)
        self.every = every
        self._last = time.monotonic()

    def load(self) -> tuple[dict, dict] | None:
        """``(meta, arrays)`` of a matching checkpoint, or None (a stale one is removed)."""
        if not self.path.exists():
            return None
        try:
            with np.load(self.path, allow_pickle=False) as data:
                header = json.loads(str(data["__header__"]))
                arrays = {k: data[k] for k in data.files if k != "__header__"}
        except (OSError, ValueError, KeyError):
            header = None
        if header is None or header.get("fingerprint") != self.fingerprint:
            self.clear()
            return None
        return header["meta"], arrays

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every

    def save(self, meta: dict, arrays: dict) -> None:
        """Write the checkpoint atomically (a failed write leaves the previous one)."""
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        header = json.dumps({"fingerprint": self.fingerprint, "meta": meta})
        try:
            with writing(self.path):
                np.savez(tmp, __header__=np.array(header), **arrays)
                os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self._last = time.monotonic()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
