"""Acceptance numbers of RSMI on dimers (issue items 3, 4, 5 and 6), printed with what made them.

Sections (all by default; ``--section`` picks some):

exact    acceptance 4 — 6 × 6 torus, block 2, buffer 1, environment 1: exact I(H:E)
         of fixed filters (field E_x,E_y; orientation; order D_x±D_y) at norm 2
         against the held-out estimate on exact samples (two sample seeds,
         constant fillers, and noise fillers for the field), at T = inf, 1, 0.5, 0.4;
         and learned fits (constant fillers) whose filters are scored exactly.  Below
         T_c it also prints ln 4 − I(V:E): what the block as a whole falls short of
         the two ordered bits, which no coarse variable of it can make up.
fields   acceptance 3 — L = 32, T = inf, 8 × 8 blocks, buffer 2, environment 1,
         noise fillers: |cos| of the learned filters with span(E_x, E_y), principal
         cosines, noise share, held-out I(H:E) for n_hidden = 1, 2, 4.
ordered  acceptance 3 — T = 0.5 < T_c: two hidden units against ln 4, cosines with
         span(D_x, D_y).
table    acceptance 5 — rsmi_dimers.csv: RSMI (1, 2, 4 units) and the naive rules
         (orientation, occupations) plus the exact field filters at every T.
buffers  acceptance 5 — I(H:E) against L_B at T = inf (learned, n_hidden = 2, and the
         fixed field filters), power law with its error and range, against 1.16.
budget   acceptance 6 — CPU seconds of the RSMI part at the proposed default-sweep
         size (samples of the sampler's default size, L = 32, 2000 samples).
critic   acceptance 3 — how far the T = 0.4 (``--temperature``) bound falls short of ln 4 against the
         critic's width and its critic-only polish steps (the filters frozen), with the
         default sweep's fit settings (config/config.yaml dimers.rsmi) on its dimer store
         (``--store``, e.g. results/samples/dimers/L32.zarr) or on this script's samples:
         how much of the shortfall a larger or longer-trained critic recovers (the
         bound's bias), beside I(H:V), the upper bound of I(H:E); then the same
         with the critic calibrated (rgml.rsmi.calibration, on in the sweep: the scores' and
         the hidden layer's scales).
anneal   acceptance 3 — below T_c, on the sweep's store (``--store``) at ``--temperatures``: the
         sweep's fit with each filter's norm held at 2 against annealed to 2 from 0.25, 0.5
         and 1 (dimers.rsmi.anneal_from), two fit seeds, beside the exact order filters
         D_x ± D_y at norm 2 with the same stream: ln 4 − I(H:E), <H(H|V)>, the gap
         I(H:V) − I, the cosines with span(D_x, D_y) and the noise share.
seeds    acceptance 3 and 5 — at T = inf on the sweep's store (``--store``), the learned fits
         of the buffer scan (``--buffers``, default L_B = 2, 3, 4) with several fit seeds
         (``--fit-seeds``, default 2026 1 2): how much a fit depends on its seed (split, noise
         bits, initialisation, minibatches), with the cosines with span(E_x, E_y) and the
         noise share that flag a unit left off the field plane; one start per fit, or
         ``--coulomb-restarts`` starts of full length as in the sweep.
samples  acceptance 3 — below T_c (``--temperatures``): the sweep's fit on independent sample sets
         (the default sweep's sampler settings, ``--sample-seeds``; seed 2026 is the sweep's own
         store): does the chain-block jackknife σ of the bound cover its scatter between sample
         sets, and where does the bound lie against ln 4, against the exact order filters D_x ± D_y
         on the same rows, and against I(H:V), the data-processing upper bound of I(H:E)?
rows     acceptance 3 — below T_c, on the sweep's store (``--store``) at ``--temperatures``: where the
         held-out shortfall from ln 4 sits among the rows, for the sweep's fit and the exact order
         filters: the rows where the critic's likeliest state is not the one the block holds (what
         H(H|E) > 0 would show), the share of the shortfall the largest row losses carry, and the
         Barber–Agakov form of the bound on the same critic and rows.

    PYTHONPATH=$PWD/src python bench/rsmi_dimers.py [--section exact fields ...] [--samples 4000] [--csv DIR]
                                                    [--store results/samples/dimers/L32.zarr]
                                                    [--temperatures 0.4 0.3 0.2] [--sample-seeds 2026 1 2]

Samples: ``sample_dimers(32, TEMPERATURES, samples, seed=2026, chains=8)`` (8 chains:
two per columnar crystal below T_c, where sectors freeze).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from rgml.dimers import (
    DIMER_FIT,
    DimerSettings,
    buffer_scan,
    dimer_joint,
    exact_dimer_samples,
    fit_buffer_power_law,
    fit_dimers,
    link_geometry,
    link_lattice,
    reference_filters,
    rsmi_dimers_table,
    sample_dimers,
)
from rgml.config import load_yaml_strict
from rgml.rng import Stream
from rgml.dimers.heldout import heldout_scores
from rgml.dimers.rsmi import chain_errors, dimer_rows, reference_fit
from rgml.rsmi.estimators import infonce_shortfall, pointwise
from rgml.rsmi.fit import fit_with_stream
from rgml.steps.rsmi_dimers import dimers_at, phase_settings

SEED = 2026
SIZE = 32
TEMPERATURES = (np.inf, 2.0, 1.0, 0.8, 0.65, 0.5, 0.4)
BLOCK, BUFFER, ENVIRONMENT = 8, 2, 1
LN4 = float(np.log(4.0))
#: The columnar transition of the interacting model (Alet et al. 2005), |v|/k_B.
TC = 0.65
#: Fit seeds of the acceptance-3 check (same samples, different split, initialisation and minibatches).
SEEDS = (SEED, 1, 2, 3)


CHAINS = 8


@lru_cache(maxsize=2)
def samples(n: int, chains: int = CHAINS) -> dict[float, np.ndarray]:
    start = time.process_time()
    result = sample_dimers(SIZE, list(TEMPERATURES), n, seed=SEED, settings=DimerSettings(chains=chains))
    print(f"sample_dimers({SIZE}, {list(TEMPERATURES)}, {n}, seed={SEED}, chains={chains}): "
          f"{time.process_time() - start:.0f} s CPU; thin = {[p.thin for p in result.plans]}, "
          f"sectors frozen = {[p.sector_frozen for p in result.plans]}", flush=True)
    FROZEN.update(float(p.temperature) for p in result.plans if p.sector_frozen)
    return {float(t): result.dimers[i] for i, t in enumerate(result.temperatures)}


#: Temperatures whose chains stayed in their crystals (from the sampler's plans): fitted with symmetry images.
FROZEN: set[float] = set()


def section_exact(args) -> None:
    print("== acceptance 4: estimator against exact I(H:E), 6x6 torus, block 2, buffer 1, env 1, norm 2 ==")
    geometry = link_geometry(2, 1, 1)
    config = replace(DIMER_FIT, steps=600, polish_steps=200, lr_critic=0.01, learn_filters=False, stride=2)
    print(f"estimator: {config}")
    print(f"{'T':>5} {'rule':>12} {'fillers':>8} {'seed':>4} {'I(V:E)':>7} {'exact':>7} {'estimate':>15} "
          f"{'diff':>8} {'z':>6} {'ok':>3}")
    worst = 0.0
    for t in (np.inf, 1.0, 0.5, 0.4):
        joint = dimer_joint(6, t, 2, buffer=1, env=1)
        ceiling = joint.visible_environment_mi()
        if t < TC:
            print(f"T={t}: I(V:E) = {ceiling:.4f}, ln 4 - I(V:E) = {LN4 - ceiling:.4f} nats")
        for sample_seed in (1, 2):
            d = exact_dimer_samples(6, t, 4000, seed=sample_seed)
            for rule, noise in (("field", False), ("field", True), ("orientation", False), ("order", False)):
                filters = reference_filters(rule, 2, norm=2.0)
                cells = link_lattice(d, noise=Stream.named(SEED, "noise", sample_seed)) if noise else link_lattice(d)
                result = fit_with_stream(cells, geometry, Stream.named(SEED, "exact", t, rule, noise, sample_seed),
                                         replace(config, n_hidden=len(filters)), init_filters=filters)
                exact = joint.mutual_information(filters)
                diff = result.mi - exact
                ok = abs(diff) <= 0.02 and result.mi <= ceiling + 0.01
                worst = max(worst, abs(diff))
                print(f"{t:>5} {rule:>12} {'noise' if noise else 'const':>8} {sample_seed:>4} {ceiling:>7.4f} "
                      f"{exact:>7.4f} {result.mi:>8.4f}±{result.mi_err:.4f} {diff:>+8.4f} "
                      f"{diff / result.mi_err:>+6.1f} {'yes' if ok else 'NO':>3}", flush=True)
    print(f"largest |estimate - exact| = {worst:.4f} nats (acceptance: <= 0.02, and never above I(V:E) + 0.01)")
    print("-- learned filters (constant fillers, 2 units, norm 2) scored exactly --")
    for t in (np.inf, 0.5, 0.4):
        d = exact_dimer_samples(6, t, 4000, seed=3)
        fit = fit_dimers(d, block=2, buffer=1, environment=1, n_hidden=2, seed=SEED, temperature=t, noise=False,
                         rules=(), stride=1)
        exact = dimer_joint(6, t, 2, buffer=1, env=1).mutual_information(fit.fit.filters)
        print(f"T={t}: fit held-out {fit.fit.mi:.4f} ± {fit.fit.mi_err:.4f}, exact I(H:E) of its filters "
              f"{exact:.4f} (diff {fit.fit.mi - exact:+.4f}); |cos| field {np.round(fit.field_cosine, 3)}, "
              f"order {np.round(fit.order_cosine, 3)}", flush=True)


def describe(fit) -> str:
    return (f"I = {fit.fit.mi:.4f} ± {fit.fit.mi_err:.4f} nats (train {fit.fit.train_mi:.4f}; "
            f"upper bound I(H:V) = {fit.visible_mi:.4f} ± {fit.visible_mi_err:.4f}); "
            f"|cos| field {np.round(fit.field_cosine, 3)} principal {np.round(fit.field_principal, 3)}; "
            f"|cos| order {np.round(fit.order_cosine, 3)} principal {np.round(fit.order_principal, 3)}; "
            f"noise share {np.round(fit.noise_share, 3)}")


def section_fields(args) -> None:
    print(f"== acceptance 3: T = inf, L = {SIZE}, block {BLOCK}, buffer {BUFFER}, env {ENVIRONMENT}, noise fillers ==")
    d = samples(args.samples)[np.inf]
    print(f"fit: {DIMER_FIT}, stride {BLOCK // 2} sites, {len(d)} samples, errors: block jackknife within "
          f"{CHAINS} chains")
    passed = 0
    for seed in SEEDS:
        start = time.process_time()
        fit = fit_dimers(d, block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2, seed=seed,
                         temperature=np.inf, rules=("field",) if seed == SEED else (), chains=CHAINS)
        ok = (fit.field_cosine >= 0.9).all() and (fit.noise_share <= 0.05).all()
        passed += ok
        print(f"seed {seed}: {describe(fit)}; acceptance (all |cos| >= 0.9, noise share <= 5 %): "
              f"{'yes' if ok else 'NO'} [{time.process_time() - start:.0f} s CPU]", flush=True)
        if seed == SEED:
            print(f"  exact field filters, same stream and norm: I = {fit.rule_mi[0]:.4f} ± {fit.rule_mi_err[0]:.4f}")
            print("  learned filters in the link layout, x100 (unit: horizontal links | vertical links):")
            for j, links in enumerate(fit.link_filters()):
                for row_h, row_v in zip(np.round(100 * links[0]).astype(int), np.round(100 * links[1]).astype(int)):
                    print(f"  {j}: {' '.join(f'{x:4d}' for x in row_h)}   |{' '.join(f'{x:4d}' for x in row_v)}")
    print(f"acceptance 3 (fields) met by {passed} of {len(SEEDS)} fit seeds")
    for n_hidden in (1, 4):
        start = time.process_time()
        fit = fit_dimers(d, block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=n_hidden, seed=SEED,
                         temperature=np.inf, rules=(), chains=CHAINS)
        print(f"n_hidden={n_hidden}: {describe(fit)} [{time.process_time() - start:.0f} s CPU]", flush=True)


def section_ordered(args) -> None:
    print(f"== acceptance 3: below T_c, block {BLOCK}, buffer {BUFFER}, env {ENVIRONMENT}, noise fillers, "
          f"symmetry images ==")
    sets = samples(args.samples)
    for t in (0.65, 0.5, 0.4):
        for augment in (True, False) if t == 0.5 else (True,):
            start = time.process_time()
            fit = fit_dimers(sets[t], block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2, seed=SEED,
                             temperature=t, augment=augment, rules=("orientation", "occupations", "order"),
                             chains=CHAINS)
            z = (fit.fit.mi - LN4) / fit.fit.mi_err
            rules = ", ".join(f"{r} {m:.4f} ± {e:.4f}" for r, m, e in zip(fit.rules, fit.rule_mi, fit.rule_mi_err))
            print(f"T={t} augment={augment}: {describe(fit)}\n  ln 4 = {LN4:.4f}: (I - ln 4)/err = {z:+.1f} "
                  f"(tau_int error would be {fit.series_mi_err:.4f}); reference rules: {rules} "
                  f"[{time.process_time() - start:.0f} s CPU]", flush=True)
        for n_hidden in (1,) if t == 0.5 else ():
            fit = fit_dimers(sets[t], block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=n_hidden,
                             seed=SEED, temperature=t, augment=True, rules=(), chains=CHAINS)
            print(f"T={t} n_hidden=1: I = {fit.fit.mi:.4f} ± {fit.fit.mi_err:.4f} (ln 2 = {np.log(2):.4f})")


def section_table(args) -> None:
    print(f"== acceptance 5: rsmi_dimers.csv, L = {SIZE}, block {BLOCK}, buffer {BUFFER}, env {ENVIRONMENT} ==")
    sets = samples(args.samples)
    fits = []
    start = time.process_time()
    for t in TEMPERATURES:
        for n_hidden in (1, 2, 4):
            rules = ("orientation", "occupations", "field", "order") if n_hidden == 2 else ()
            fits.append(fit_dimers(sets[t], block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=n_hidden,
                                   seed=SEED, temperature=t, rules=rules, augment=t in FROZEN, chains=CHAINS))
        print(f"T={t}: done (augment={t in FROZEN}) [{time.process_time() - start:.0f} s CPU]", flush=True)
    table = rsmi_dimers_table(fits)
    columns = ["T", "rule", "n_hidden", "norm", "mi_nats", "mi_err", "cos_field_min", "principal_field_min",
               "cos_order_min", "principal_order_min", "noise_share_max"]
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.precision", 4):
        print(table[columns].to_string(index=False))
    if args.csv:
        path = Path(args.csv) / "rsmi_dimers.csv"
        table.to_csv(path, index=False)
        print(f"wrote {path}")


def section_buffers(args) -> None:
    print(f"== acceptance 5: I(H:E) against buffer width, T = inf, L = {SIZE}, block {BLOCK}, env {ENVIRONMENT} ==")
    d = samples(args.samples)[np.inf]
    buffers = (1, 2, 3, 4, 5, 6)
    for learned in (True, False):
        start = time.process_time()
        scan = buffer_scan(d, buffers, block=BLOCK, environment=ENVIRONMENT, seed=SEED, temperature=np.inf,
                           learned=learned, chains=CHAINS)
        label = "RSMI, 2 units" if learned else "fixed field filters (E_x, E_y)"
        print(f"-- {label}, norm {scan.norm} [{time.process_time() - start:.0f} s CPU]")
        for b, m, e, c, sh in zip(scan.buffers, scan.mi, scan.mi_err, scan.field_cosine_min, scan.noise_share_max):
            print(f"  L_B={b}: I = {m:.4f} ± {e:.4f}   min |cos| field {c:.3f}   max noise share {sh:.3f}")
        for lo in (1, 2):
            fit = fit_buffer_power_law(scan.buffers, scan.mi, scan.mi_err, x_min=lo)
            if fit is None:
                print(f"  power law from L_B = {lo}: too few positive points")
                continue
            print(f"  I = A L_B^-alpha over {fit.x_min:g} <= L_B <= {fit.x_max:g}: alpha = {fit.exponent:.3f} ± "
                  f"{fit.exponent_error:.3f}, A = {fit.amplitude:.4f} ± {fit.amplitude_error:.4f}, "
                  f"chi2/dof = {fit.chi2_per_dof:.2f}; 1.16 is {(fit.exponent - 1.16) / fit.exponent_error:+.1f} "
                  "sigma away")
        if args.csv:
            path = Path(args.csv) / f"rsmi_dimers_buffers_{'learned' if learned else 'field'}.csv"
            scan.to_frame().to_csv(path, index=False)
            print(f"  wrote {path}")


def section_budget(args) -> None:
    print("== acceptance 6: the RSMI part at the proposed default-sweep size ==")
    sets = samples(2000, chains=4)
    config = replace(DIMER_FIT, steps=400, polish_steps=150, batch_size=512)
    print(f"default proposal: L = {SIZE}, 2000 samples (chains 4), block {BLOCK}, buffer {BUFFER}, env {ENVIRONMENT}, "
          f"stride {BLOCK // 2}; fit {config}")
    start = time.process_time()
    for t in (np.inf, 0.5):
        fit = fit_dimers(sets[t], block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2, config=config,
                         seed=SEED, temperature=t, chains=4, augment=t in FROZEN)
        print(f"T={t}: {describe(fit)}; naive {dict(zip(fit.rules, np.round(fit.rule_mi, 4)))} "
              f"[{time.process_time() - start:.0f} s CPU so far]", flush=True)
    scan = buffer_scan(sets[np.inf], (1, 2, 3, 4), block=BLOCK, environment=ENVIRONMENT, config=config, seed=SEED,
                       temperature=np.inf, learned=False, chains=4)
    fit = scan.power_law
    print(f"field-filter buffer scan {scan.buffers.tolist()}: I = {np.round(scan.mi, 4).tolist()}; alpha = "
          + (f"{fit.exponent:.3f} ± {fit.exponent_error:.3f}" if fit else "n/a"))
    print(f"RSMI part: {time.process_time() - start:.0f} s CPU in all (target 60-90 s)")


def sweep_rsmi() -> dict:
    """The default sweep's ``dimers.rsmi`` section (config/config.yaml)."""
    return load_yaml_strict(Path(__file__).resolve().parents[1] / "config" / "config.yaml")["dimers"]["rsmi"]


