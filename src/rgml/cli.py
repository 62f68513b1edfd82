"""The ``rgml`` command line: every pipeline step can be run by hand.

Each subcommand reads its inputs (Zarr stores, parameters), calls the
library and writes its outputs atomically.  Its parameter options are
generated from the configuration schema (:mod:`rgml.params`): each step
declares which config keys it takes (:data:`rgml.step_options.STEP_OPTIONS`),
so an option has the config key's type, range, default and description, and
the workflow builds each job's options from the config with
:func:`rgml.step_options.options`.  Errors a
user can fix (bad parameters, missing or damaged stores, an unavailable
backend, a full or read-only disk) end the program with a one-line message
and exit status 2; nothing is written, and earlier results at the output
paths are untouched.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rgml import __version__
from rgml.backend import BackendError
from rgml.params import add_option, format_value
from rgml.progress import log, resource_summary
from rgml.rg.rules import LEARNED_RULES, RULES
from rgml.step_options import STEP_OPTIONS
from rgml.store import StoreError, WriteError, check_output, is_checksum_error, os_error_message, recording_command

EXIT_USAGE = 2

class UsageError(ValueError):
    """A parameter is out of range; the message names it and says what to change."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump): ``rgml sample ising2d: error: ...``."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _step(group, step: str, *, help: str, description: str | None = None, **kwargs):
    """A subcommand of ``group`` with the parameter options of ``step`` (:data:`STEP_OPTIONS`)."""
    parser = group.add_parser(step.split()[-1], help=help, description=description or help, **kwargs)
    for option, key in STEP_OPTIONS[step].items():
        add_option(parser, option, key)
    return parser


def _out(parser, what: str, *, many: bool = False) -> None:
    parser.add_argument("--out", type=Path, required=True, nargs="+" if many else None,
                        help=f"output store ({what}); an existing one is replaced only if the same step made it with "
                             "the same options, or with --overwrite; other files are never replaced")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing rgml store at --out that was made with other parameters")


#: Options that do not change what a step writes (left out when comparing with the store at --out).
_NOT_RESULT = frozenset({"func", "out", "overwrite", "threads", "checkpoint_seconds"})


def _plain(value):
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def command_record(args) -> str:
    """The step and its result-defining options as JSON: what a store at ``--out`` records (``rgml_command``)."""
    import json

    return json.dumps({k: _plain(v) for k, v in sorted(vars(args).items()) if k not in _NOT_RESULT}, sort_keys=True)


def _input_paths(args) -> list[Path]:
    """Every path among a step's arguments except ``--out`` (where to look for a damaged input store)."""
    paths = []
    for key, value in vars(args).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        paths += [v for v in values if isinstance(v, Path) and key != "out"]
    return paths


def _budget(args) -> int:
    return int(args.memory_budget_mib * 2**20)


def _add_sample(sub) -> None:
    p = sub.add_parser("sample", help="Monte Carlo / exact samples of the Ising model into a Zarr store")
    models = p.add_subparsers(dest="model", required=True, metavar="MODEL")
    p2 = _step(models, "sample ising2d", help="2D torus over a temperature grid (Metropolis / Wolff, measured thinning)",
               description="Sample the L x L periodic Ising model at each temperature, for each --size into its own "
                           "--out store (several sizes share one process start); each store holds "
                           "spins(temperature, sample, y, x), energy, magnetization and per-temperature tau_int. "
                           "A rerun after a kill resumes from the checkpoint saved every --checkpoint-seconds.")
    _out(p2, "…/L{L}.zarr; one per --size, in the same order", many=True)
    p2.set_defaults(func=_run_sample_2d)
    p1 = _step(models, "sample ising1d", help="periodic ring, exact independent samples (transfer matrix)")
    _out(p1, "…/N{N}.zarr")
    p1.set_defaults(func=_run_sample_1d)
    pd_ = _step(models, "sample dimers", help="interacting close-packed dimers on the torus (directed loops)",
                description="Sample the L x L dimer model with aligning plaquette interaction at each temperature "
                            "(inf allowed) with directed-loop updates, thinned by the measured tau_int; writes "
                            "dimers(temperature, sample, direction, y, x), energy, winding numbers, columnar order.")
    _out(pd_, "…/dimers/L{L}.zarr")
    pd_.set_defaults(func=_run_sample_dimers)

    pm = models.add_parser(
        "merge", help="merge 2D sample stores of disjoint temperatures into one store",
        description="Concatenate the sample stores of disjoint temperatures (same L, samples and seed) along "
                    "temperature, sorted by temperature; the result equals a run over the whole grid bit for bit.",
    )
    pm.add_argument("shards", type=Path, nargs="+", help="per-temperature (or per-shard) sample stores")
    _out(pm, "…/L{L}.zarr")
    pm.set_defaults(func=_run_sample_merge)


def _increasing(values: list[float], option: str) -> None:
    """A grid must be strictly increasing (stores keep its order, and nearest-value selection needs it)."""
    if any(b <= a for a, b in zip(values, values[1:])):
        fix = ",".join(f"{v:g}" for v in sorted(set(values)))
        raise UsageError(f"{option}: {','.join(f'{v:g}' for v in values)} is not in increasing order without "
                         f"repeats; use {fix}")


