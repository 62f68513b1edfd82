"""Peer benchmark: rgml.rbm.train against scikit-learn's BernoulliRBM on the same Ising data.

Both learners get the same training set (L×L torus at temperature T, ±1 spins
mapped to 0/1), the same number of hidden units, epochs, learning rate and
minibatch size, and run the same algorithm: PCD-1 with one persistent chain
per minibatch row, no momentum, no weight penalty, constant learning rate
(scikit-learn's ``BernoulliRBM.fit`` is exactly this; rgml is configured to
match).  Timings are interleaved over several repeats in one process, with
numba kernels compiled and BLAS warmed up first; the figure of merit is the
ratio of the per-epoch times (rgml / sklearn, smaller is faster).

Quality: the held-out log-likelihood per sample (nats) of both learners' final
models (one per repeat), with ln Z by AIS (same schedule, runs and base rate
for both) at the benchmark size, plus a small-``n_hidden`` run of both where
ln Z is exact (enumeration of the hidden layer); for reference the latter
also shows rgml's default recipe (PCD-5, momentum, decaying ε) for the same
number of epochs.  With scikit-learn's algorithm (constant ε = 0.1, no
momentum, PCD-1) both learners swing by tens of nats between seeds.

Run from the repository root::

    python bench/rbm_vs_sklearn.py                 # L = 16, n_hidden = 64 (acceptance 3)
    python bench/rbm_vs_sklearn.py --quick         # a smoke run in seconds
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_limits

from rgml.rbm import RBM, TrainConfig, estimate_log_partition, mean_log_likelihood, spins_to_units, train
from rgml.rbm.model import logit_of_means
from rgml.rng import Stream

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from rbm_ising_data import ising_samples  # noqa: E402  (test helper around rgml.ising.sampler)


def sklearn_model(rbm: BernoulliRBM) -> RBM:
    """scikit-learn's parameters as an rgml RBM (its units are 0/1 too)."""
    return RBM(
        np.ascontiguousarray(rbm.components_.T, dtype=np.float64),
        np.asarray(rbm.intercept_visible_, dtype=np.float64),
        np.asarray(rbm.intercept_hidden_, dtype=np.float64),
    )


def matched_config(args, n_hidden: int, epochs: int) -> TrainConfig:
    """rgml hyperparameters that reproduce BernoulliRBM.fit's algorithm."""
    return TrainConfig(
        n_hidden=n_hidden,
        epochs=epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lr_schedule="constant",
        momentum=0.0,
        initial_momentum=0.0,
        method="pcd",
        k=1,
        n_chains=args.batch_size,
        init_visible_bias="zero",
        logz="none",
        dtype=args.dtype,
    )


def fit_sklearn(train_units, n_hidden, epochs, args, seed):
    rbm = BernoulliRBM(
        n_components=n_hidden,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        n_iter=epochs,
        random_state=seed,
    )
    start = time.perf_counter()
    rbm.fit(train_units)
    return sklearn_model(rbm), time.perf_counter() - start


def fit_rgml(train_units, n_hidden, epochs, args, seed):
    start = time.perf_counter()
    result = train(train_units, matched_config(args, n_hidden, epochs), seed=Stream.named(seed, "bench-rbm", n_hidden))
    return result.model, time.perf_counter() - start


def fit_rgml_defaults(train_units, n_hidden, epochs, args, seed):
    """For reference: rgml's default hyperparameters (PCD-5, momentum, decaying ε), same epochs."""
    config = TrainConfig(n_hidden=n_hidden, epochs=epochs, logz="none", dtype=args.dtype)
    result = train(train_units, config, seed=Stream.named(seed, "bench-rbm-defaults", n_hidden))
    return result.model, math.nan


