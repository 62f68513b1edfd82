"""Pipeline step: thermodynamics of the 2D sample stores against exact results (:mod:`rgml.ising.thermodynamics`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rgml.inputs import open_samples_2d
from rgml.ising.thermodynamics import thermodynamics as thermodynamics_table
from rgml.plots.thermo import thermodynamics_figure
from rgml.progress import log
from rgml.store import save_figure, write_table


def thermodynamics(stores: list[Path], *, table: Path, figure: Path) -> pd.DataFrame:
    """Write the thermodynamics CSV and figure for the given 2D sample stores."""
    opened = [open_samples_2d(path) for path in stores]
    df = thermodynamics_table(opened)
    log(f"energy vs Kaufman: max |z| = {df['energy_z'].abs().max():.2f} over {len(df)} (L, T) points")
    write_table(df, table)
    save_figure(thermodynamics_figure(df), figure)
    return df
