"""The ``rgml`` command line: every pipeline step can be run by hand.

Each subcommand reads its inputs (Zarr stores, parameters), calls the
library and writes its outputs atomically.  Errors a user can fix (bad
parameters, missing or damaged stores, an unavailable backend, a full or
read-only disk) end the program with a one-line message and exit status 2;
nothing is written, and earlier results at the output paths are untouched.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from rgml import __version__
from rgml.backend import BACKENDS, BackendError
from rgml.store import StoreError, WriteError, os_error_message
from rgml.streaming import DEFAULT_BUDGET_BYTES

EXIT_USAGE = 2


class UsageError(ValueError):
    """A parameter is out of range; the message names it and says what to change."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump): ``rgml sample ising2d: error: ...``."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def _positive(kind, *, zero: bool = False):
    """Argument type: a positive (``zero=True``: non-negative) finite ``kind``."""
    noun = {int: "an integer", float: "a number"}[kind]

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not (value >= 0 if zero else value > 0) or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be {'non-negative' if zero else 'positive'}, got {text}")
        return value

    return parse


def _add_memory_budget(parser) -> None:
    parser.add_argument("--memory-budget-mib", type=_positive(float), default=DEFAULT_BUDGET_BYTES / 2**20,
                        metavar="MIB", help="training data held in memory at most; larger sample sets are read "
                                            "from the store in groups (default %(default)g)")


def _add_backend(parser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="array backend: auto (CuPy where a GPU is usable, else NumPy), numpy or cupy")


def _budget(args) -> int:
    return int(args.memory_budget_mib * 2**20)


def _add_sample(sub) -> None:
    p = sub.add_parser("sample", help="Monte Carlo / exact samples of the Ising model into a Zarr store")
    models = p.add_subparsers(dest="model", required=True, metavar="MODEL")

    p2 = models.add_parser(
        "ising2d", help="2D torus over a temperature grid (Metropolis / Wolff, measured thinning)",
        description="Sample the L x L periodic Ising model at each temperature; writes "
                    "spins(temperature, sample, y, x), energy, magnetization and per-temperature tau_int.",
    )
    p2.add_argument("--size", type=_positive(int), required=True, help="linear size L (even, >= 4)")
    p2.add_argument("--temperatures", type=_floats, required=True, help="comma-separated T in J/k_B")
    p2.add_argument("--samples", type=_positive(int), required=True, help="stored configurations per temperature")
    p2.add_argument("--seed", type=int, required=True, help="root seed of the keyed random streams")
    p2.add_argument("--out", type=Path, required=True, help="output store (…/L{L}.zarr)")
    p2.add_argument("--algorithm", choices=["auto", "metropolis", "wolff"], default="auto",
                    help="update algorithm; auto picks the cheaper per independent sample at each T")
    _add_backend(p2)
    p2.add_argument("--chains", type=_positive(int), default=4, help="independent chains per temperature")
    p2.add_argument("--thermalize", type=int, default=None, metavar="SWEEPS",
                    help="sweeps before the first sample (default: max(200, 20 tau_int))")
    p2.add_argument("--thin", type=_positive(int), default=None, metavar="SWEEPS",
                    help="sweeps between stored samples (default: ceil(thin-factor * tau_int))")
    p2.add_argument("--thin-factor", type=_positive(float), default=2.0,
                    help="stored samples are thin-factor * tau_int sweeps apart (default 2)")
    p2.add_argument("--threads", type=_positive(int), default=None, help="CPU threads for the kernels")
    p2.add_argument("--checkpoint-every", type=float, default=120.0, metavar="SECONDS",
                    help="save the chain state this often (default 120); a rerun after a kill resumes from it")
    p2.set_defaults(func=_run_sample_2d)

    p1 = models.add_parser(
        "ising1d", help="periodic ring, exact independent samples (transfer matrix)",
        description="Draw exact samples of the periodic Ising ring at each coupling K.",
    )
    p1.add_argument("--size", type=_positive(int), required=True, help="number of spins N (>= 2)")
    p1.add_argument("--couplings", type=_floats, required=True, help="comma-separated K = J/(k_B T)")
    p1.add_argument("--samples", type=_positive(int), required=True, help="configurations per coupling")
    p1.add_argument("--seed", type=int, required=True, help="root seed")
    p1.add_argument("--out", type=Path, required=True, help="output store (…/N{N}.zarr)")
    _add_backend(p1)
    p1.set_defaults(func=_run_sample_1d)

    pm = models.add_parser(
        "merge", help="merge 2D sample stores of temperature shards into one store",
        description="Concatenate the sample stores of disjoint temperature shards (same L, samples and seed) "
                    "along temperature, in the order given; the result equals an unsharded run bit for bit.",
    )
    pm.add_argument("shards", type=Path, nargs="+", help="shard stores, in temperature-grid order")
    pm.add_argument("--out", type=Path, required=True, help="merged store (…/L{L}.zarr)")
    pm.set_defaults(func=_run_sample_merge)