def sweep_samples() -> int:
    """Stored configurations per temperature of the default sweep's dimer stores (``dimers.samples``)."""
    return load_yaml_strict(Path(__file__).resolve().parents[1] / "config" / "config.yaml")["dimers"]["samples"]


def sweep_fit_config():
    """The default sweep's dimer fit settings (``dimers.rsmi``) on :data:`DIMER_FIT`, before the phase's."""
    rsmi = sweep_rsmi()
    return replace(DIMER_FIT, steps=rsmi["steps"], polish_steps=rsmi["polish_steps"], batch_size=rsmi["batch_size"],
                   norm_start=rsmi["norm"], restarts=rsmi["restarts"])


def require_store(args, section: str) -> None:
    """Stop with what to pass when a section that reads the sweep's dimer store got none."""
    if not args.store:
        raise SystemExit(f"--section {section} reads the sweep's dimer store: "
                         "give --store results/samples/dimers/L32.zarr")


def section_critic(args) -> None:
    t = args.temperature
    if args.store:
        dimers, chains, frozen, t = dimers_at(args.store, t)
        source = f"{args.store} ({chains} chains)"
    else:
        dimers, chains = samples(args.samples)[t], CHAINS
        frozen = t in FROZEN
        source = f"sample_dimers({SIZE}, ..., {args.samples}, seed={SEED}, chains={CHAINS})"
    config = phase_settings(sweep_fit_config(), frozen, sweep_rsmi()["anneal_from"])
    print(f"== acceptance 3: ln 4 - I(H:E) at T = {t} against the critic width and polish steps; block {BLOCK}, "
          f"buffer {BUFFER}, env {ENVIRONMENT}, noise fillers ==\nsamples: {source}, symmetry images {frozen}; "
          f"fit {config}")
    polish = config.polish_steps
    runs = [(width, steps, False) for width, steps in ((32, polish), (64, polish), (128, polish), (32, 4 * polish),
                                                       (32, 10 * polish), (32, 4000), (64, 10 * polish))]
    runs += [(32, polish, True), (32, 10 * polish, True), (32, 4000, True), (64, 10 * polish, True)]
    if args.critic_runs == "default":  # the sweep's critic, without and with calibration
        runs = [(32, polish, False), (32, polish, True)]
    for width, steps, calibrate in runs:
        start = time.process_time()
        fit = fit_dimers(dimers, block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2, seed=SEED,
                         temperature=t, augment=frozen, rules=(), chains=chains,
                         config=replace(config, critic_width=width, polish_steps=steps, calibrate=calibrate))
        print(f"critic width {width:>3}, polish {steps:>4}, scale {fit.fit.critic_scale:.3f}, hidden "
              f"{fit.fit.critic_hidden_scale:.3g}"
              f"{' (calibrated)' if calibrate else ''}: I = {fit.fit.mi:.8f} ± {fit.fit.mi_err:.2g}, ln 4 - I = "
              f"{1e3 * (LN4 - fit.fit.mi):.5f} mnat ({(fit.fit.mi - LN4) / fit.fit.mi_err:+.1f} sigma); I(H:V) = "
              f"{fit.visible_mi:.8f} ± {fit.visible_mi_err:.2g}, "
              f"ln 4 - I(H:V) = {1e3 * (LN4 - fit.visible_mi):.5f} mnat, of it <H(H|V)> {1e3 * fit.h_given_v:.5f}; "
              f"I(H:V) - I = {1e3 * (fit.visible_mi - fit.fit.mi):.5f} mnat "
              f"[{time.process_time() - start:.0f} s CPU]", flush=True)


