"""Pipeline steps of the dimer stage: samples of the interacting dimer model (:mod:`rgml.dimers`) and their table.

``results/samples/dimers/L{L}.zarr``: link occupations ``dimers (temperature,
sample, direction, y, x)`` with energy, winding numbers and columnar order per
sample and the sampler's per-temperature plans, written block by block and
resumable like the Ising stores (:func:`rgml.steps.sample.stream_samples`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from rgml.dimers.sampler import DimerChains, DimerPlan, DimerSettings
from rgml.dimers.sampler import plans_dataset as dimer_plans_dataset
from rgml.dimers.sampler import prepare_chains as prepare_dimer_chains
from rgml.dimers.sampler import production as dimer_production
from rgml.dimers.sampler import stored_tau_dataset
from rgml.chunks import samples_per_chunk
from rgml.layout import Layout
from rgml.progress import log
from rgml.steps.sample import Sampler, stream_samples
from rgml.store import provenance, spin_compressor

#: What a dimer sample store holds (the per-sample variables of :class:`rgml.dimers.sampler.DimerBlock` and the
#: plans of :func:`rgml.dimers.sampler.plans_dataset`); link occupations are 0/1, checked where they are read.
DIMER_SAMPLES = Layout(
    "dimer sample store (rgml sample dimers)",
    {
        "dimers": (("temperature", "sample", "direction", "y", "x"), np.int8),
        "energy": (("temperature", "sample"), np.float64),
        "winding_x": (("temperature", "sample"), np.int64),
        "winding_y": (("temperature", "sample"), np.int64),
        "columnar_x": (("temperature", "sample"), np.float64),
        "columnar_y": (("temperature", "sample"), np.float64),
        "tau_int": (("temperature",), np.float64),
        "thin": (("temperature",), np.int64),
    },
    dims=("temperature",),
    attrs=("chains", "interaction", "rule"),
    finite=("energy", "columnar_x", "columnar_y"),
    lazy="dimers",
)


def sample_dimers(
    *, size: int, temperatures: list[float], samples: int, seed: int, out: Path, settings: DimerSettings,
    interaction: float, checkpoint_seconds: float = 120.0,
) -> Path:
    """Sample the interacting dimer model on the L×L torus at every temperature (:mod:`rgml.dimers`), resumably."""
    config = {"model": "dimers", "size": size, "temperatures": [float(t) for t in temperatures], "samples": samples,
              "seed": seed, "interaction": interaction,
              "sampler": {k: getattr(settings, k) for k in settings.__dataclass_fields__}}
    log(f"dimers L={size}: {len(temperatures)} temperatures, {samples} samples each, {settings.chains} chains, "
        f"rule={settings.rule}, v={interaction}")
    chains = settings.chains
    block_steps = max(1, samples_per_chunk(2 * size * size) // chains)
    sampler = Sampler(
        start=lambda: DimerChains.start(size, temperatures, chains, seed=seed, interaction=interaction,
                                        rule=settings.rule),
        prepare=lambda: prepare_dimer_chains(size, temperatures, seed=seed, settings=settings,
                                             interaction=interaction, log=log),
        plan_type=DimerPlan,
        production=dimer_production,
        block_dataset=lambda block, first: block.to_dataset(temperatures, chains, first_sample=first),
        finish=lambda written, plans: xr.merge([dimer_plans_dataset(plans),
                                                stored_tau_dataset(written["energy"].values, temperatures, chains)]),
        describe=lambda p: (f"T={p.temperature:.6g}: τ_int={p.tau_int:.3g} sweeps, thin={p.thin}, "
                            f"thermalize={p.thermalize}, {p.worms_per_sweep} worms/sweep"
                            + (", sectors frozen" if p.sector_frozen else "")),
    )
    encoding = {"dimers": {"compressors": [spin_compressor()], "chunks": (1, block_steps * chains, 2, size, size)}}
    return stream_samples(
        sampler, out=out, parameters=config, samples=samples, chains=chains, block_steps=block_steps,
        encoding=encoding, label=f"dimers L={size}", checkpoint_seconds=checkpoint_seconds,
        attrs=lambda: provenance(title=f"interacting dimer samples, L={size}", seed=seed, backend="numpy",
                                 config={"dimers": config})
        | {"model": "dimers", "interaction": interaction, "rule": settings.rule, "chains": chains},
    )


def dimers_table(*, stores: list[Path], r_min: int, table: Path, correlation_table: Path, figure: Path) -> None:
    """``dimers.csv`` (one row per (L, T)), ``dimers_correlation.csv`` (C(r) at T = ∞) and the figure."""
    import pandas as pd

    from rgml.dimers.summary import CORRELATION_COLUMNS, correlation_rows, summary_rows
    from rgml.inputs import open_kind
    from rgml.plots.dimers import dimers_figure
    from rgml.store import StoreError, save_figure, write_table

    rows, correlations = [], []
    for path in stores:
        ds = open_kind(path, DIMER_SAMPLES)
        rows += summary_rows(ds)
        for i in np.flatnonzero(np.isinf(ds["temperature"].values)):
            try:
                correlations += correlation_rows(ds["dimers"].isel(temperature=i).values, r_min=r_min, log=log)
            except ValueError as exc:
                raise StoreError(f"{path}: 'dimers' at T = inf is not a dimer configuration ({exc})") from None
    df = pd.DataFrame(rows).sort_values(["L", "T"]).reset_index(drop=True)
    corr = pd.DataFrame(correlations, columns=CORRELATION_COLUMNS)
    write_table(df, table)
    write_table(corr, correlation_table)
    save_figure(dimers_figure(df, corr), figure)