def _run_sample_2d(args) -> None:
    from rgml.ising.sampler import SamplerSettings
    from rgml.steps.sample import sample_ising2d

    _increasing(args.temperatures, "--temperatures")
    if len(args.out) != len(args.size):
        raise UsageError(f"--out: {len(args.out)} stores for {len(args.size)} sizes (--size {format_value(args.size)});"
                         " give one store per size, in the same order")
    unknown = sorted(set(args.samples_per_size) - set(args.size))
    if unknown:
        raise UsageError(f"--samples-per-size: sizes {unknown} are not among --size {format_value(args.size)}")
    samples = [args.samples_per_size.get(size, args.samples) for size in args.size]
    for size, n in zip(args.size, samples):
        if n < 2 * args.chains:
            raise UsageError(f"--samples: {n} for L = {size} is fewer than 2 x --chains = {2 * args.chains} (each "
                             "chain needs at least 2 stored samples for its autocorrelation time); raise --samples "
                             "(or --samples-per-size) or lower --chains")

    settings = SamplerSettings(chains=args.chains, algorithm=args.algorithm, thermalize=args.thermalize,
                               thin=args.thin, thin_factor=args.thin_factor)
    for size, n, out in zip(args.size, samples, args.out):  # one process for every size: one start-up
        sample_ising2d(size=size, temperatures=args.temperatures, samples=n, seed=args.seed, out=out,
                       settings=settings, backend=args.backend, threads=args.threads,
                       checkpoint_seconds=args.checkpoint_seconds)


def _run_sample_dimers(args) -> None:
    from rgml.dimers.sampler import DimerSettings
    from rgml.steps.dimers import sample_dimers

    sample_dimers(size=args.size, temperatures=args.temperatures, samples=args.samples, seed=args.seed, out=args.out,
                  settings=DimerSettings(chains=args.chains, rule=args.rule, thin_factor=args.thin_factor),
                  interaction=args.interaction, checkpoint_seconds=args.checkpoint_seconds)


def _run_sample_1d(args) -> None:
    from rgml.steps.sample import sample_ising1d

    _increasing(args.couplings, "--couplings")
    sample_ising1d(size=args.size, couplings=args.couplings, samples=args.samples, seed=args.seed, out=args.out,
                   backend=args.backend)


def _run_sample_merge(args) -> None:
    from rgml.steps.sample import merge_ising2d

    merge_ising2d(shards=args.shards, out=args.out)


def _add_thermo(sub) -> None:
    p = sub.add_parser(
        "thermo", help="thermodynamics table and figure of 2D sample stores vs exact results",
        description="E, C, |m|, chi and Binder U4 per (L, T) with autocorrelation-aware errors, "
                    "compared with Kaufman's finite-torus and Onsager/Yang's infinite-lattice results.",
    )
    p.add_argument("stores", type=Path, nargs="+", help="2D sample stores (L*.zarr)")
    p.add_argument("--table", type=Path, required=True, help="output CSV")
    p.add_argument("--figure", type=Path, required=True, help="output PNG")
    p.set_defaults(func=_run_thermo)


def _run_thermo(args) -> None:
    from rgml.steps.thermo import thermodynamics

    thermodynamics(args.stores, table=args.table, figure=args.figure)


def _add_fss(sub) -> None:
    p = _step(sub, "fss", help="finite-size scaling: Binder and xi/L crossings, chi' and C peaks, exponents, collapses",
              description="Binder-cumulant and xi_2nd/L crossings of successive sizes, chi'_max and C_max against L "
                          "(gamma/nu, 1/nu, C_max against Kaufman), data collapses, with jackknife errors over "
                          "Markov-chain blocks and single-histogram reweighting between grid points.")
    p.add_argument("stores", type=Path, nargs="+", help="2D sample stores (L*.zarr), two sizes or more")
    _out(p, "results/fss/ising2d.zarr")
    for name in ("estimates", "crossings", "peaks"):
        p.add_argument(f"--{name}-table", type=Path, required=True, help=f"output CSV of the {name}")
    p.add_argument("--figure", type=Path, required=True, help="output PNG")
    p.set_defaults(func=_run_fss)


def _run_fss(args) -> None:
    from rgml.steps.fss import finite_size_scaling_step

    if len(args.stores) < 2:
        raise UsageError("stores: finite-size scaling needs the stores of at least two sizes")
    finite_size_scaling_step(
        stores=args.stores, blocks=args.blocks, reach=args.reach, points=args.points, omega=args.omega,
        min_size=args.min_size, collapse_window=args.collapse_window, fit_collapses=args.fit_collapses,
        seed=args.seed, out=args.out, figure=args.figure,
        tables={"estimates": args.estimates_table, "crossings": args.crossings_table, "peaks": args.peaks_table})


def _add_phases(sub) -> None:
    p = sub.add_parser("phases", help="learning phases from configurations: PCA, classifiers, confusion")
    steps = p.add_subparsers(dest="step", required=True, metavar="ANALYSIS")
    helps = {"pca": "unsupervised: principal components, Tc and nu from the leading projection (Wang 2016)",
             "supervised": "classifiers trained far from Tc: Tc(L) from the 0.5 crossing, nu from the collapse",
             "confusion": "the confusion scheme: the W-shaped accuracy whose middle peak marks Tc"}
    for analysis, help in helps.items():
        q = _step(steps, f"phases {analysis}", help=help)
        q.add_argument("stores", type=Path, nargs="+", help="2D sample stores (L*.zarr) of every size, one grid")
        _out(q, f"results/phases/ising2d/{analysis}.zarr")
        q.add_argument("--table", type=Path, required=True, help="output CSV: the analysis's headline numbers")
        q.add_argument("--figure", type=Path, required=True, help="output PNG")
        q.set_defaults(func=_run_phases, analysis=analysis)


def _run_phases(args) -> None:
    from rgml.steps.phases import ANALYSES, phases

    config_type = ANALYSES[args.analysis][0]
    knobs = {"n_boot" if option == "bootstrap" else option: getattr(args, option)
             for option in STEP_OPTIONS[f"phases {args.analysis}"] if option not in ("seed", "backend")}
    if "models" in knobs:
        knobs["models"] = tuple(knobs["models"])
    phases(analysis=args.analysis, stores=args.stores, config=config_type(**knobs), seed=args.seed, out=args.out,
           table=args.table, figure=args.figure, backend=args.backend)


