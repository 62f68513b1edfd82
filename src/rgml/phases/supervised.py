"""Phases with labels: classifiers trained deep in each phase, applied at every temperature.

Carrasquilla & Melko (Nat. Phys. 13, 431 (2017)) train a classifier on
configurations labelled *ordered* (T well below Tc) and *disordered* (T well
above) and apply it at every temperature: its mean output P(ordered) falls
from 1 to 0 across the transition, crosses ½ at a pseudo-critical Tc(L) that
extrapolates to Tc, and the output curves of different L collapse against
(T − Tc) L^{1/ν} with the Ising ν = 1.  Per lattice size and classifier
(:mod:`rgml.phases.classifiers`):

1. at the training temperatures (T < ``ordered_below``: label 1,
   T > ``disordered_above``: label 0) the samples are split into training
   and test configurations by contiguous chunks of Monte Carlo time;
   ``train_samples`` configurations per temperature, evenly spaced over the
   training chunks, are used, each class weighted to the same total;
2. the mean output at every temperature is taken over the test
   configurations (training temperatures) or all of them (the others), with
   block-bootstrap replicas (:mod:`rgml.phases.data`);
3. Tc(L) is the ½ crossing of each curve, Tc the extrapolation
   Tc(L) = Tc + a/L (ν = 1 assumed there only), and (Tc, ν) come
   independently from the collapse of the curves; the curves of successive
   sizes also cross near Tc, as Binder cumulants do
   (:func:`rgml.phases.fss.scaling_analysis`).  Sizes below
   ``fss_min_size`` keep their curves and Tc(L) but stay out of the fits:
   at L = 8 the two training classes overlap (test accuracy 0.97 against
   1.00 from L = 16), so its threshold is set differently.  Every error is
   the spread of the same analysis over the replicas, widened by
   sqrt(χ²/dof) or sqrt(quality) where the fit is worse than its errors.

Where the ½ crossing lands depends on where the classifier puts its
threshold on |m|, which the training temperatures and the L2 strength set
(the crossing converges to the temperature where the spontaneous
magnetisation equals that threshold, which lies within
(threshold / 1.22)^8 · Tc of Tc, β = 1/8); ``bench/phases.py --scan``
shows that dependence.

Training is itself random (which chunks are held out, the network's initial
weights) and moves Tc(L) by more than the bootstrap error of the curves
(about 2–3× at L = 64 for the network).  So each classifier is trained
``members`` times independently; the output curves are the mean over members
and every error adds the standard error of that mean over members in
quadrature to the bootstrap one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.params import default
from rgml.backend import array_namespace, to_numpy
from rgml.exact import TC
from rgml.phases.classifiers import MODELS, ClassifierConfig, train_classifier
from rgml.phases.data import (SizeSamples, block_labels, bootstrap_means, check_bootstrap, collect,
                              config_attrs, config_from_attrs, evenly_spaced, spread, summary_table,
                              time_split)
from rgml.phases.fss import scaling_analysis, scaling_estimates
from rgml.rng import Stream, as_stream


@dataclass(frozen=True)
class SupervisedConfig:
    """Knobs of the supervised analysis (all with defaults).

    Attributes
    ----------
    models:
        Classifiers to train, from ``("logistic", "network")``.
    ordered_below, disordered_above:
        Training temperatures: T below the first are labelled ordered, above the second disordered.
    train_samples:
        Training configurations per training temperature (None: every one in the training chunks).
    holdout, chunks:
        The samples of a training temperature are cut into ``chunks`` chunks of Monte Carlo time and
        this fraction of them is kept for testing.
    members:
        Independently trained copies of each classifier (own training/test split and, for the
        network, own initial weights) whose output curves are averaged; their spread enters the errors.
    hidden, l2, max_iter:
        :class:`rgml.phases.classifiers.ClassifierConfig`.
    blocks, n_boot:
        Chain blocks per temperature and bootstrap replicas.
    level:
        Output level whose crossing defines Tc(L).
    extrapolation_exponent:
        1/ν in Tc(L) = Tc + a L^{−1/ν} (1 for the 2D Ising model).
    collapse_window:
        Output values (low, high) whose points must collapse (and that take part in pair crossings).
    fss_min_size:
        Smallest size in the extrapolation and the collapse (every size gets its curve and Tc(L)).
    """

    models: tuple[str, ...] = tuple(default("phases.supervised.models"))
    ordered_below: float = default("phases.supervised.ordered_below")
    disordered_above: float = default("phases.supervised.disordered_above")
    train_samples: int | None = default("phases.supervised.train_samples")
    holdout: float = 0.5
    chunks: int = 10
    members: int = default("phases.supervised.members")
    hidden: int = default("phases.supervised.hidden")
    l2: float = default("phases.supervised.l2")
    max_iter: int = default("phases.supervised.max_iter")
    blocks: int = default("phases.blocks")
    n_boot: int = default("phases.bootstrap")
    level: float = 0.5
    extrapolation_exponent: float = 1.0
    collapse_window: tuple[float, float] = (0.1, 0.9)
    fss_min_size: int = default("phases.fss_min_size")

    def __post_init__(self):
        unknown = set(self.models) - set(MODELS)
        if unknown or not self.models:
            raise ValueError(f"models: use some of {MODELS}, got {self.models}")
        if not self.ordered_below < self.disordered_above:
            raise ValueError("ordered_below must lie below disordered_above")
        check_bootstrap(self.n_boot, self.blocks)
        if self.members < 1:
            raise ValueError(f"members: need at least one trained classifier per model, got {self.members}")

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(hidden=self.hidden, l2=self.l2, max_iter=self.max_iter)


@dataclass(frozen=True)
class SupervisedResult:
    """Output curves and the Tc, ν read off them, per classifier (host arrays).

    Attributes
    ----------
    models, sizes, temperatures:
        ``(n_M,)``, ``(n_L,)``, ``(n_T,)``.
    pair_sizes:
        ``(n_L − 1,)`` smaller size of each pair of successive sizes.
    output, output_err:
        ``(n_M, n_L, n_T)`` mean P(ordered) and its bootstrap error.
    test_accuracy:
        ``(n_M, n_L)`` on the held-out configurations of the training temperatures.
    train_seconds, iterations:
        ``(n_M, n_L)`` wall time (not reproducible) and L-BFGS iterations of each training.
    tc_size, tc_size_err:
        ``(n_M, n_L)`` the ``level`` crossing Tc(L).
    tc_pairs, tc_pairs_err:
        ``(n_M, n_L − 1)`` crossing of the curves of successive sizes.
    tc, tc_err, slope, chi2:
        ``(n_M,)`` extrapolation Tc(L) = Tc + slope · L^{−1/ν} and its χ²/dof.
    collapse_tc, collapse_tc_err, nu, nu_err, collapse_quality:
        ``(n_M,)`` from the collapse of the output curves.
    config:
        The :class:`SupervisedConfig`.
    """

    models: np.ndarray
    sizes: np.ndarray
    temperatures: np.ndarray
    pair_sizes: np.ndarray
    output: np.ndarray
    output_err: np.ndarray
    test_accuracy: np.ndarray
    train_seconds: np.ndarray
    iterations: np.ndarray
    tc_size: np.ndarray
    tc_size_err: np.ndarray
    tc_pairs: np.ndarray
    tc_pairs_err: np.ndarray
    tc: np.ndarray
    tc_err: np.ndarray
    slope: np.ndarray
    chi2: np.ndarray
    collapse_tc: np.ndarray
    collapse_tc_err: np.ndarray
    nu: np.ndarray
    nu_err: np.ndarray
    collapse_quality: np.ndarray
    config: SupervisedConfig

    _DIMS = {
        "output": ("model", "size", "temperature"), "output_err": ("model", "size", "temperature"),
        "test_accuracy": ("model", "size"), "train_seconds": ("model", "size"), "iterations": ("model", "size"),
        "tc_size": ("model", "size"), "tc_size_err": ("model", "size"),
        "tc_pairs": ("model", "pair_size"), "tc_pairs_err": ("model", "pair_size"),
        "tc": ("model",), "tc_err": ("model",), "slope": ("model",), "chi2": ("model",),
        "collapse_tc": ("model",), "collapse_tc_err": ("model",), "nu": ("model",), "nu_err": ("model",),
        "collapse_quality": ("model",),
    }
    _ATTRS = {
        "output": {"long_name": "mean classifier output P(ordered)"},
        "test_accuracy": {"long_name": "accuracy on held-out configurations of the training temperatures"},
        "train_seconds": {"units": "s", "long_name": "training wall time"},
        "tc_size": {"units": "J/k_B", "long_name": "crossing of the output with the level"},
        "tc_pairs": {"units": "J/k_B", "long_name": "crossing of the outputs of sizes L and next L"},
        "tc": {"units": "J/k_B", "long_name": "Tc(L) extrapolated to L = infinity"},
        "slope": {"units": "J/k_B", "long_name": "a in Tc(L) = Tc + a L^-1/nu"},
        "chi2": {"long_name": "chi2 per degree of freedom of the extrapolation"},
        "collapse_tc": {"units": "J/k_B", "long_name": "Tc from the collapse of the output curves"},
        "nu": {"long_name": "nu from the collapse of the output curves"},
        "collapse_quality": {"long_name": "collapse quality (about 1: within errors)"},
    }

    def to_dataset(self) -> xr.Dataset:
        """Named-dim dataset on (model, size, temperature)."""
        coords = {
            "model": ("model", self.models.astype(str), {"long_name": "classifier"}),
            "size": ("size", self.sizes, {"long_name": "linear lattice size L"}),
            "temperature": ("temperature", self.temperatures, {"units": "J/k_B", "long_name": "temperature"}),
            "pair_size": ("pair_size", self.pair_sizes, {"long_name": "smaller size L of the pair (L, next L)"}),
        }
        data = {}
        for k, dims in self._DIMS.items():
            attrs = dict(self._ATTRS.get(k.removesuffix("_err"), {}))
            if k.endswith("_err"):
                attrs["long_name"] = "error of " + k.removesuffix("_err")
            data[k] = (dims, getattr(self, k), attrs)
        return xr.Dataset(data, coords=coords, attrs=config_attrs("supervised", self.config))

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "SupervisedResult":
        return cls(models=np.array([str(m) for m in ds["model"].values]), sizes=np.asarray(ds["size"]),
                   temperatures=np.asarray(ds["temperature"]), pair_sizes=np.asarray(ds["pair_size"]),
                   config=config_from_attrs(SupervisedConfig, ds.attrs),
                   **{k: np.asarray(ds[k]) for k in cls._DIMS})

    def to_frame(self) -> pd.DataFrame:
        """One row per (model, L, T): mean output and error."""
        m, L, t = np.meshgrid(self.models, self.sizes, self.temperatures, indexing="ij")
        return pd.DataFrame({"model": m.ravel(), "L": L.ravel(), "T": t.ravel(), "output": self.output.ravel(),
                             "output_err": self.output_err.ravel()})

    def summary_frame(self) -> pd.DataFrame:
        """Tidy headline numbers (:func:`rgml.phases.data.summary_table`)."""
        rows = []
        for i, model in enumerate(self.models):
            for j, L in enumerate(self.sizes):
                rows += [(model, int(L), "tc_crossing", self.tc_size[i, j], self.tc_size_err[i, j]),
                         (model, int(L), "test_accuracy", self.test_accuracy[i, j], np.nan),
                         (model, int(L), "train_seconds", self.train_seconds[i, j], np.nan)]
            rows += [(model, int(L), "tc_pair_crossing", t, e)
                     for L, t, e in zip(self.pair_sizes, self.tc_pairs[i], self.tc_pairs_err[i])]
            rows += [(model, None, "tc_extrapolated", self.tc[i], self.tc_err[i]),
                     (model, None, "extrapolation_chi2", self.chi2[i], np.nan),
                     (model, None, "tc_collapse", self.collapse_tc[i], self.collapse_tc_err[i]),
                     (model, None, "nu_collapse", self.nu[i], self.nu_err[i]),
                     (model, None, "collapse_quality", self.collapse_quality[i], np.nan)]
        return summary_table("supervised", rows)


def _training_set(s: SizeSamples, config: SupervisedConfig, stream: Stream):
    """Training rows, labels and class-balancing weights; test indices per temperature."""
    xs, ys, test = [], [], {}
    for t, temp in enumerate(s.temperatures):
        label = 1.0 if temp < config.ordered_below else 0.0 if temp > config.disordered_above else None
        if label is None:
            test[t] = np.arange(s.n_samples)
            continue
        train, test[t] = time_split(s.n_samples, stream.child("split", float(temp)), holdout=config.holdout,
                                    chunks=config.chunks)
        xs.append(s.flat(t, evenly_spaced(train, config.train_samples), dtype=np.float32))
        ys.append(np.full(xs[-1].shape[0], label))
    if not xs or not any(y[0] == 1 for y in ys) or not any(y[0] == 0 for y in ys):
        raise ValueError(f"the grid needs temperatures below ordered_below={config.ordered_below} and above "
                         f"disordered_above={config.disordered_above} to train on")
    y = np.concatenate(ys)
    n_ordered = y.sum()
    weights = np.where(y == 1, 0.5 / n_ordered, 0.5 / (y.size - n_ordered)) * y.size
    return xs, y, weights, test


def supervised_phases(samples, config: SupervisedConfig = SupervisedConfig(), *, seed: int | Stream,
                      log: Callable[[str], None] | None = None) -> SupervisedResult:
    """Train the classifiers on each size and read Tc(L), Tc and ν off their output curves.

    Parameters
    ----------
    samples:
        Sample stores or :class:`rgml.phases.data.SizeSamples`, one per size (one temperature grid).
    config:
        :class:`SupervisedConfig`.
    seed:
        Root seed or stream; keyed ``("phases", "supervised")``, then per size, member, model and
        temperature.
    log:
        Optional progress callback.
    """
    data = collect(samples)
    root = as_stream(seed, "phases", "supervised")
    models = np.array(config.models)
    sizes = np.array(list(data), dtype=np.int64)
    temps = next(iter(data.values())).temperatures
    n_k, n_m, n_l, n_t = config.members, len(models), len(sizes), len(temps)
    member_output = np.zeros((n_k, n_m, n_l, n_t))
    replicas = np.zeros((config.n_boot, n_m, n_l, n_t))
    accuracy, seconds, iterations = (np.zeros((n_m, n_l)) for _ in range(3))
    for j, (L, s) in enumerate(data.items()):
        stream = root.child(int(L))
        labels = block_labels(s.n_samples, chains=s.chains, blocks=config.blocks)
        correct, count, ordered = np.zeros((n_k, n_m)), np.zeros(n_k), np.zeros(n_k)  # per member
        for k in range(n_k):
            member = stream.child("member", k)
            xs, y, weights, test = _training_set(s, config, member)
            xp = array_namespace(xs[0])
            x = xp.concatenate(xs)
            trained = [train_classifier(x, y, str(m), config.classifier(), stream=member.child(str(m)),
                                        weights=weights) for m in models]
            del x
            seconds[:, j] += [clf.info["seconds"] for clf in trained]
            iterations[:, j] += [clf.info["iterations"] / n_k for clf in trained]
            for t, temp in enumerate(temps):
                rows = s.flat(t, test[t], dtype=np.float32)
                p = xp.stack([clf.predict(rows) for clf in trained], axis=1)
                central, boot = bootstrap_means(p, labels[test[t]], stream.child("bootstrap", float(temp)),
                                                config.n_boot)
                member_output[k, :, j, t] = central
                replicas[:, :, j, t] += boot / n_k
                if temp < config.ordered_below or temp > config.disordered_above:
                    correct[k] += to_numpy(((p >= 0.5) == bool(temp < config.ordered_below)).sum(axis=0))
                    count[k] += rows.shape[0]
                    ordered[k] += rows.shape[0] if temp < config.ordered_below else 0
        _check_learned(models, int(L), correct / count[:, None], np.maximum(ordered, count - ordered) / count, config)
        accuracy[:, j] = correct.sum(axis=0) / count.sum()
        if log:
            log(f"supervised L={L}: " + ", ".join(
                f"{m} {seconds[i, j]:.1f} s for {n_k}, {iterations[i, j]:.0f} it, test acc {accuracy[i, j]:.3f}"
                for i, m in enumerate(models)))
    output = member_output.mean(axis=0)
    options = dict(window=tuple(config.collapse_window), level=config.level,
                   exponent=config.extrapolation_exponent, min_size=config.fss_min_size)
    fits = []
    for i in range(n_m):
        fit = scaling_analysis(temps, sizes, output[i], replicas[:, i], **options)
        if n_k > 1:
            _add_member_spread(fit, [scaling_estimates(temps, sizes, c[i], fit["curve_err"],
                                                       tc_size_errors=fit["tc_size_err"], start=fit, **options)
                                     for c in member_output])
            fit["curve_err"] = np.hypot(fit["curve_err"], member_output[:, i].std(axis=0, ddof=1) / np.sqrt(n_k))
        fits.append(fit)
    if log:
        for m, f in zip(models, fits):
            log(f"supervised {m}: Tc(L->inf) = {f['tc']:.4f} ± {f['tc_err']:.4f} (exact {TC:.6f}), "
                f"collapse Tc = {f['collapse_tc']:.4f}, nu = {f['nu']:.3f} ± {f['nu_err']:.3f}")
    fields = {k: np.stack([np.asarray(f[k], dtype=np.float64) for f in fits]) for k in SupervisedResult._DIMS
              if k in fits[0]}
    return SupervisedResult(
        models=models.astype(str), sizes=sizes, temperatures=temps.copy(), pair_sizes=sizes[:-1].copy(),
        output=output, output_err=np.stack([f["curve_err"] for f in fits]), test_accuracy=accuracy,
        train_seconds=seconds, iterations=iterations, config=config, **fields,
    )


def _check_learned(models, size: int, accuracy: np.ndarray, guess: np.ndarray, config: SupervisedConfig) -> None:
    """Raise unless every trained member beats a constant guess on the phases it was trained on.

    ``accuracy`` ``(members, models)`` is each member's accuracy on the held-out
    configurations of its training temperatures, ``guess`` ``(members,)`` what
    always answering the larger class scores there.  A member that closes less
    than half the gap from the guess to a perfect score did not learn — a
    network left at the symmetric point W₁ = 0 by a strong L2 penalty outputs
    ½ everywhere — and its output curve has no crossing to read Tc(L) from.
    """
    failed = accuracy <= ((guess + 1.0) / 2.0)[:, None]
    if failed.any():
        k, i = (int(a) for a in np.argwhere(failed)[0])
        raise ValueError(
            f"phases.supervised: the {models[i]} classifier did not learn at L = {size} (member {k}: accuracy "
            f"{accuracy[k, i]:.3f} on held-out configurations of its training temperatures, where a constant guess "
            f"scores {guess[k]:.3f}); lower phases.supervised.l2 (now {config.l2:g}), raise "
            f"phases.supervised.max_iter (now {config.max_iter}) or move ordered_below and disordered_above "
            f"further from Tc")


def _add_member_spread(fit: dict, members: list[dict]) -> None:
    """Widen the errors in ``fit`` by the standard error of the mean over independently trained members."""
    for key in ("tc_pairs", "tc_size", "tc", "collapse_tc", "nu"):
        values = np.stack([np.asarray(m[key], dtype=np.float64) for m in members])
        fit[key + "_err"] = np.hypot(fit[key + "_err"], spread(values) / np.sqrt(len(members)))
