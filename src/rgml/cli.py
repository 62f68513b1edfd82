"""The ``rgml`` command line: every pipeline step can be run by hand.

Each subcommand reads its inputs (Zarr stores, parameters), calls the
library and writes its outputs atomically.  Errors a user can fix (bad
parameters, missing or damaged stores, an unavailable backend) end the
program with a one-line message and exit status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rgml import __version__
from rgml.backend import BACKENDS, BackendError
from rgml.store import StoreError

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


def _positive(kind):
    noun = {int: "an integer", float: "a number"}[kind]

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


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
    p2.add_argument("--backend", choices=BACKENDS, default="auto", help="array backend")
    p2.add_argument("--chains", type=_positive(int), default=4, help="independent chains per temperature")
    p2.add_argument("--thermalize", type=int, default=None, metavar="SWEEPS",
                    help="sweeps before the first sample (default: max(200, 20 tau_int))")
    p2.add_argument("--thin", type=_positive(int), default=None, metavar="SWEEPS",
                    help="sweeps between stored samples (default: ceil(thin-factor * tau_int))")
    p2.add_argument("--thin-factor", type=_positive(float), default=2.0,
                    help="stored samples are thin-factor * tau_int sweeps apart (default 2)")
    p2.add_argument("--threads", type=_positive(int), default=None, help="CPU threads for the kernels")
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
    p1.add_argument("--backend", choices=BACKENDS, default="auto", help="array backend")
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
    sample_ising2d(size=args.size, temperatures=args.temperatures, samples=args.samples, seed=args.seed,
                   out=args.out, settings=settings, backend=args.backend, threads=args.threads)


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
    steps = p.add_subparsers(dest="model", required=True, metavar="STEP")

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
    coarse_grain(samples=args.samples, rule=args.rule, b=args.b, seed=args.seed, out=args.out, model=model)


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
    steps = p.add_subparsers(dest="model", required=True, metavar="STEP")

    f = steps.add_parser(
        "fit", help="fit RSMI filters on the samples of one temperature",
        description="Maximise a variational lower bound on I(H:E) over filters lambda with "
                    "P(h=+1|V) = sigmoid(2 lambda.V); report the held-out bound (nats) and store the filters.",
    )
    f.add_argument("--samples", type=Path, required=True, help="2D sample store (L*.zarr)")
    f.add_argument("--temperature", type=float, required=True, help="a temperature of the store's grid")
    f.add_argument("--block", type=_positive(int), default=2, help="visible block side L_V")
    f.add_argument("--buffer", type=int, default=0, help="buffer width L_B (>= 0)")
    f.add_argument("--environment", type=_positive(int), default=2, help="environment shell width L_E")
    f.add_argument("--n-hidden", type=_positive(int), default=1, help="binary hidden units (1..8)")
    f.add_argument("--estimator", choices=["infonce", "ba"], default="infonce", help="variational bound")
    f.add_argument("--steps", type=int, default=1500, help="joint filter+critic steps")
    f.add_argument("--norm", type=_positive(float), default=2.0, help="filter norm |lambda| (start of annealing)")
    f.add_argument("--norm-stop", type=_positive(float), default=None, help="anneal |lambda| up to this value")
    f.add_argument("--seed", type=int, required=True, help="root seed")
    f.add_argument("--threads", type=_positive(int), default=None, help="accepted for symmetry; fits use one BLAS thread")
    f.add_argument("--out", type=Path, required=True, help="output store (T{T}.zarr)")
    f.set_defaults(func=_run_rsmi_fit)

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

    if args.buffer < 0:
        raise UsageError(f"--buffer: must be >= 0, got {args.buffer}")
    if not 1 <= args.n_hidden <= 8:
        raise UsageError(f"--n-hidden: must lie in 1..8, got {args.n_hidden}")
    if args.steps < 1:
        raise UsageError(f"--steps: must be >= 1, got {args.steps}")
    geometry = Geometry(block=args.block, buffer=args.buffer, env=args.environment, dim=2)
    config = FitConfig(n_hidden=args.n_hidden, estimator=args.estimator, steps=args.steps,
                       norm_start=args.norm, norm_stop=args.norm_stop)
    rsmi_fit(samples=args.samples, temperature=args.temperature, geometry=geometry, config=config,
             seed=args.seed, out=args.out)


def _run_rsmi_table(args) -> None:
    from rgml.steps.rsmi import rsmi_tables

    rsmi_tables(fits=args.fits, table=args.table, filters_figure=args.filters_figure, mi_figure=args.mi_figure,
                buffer_figure=args.buffer_figure, training_figure=args.training_figure)


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

    for root in args.paths:
        if not root.exists():
            raise StoreError(f"{root}: no such file or directory")
        stores = [root] if root.suffix == ".zarr" else sorted(root.rglob("*.zarr"))
        for store in stores:
            label = store.relative_to(root) if store != root else Path(store.name)
            for name, digest in array_digests(store).items():
                print(f"{label}/{name} {digest}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rgml",
        description="Renormalization group and neural networks on Ising models: the steps of the "
                    "rgml pipeline. The Snakemake workflow calls these; each can be run by hand.",
    )
    parser.add_argument("--version", action="version", version=f"rgml {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_sample, _add_thermo, _add_rg, _add_rsmi, _add_checksum):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (UsageError, StoreError, BackendError) as exc:
        command = " ".join(filter(None, ["rgml", args.command, getattr(args, "model", None)]))
        print(f"{command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main())