def section_anneal(args) -> None:
    require_store(args, "anneal")
    held = sweep_fit_config()
    print(f"== acceptance 3: below T_c, filter norm held at {held.norm_start:g} or annealed to it; block {BLOCK}, "
          f"buffer {BUFFER}, env {ENVIRONMENT}, noise fillers; the exact order filters with constant fillers ==\n"
          f"samples: {args.store}; fit {held}")
    for t in args.temperatures:
        dimers, chains, frozen, t = dimers_at(args.store, t)
        if not frozen:
            print(f"T = {t}: the sectors did not freeze (Coulomb phase): the sweep holds the norm there; skipped")
            continue
        for seed in (SEED, 7):
            for start in (None, 0.25, 0.5, 1.0):
                begin = time.process_time()
                config = phase_settings(held, frozen, start)
                rules = ("order",) if start is None else ()
                fit = fit_dimers(dimers, block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2, seed=seed,
                                 temperature=t, augment=frozen, rules=rules, chains=chains, config=config)
                label = "held" if start is None else f"from {start:g}"
                print(f"T = {t}, seed {seed}, norm {label:>9}: ln 4 - I = {1e6 * (LN4 - fit.fit.mi):9.3f} ± "
                      f"{1e6 * fit.fit.mi_err:.3f} µnat, <H(H|V)> {1e6 * fit.h_given_v:9.3f}, I(H:V) - I "
                      f"{1e6 * (fit.visible_mi - fit.fit.mi):8.3f} µnat; |cos| order {np.round(fit.order_cosine, 3)}, "
                      f"noise share {np.round(fit.noise_share, 3)} [{time.process_time() - begin:.0f} s CPU]",
                      flush=True)
                if rules:
                    print(f"{'':>24}exact order filters: ln 4 - I = {1e6 * (LN4 - fit.rule_mi[0]):9.3f} ± "
                          f"{1e6 * fit.rule_mi_err[0]:.3f} µnat")