def _run_sample_2d(args) -> None:
    from rgml.ising.sampler import SamplerSettings
    from rgml.steps.sample import sample_ising2d

    if args.size % 2 or args.size < 4:
        raise UsageError(f"--size: the checkerboard sampler needs an even L >= 4, got {args.size}")
    if any(not (t > 0) or t == float("inf") for t in args.temperatures):
        raise UsageError("--temperatures: every temperature must be a positive finite number (J/k_B)")
    if args.thermalize is not None and args.thermalize < 0:
        raise UsageError(f"--thermalize: must be >= 0 sweeps, got {args.thermalize}")
    settings = SamplerSettings(
        chains=args.chains, algorithm=args.algorithm, thermalize=args.thermalize,
        thin=args.thin, thin_factor=args.thin_factor,
    )
    if not args.checkpoint_every >= 0:
        raise UsageError(f"--checkpoint-every: must be >= 0 seconds, got {args.checkpoint_every}")
    sample_ising2d(size=args.size, temperatures=args.temperatures, samples=args.samples, seed=args.seed,
                   out=args.out, settings=settings, backend=args.backend, threads=args.threads,
                   checkpoint_seconds=args.checkpoint_every)


def _run_sample_1d(args) -> None:
    from rgml.steps.sample import sample_ising1d

    if args.size < 2:
        raise UsageError(f"--size: a ring needs at least 2 spins, got {args.size}")
    if any(not (0 <= k <= 10) for k in args.couplings):
        raise UsageError("--couplings: every K must lie in [0, 10]")
    sample_ising1d(size=args.size, couplings=args.couplings, samples=args.samples, seed=args.seed,
                   out=args.out, backend=args.backend)


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


def _add_rg(sub) -> None:
    p = sub.add_parser("rg", help="real-space RG: block spins, flows, fixed points, exponents")
    # dest "step", not "model": coarse-grain has a --model option
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    c = steps.add_parser(
        "coarse-grain", help="apply a block rule repeatedly to a 2D sample store",
        description="Coarse-grain every configuration level by level while the lattice is >= 4 across; "
                    "stores level1, level2, ... and the interaction densities of every level.",
    )
    c.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr)")
    c.add_argument("--rule", choices=["majority", "decimation", "rbm", "rsmi"], required=True, help="block rule")
    c.add_argument("--b", type=_positive(int), default=2, help="block size b (L must be a multiple)")
    c.add_argument("--model", type=Path, default=None, help="trained model store of a learned rule (rbm, rsmi)")
    c.add_argument("--seed", type=int, required=True, help="root seed (tie-breaking and stochastic rules)")
    _add_backend(c)
    c.add_argument("--out", type=Path, required=True, help="output store ({rule}_b{b}.zarr)")
    c.set_defaults(func=_run_rg_coarse_grain)

    f = steps.add_parser(
        "flow", help="flows T -> T_eff, fixed points and nu (flow slopes and MCRG) of every rule",
        description="Effective temperatures by matching and projection, fixed points and nu with bootstrap "
                    "errors, Swendsen's MCRG nu at Tc; writes the flow and exponent tables and figures.",
    )
    f.add_argument("stores", type=Path, nargs="+", help="RG stores made by 'rgml rg coarse-grain'")
    f.add_argument("--samples", type=Path, nargs="+", required=True, help="the 2D sample stores (for snapshots)")
    f.add_argument("--seed", type=int, required=True, help="root seed (bootstrap resampling)")
    f.add_argument("--bootstrap", type=_positive(int), default=200, help="bootstrap resamples")
    f.add_argument("--mcrg-couplings", type=_positive(int), default=4, help="largest number of MCRG couplings")
    f.add_argument("--flow-table", type=Path, required=True, help="output CSV, one row per (rule, method, L, b, level, T)")
    f.add_argument("--exponents-table", type=Path, required=True, help="output CSV of nu and T* estimates")
    f.add_argument("--flow-figure", type=Path, required=True, help="output PNG of the flows")
    f.add_argument("--snapshot-figure", type=Path, required=True, help="output PNG of block-spin snapshots")
    f.add_argument("--mcrg-figure", type=Path, required=True, help="output PNG of MCRG nu vs couplings")
    f.set_defaults(func=_run_rg_flow)

    r = steps.add_parser(
        "ring", help="1D decimation flow of ring samples vs the exact recursion",
        description="Decimate ring samples every b-th spin level by level; K_eff from the nearest-neighbour "
                    "correlation against tanh K' = tanh^b K.",
    )
    r.add_argument("--samples", type=Path, required=True, help="1D sample store (N*.zarr)")
    r.add_argument("--b", type=_positive(int), default=2, help="decimation factor")
    r.add_argument("--table", type=Path, required=True, help="output CSV, one row per (K, level)")
    r.add_argument("--figure", type=Path, required=True, help="output PNG")
    r.set_defaults(func=_run_rg_ring)


