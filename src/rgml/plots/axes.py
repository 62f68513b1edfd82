"""Axis limits that never hide a value of the table a figure shows."""

from __future__ import annotations

import numpy as np


def covering(values, *, errors=None, include=(), pad: float = 0.06) -> tuple[float, float]:
    """Limits ``(lo, hi)`` spanning every finite value (± its finite error), the points of ``include`` and a margin.

    Use with ``ax.set_ylim(*covering(...))`` instead of fixed limits, which
    clip outliers (a failed fit is a value the table holds: show it).
    """
    values = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(values)
    points = [values[finite]]
    if errors is not None:
        errors = np.broadcast_to(np.asarray(errors, dtype=float).ravel(), values.shape)
        ok = finite & np.isfinite(errors)
        points += [values[ok] - errors[ok], values[ok] + errors[ok]]
    points.append(np.asarray(include, dtype=float).ravel())
    span = np.concatenate(points)
    span = span[np.isfinite(span)]
    if span.size == 0:
        return 0.0, 1.0
    lo, hi = float(span.min()), float(span.max())
    margin = pad * (hi - lo) if hi > lo else max(abs(hi), 1.0) * pad
    return lo - margin, hi + margin


def note_missing(ax, missing: list[str], *, y: float = 0.02) -> None:
    """Say in the panel which curves have no finite value (so an empty legend entry is explained)."""
    if missing:
        ax.text(0.98, y, "no finite value (NaN in the table): " + ", ".join(missing), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7, color="0.3",
                bbox={"facecolor": "white", "edgecolor": "0.7", "boxstyle": "round,pad=0.2"})