def _add_slmc(sub) -> None:
    p = sub.add_parser("slmc", help="self-learning Monte Carlo of the plaquette Ising model (Liu et al. 2017)")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")
    r = _step(steps, "slmc run", help="fit the effective model; compare local Metropolis and SLMC at each T",
              description="Train the effective Ising model on local-update samples of the plaquette model, then run "
                          "local Metropolis and SLMC (Wolff in the effective model, exact Metropolis-Hastings "
                          "correction) at every temperature: energies, |m|, U4, tau_int, acceptance, cost.")
    _out(r, "results/slmc/L{L}.zarr")
    r.add_argument("--timing", type=Path, required=True, help="output CSV of the measured wall and CPU times")
    r.set_defaults(func=_run_slmc_run)
    b = _step(steps, "slmc binder", help="SLMC-only Binder scan near Tc with the effective model of a run store")
    b.add_argument("--model", type=Path, required=True, help="store of 'rgml slmc run' (its effective model)")
    _out(b, "results/slmc/binder_L{L}.zarr")
    b.add_argument("--timing", type=Path, required=True, help="output CSV of the measured wall and CPU times")
    b.set_defaults(func=_run_slmc_binder)
    t = _step(steps, "slmc table", help="the SLMC tables and figure")
    for name, what in (("runs", "stores of 'rgml slmc run'"), ("run-timings", "their timing CSVs, same order"),
                       ("scans", "stores of 'rgml slmc binder'"), ("scan-timings", "their timing CSVs, same order")):
        t.add_argument(f"--{name}", type=Path, nargs="+", required=True, help=what)
    for name in ("runs", "couplings", "agreement", "speedup", "tc"):
        t.add_argument(f"--{name}-table", type=Path, required=True, help=f"output CSV: slmc_{name}")
    t.add_argument("--figure", type=Path, required=True, help="output PNG")
    t.set_defaults(func=_run_slmc_table)


def _slmc_config(args):
    from rgml.slmc import SLMCConfig

    knobs = {k: getattr(args, k) for k in SLMCConfig.__dataclass_fields__ if hasattr(args, k)}
    if getattr(args, "train_temperature", None) is not None:
        knobs["train_temperature"] = args.train_temperature
    return SLMCConfig(**knobs)


def _run_slmc_run(args) -> None:
    from rgml.slmc import PlaquetteModel
    from rgml.steps.slmc import run

    run(size=args.size, temperatures=args.temperatures, model=PlaquetteModel(coupling=args.coupling_J, plaquette=args.plaquette_K),
        config=_slmc_config(args), seed=args.seed, out=args.out, timing=args.timing)


def _run_slmc_binder(args) -> None:
    from rgml.steps.slmc import binder_scan

    binder_scan(model_store=args.model, temperatures=args.temperatures, config=_slmc_config(args), seed=args.seed,
                out=args.out, timing=args.timing)


def _run_slmc_table(args) -> None:
    from rgml.steps.slmc import tables

    for given, timings in ((args.runs, args.run_timings), (args.scans, args.scan_timings)):
        if len(given) != len(timings):
            raise UsageError("--runs/--scans and their --*-timings must pair up one to one")
    tables(runs=args.runs, run_timings=args.run_timings, scans=args.scans, scan_timings=args.scan_timings,
           reference_tc=args.reference_tc, figure=args.figure,
           out={name: getattr(args, f"{name}_table") for name in ("runs", "couplings", "agreement", "speedup", "tc")})


def _add_dimers(sub) -> None:
    p = sub.add_parser("dimers", help="the dimer stage's tables and figure")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")
    t = _step(steps, "dimers table", help="energy, columnar order, winding per (L, T); C(r) at T = inf",
              description="One row per (L, T) of the dimer stores: energy, columnar order, L^2 <D^2>, winding "
                          "fluctuation with tau-aware errors; the staggered row correlation at T = inf against the "
                          "exact infinite-lattice one, with its power-law exponent (exact 2).")
    t.add_argument("stores", type=Path, nargs="+", help="dimer sample stores")
    t.add_argument("--table", type=Path, required=True, help="output CSV: dimers.csv")
    t.add_argument("--correlation-table", type=Path, required=True, help="output CSV: C(r) at T = inf")
    t.add_argument("--figure", type=Path, required=True, help="output PNG")
    t.set_defaults(func=_run_dimers_table)
    _add_dimers_rsmi(steps)


def _add_dimers_rsmi(steps) -> None:
    f = _step(steps, "dimers rsmi", help="RSMI filters on the dimers of one temperature, naive rules beside them",
              description="Fit RSMI filters on the link lattice (noise fillers) of one temperature of a dimer store; "
                          "measure their cosines with the block electric fields and the columnar order and their "
                          "noise share; evaluate the naive rules (orientation, occupations) and the exact field and "
                          "order filters with the same stream.")
    f.add_argument("samples", type=Path, help="dimer sample store (rgml sample dimers)")
    _out(f, "…/rsmi/dimers/L{L}/T{T}.zarr")
    f.set_defaults(func=_run_dimers_rsmi)
    b = _step(steps, "dimers rsmi-buffers", help="I(H:E) against buffer width at one temperature, with a power law",
              description="An RSMI fit (or the exact field filters) at each buffer width that fits the torus, and the "
                          "power law I = A L_B^-alpha with its error.")
    b.add_argument("samples", type=Path, help="dimer sample store (rgml sample dimers)")
    _out(b, "…/rsmi/dimers/L{L}/buffers.zarr")
    b.set_defaults(func=_run_dimers_rsmi_buffers)
    t = _step(steps, "dimers rsmi-table", help="rsmi_dimers.csv, rsmi_dimers_buffer.csv and their figure",
              description="RSMI and the reference rules per temperature (I(H:E), cosines, noise share, ln 4 below "
                          "T_c) and I(H:E) against buffer width with its power law.")
    t.add_argument("fits", type=Path, nargs="+", help="stores made by 'rgml dimers rsmi'")
    t.add_argument("--buffers", type=Path, required=True, help="store made by 'rgml dimers rsmi-buffers'")
    t.add_argument("--table", type=Path, required=True, help="output CSV: rsmi_dimers.csv")
    t.add_argument("--buffer-table", type=Path, required=True, help="output CSV: rsmi_dimers_buffer.csv")
    t.add_argument("--figure", type=Path, required=True, help="output PNG")
    t.set_defaults(func=_run_dimers_rsmi_table)


