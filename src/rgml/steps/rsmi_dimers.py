"""Pipeline steps of RSMI on dimers (issue 17, items 3–5): fits per temperature, the buffer scan, their tables.

``results/rsmi/dimers/L{L}/T{T}.zarr`` is one :class:`rgml.dimers.DimerFit`
(:data:`rgml.dimers.rsmi.RSMI_DIMERS`): learned filters on the link lattice
with noise fillers, their cosines with the block electric fields and the
columnar order, the noise share, and the held-out I(H:E) of the reference
rules (the naive ``orientation`` and ``occupations`` rules, the exact
``field`` and ``order`` filters) with the same stream.
``results/rsmi/dimers/L{L}/buffers.zarr`` is a :class:`rgml.dimers.BufferScan`
at the highest temperature (T = ∞: the Coulomb phase).  Temperatures whose
chains stayed in their columnar crystals (the sampler's ``sector_frozen``) are
fitted with symmetry images (:func:`rgml.dimers.rsmi.symmetry_images`); errors
are block jackknives within the sampler's chains.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from rgml.dimers.buffers import BUFFER_SCAN, BufferScan, buffer_scan
from rgml.dimers.rsmi import REFERENCE_RULES, RSMI_DIMERS, DimerFit, fit_dimers, rsmi_dimers_table
from rgml.inputs import open_kind
from rgml.progress import log
from rgml.rsmi import FitConfig
from rgml.steps.dimers import DIMER_SAMPLES
from rgml.store import StoreError, provenance, save_figure, write_dataset, write_table

#: Mutual information of two ordered bits (which of the four columnar crystals), nats: the T < T_c reference.
LN4 = float(np.log(4.0))


def dimers_at(path: Path, temperature: float) -> tuple[np.ndarray, int, bool, float]:
    """Link occupations ``(samples, 2, L, L)`` at ``temperature``, the chains, whether sectors froze, and T."""
    ds = open_kind(path, DIMER_SAMPLES)
    temperatures = ds["temperature"].values.astype(np.float64)
    match = np.flatnonzero(np.isclose(temperatures, temperature, rtol=1e-9, atol=0.0)
                           | (np.isinf(temperatures) & np.isinf(temperature)))
    if match.size != 1:
        raise StoreError(f"{path}: no temperature {temperature} (it holds {temperatures.tolist()})")
    i = int(match[0])
    frozen = bool(ds["sector_frozen"].values[i]) if "sector_frozen" in ds else False
    return ds["dimers"].isel(temperature=i).values, int(ds.attrs["chains"]), frozen, float(temperatures[i])


def _describe(fit: DimerFit) -> str:
    config = fit.fit.config
    annealed = f"norm {config.filter_norm(0):g} → {config.filter_norm(config.steps - 1):g}; " \
        if config.norm_stop is not None else ""
    return (annealed + f"I = {fit.fit.mi:.4f} ± {fit.fit.mi_err:.4f} nats (at most I(H:V) = {fit.visible_mi:.4f} ± "
            f"{fit.visible_mi_err:.4f}, with <H(H|V)> = {fit.h_given_v:.3g}; critic scaled by "
            f"{fit.fit.critic_scale:.3f}, its hidden layer by {fit.fit.critic_hidden_scale:.3g}); "
            f"|cos| field {np.round(fit.field_cosine, 3)}, order {np.round(fit.order_cosine, 3)}; "
            f"noise share {np.round(fit.noise_share, 3)}")


def _describe_rules(fit: DimerFit, lead: str) -> str:
    """The reference rules' I(H:E) after ``lead``; empty for a fit without them."""
    return lead + ", ".join(f"{r} {m:.4f} ± {e:.4f}" for r, m, e in zip(fit.rules, fit.rule_mi, fit.rule_mi_err)) \
        if fit.rules else ""