def _check_block(b: int) -> None:
    if b < 2:
        raise UsageError(f"--b: the block size must be at least 2, got {b}")


def _run_rg_coarse_grain(args) -> None:
    from rgml.steps.rg import coarse_grain

    _check_block(args.b)
    model = None
    if args.rule in ("rbm", "rsmi"):
        if args.model is None:
            raise UsageError(f"--model: rule {args.rule!r} is learned; give its trained model store")
        from rgml.steps.learned_rules import load_rule_model

        model = load_rule_model(args.rule, args.model)
    coarse_grain(samples=args.samples, rule=args.rule, b=args.b, seed=args.seed, out=args.out, model=model,
                 backend=args.backend)


def _run_rg_flow(args) -> None:
    from rgml.steps.rg import flow_analysis

    flow_analysis(rg_stores=args.stores, samples=args.samples, seed=args.seed, n_boot=args.bootstrap,
                  mcrg_couplings=args.mcrg_couplings, flow_table=args.flow_table,
                  exponents_table=args.exponents_table, flow_figure=args.flow_figure,
                  snapshot_figure=args.snapshot_figure, mcrg_figure_path=args.mcrg_figure)


def _run_rg_ring(args) -> None:
    from rgml.steps.rg import ring_rg

    _check_block(args.b)
    ring_rg(samples=args.samples, b=args.b, table=args.table, figure=args.figure)