def _dimer_fit_config(args):
    from dataclasses import replace

    from rgml.dimers import DIMER_FIT

    return replace(DIMER_FIT, n_hidden=args.n_hidden, steps=args.steps, polish_steps=args.polish_steps,
                   batch_size=args.batch_size, norm_start=args.norm, restarts=args.restarts)


def _run_dimers_rsmi(args) -> None:
    from rgml.steps.rsmi_dimers import rsmi_dimers_fit

    rsmi_dimers_fit(samples=args.samples, temperature=args.temperature, block=args.block, buffer=args.buffer,
                    environment=args.environment, n_hidden=args.n_hidden, config=_dimer_fit_config(args),
                    noise=args.noise, rules=tuple(args.rules or ()), seed=args.seed, out=args.out,
                    anneal_from=args.anneal_from, coulomb_restarts=args.coulomb_restarts)


def _run_dimers_rsmi_buffers(args) -> None:
    from rgml.steps.rsmi_dimers import rsmi_dimers_buffers

    rsmi_dimers_buffers(samples=args.samples, temperature=args.temperature, buffers=args.buffers, block=args.block,
                        environment=args.environment, n_hidden=args.n_hidden, config=_dimer_fit_config(args),
                        noise=args.noise, learned=args.filters == "learned", seed=args.seed, out=args.out,
                        fit_range=args.fit_range, anneal_from=args.anneal_from,
                        coulomb_restarts=args.coulomb_restarts)


def _run_dimers_rsmi_table(args) -> None:
    from rgml.steps.rsmi_dimers import rsmi_dimers_tables

    rsmi_dimers_tables(fits=args.fits, buffers=args.buffers, tc=args.tc, table=args.table,
                       buffer_table=args.buffer_table, figure=args.figure)


def _run_dimers_table(args) -> None:
    from rgml.steps.dimers import dimers_table

    dimers_table(stores=args.stores, r_min=args.r_min, table=args.table, correlation_table=args.correlation_table,
                 figure=args.figure)


def _add_rg(sub) -> None:
    p = sub.add_parser("rg", help="real-space RG: block spins, flows, fixed points, exponents")
    # dest "step", not "model": coarse-grain has a --model option
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    c = _step(steps, "rg coarse-grain", help="apply block rules repeatedly to a 2D sample store",
              description="Coarse-grain every configuration level by level while the lattice is >= 4 across; "
                          "stores level1, level2, ... and the interaction densities of every level, one store per "
                          "--rule (several rules share one process start).")
    c.add_argument("--rule", choices=RULES, nargs="+", required=True, help="block rules, one store each")
    c.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr)")
    c.add_argument("--model", type=Path, nargs="+", default=[],
                   help="trained model stores of the learned rules (rbm, rsmi): one per learned --rule, in its order")
    _out(c, "{rule}_b{b}.zarr; one per --rule, in the same order", many=True)
    c.set_defaults(func=_run_rg_coarse_grain)

    f = _step(steps, "rg flow", help="flows T -> T_eff, fixed points and nu (flow slopes and MCRG) of every rule",
              description="Effective temperatures by matching and projection, fixed points and nu with bootstrap "
                          "errors, Swendsen's MCRG nu at Tc; writes the flow and exponent tables and figures.")
    f.add_argument("stores", type=Path, nargs="+", help="RG stores made by 'rgml rg coarse-grain'")
    f.add_argument("--samples", type=Path, nargs="+", required=True, help="the 2D sample stores (for snapshots)")
    f.add_argument("--flow-table", type=Path, required=True, help="output CSV, one row per (rule, method, L, b, level, T)")
    f.add_argument("--exponents-table", type=Path, required=True, help="output CSV of nu, y_h and T* estimates")
    f.add_argument("--levels-table", type=Path, required=True, help="output CSV of T*(level) extrapolated in level")
    f.add_argument("--flow-figure", type=Path, required=True, help="output PNG of the flows")
    f.add_argument("--snapshot-figure", type=Path, required=True, help="output PNG of block-spin snapshots")
    f.add_argument("--mcrg-figure", type=Path, required=True, help="output PNG of MCRG nu vs couplings")
    f.set_defaults(func=_run_rg_flow)

    r = _step(steps, "rg ring", help="1D decimation flow of ring samples vs the exact recursion",
              description="Decimate ring samples every b-th spin level by level; K_eff from the nearest-neighbour "
                          "correlation against tanh K' = tanh^b K.")
    r.add_argument("--samples", type=Path, required=True, help="1D sample store (N*.zarr)")
    r.add_argument("--table", type=Path, required=True, help="output CSV, one row per (K, level)")
    r.add_argument("--figure", type=Path, required=True, help="output PNG")
    r.set_defaults(func=_run_rg_ring)


def _run_rg_coarse_grain(args) -> None:
    from rgml.steps.rg import coarse_grain, load_rule

    if len(args.out) != len(args.rule):
        raise UsageError(f"--out: {len(args.out)} stores for {len(args.rule)} rules (--rule {' '.join(args.rule)}); "
                         "give one store per rule, in the same order")
    if len(set(args.out)) != len(args.out):
        raise UsageError("--out: a store is named twice; give each rule its own store")
    learned = [name for name in args.rule if name in LEARNED_RULES]
    if len(args.model) != len(learned):
        needed = f"one per learned rule ({' '.join(learned)})" if learned else "none: every rule given is fixed"
        raise UsageError(f"--model: {len(args.model)} model stores given, {needed}; "
                         "give the trained stores in the order of their rules")
    models = iter(args.model)
    # every model is read (and checked against --b) before any store is written
    rules = [load_rule(name, args.b, next(models) if name in LEARNED_RULES else None) for name in args.rule]
    for rule, out in zip(rules, args.out):
        coarse_grain(samples=args.samples, rule=rule, seed=args.seed, out=out, backend=args.backend)