def rsmi_dimers_fit(
    *, samples: Path, temperature: float, block: int, buffer: int, environment: int, n_hidden: int,
    config: FitConfig, noise: bool, seed: int, out: Path, rules: tuple[str, ...] = REFERENCE_RULES,
    anneal_from: float | None = None, coulomb_restarts: int = 1,
) -> Path:
    """Fit RSMI filters on the dimers of one temperature, with the reference ``rules`` beside it, and store it.

    ``config.restarts`` and ``anneal_from`` apply where the sampler's winding sectors froze,
    ``coulomb_restarts`` where they did not (:func:`phase_settings`).
    """
    dimers, chains, frozen, t = dimers_at(samples, temperature)
    size = dimers.shape[-1]
    config = phase_settings(config, frozen, anneal_from, coulomb_restarts)
    log(f"RSMI on dimers L={size} T={t:.6g}: block {block}, buffer {buffer}, environment {environment}, "
        f"{n_hidden} hidden, {len(dimers)} samples in {chains} chains" + (", symmetry images" if frozen else ""))
    try:
        fit = fit_dimers(dimers, block=block, buffer=buffer, environment=environment, n_hidden=n_hidden,
                         config=config, seed=seed, temperature=t, noise=noise, augment=frozen,
                         rules=tuple(rules), chains=chains)
    except ValueError as exc:  # a geometry the torus cannot hold, too few samples for the split
        raise StoreError(f"{samples}: RSMI on dimers at T={t:.6g}: {exc}") from None
    log(_describe(fit) + _describe_rules(fit, "; reference rules "))
    attrs = provenance(title=f"RSMI on dimers, L={size}, T={t:.6g}", seed=seed, backend="numpy",
                       config={"dimers": {"rsmi": {"samples": str(samples), "temperature": t, "block": block,
                                                   "buffer": buffer, "environment": environment, "noise": noise,
                                                   **config.as_attrs()}}})
    return write_dataset(fit.to_dataset(), out, attrs=attrs)


def phase_settings(config: FitConfig, frozen: bool, anneal_from: float | None = None,
                   coulomb_restarts: int = 1) -> FitConfig:
    """The fit settings for one temperature: restarts and norm annealing by phase.

    The sampler's frozen winding sectors mark the columnar phase, as they mark the fits that add symmetry
    images.  There

    * ``config.restarts`` starts are probed for ``config.probe_steps``: a start can settle on the saddle that
      tells only 3 of the 4 crystals apart (:class:`rgml.rsmi.fit.FitConfig`);
    * with ``anneal_from``, each filter's norm grows geometrically from ``anneal_from`` to the fit's final
      norm over the joint steps (:meth:`rgml.rsmi.fit.FitConfig.filter_norm`).  The optimum there is
      deterministic (which crystal, ln 4), and fits held at the final norm from the first step end short
      of it: at T = 0.2 (L = 32) they kept ⟨H(H|V)⟩ = 7.9–8.6 µnat against 0.007–0.036 µnat annealed from
      0.25–1 (``bench/rsmi_dimers.py --section anneal``).

    In the Coulomb phase the norm is held (the optimum at a given norm is a stochastic rule) and
    ``coulomb_restarts`` starts each run all the joint steps before the best on training rows goes on: the
    field filters emerge slowly and a 50-step probe does not predict the end (at T = ∞, L = 32, 8 starts,
    the start it chose ended with |cos| 0.875 with the field plane and 0.254 nats, against 0.983 and 0.276
    from the single start), while one single start in nine ended with a unit off the field plane (|cos|
    0.896) and three full-length starts kept |cos| ≥ 0.98 for all nine fit seeds
    (``bench/rsmi_dimers.py --section seeds``).  Start 0 is the single start, so a fit whose first start
    wins is the single-start fit bit for bit.
    """
    if not frozen:
        return replace(config, restarts=coulomb_restarts,
                       probe_steps=config.steps if coulomb_restarts > 1 else config.probe_steps)
    if anneal_from is None:
        return config
    return replace(config, norm_start=float(anneal_from), norm_stop=config.filter_norm(config.steps - 1))


def fitting_buffers(size: int, buffers, *, block: int, environment: int) -> list[int]:
    """The buffer widths a side-``size`` torus holds (``size ≥ block + 2 (L_B + L_E)``), sorted."""
    return sorted(int(b) for b in set(buffers) if block + 2 * (int(b) + environment) <= size)