def _add_rsmi(sub) -> None:
    p = sub.add_parser("rsmi", help="mutual-information RG: learn the block rule that keeps I(H:E)")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    f = steps.add_parser(
        "fit", help="fit RSMI filters on the samples of one temperature",
        description="Maximise a variational lower bound on I(H:E) over filters lambda with "
                    "P(h=+1|V) = sigmoid(2 lambda.V); report the held-out bound (nats) and store the filters.",
    )
    f.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr)")
    f.add_argument("--temperature", type=float, required=True, help="a temperature of the store's grid")
    f.add_argument("--block", type=_positive(int), default=2, help="visible block side L_V")
    f.add_argument("--buffer", type=_positive(int, zero=True), default=0, help="buffer width L_B (>= 0)")
    f.add_argument("--environment", type=_positive(int), default=2, help="environment shell width L_E")
    f.add_argument("--n-hidden", type=_positive(int), default=1, help="binary hidden units (1..8)")
    f.add_argument("--estimator", choices=["infonce", "ba"], default="infonce", help="variational bound")
    f.add_argument("--steps", type=_positive(int), default=1500, help="joint filter+critic steps")
    f.add_argument("--norm", type=_positive(float), default=2.0, help="filter norm |lambda| (start of annealing)")
    f.add_argument("--norm-stop", type=_positive(float), default=None, help="anneal |lambda| up to this value")
    f.add_argument("--seed", type=int, required=True, help="root seed")
    f.add_argument("--threads", type=_positive(int), default=None, help="accepted for symmetry; fits use one BLAS thread")
    _add_memory_budget(f)
    _add_backend(f)
    f.add_argument("--out", type=Path, required=True, help="output store (T{T}.zarr)")
    f.set_defaults(func=_run_rsmi_fit)

    r = steps.add_parser(
        "ring", help="1D: learn a b-site RSMI filter at every coupling of a ring store and follow its RG flow",
        description="Fit a filter on ring samples at each coupling (norm annealed), coarse-grain the rings with "
                    "it level by level and read the coupling of each level; in 1D the optimum is decimation.",
    )
    r.add_argument("--samples", type=Path, required=True, help="1D sample store (N*.zarr)")
    r.add_argument("--b", type=_positive(int), default=2, help="block size (sites)")
    r.add_argument("--buffer", type=_positive(int, zero=True), default=1, help="buffer width (sites on each side)")
    r.add_argument("--environment", type=_positive(int), default=2, help="environment width (sites on each side)")
    r.add_argument("--steps", type=_positive(int), default=600, help="joint filter+critic steps")
    r.add_argument("--norm", type=_positive(float), default=2.0, help="initial filter norm")
    r.add_argument("--norm-stop", type=_positive(float), default=8.0, help="final filter norm")
    r.add_argument("--seed", type=int, required=True, help="root seed")
    r.add_argument("--out", type=Path, required=True, help="output store")
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

    if not 1 <= args.n_hidden <= 8:
        raise UsageError(f"--n-hidden: must lie in 1..8, got {args.n_hidden}")
    geometry = Geometry(block=args.block, buffer=args.buffer, env=args.environment, dim=2)
    config = FitConfig(n_hidden=args.n_hidden, estimator=args.estimator, steps=args.steps,
                       norm_start=args.norm, norm_stop=args.norm_stop)
    rsmi_fit(samples=args.samples, temperature=args.temperature, geometry=geometry, config=config,
             seed=args.seed, out=args.out, budget_bytes=_budget(args), backend=args.backend)


def _run_rsmi_ring(args) -> None:
    from rgml.rsmi import FitConfig
    from rgml.steps.rsmi import rsmi_ring

    _check_block(args.b)
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

    def common(q, *, temperature=True, budget=True):
        q.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr)")
        if temperature:
            q.add_argument("--temperature", type=float, required=True, help="a temperature of the store's grid")
        if budget:  # the large trainings: they also run on a GPU
            _add_memory_budget(q)
            _add_backend(q)
        q.add_argument("--epochs", type=_positive(int), default=30, help="training epochs")
        q.add_argument("--seed", type=int, required=True, help="root seed")
        q.add_argument("--out", type=Path, required=True, help="output store")

    t = steps.add_parser("train", help="train one RBM per temperature (held-out ln L, generated physics)",
                         description="PCD-trained Bernoulli RBM on the configurations of one temperature; "
                                     "stores W, biases, per-epoch history, held-out log-likelihood (exact ln Z or "
                                     "AIS), the exact Ising log-likelihood of the same test set, and RBM samples.")
    common(t)
    t.add_argument("--n-hidden", type=_positive(int), default=16, help="hidden units")
    t.add_argument("--no-flip-moves", dest="flip_moves", action="store_false",
                   help="leave out the global spin-flip move of the persistent chains (on by default: below Tc "
                        "the data are two ordered sectors that Gibbs chains do not cross between)")
    t.add_argument("--checkpoint-every", type=float, default=120.0, metavar="SECONDS",
                   help="save the training state this often; a rerun after a kill resumes from it")
    t.set_defaults(func=_run_rbm_train)

    s = steps.add_parser("stack", help="greedy deep stack and its effective receptive fields (Mehta & Schwab)")
    common(s)
    s.add_argument("--widths", type=lambda v: [int(x) for x in v.split(",")], required=True,
                   help="hidden widths bottom first, e.g. 400,100,25")
    s.add_argument("--l1", type=float, default=0.0, help="L1 weight penalty")
    s.set_defaults(func=_run_rbm_stack)

    lo = steps.add_parser("locality", help="receptive-field locality against the L1 strength")
    common(lo)
    lo.add_argument("--n-hidden", type=_positive(int), default=16, help="hidden units")
    lo.add_argument("--l1", type=_floats, required=True, help="comma-separated L1 strengths")
    lo.set_defaults(func=_run_rbm_locality)

    f = steps.add_parser("flow", help="the RBM flow of Iso, Shiba & Yokoo from ordered and disordered starts")
    common(f, temperature=False)
    f.add_argument("--n-hidden", type=_positive(int), default=64, help="hidden units")
    f.add_argument("--l2", type=_positive(float, zero=True), default=0.03,
                   help="weight decay of the CD-1 training; it sets how fast the flow forgets its start")
    f.add_argument("--steps", type=_positive(int), default=200, help="flow steps v -> h -> v'")
    f.add_argument("--chains", type=_positive(int), default=2000, help="lattices per start")
    f.set_defaults(func=_run_rbm_flow)

    b = steps.add_parser("block", help="the block RBM (b x b, one hidden unit) that is the RG rule 'rbm'")
    common(b, budget=False)
    b.add_argument("--b", type=_positive(int), default=2, help="block size")
    b.set_defaults(func=_run_rbm_block)

    m = steps.add_parser("mapping1d", help="1D decimation as an exact RBM; RBMs trained on ring samples")
    m.add_argument("--couplings", type=_floats, required=True, help="comma-separated K")
    m.add_argument("--ring-size", type=_positive(int), default=10, help="ring sites (even, 6..20)")
    m.add_argument("--samples", type=_positive(int), default=4000, help="exact ring samples per K")
    m.add_argument("--epochs", type=_positive(int), default=30, help="training epochs")
    m.add_argument("--seed", type=int, required=True, help="root seed")
    m.add_argument("--out", type=Path, required=True, help="output store")
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