def _run_rg_flow(args) -> None:
    from rgml.steps.rg import flow_analysis

    flow_analysis(rg_stores=args.stores, samples=args.samples, seed=args.seed, n_boot=args.bootstrap,
                  mcrg_couplings=args.mcrg_couplings, flow_table=args.flow_table,
                  exponents_table=args.exponents_table, levels_table=args.levels_table, flow_figure=args.flow_figure,
                  snapshot_figure=args.snapshot_figure, mcrg_figure_path=args.mcrg_figure)


def _run_rg_ring(args) -> None:
    from rgml.steps.rg import ring_rg

    ring_rg(samples=args.samples, b=args.b, table=args.table, figure=args.figure)


def _add_rsmi(sub) -> None:
    p = sub.add_parser("rsmi", help="mutual-information RG: learn the block rule that keeps I(H:E)")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    f = _step(steps, "rsmi fit", help="fit RSMI filters on the samples of one temperature",
              description="Maximise a variational lower bound on I(H:E) over filters lambda with "
                          "P(h=+1|V) = sigmoid(2 lambda.V); report the held-out bound (nats) and store the filters.")
    f.add_argument("--samples", type=Path, required=True, help="2D sample store with that temperature")
    f.add_argument("--norm-stop", type=float, default=None,
                   help="anneal |lambda| geometrically up to this value (the workflow's rule fits: config "
                        "rsmi.rule_norm); default: hold it at --norm")
    _out(f, "T{T}.zarr")
    f.set_defaults(func=_run_rsmi_fit)

    r = _step(steps, "rsmi ring",
              help="1D: learn a b-site RSMI filter at every coupling of a ring store and follow its RG flow",
              description="Fit a filter on ring samples at each coupling (norm annealed), coarse-grain the rings "
                          "with it level by level and read the coupling of each level; in 1D the optimum is "
                          "decimation.")
    r.add_argument("--samples", type=Path, required=True, help="1D sample store (N*.zarr)")
    _out(r, "ring_b{b}.zarr")
    r.set_defaults(func=_run_rsmi_ring)

    t = steps.add_parser("table", help="table and figures of RSMI fits",
                         description="One row per fit (L, T, geometry, MI, shape measures) and the RSMI figures.")
    t.add_argument("fits", type=Path, nargs="+", help="stores made by 'rgml rsmi fit'")
    t.add_argument("--table", type=Path, required=True, help="output CSV")
    t.add_argument("--filters-figure", type=Path, required=True, help="output PNG: filters vs T")
    t.add_argument("--mi-figure", type=Path, required=True, help="output PNG: MI vs T")
    t.add_argument("--buffer-figure", type=Path, required=True, help="output PNG: MI vs buffer width")
    t.add_argument("--training-figure", type=Path, required=True, help="output PNG: training curves")
    t.set_defaults(func=_run_rsmi_table)


def _run_rsmi_fit(args) -> None:
    from rgml.rsmi import FitConfig, Geometry
    from rgml.steps.rsmi import rsmi_fit

    if args.norm_stop is not None and not args.norm_stop > 0:
        raise UsageError(f"--norm-stop: must be a positive number, got {args.norm_stop}")
    geometry = Geometry(block=args.block, buffer=args.buffer, env=args.environment, dim=2)
    config = FitConfig(n_hidden=args.n_hidden, estimator=args.estimator, steps=args.steps,
                       norm_start=args.norm, norm_stop=args.norm_stop)
    rsmi_fit(samples=args.samples, temperature=args.temperature, geometry=geometry, config=config,
             seed=args.seed, out=args.out, budget_bytes=_budget(args), backend=args.backend)


def _run_rsmi_ring(args) -> None:
    from rgml.rsmi import FitConfig
    from rgml.steps.rsmi import rsmi_ring

    rsmi_ring(samples=args.samples, b=args.b, buffer=args.buffer, environment=args.environment,
              config=FitConfig(steps=args.steps, norm_start=args.norm, norm_stop=args.norm_stop),
              seed=args.seed, out=args.out)


def _run_rsmi_table(args) -> None:
    from rgml.steps.rsmi import rsmi_tables

    rsmi_tables(fits=args.fits, table=args.table, filters_figure=args.filters_figure, mi_figure=args.mi_figure,
                buffer_figure=args.buffer_figure, training_figure=args.training_figure)