def rsmi_dimers_buffers(
    *, samples: Path, temperature: float, buffers: list[int], block: int, environment: int, n_hidden: int,
    config: FitConfig, noise: bool, learned: bool, seed: int, out: Path, fit_range: list[int] | None = None,
    anneal_from: float | None = None, coulomb_restarts: int = 1,
) -> Path:
    """I(H:E) against buffer width at ``temperature`` (T = ∞), its power law over ``fit_range`` ([min, max]
    buffer; default every buffer ≥ 1), stored."""
    dimers, chains, frozen, t = dimers_at(samples, temperature)
    size = dimers.shape[-1]
    kept = fitting_buffers(size, buffers, block=block, environment=environment)
    dropped = sorted(set(int(b) for b in buffers) - set(kept))
    if dropped:
        log(f"buffers {dropped} do not fit the L={size} torus with block {block}, environment {environment}: left out")
    if not kept:
        raise StoreError(f"{samples}: no buffer of {sorted(buffers)} fits the L={size} torus with block {block} "
                         f"and environment {environment}; use smaller dimers.rsmi.buffers or a larger size")
    if frozen:
        log(f"T={t:.6g}: the chains froze in their sectors; the buffer scan is meant for T = inf")
    config = phase_settings(config, frozen, anneal_from, coulomb_restarts)
    x_min, x_max = fit_range or (None, None)
    scan = buffer_scan(dimers, kept, block=block, environment=environment, n_hidden=n_hidden, config=config,
                       seed=seed, temperature=t, noise=noise, learned=learned, chains=chains, x_min=x_min, x_max=x_max)
    law = scan.power_law
    log(f"buffer scan T={t:.6g} ({'learned' if learned else 'field'} filters): I = {np.round(scan.mi, 4).tolist()} at "
        f"L_B = {kept}; " + (f"alpha = {law.exponent:.3f} ± {law.exponent_error:.3f} over L_B = {law.x_min:g}.."
                             f"{law.x_max:g}, chi2/dof {law.chi2_per_dof:.2f}" if law else "no power-law fit"))
    attrs = provenance(title=f"I(H:E) against buffer width on dimers, L={size}, T={t:.6g}", seed=seed,
                       backend="numpy", config={"dimers": {"rsmi": {
                           "samples": str(samples), "temperature": t, "buffers": kept, "block": block,
                           "environment": environment, "noise": noise, "learned": learned, "fit_range": fit_range,
                           **config.as_attrs()}}})
    return write_dataset(scan.to_dataset(), out, attrs=attrs)


def with_references(table: pd.DataFrame, *, tc: float) -> pd.DataFrame:
    """``rsmi_dimers.csv`` with ``below_tc``, ``ln4_reference`` (ln 4 nats below T_c, NaN above) and, where the
    table has I(H:E), ``ln4_deficit`` = ln 4 − I and ``ln4_z`` = (I − ln 4) / σ (σ: ``mi_err``, statistical only);
    where it has I(H:V), ``visible_gap_z`` = (I − I(H:V)) / ``visible_gap_err``: the bound against its ceiling."""
    out = table.copy()
    out["below_tc"] = out["T"] < tc
    out["ln4_reference"] = np.where(out["below_tc"], LN4, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        if "mi_nats" in out:
            out["ln4_deficit"] = out["ln4_reference"] - out["mi_nats"]
            out["ln4_z"] = -out["ln4_deficit"] / out["mi_err"]
        if "visible_gap" in out:
            out["visible_gap_z"] = -out["visible_gap"] / out["visible_gap_err"]
    return out


def rsmi_dimers_tables(*, fits: list[Path], buffers: Path, tc: float, table: Path, buffer_table: Path,
                       figure: Path) -> pd.DataFrame:
    """``rsmi_dimers.csv`` (RSMI and every reference rule per T), ``rsmi_dimers_buffer.csv`` and the figure."""
    from rgml.plots.rsmi_dimers import rsmi_dimers_figure

    results = [DimerFit.from_dataset(open_kind(path, RSMI_DIMERS)) for path in fits]
    scan = BufferScan.from_dataset(open_kind(buffers, BUFFER_SCAN))
    df = with_references(rsmi_dimers_table(results), tc=tc)
    for fit in results:
        log(f"T={fit.temperature:.6g}, {fit.n_hidden} units: RSMI {_describe(fit)}" + _describe_rules(fit, "; "))
    law = scan.power_law
    log(f"buffer scan T={scan.temperature:.6g}: I = {np.round(scan.mi, 4).tolist()} at L_B = {scan.buffers.tolist()}; "
        + (f"alpha = {law.exponent:.3f} ± {law.exponent_error:.3f} over L_B = {law.x_min:g}..{law.x_max:g}"
           if law else "too few buffers with I > 0 for a power law"))
    write_table(df, table)
    write_table(scan.to_frame(), buffer_table)
    save_figure(rsmi_dimers_figure(df, results, scan), figure)
    return df