def _run_rbm_train(args) -> None:
    from rgml.rbm import TrainConfig
    from rgml.steps.rbm import train_temperature

    train_temperature(samples=args.samples, temperature=args.temperature, seed=args.seed, out=args.out,
                      config=TrainConfig(n_hidden=args.n_hidden, epochs=args.epochs, flip_moves=args.flip_moves),
                      checkpoint_seconds=args.checkpoint_every, budget_bytes=_budget(args), backend=args.backend)


def _run_rbm_stack(args) -> None:
    from rgml.steps.rbm import train_deep_stack

    train_deep_stack(samples=args.samples, temperature=args.temperature, widths=args.widths, l1=args.l1,
                     epochs=args.epochs, seed=args.seed, out=args.out, budget_bytes=_budget(args),
                     backend=args.backend)


def _run_rbm_locality(args) -> None:
    from rgml.steps.rbm import locality_sweep

    locality_sweep(samples=args.samples, temperature=args.temperature, n_hidden=args.n_hidden,
                   l1_values=args.l1, epochs=args.epochs, seed=args.seed, out=args.out, budget_bytes=_budget(args),
                   backend=args.backend)


def _run_rbm_flow(args) -> None:
    from rgml.steps.rbm import flow

    flow(samples=args.samples, n_hidden=args.n_hidden, epochs=args.epochs, l2=args.l2, steps=args.steps,
         chains=args.chains, seed=args.seed, out=args.out, budget_bytes=_budget(args), backend=args.backend)


def _run_rbm_block(args) -> None:
    from rgml.steps.rbm import block_rule

    _check_block(args.b)
    block_rule(samples=args.samples, temperature=args.temperature, b=args.b, epochs=args.epochs, seed=args.seed,
               out=args.out)


def _run_rbm_mapping(args) -> None:
    from rgml.steps.rbm import mapping_1d

    if args.ring_size % 2 or not 6 <= args.ring_size <= 20:
        raise UsageError(f"--ring-size: needs an even number of sites from 6 to 20, got {args.ring_size}")
    mapping_1d(couplings=args.couplings, ring_size=args.ring_size, samples=args.samples, epochs=args.epochs,
               seed=args.seed, out=args.out)