def section_seeds(args) -> None:
    require_store(args, "seeds")
    dimers, chains, frozen, t = dimers_at(args.store, np.inf)
    config = phase_settings(sweep_fit_config(), frozen, coulomb_restarts=args.coulomb_restarts)
    print(f"== acceptance 5: learned fits of the T = inf buffer scan against the fit seed; block {BLOCK}, env "
          f"{ENVIRONMENT}, noise fillers ==\nsamples: {args.store}; fit {config}")
    for buffer in args.buffers:
        for seed in args.fit_seeds:
            begin = time.process_time()
            fit = fit_dimers(dimers, block=BLOCK, buffer=buffer, environment=ENVIRONMENT, n_hidden=2, seed=seed,
                             temperature=t, rules=(), chains=chains, config=config)
            print(f"L_B = {buffer}, seed {seed:>4}: I = {fit.fit.mi:.4f} ± {fit.fit.mi_err:.4f} nats; |cos| field "
                  f"{np.round(fit.field_cosine, 3)}, noise share {np.round(fit.noise_share, 3)} "
                  f"[{time.process_time() - begin:.0f} s CPU]", flush=True)


def _across_sets(label: str, values: np.ndarray, errors: np.ndarray, reference: str = "ln 4") -> str:
    """Mean ``reference`` − I of independent sets (µnat) with its standard error, and their scatter against their
    σ."""
    n = len(values)
    mean, spread = values.mean(), values.std(ddof=1)
    weights = 1.0 / errors**2
    pooled = float((weights * values).sum() / weights.sum())
    chi2 = float((((values - pooled) / errors) ** 2).sum())
    return (f"  {label}: {reference} - I = {mean:.3g} ± {spread / np.sqrt(n):.3g} µnat over {n} sets "
            f"({mean / (spread / np.sqrt(n)):.1f} standard errors); scatter between sets {spread:.3g} µnat "
            f"against their rms jackknife σ {np.sqrt((errors**2).mean()):.3g} (ratio "
            f"{spread / np.sqrt((errors**2).mean()):.2f}; chi2 {chi2:.1f} on {n - 1} dof, p = "
            f"{stats.chi2.sf(chi2, n - 1):.2f}); each set's z from {reference}: median "
            f"{np.median(-values / errors):+.1f}, {(values / errors > 2).sum()} beyond -2, "
            f"{(values / errors > 4).sum()} beyond -4, most {(-values / errors).min():+.1f}")