def _add_rbm(sub) -> None:
    p = sub.add_parser("rbm", help="restricted Boltzmann machines on Ising samples")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    def with_samples(step: str, *, help: str, description: str | None = None):
        q = _step(steps, step, help=help, description=description)
        q.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr)")
        _out(q, "Zarr")
        return q

    with_samples("rbm train", help="train one RBM per temperature (held-out ln L, generated physics)",
                 description="PCD-trained Bernoulli RBM on the configurations of one temperature; stores W, biases, "
                             "per-epoch history, held-out log-likelihood (exact ln Z or AIS), the exact Ising "
                             "log-likelihood of the same test set, and RBM samples.").set_defaults(func=_run_rbm_train)
    with_samples("rbm stack", help="greedy deep stack and its effective receptive fields (Mehta & Schwab)"
                 ).set_defaults(func=_run_rbm_stack)
    with_samples("rbm locality", help="receptive-field locality against the L1 strength"
                 ).set_defaults(func=_run_rbm_locality)
    with_samples("rbm flow", help="the RBM flow of Iso, Shiba & Yokoo from ordered and disordered starts"
                 ).set_defaults(func=_run_rbm_flow)
    with_samples("rbm block", help="the block RBM (b x b, one hidden unit) that is the RG rule 'rbm'"
                 ).set_defaults(func=_run_rbm_block)

    f = _step(steps, "rbm flow-scan", help="the RBM flow's end point under several thermometers, decays, seeds, sets",
              description="Train the flow RBM for every weight decay x training seed x training set (all "
                          "temperatures, or without those near Tc), read each end ensemble with the energy, |m|, "
                          "m^2 and correlation thermometers, next to the training mixtures; write the readings and "
                          "the end-point ranges.")
    f.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr) of the flow's size")
    for name, what in (("table", "CSV of every reading"), ("range-table", "CSV of the end-point ranges"),
                       ("figure", "PNG")):
        f.add_argument(f"--{name}", type=Path, required=True, help=f"output {what}")
    f.set_defaults(func=_run_rbm_flow_scan)

    m = _step(steps, "rbm mapping1d", help="1D decimation as an exact RBM; RBMs trained on ring samples")
    m.add_argument("--levels", type=int, default=4,
                   help="steps of stacked exact decimation RBMs to record (the workflow: as many as the 1D ring "
                        "admits)")
    _out(m, "mapping.zarr")
    m.set_defaults(func=_run_rbm_mapping)

    r = steps.add_parser("table", help="rbm.csv and the RBM figures")
    r.add_argument("models", type=Path, nargs="+", help="per-temperature RBM stores")
    for name in ("stack", "locality", "flow", "mapping"):
        r.add_argument(f"--{name}", type=Path, required=True, help=f"the {name} store")
    r.add_argument("--table", type=Path, required=True, help="output CSV, one row per per-temperature RBM")
    r.add_argument("--flow-table", type=Path, required=True, help="output CSV of the RBM flow's end points")
    for name in ("receptive-fields", "locality-figure", "generated", "flow-figure", "mapping1d"):
        r.add_argument(f"--{name}", type=Path, required=True, help="output PNG")
    r.set_defaults(func=_run_rbm_table)


def _run_rbm_flow_scan(args) -> None:
    from rgml.steps.rbm import flow_scan

    flow_scan(samples=args.samples, n_hidden=args.n_hidden, epochs=args.epochs, l2=args.l2, replicas=args.replicas,
              exclude=args.exclude, train_samples=args.train_samples, steps=args.steps, chains=args.chains,
              sample_chains=args.sample_chains, seed=args.seed, table=args.table, range_table=args.range_table,
              figure=args.figure, backend=args.backend)


def _run_rbm_train(args) -> None:
    from rgml.rbm.temperature import train_config
    from rgml.steps.rbm import train_temperature

    train_temperature(samples=args.samples, temperature=args.temperature, seed=args.seed, out=args.out,
                      config=train_config(args.n_hidden, args.epochs, args.flip_moves),
                      checkpoint_seconds=args.checkpoint_seconds, budget_bytes=_budget(args), backend=args.backend)


def _run_rbm_stack(args) -> None:
    from rgml.steps.rbm import train_deep_stack

    train_deep_stack(samples=args.samples, temperature=args.temperature, widths=args.widths, l1=args.l1,
                     epochs=args.epochs, seed=args.seed, out=args.out, budget_bytes=_budget(args),
                     backend=args.backend)


def _run_rbm_locality(args) -> None:
    from rgml.steps.rbm import train_locality_sweep

    train_locality_sweep(samples=args.samples, temperature=args.temperature, n_hidden=args.n_hidden,
                         l1_values=args.l1, epochs=args.epochs, seed=args.seed, out=args.out,
                         budget_bytes=_budget(args), backend=args.backend)


def _run_rbm_flow(args) -> None:
    from rgml.steps.rbm import flow

    flow(samples=args.samples, n_hidden=args.n_hidden, epochs=args.epochs, l2=args.l2, steps=args.steps,
         chains=args.chains, seed=args.seed, out=args.out, budget_bytes=_budget(args), backend=args.backend)


def _run_rbm_block(args) -> None:
    from rgml.steps.rbm import block_rule

    block_rule(samples=args.samples, temperature=args.temperature, b=args.b, epochs=args.epochs, seed=args.seed,
               out=args.out)


def _run_rbm_mapping(args) -> None:
    from rgml.steps.rbm import mapping_1d

    if args.levels < 0:
        raise UsageError(f"--levels: must be >= 0, got {args.levels}")
    mapping_1d(couplings=args.couplings, ring_size=args.ring_size, samples=args.samples, epochs=args.epochs,
               levels=args.levels, seed=args.seed, out=args.out)


