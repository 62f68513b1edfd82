"""Exact log partition function of an RBM by enumerating one layer.

Summing out the other layer analytically (the free energies of
:mod:`rgml.rbm.model`) leaves a sum over the ``2^n`` states of one layer::

    ln Z = ln Σ_v e^{−F(v)} = ln Σ_h e^{−F(h)}.

Both sums are the same number; enumerating the smaller layer costs
``2^{min(N_v, N_h)} · N_v · N_h`` operations, which is cheap up to about 20–24
units (DESIGN.md §5).  The sum is taken in chunks with a running
log-sum-exp, so memory stays at ``chunk × max(N_v, N_h)`` floats.
"""

from __future__ import annotations

import numpy as np

from rgml.rbm.model import RBM
from rgml.rbm.numerics import logsumexp

#: Largest layer :func:`log_partition` enumerates unless told otherwise.
MAX_ENUMERATED_UNITS = 24


def all_states(n_units: int, *, xp=np, dtype=np.float64, start: int = 0, stop: int | None = None):
    """0/1 rows for the integers ``start … stop−1`` (bit ``i`` → unit ``i``), shape ``(count, n)``.

    With the defaults this is all ``2^n`` states of ``n`` units.
    """
    stop = 2**n_units if stop is None else stop
    index = xp.arange(start, stop, dtype=xp.int64)
    shifts = xp.arange(n_units, dtype=xp.int64)
    return ((index[:, None] >> shifts) & 1).astype(dtype)


def enumeration_side(model: RBM) -> str:
    """``"visible"`` or ``"hidden"``: the smaller layer (ties → hidden)."""
    return "visible" if model.n_visible < model.n_hidden else "hidden"


def log_partition(
    model: RBM,
    *,
    side: str = "auto",
    max_units: int = MAX_ENUMERATED_UNITS,
    chunk: int = 2**14,
) -> float:
    """ln Z of ``model`` (nats), exact, by enumerating the states of one layer.

    Parameters
    ----------
    model:
        The RBM (NumPy or CuPy); evaluated in float64.
    side:
        ``"visible"`` sums ``e^{−F(v)}`` over all visible states,
        ``"hidden"`` sums ``e^{−F(h)}`` over all hidden states, ``"auto"``
        picks the smaller layer.
    max_units:
        Refuse to enumerate a layer larger than this (``2^n`` states).
    chunk:
        States evaluated at a time.
    """
    if side == "auto":
        side = enumeration_side(model)
    if side not in ("visible", "hidden"):
        raise ValueError(f"log_partition: side must be 'visible', 'hidden' or 'auto', not {side!r}")
    n = model.n_visible if side == "visible" else model.n_hidden
    if n > max_units:
        raise ValueError(
            f"log_partition: enumerating the {side} layer means 2^{n} states (limit 2^{max_units}); "
            "use side='auto' for the smaller layer, raise max_units, or estimate ln Z with "
            "rgml.rbm.ais_log_partition"
        )
    model = model.as_float64()
    xp = model.xp
    free_energy = model.free_energy if side == "visible" else model.hidden_free_energy
    partial = []
    for start in range(0, 2**n, chunk):
        states = all_states(n, xp=xp, start=start, stop=min(start + chunk, 2**n))
        partial.append(logsumexp(-free_energy(states)))
    return float(logsumexp(xp.stack(partial)))