def section_samples(args) -> None:
    if len(set(args.sample_seeds)) < 2:
        raise SystemExit("--section samples compares sample sets: give at least two distinct --sample-seeds")
    settings = DimerSettings()
    print(f"== acceptance 3: the sweep's fit below T_c on independent sample sets; L = {SIZE}, "
          f"{sweep_samples()} samples per set, {settings}; block {BLOCK}, buffer {BUFFER}, env {ENVIRONMENT}, noise "
          f"fillers; fit seed {SEED}; the exact order filters D_x ± D_y (constant fillers) on the same sets; "
          f"ln 4 - I split into marginal + spread + cross (rgml.rsmi.estimators.infonce_shortfall) ==")
    for t in args.temperatures:
        rows, terms = [], {"RSMI, 2 units": [], "exact order filters": []}
        for seed in args.sample_seeds:
            begin = time.process_time()
            drawn = sample_dimers(SIZE, [t], sweep_samples(), seed=seed, settings=settings)
            frozen = drawn.plans[0].sector_frozen
            config = phase_settings(sweep_fit_config(), frozen, sweep_rsmi()["anneal_from"])
            fit = fit_dimers(drawn.dimers[0], block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2,
                             seed=SEED, temperature=t, augment=frozen, rules=(), chains=drawn.chains, config=config)
            plain = dimer_rows(drawn.dimers[0], block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT,
                               config=replace(config, n_hidden=2), seed=SEED, temperature=t, augment=frozen,
                               noise=False)
            order = reference_fit("order", plain, norm=fit.rule_norm)
            checked = chain_errors(order, plain.heldout, plain.held, chains=drawn.chains, augment=frozen)
            row = [1e6 * (LN4 - fit.fit.mi), 1e6 * fit.fit.mi_err, 1e6 * (LN4 - order.mi), 1e6 * checked["mi_err"],
                   1e6 * (LN4 - fit.visible_mi), 1e6 * (fit.visible_mi - fit.fit.mi), 1e6 * fit.visible_gap_err,
                   1e6 * (checked["visible_mi"] - order.mi), 1e6 * checked["visible_gap_err"]]
            rows.append(row)
            parts = {"RSMI, 2 units": (row[0], fit.shortfall_spread, fit.shortfall_cross),
                     "exact order filters": (row[2], checked["shortfall_spread"], checked["shortfall_cross"])}
            for label, (total, spread, cross) in parts.items():
                terms[label].append([total - 1e6 * (spread + cross), 1e6 * spread, 1e6 * cross])
            (_, r_spread, r_cross), (_, o_spread, o_cross) = (terms[label][-1] for label in parts)
            print(f"T = {t}, sample seed {seed:>4} (sectors frozen {frozen}): RSMI ln 4 - I = {row[0]:.3g} ± "
                  f"{row[1]:.3g} µnat ({-row[0] / row[1]:+.1f} sigma; spread {r_spread:.3g}, cross {r_cross:.3g}), "
                  f"order filters {row[2]:.3g} ± {row[3]:.3g} (spread {o_spread:.3g}, cross {o_cross:.3g}); "
                  f"ln 4 - I(H:V) = {row[4]:.3g} µnat; I(H:V) - I = {row[5]:.3g} ± {row[6]:.3g} (order filters "
                  f"{row[7]:.3g} ± {row[8]:.3g}) [{time.process_time() - begin:.0f} s CPU]", flush=True)
        rows = np.array(rows)
        print(f"T = {t}:")
        for (label, parts), column in zip(terms.items(), (0, 2)):
            parts = np.array(parts)
            mean, error = parts.mean(axis=0), parts.std(axis=0, ddof=1) / np.sqrt(len(parts))
            print(_across_sets(label, rows[:, column], rows[:, column + 1]))
            print(f"    of it, mean over the sets ± standard error: marginal {mean[0]:.3g} ± {error[0]:.3g}, "
                  f"spread {mean[1]:.3g} ± {error[1]:.3g}, cross {mean[2]:.3g} ± {error[2]:.3g} µnat")
            gap = 5 if column == 0 else 7
            print(_across_sets(label, rows[:, gap], rows[:, gap + 1], reference="I(H:V)"))
        print(f"  ln 4 - I(H:V), the upper bound's distance: median {np.median(rows[:, 4]):.3g}, largest "
              f"{rows[:, 4].max():.3g} µnat; RSMI - order filters: {(rows[:, 0] - rows[:, 2]).mean():+.4f} ± "
              f"{(rows[:, 0] - rows[:, 2]).std(ddof=1) / np.sqrt(len(rows)):.3g} µnat", flush=True)