def held_out(model: RBM, test_units, method: str, args, base):
    log_z = estimate_log_partition(
        model,
        method=method,
        stream=Stream.named(args.seed, "bench-rbm-ais"),
        ais_runs=args.ais_runs,
        ais_betas=args.ais_betas,
        base_visible_bias=base,
    )
    return mean_log_likelihood(model, test_units, log_z)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=16, help="lattice size L")
    parser.add_argument("--temperature", type=float, default=2.27, help="T in J/k_B")
    parser.add_argument("--n-hidden", type=int, default=64)
    parser.add_argument("--small-hidden", type=int, default=16, help="n_hidden of the exact-ln Z comparison")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10, help="sklearn's default")
    parser.add_argument("--learning-rate", type=float, default=0.1, help="sklearn's default")
    parser.add_argument("--train", type=int, default=5000, help="training configurations")
    parser.add_argument("--test", type=int, default=2000, help="held-out configurations")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing repeats")
    parser.add_argument("--ais-runs", type=int, default=100)
    parser.add_argument("--ais-betas", type=int, default=5_000)
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads for both learners (1: least noisy for these small products)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.epochs, args.train, args.test, args.repeats = 8, 2, 1000, 500, 1
        args.ais_runs, args.ais_betas, args.n_hidden = 50, 1000, 32

    spins = ising_samples(args.size, args.temperature, args.train + args.test)
    units = spins_to_units(spins)
    train_units, test_units = units[: args.train], units[args.train :]
    base = logit_of_means(train_units)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"data: L = {args.size}, T = {args.temperature}, {args.train} train / {args.test} test, "
          f"n_hidden = {args.n_hidden}, epochs = {args.epochs}, batch = {args.batch_size}, "
          f"lr = {args.learning_rate}, rgml dtype = {args.dtype}")

    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        # warm-up: compile rgml's numba kernels, load BLAS, touch sklearn's code paths
        fit_rgml(train_units[:200], args.n_hidden, 1, args, 0)
        fit_sklearn(train_units[:200], args.n_hidden, 1, args, 0)
        times = {"sklearn": [], "rgml": []}
        models = {"sklearn": [], "rgml": []}
        for repeat in range(args.repeats):
            for name, fit in (("sklearn", fit_sklearn), ("rgml", fit_rgml)):
                model, seconds = fit(train_units, args.n_hidden, args.epochs, args, repeat)
                times[name].append(seconds / args.epochs)
                models[name].append(model)

    print(f"\nper-epoch wall time over {args.repeats} interleaved repeats (s), {args.blas_threads} BLAS thread(s):")
    for name, values in times.items():
        print(f"  {name:20s} min {min(values):.4f}  median {statistics.median(values):.4f}  "
              f"all {' '.join(f'{t:.4f}' for t in values)}")
    ratio_min = min(times["rgml"]) / min(times["sklearn"])
    ratio_median = statistics.median(times["rgml"]) / statistics.median(times["sklearn"])
    print(f"  ratio rgml/sklearn: {ratio_min:.3f} (min)  {ratio_median:.3f} (median)")

    print(f"\nheld-out log-likelihood, n_hidden = {args.n_hidden}, ln Z by AIS "
          f"({args.ais_runs} runs × {args.ais_betas} betas), nats/sample, one model per repeat:")
    for name, fitted in models.items():
        report(name, [held_out(model, test_units, "ais", args, base) for model in fitted])

    print(f"\nheld-out log-likelihood, n_hidden = {args.small_hidden}, exact ln Z (enumerated), nats/sample:")
    for name, fit in (("sklearn", fit_sklearn), ("rgml", fit_rgml), ("rgml default recipe", fit_rgml_defaults)):
        fitted = [fit(train_units, args.small_hidden, args.epochs, args, repeat)[0] for repeat in range(args.repeats)]
        report(name, [held_out(model, test_units, "exact", args, base) for model in fitted])


def report(name: str, scores) -> None:
    means = np.array([s.mean for s in scores])
    spread = f" ± {means.std(ddof=1):.3f} (sd over repeats)" if len(means) > 1 else ""
    print(f"  {name:20s} mean {means.mean():9.3f}{spread}; per repeat "
          f"{' '.join(f'{m:.2f}' for m in means)}; largest error {max(s.error for s in scores):.3f}")


if __name__ == "__main__":
    main()
