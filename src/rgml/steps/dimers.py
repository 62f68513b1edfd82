"""Pipeline steps of the dimer stage: samples of the interacting dimer model (:mod:`rgml.dimers`) and their table.

``results/samples/dimers/L{L}.zarr``: link occupations ``dimers (temperature,
sample, direction, y, x)`` with energy, winding numbers and columnar order per
sample and the sampler's per-temperature plans, written block by block and
resumable like the Ising stores (:func:`rgml.steps.sample.stream_samples`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rgml.dimers.sampler import DimerChains, DimerPlan, DimerSettings
from rgml.dimers.sampler import plans_dataset as dimer_plans_dataset
from rgml.dimers.sampler import prepare_chains as prepare_dimer_chains
from rgml.dimers.sampler import production as dimer_production
from rgml.ising.samples import samples_per_chunk, stored_tau
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
        finish=lambda written, plans: dimer_plans_dataset(plans).assign(
            tau_int_energy_stored=(("temperature",), [stored_tau(e, chains) for e in written["energy"].values],
                                   {"long_name": "tau_int of the energy along each chain's stored samples",
                                    "units": "stored samples"})),
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

    from rgml.dimers.observables import fit_correlation_exponent, row_correlation
    from rgml.dimers.exact import free_row_correlation
    from rgml.inputs import open_kind
    from rgml.plots.dimers import dimers_figure
    from rgml.stats import estimate
    from rgml.store import StoreError, save_figure, write_table

    rows, correlations = [], []
    for path in stores:
        ds = open_kind(path, DIMER_SAMPLES)
        size, chains = ds.sizes["x"], int(ds.attrs["chains"])
        for i, t in enumerate(ds["temperature"].values):
            def stat(series):
                return estimate(series[: series.size - series.size % chains].reshape(-1, chains).T)
            e = stat(ds["energy"].values[i])
            d = np.hypot(ds["columnar_x"].values[i], ds["columnar_y"].values[i])
            order, order2 = stat(d), stat(size * size * d**2)
            winding = stat(ds["winding_x"].values[i] ** 2 + ds["winding_y"].values[i] ** 2.0)
            rows.append({"L": size, "T": float(t), "energy": e.mean, "energy_err": e.error, "energy_tau_int": e.tau_int,
                         "columnar_order": order.mean, "columnar_order_err": order.error,
                         "L2_D2": order2.mean, "L2_D2_err": order2.error,
                         "winding_variance": winding.mean, "winding_variance_err": winding.error,
                         "tau_int_sweeps": float(ds["tau_int"].values[i]), "thin_sweeps": int(ds["thin"].values[i]),
                         "sector_frozen": bool(ds["sector_frozen"].values[i])})
            if np.isinf(t):
                try:
                    c = row_correlation(ds["dimers"].isel(temperature=i).values)
                except ValueError as exc:
                    raise StoreError(f"{path}: 'dimers' at T = inf is not a dimer configuration ({exc})") from None
                try:
                    fit = fit_correlation_exponent(c, r_min=r_min, r_max=size // 2 - 1)
                    exponent, exponent_err = fit.exponent, fit.exponent_err
                except ValueError as exc:  # too few distances on a small torus: the table says so with NaN
                    log(f"L={size}: no power-law fit of C(r) ({exc})")
                    exponent = exponent_err = np.nan
                exact = free_row_correlation(size // 2)
                mean, err = c.mean(axis=0), c.std(axis=0, ddof=1) / np.sqrt(c.shape[0])
                correlations += [{"L": size, "r": r, "C": mean[r], "C_err": err[r], "C_exact_infinite": exact[r],
                                  "z": (mean[r] - exact[r]) / err[r] if err[r] > 0 else np.nan,
                                  "exponent": exponent, "exponent_err": exponent_err,
                                  "fit_r_min": r_min, "fit_r_max": size // 2 - 1} for r in range(1, size // 2 + 1)]
                log(f"L={size} T=inf: C(r) ~ r^-{exponent:.3f} ± {exponent_err:.3f} (fit r = {r_min}..{size // 2 - 1}, "
                    "exact 2)")
    df = pd.DataFrame(rows).sort_values(["L", "T"]).reset_index(drop=True)
    corr = pd.DataFrame(correlations, columns=["L", "r", "C", "C_err", "C_exact_infinite", "z", "exponent",
                                               "exponent_err", "fit_r_min", "fit_r_max"])
    write_table(df, table)
    write_table(corr, correlation_table)
    save_figure(dimers_figure(df, corr), figure)