def _row_anatomy(label: str, result, heldout) -> None:
    """Print where the held-out shortfall of ``result`` (a FitResult with its critic) sits among the rows."""
    log_q, scores = heldout_scores(result, heldout)
    log_pi = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    loss = -(np.exp(log_q) * log_pi).sum(axis=1)  # nats each row's critic loses on the state its block holds
    misses = int((log_q.argmax(axis=1) != scores.argmax(axis=1)).sum())
    ba = float(pointwise("ba", log_q, scores).mean())
    ranked = np.sort(loss)[::-1]
    top = {k: 100 * ranked[:k].sum() / ranked.sum() for k in (10, 100, 1000)}
    top_scores = np.sort(scores, axis=1)
    print(f"  {label}: {result.estimator} bound ln 4 - I = {1e6 * (LN4 - result.mi):.4f} µnat (critic scale "
          f"{result.critic_scale:.3f}, hidden {result.critic_hidden_scale:.3g}); {len(loss)} held-out rows, "
          f"{misses} where the critic's likeliest state is not the block's; the largest 10 / 100 / 1000 row "
          f"losses carry {top[10]:.1f} / {top[100]:.1f} / {top[1000]:.1f} % of their sum (largest "
          f"{ranked[0]:.2g}, median {np.median(loss):.2g} nats; median margin of the critic's scores "
          f"{np.median(top_scores[:, -1] - top_scores[:, -2]):.1f}); BA bound on the same critic and rows: "
          f"ln 4 - I = {1e6 * (LN4 - ba):.4f} µnat; the InfoNCE shortfall's marginal, spread and cross parts "
          f"{np.round(1e6 * np.array(infonce_shortfall(log_q, scores)), 4)} µnat", flush=True)