def _run_rbm_table(args) -> None:
    from rgml.steps.rbm import rbm_tables

    rbm_tables(models=args.models, stack=args.stack, locality_store=args.locality, flow_store=args.flow,
               mapping=args.mapping, table=args.table, flow_csv=args.flow_table,
               figures={"receptive_fields": args.receptive_fields, "locality": args.locality_figure,
                        "generated": args.generated, "flow": args.flow_figure, "mapping1d": args.mapping1d})


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare the block rules: information kept, fixed points, exponents")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    m = _step(steps, "compare mi", help="I(H:E) of every rule's block variable with the same estimator and geometry",
              description="Write majority, decimation, the block RBM and the RSMI rule as filters and estimate the "
                          "information their block variable keeps about the environment (held-out bound, nats).")
    m.add_argument("--samples", type=Path, required=True, help="2D sample store with that temperature")
    m.add_argument("--rsmi-rule", type=Path, required=True, help="RSMI rule store (rgml rsmi fit)")
    m.add_argument("--rbm-rule", type=Path, required=True, help="block RBM store (rgml rbm block)")
    m.add_argument("--table", type=Path, required=True, help="output CSV")
    m.set_defaults(func=_run_compare_mi)

    s = steps.add_parser("summary", help="the compare_* figures at block size rg.b",
                         description="Figures of flows, exponents (T*, nu per method), snapshots, the 1D views and "
                                     "filters of the rules at block size rg.b (comparison.csv: 'rgml compare table').")
    for name, what in (("exponents", "exponents.csv"), ("flows", "rg_flow_ising2d.csv"),
                       ("information", "the table of 'rgml compare mi'"), ("ring-flow", "rg_flow_ising1d.csv"),
                       ("rbm-mapping", "the 1D RBM mapping store"), ("rsmi-ring", "the 1D RSMI store"),
                       ("samples", "the largest 2D sample store")):
        s.add_argument(f"--{name}", type=Path, required=True, help=what)
    s.add_argument("--rg-stores", type=Path, nargs="+", required=True, help="RG stores of the largest size")
    s.add_argument("--rsmi-filters", type=Path, nargs="+", required=True, help="RSMI b x b rule stores")
    s.add_argument("--rbm-filters", type=Path, nargs="+", required=True, help="block RBM stores")
    for name in ("flows", "exponents", "snapshots", "ring", "filters"):
        s.add_argument(f"--{name}-figure", type=Path, required=True, help="output PNG")
    s.set_defaults(func=_run_compare_summary)

    r = _step(steps, "compare rules", help="one block size b: T*, nu at every level pair, I(H:E), filter similarity",
              description="Assess every rule at block size b (T* only where the correlation ratio at Tc says the "
                          "crossing is a fixed point; nu at every level pair, 'no_convergence' where it drifts), "
                          "join I(H:E) and the filter cosines; write the per-b verdicts, levels and eta ratios.")
    r.add_argument("stores", type=Path, nargs="+", help="RG stores of every rule and size at block size b")
    r.add_argument("--information", type=Path, required=True, help="the table of 'rgml compare mi' at this b")
    r.add_argument("--samples", type=Path, required=True, help="2D sample store at that temperature (similarity)")
    r.add_argument("--rsmi-rule", type=Path, required=True, help="RSMI rule store of block size b")
    r.add_argument("--rbm-rule", type=Path, required=True, help="block RBM store of block size b")
    for name in ("verdicts", "levels", "ratios"):
        r.add_argument(f"--{name}", type=Path, required=True, help=f"output CSV of the {name}")
    r.set_defaults(func=_run_compare_rules)

    t = steps.add_parser("table", help="comparison.csv across block sizes, the eta table and their figures",
                         description="Join the per-b outputs of 'rgml compare rules' and 'rgml compare mi'.")
    for name in ("verdicts", "levels", "ratios", "information"):
        t.add_argument(f"--{name}", type=Path, nargs="+", required=True, help=f"per-b {name} CSVs")
    for name, what in (("table", "comparison.csv"), ("levels-table", "level-by-level CSV"),
                       ("ratios-table", "correlation-ratio CSV"), ("information-table", "rule_information.csv"),
                       ("figure", "PNG of the comparison"), ("ratios-figure", "PNG of the correlation ratios")):
        t.add_argument(f"--{name}", type=Path, required=True, help=f"output {what}")
    t.set_defaults(func=_run_compare_table)

    n = _step(steps, "compare norm-scan", help="uniform and learned filters at several norms: information vs RG quality",
              description="Rules P(h=+1|V) = sigmoid(2 lambda.V) with the uniform and the learned RSMI direction at "
                          "each norm |lambda|: I(H:E), T* and nu of each, measured like every other rule.")
    n.add_argument("--samples", type=Path, nargs=2, required=True, help="the 2D sample stores of L and L/b")
    n.add_argument("--mi-samples", type=Path, required=True, help="2D sample store at that temperature (I(H:E))")
    n.add_argument("--rsmi-rule", type=Path, required=True, help="RSMI rule store (its filter direction)")
    for name, what in (("table", "CSV, one row per rule"), ("levels-table", "level-by-level CSV"),
                       ("figure", "PNG")):
        n.add_argument(f"--{name}", type=Path, required=True, help=f"output {what}")
    n.set_defaults(func=_run_compare_norm_scan)


def _run_compare_mi(args) -> None:
    from rgml.steps.compare import information

    information(samples=args.samples, temperature=args.temperature, b=args.b, buffer=args.buffer,
                environment=args.environment, steps=args.steps, seed=args.seed, rsmi_rule=args.rsmi_rule,
                rbm_rule=args.rbm_rule, table=args.table)


def _run_compare_rules(args) -> None:
    from rgml.steps.compare import rules_at_block

    rules_at_block(rg_stores=args.stores, information=args.information, samples=args.samples,
                   temperature=args.temperature, b=args.b, rsmi_rule=args.rsmi_rule, rbm_rule=args.rbm_rule,
                   seed=args.seed, n_boot=args.bootstrap, chains=args.chains, verdicts=args.verdicts,
                   levels=args.levels, ratios=args.ratios)


def _run_compare_table(args) -> None:
    from rgml.steps.compare import comparison_table

    comparison_table(verdicts=args.verdicts, levels=args.levels, ratios=args.ratios, information=args.information,
                     table=args.table, levels_table=args.levels_table, ratios_table=args.ratios_table,
                     information_table=args.information_table, figure=args.figure, ratios_figure=args.ratios_figure)


def _run_compare_norm_scan(args) -> None:
    from rgml.steps.compare import norm_scan

    norm_scan(samples=args.samples, mi_samples=args.mi_samples, temperature=args.temperature,
              rsmi_rule=args.rsmi_rule, b=args.b, norms=args.norms, buffer=args.buffer, environment=args.environment,
              mi_steps=args.mi_steps, n_boot=args.bootstrap, chains=args.chains, seed=args.seed, table=args.table,
              levels_table=args.levels_table, figure=args.figure)


def _run_compare_summary(args) -> None:
    from rgml.steps.compare import comparison

    comparison(exponents=args.exponents, flows=args.flows, information=args.information, ring_flow=args.ring_flow,
               rbm_mapping=args.rbm_mapping, rsmi_ring=args.rsmi_ring, samples=args.samples,
               rg_stores=args.rg_stores, rsmi_filters=args.rsmi_filters, rbm_filters=args.rbm_filters,
               figures={"flows": args.flows_figure, "exponents": args.exponents_figure,
                        "snapshots": args.snapshots_figure, "ring": args.ring_figure,
                        "filters": args.filters_figure})


