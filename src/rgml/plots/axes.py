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


def mark_outside(ax, x, y, lo: float, hi: float, *, color="0.3") -> int:
    """Write the value of every point with y outside ``[lo, hi]`` at the panel's edge (▲ above, ▼ below).

    For panels whose range is chosen for the bulk of the data: no value of the table is hidden, the
    outliers are named.  Returns how many points were marked.
    """
    marked = 0
    for xi, yi in zip(np.asarray(x, float), np.asarray(y, float)):
        if not (np.isfinite(xi) and np.isfinite(yi)) or lo <= yi <= hi:
            continue
        above = yi > hi
        ax.annotate(f"{'▲' if above else '▼'} {yi:.3g}", (xi, hi if above else lo), ha="center",
                    va="top" if above else "bottom", fontsize=6, color=color, annotation_clip=False)
        marked += 1
    return marked