def section_rows(args) -> None:
    require_store(args, "rows")
    print(f"== acceptance 3: where the held-out shortfall below T_c sits among the rows; the sweep's fit (block "
          f"{BLOCK}, buffer {BUFFER}, env {ENVIRONMENT}, noise fillers) and the exact order filters D_x ± D_y "
          f"(constant fillers), same split and critic settings ==\nsamples: {args.store}")
    for t in args.temperatures:
        dimers, chains, frozen, t = dimers_at(args.store, t)
        config = phase_settings(sweep_fit_config(), frozen, sweep_rsmi()["anneal_from"])
        begin = time.process_time()
        fit = fit_dimers(dimers, block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, n_hidden=2, seed=SEED,
                         temperature=t, augment=frozen, rules=(), chains=chains, config=config)
        settings = dict(block=BLOCK, buffer=BUFFER, environment=ENVIRONMENT, config=replace(config, n_hidden=2),
                        seed=SEED, temperature=t, augment=frozen)
        print(f"T = {t} (symmetry images {frozen}):", flush=True)
        _row_anatomy("RSMI, 2 units", fit.fit, dimer_rows(dimers, **settings).heldout)  # fit_dimers keeps no rows
        rows = dimer_rows(dimers, **settings, noise=False)
        _row_anatomy("exact order filters", reference_fit("order", rows, norm=fit.rule_norm), rows.heldout)
        print(f"  [{time.process_time() - begin:.0f} s CPU]", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sections = ["exact", "fields", "ordered", "table", "buffers", "budget", "critic", "anneal", "seeds", "samples",
                "rows"]
    parser.add_argument("--section", nargs="+", default=sections, choices=sections)
    parser.add_argument("--samples", type=int, default=4000, help="dimer samples per temperature (L = 32)")
    parser.add_argument("--csv", default=None, help="directory to write rsmi_dimers*.csv into")
    parser.add_argument("--store", default=None,
                        help="dimer sample store for --section critic (default: sample here), anneal, seeds and rows")
    parser.add_argument("--temperature", type=float, default=0.4,
                        help="temperature of --section critic (one the store holds; without --store one of TEMPERATURES)")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.4, 0.3, 0.2],
                        help="temperatures of --section anneal, samples and rows (below T_c; for anneal and rows "
                             "ones the store holds)")
    parser.add_argument("--sample-seeds", type=int, nargs="+", default=[SEED, *range(1, 10)],
                        help="--section samples: seeds of the independent sample sets (2026: the sweep's)")
    parser.add_argument("--buffers", type=int, nargs="+", default=[2, 3, 4], help="buffers of --section seeds")
    parser.add_argument("--coulomb-restarts", type=int, default=1,
                        help="--section seeds: starts of full length per fit (dimers.rsmi.coulomb_restarts; 1: one)")
    parser.add_argument("--fit-seeds", type=int, nargs="+", default=[SEED, 1, 2], help="fit seeds of --section seeds")
    parser.add_argument("--critic-runs", choices=["all", "default"], default="all",
                        help="--section critic: every critic width and polish length, or only the sweep's critic")
    args = parser.parse_args()
    for section in args.section:
        start = time.perf_counter()
        globals()[f"section_{section}"](args)
        print(f"[{section}: {time.perf_counter() - start:.0f} s wall]\n", flush=True)


if __name__ == "__main__":
    main()