def _add_inspect(sub) -> None:
    p = sub.add_parser(
        "inspect", help="list every store of a results directory: dims, variables, provenance",
        description="Open every complete Zarr store under PATH as one xarray DataTree (rgml.open_results) "
                    "and print each store's dims, variables and key attributes; incomplete stores are flagged.",
    )
    p.add_argument("path", type=Path, nargs="?", default=Path("results"), help="results directory")
    p.set_defaults(func=_run_inspect)


def _run_inspect(args) -> None:
    from rgml.results import describe, open_results

    print(describe(open_results(args.path)))


def _add_clean(sub) -> None:
    p = sub.add_parser(
        "clean", help="delete stale stores: those the current configuration no longer produces",
        description="Delete every store under PATH that is not an output of the configuration of the last "
                    "workflow run (recorded in PATH/.rgml/outputs.json when a run starts), e.g. rbm/ising2d/L16/* "
                    "after rbm.size changed to 8. `snakemake --delete-all-output --cores 1` deletes the outputs "
                    "of the current configuration instead.",
    )
    p.add_argument("path", type=Path, nargs="?", default=Path("results"), help="results directory")
    p.add_argument("--stale", action="store_true", required=True, help="delete the stale stores (required)")
    p.add_argument("-n", "--dry-run", action="store_true", help="only list what would be deleted")
    p.set_defaults(func=_run_clean)


def _run_clean(args) -> None:
    from rgml.results import remove_stale

    count = remove_stale(args.path, dry_run=args.dry_run)
    print(f"{count} stale stores {'would be ' if args.dry_run else ''}removed")


def _add_verify(sub) -> None:
    p = sub.add_parser(
        "verify", help="check every chunk of every store, its layout and what it can recompute",
        description="Decode every chunk of every array (crc32c checksums), check the layout of each store's kind, "
                    "and recompute what a store determines itself (sample stores: energy and magnetization from "
                    "the spins; RG stores: every level's interaction densities). Prints one line per store; exits "
                    "with status 1 if any store fails.",
    )
    p.add_argument("paths", type=Path, nargs="+", help="stores or directories to search for *.zarr")
    p.set_defaults(func=_run_verify)


def _run_verify(args) -> int:
    from rgml.verify import find_stores, verify_store

    stores, incomplete = find_stores(args.paths)
    failed = 0
    for store in stores:
        report = verify_store(store)
        failed += not report.ok
        print(report.line(), flush=True)
    for store in incomplete:
        print(f"SKIP  {store} (incomplete: a killed job's partial store, resumed or removed by the next run)")
    print(f"{len(stores)} stores checked, {failed} failed" + (f", {len(incomplete)} incomplete skipped"
                                                              if incomplete else ""))
    return 1 if failed else 0


def _add_checksum(sub) -> None:
    p = sub.add_parser(
        "checksum", help="content hashes of every array in stores (ignores timestamps)",
        description="Print '<store>/<array> <sha256>' for every array of every Zarr store found under "
                    "the given paths; two runs with identical lines produced bitwise-identical data.",
    )
    p.add_argument("paths", type=Path, nargs="+", help="stores or directories to search for *.zarr")
    p.set_defaults(func=_run_checksum)


def _run_checksum(args) -> None:
    from rgml.store import array_digests

    lines = []  # printed only when every store was read: a damaged one gives no partial listing
    for root in args.paths:
        if not root.exists():
            raise StoreError(f"{root}: no such file or directory")
        stores = [root] if root.suffix == ".zarr" else sorted(root.rglob("*.zarr"))
        for store in stores:
            label = store.relative_to(root) if store != root else Path(store.name)
            lines += [f"{label}/{name} {digest}" for name, digest in array_digests(store).items()]
    if lines:
        print("\n".join(lines))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rgml",
        description="Renormalization group and neural networks on Ising models: the steps of the "
                    "rgml pipeline. The Snakemake workflow calls these; each can be run by hand. "
                    "Parameter options take the configuration's keys, defaults and ranges "
                    "(config/README.md).",
    )
    parser.add_argument("--version", action="version", version=f"rgml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_sample, _add_thermo, _add_fss, _add_phases, _add_slmc, _add_dimers, _add_rg, _add_rsmi,
                _add_rbm, _add_compare, _add_inspect, _add_checksum, _add_verify, _add_clean):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        record = command_record(args)
        outs = getattr(args, "out", None)
        for out in outs if isinstance(outs, list) else [outs]:
            if isinstance(out, Path):
                check_output(out, record, overwrite=args.overwrite)
        with recording_command(record):
            status = args.func(args)
    except (UsageError, StoreError, BackendError, WriteError) as exc:
        message = str(exc)
    except ValueError as exc:  # a chunk that fails its checksum, read where no reader named the store
        if not is_checksum_error(exc):
            raise
        from rgml.verify import first_damage

        where = first_damage(_input_paths(args))
        message = (f"{where} (`rgml verify` checks every store)" if where else
                   f"an input store has a chunk that fails its crc32c checksum ({exc}); run `rgml verify` on the "
                   "inputs to find it, delete that store and rerun the step that makes it")
    except OSError as exc:  # a file the step did not expect to fail on (permissions, disk full, ...)
        message = os_error_message(exc.filename or getattr(args, "out", None), exc)
    else:
        if not sys.stderr.isatty():  # a job's log (the workflow's jobs): what the job cost
            log(f"{_command_name(args)}: {resource_summary(time.monotonic() - started)}")
        return int(status or 0)  # a step returns None, or a status such as verify's 1
    print(f"{_command_name(args)}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _command_name(args) -> str:
    """``rgml sample ising2d`` and the like: the words that name the command run."""
    words = [args.command, getattr(args, "model", None), getattr(args, "step", None)]
    return " ".join(["rgml", *(w for w in words if isinstance(w, str))])


if __name__ == "__main__":
    sys.exit(main())