def _run_rbm_table(args) -> None:
    from rgml.steps.rbm import rbm_tables

    rbm_tables(models=args.models, stack=args.stack, locality_store=args.locality, flow_store=args.flow,
               mapping=args.mapping, table=args.table, flow_csv=args.flow_table,
               figures={"receptive_fields": args.receptive_fields, "locality": args.locality_figure,
                        "generated": args.generated, "flow": args.flow_figure, "mapping1d": args.mapping1d})


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare the block rules: information kept, fixed points, exponents")
    steps = p.add_subparsers(dest="step", required=True, metavar="STEP")

    m = steps.add_parser(
        "mi", help="I(H:E) of every rule's block variable with the same estimator and geometry",
        description="Write majority, decimation, the block RBM and the RSMI rule as filters and estimate the "
                    "information their block variable keeps about the environment (held-out bound, nats).",
    )
    m.add_argument("--samples", type=Path, required=True, help="2D sample store")
    m.add_argument("--temperature", type=float, required=True, help="a temperature of the store's grid")
    m.add_argument("--b", type=_positive(int), default=2, help="block size")
    m.add_argument("--buffer", type=_positive(int, zero=True), default=2, help="buffer width (>= 0)")
    m.add_argument("--environment", type=_positive(int), default=2, help="environment shell width")
    m.add_argument("--steps", type=_positive(int), default=1000, help="critic training steps")
    m.add_argument("--rsmi-rule", type=Path, required=True, help="RSMI rule store (rgml rsmi fit)")
    m.add_argument("--rbm-rule", type=Path, required=True, help="block RBM store (rgml rbm block)")
    m.add_argument("--seed", type=int, required=True, help="root seed")
    m.add_argument("--table", type=Path, required=True, help="output CSV")
    m.set_defaults(func=_run_compare_mi)

    s = steps.add_parser("summary", help="comparison.csv and the compare_* figures",
                         description="One row per rule: T*, nu (MCRG and flow slope), I(H:E), deviations from "
                                     "exact; figures of flows, exponents, snapshots, the 1D views and filters.")
    for name, what in (("exponents", "exponents.csv"), ("flows", "rg_flow_ising2d.csv"),
                       ("information", "the table of 'rgml compare mi'"), ("ring-flow", "rg_flow_ising1d.csv"),
                       ("rbm-mapping", "the 1D RBM mapping store"), ("rsmi-ring", "the 1D RSMI store"),
                       ("samples", "the largest 2D sample store")):
        s.add_argument(f"--{name}", type=Path, required=True, help=what)
    s.add_argument("--rg-stores", type=Path, nargs="+", required=True, help="RG stores of the largest size")
    s.add_argument("--rsmi-filters", type=Path, nargs="+", required=True, help="RSMI b x b rule stores")
    s.add_argument("--rbm-filters", type=Path, nargs="+", required=True, help="block RBM stores")
    s.add_argument("--table", type=Path, required=True, help="output comparison.csv")
    for name in ("flows", "exponents", "snapshots", "ring", "filters"):
        s.add_argument(f"--{name}-figure", type=Path, required=True, help="output PNG")
    s.set_defaults(func=_run_compare_summary)


def _run_compare_mi(args) -> None:
    from rgml.steps.compare import rule_information

    _check_block(args.b)
    rule_information(samples=args.samples, temperature=args.temperature, b=args.b, buffer=args.buffer,
                     environment=args.environment, steps=args.steps, seed=args.seed, rsmi_rule=args.rsmi_rule,
                     rbm_rule=args.rbm_rule, table=args.table)


def _run_compare_summary(args) -> None:
    from rgml.steps.compare import comparison

    comparison(exponents=args.exponents, flows=args.flows, information=args.information, ring_flow=args.ring_flow,
               rbm_mapping=args.rbm_mapping, rsmi_ring=args.rsmi_ring, samples=args.samples,
               rg_stores=args.rg_stores, rsmi_filters=args.rsmi_filters, rbm_filters=args.rbm_filters,
               table=args.table,
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
                    "rgml pipeline. The Snakemake workflow calls these; each can be run by hand.",
    )
    parser.add_argument("--version", action="version", version=f"rgml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_sample, _add_thermo, _add_rg, _add_rsmi, _add_rbm, _add_compare, _add_inspect, _add_checksum):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (UsageError, StoreError, BackendError, WriteError) as exc:
        message = str(exc)
    except OSError as exc:  # a file the step did not expect to fail on (permissions, disk full, ...)
        message = os_error_message(exc.filename or getattr(args, "out", None), exc)
    else:
        return 0
    words = [args.command, getattr(args, "model", None), getattr(args, "step", None)]
    command = " ".join(["rgml", *(w for w in words if isinstance(w, str))])
    print(f"{command}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
