"""Learning phase transitions by confusion (van Nieuwenburg, Liu & Huber, Nat. Phys. 13, 435 (2017)).

Propose a critical temperature T'_c, label every configuration *ordered* if
its temperature lies below T'_c and *disordered* above, train a classifier
on those labels and measure its accuracy on held-out configurations.  At the
two ends of the grid every label is the same and the accuracy is trivially
1; a T'_c inside one phase asks the classifier to split configurations that
look alike, and the accuracy drops; near the transition the labels follow
the phases and it rises again: the accuracy against T'_c is W-shaped.

Per lattice size, with the classifiers of :mod:`rgml.phases.classifiers`:

* the proposals are the midpoints between neighbouring grid temperatures
  (every distinct labelling of the grid), plus the two trivial ends;
* training and test configurations are split by chunks of Monte Carlo time
  (the same split for every proposal), ``train_samples`` per temperature;
* every temperature is weighted by the width of its grid cell
  (``weighting="spacing"``: a uniform measure in T, as on the evenly spaced
  grids of the paper, so that the points crowded near Tc do not count more
  than the rest of the range) or equally (``"uniform"``), in the training
  loss and in the accuracy;
* the two classes are weighted equally in the training loss
  (``balance=True``).  Without it, a regularised classifier falls back on
  the larger class wherever the phases are hard to split, and the only
  proposal it gets right is the one that splits the grid into halves: the
  peak then sits at the grid's median whatever the physics;
* the middle peak is the highest interior local maximum of the accuracy
  (the arms of the W, rising towards the trivial ends, hold none); its error
  combines the bootstrap spread of that choice (test configurations
  resampled by chain blocks, the trainings kept) with the width of its grid
  cell (σ = width / √12).

At finite L the peak is a pseudo-critical temperature: a classifier that
reads the magnetisation separates the phases best where the |m|
distributions of the two sides part, which is above Tc by ∝ L^{−1/ν}, as
for the output crossings of :mod:`rgml.phases.supervised`.  Tc is the
extrapolation of the peaks in L^{−1} over sizes ≥ ``fss_min_size``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from rgml.params import default
from rgml.backend import array_namespace, to_numpy
from rgml.phases.classifiers import MODELS, ClassifierConfig, train_classifier
from rgml.phases.data import (SizeSamples, block_labels, bootstrap_means, check_bootstrap, collect,
                              config_attrs, config_from_attrs, evenly_spaced, spread, summary_table,
                              time_split)
from rgml.phases.fss import extrapolate
from rgml.rng import Stream, as_stream

WEIGHTINGS = ("uniform", "spacing")


@dataclass(frozen=True)
class ConfusionConfig:
    """Knobs of the confusion scheme (all with defaults).

    Attributes
    ----------
    model:
        ``"logistic"`` or ``"network"``.
    train_samples:
        Training configurations per temperature (None: all in the training chunks).
    holdout, chunks:
        Fraction of the ``chunks`` chunks of Monte Carlo time held out for testing.
    hidden, l2, max_iter:
        :class:`rgml.phases.classifiers.ClassifierConfig`.
    weighting:
        ``"uniform"`` (every temperature counts once) or ``"spacing"`` (by grid-cell width), in the
        training loss and in the accuracy.
    balance:
        Weight the two classes equally in the training loss (see the module docstring).
    blocks, n_boot:
        Chain blocks per temperature and bootstrap replicas.
    fss_min_size:
        Smallest size in the extrapolation of the peaks.
    """

    model: str = default("phases.confusion.model")
    train_samples: int | None = default("phases.confusion.train_samples")
    holdout: float = 0.5
    chunks: int = 10
    hidden: int = 8
    l2: float = default("phases.confusion.l2")
    max_iter: int = 200
    weighting: str = default("phases.confusion.weighting")
    balance: bool = default("phases.confusion.balance")
    blocks: int = default("phases.blocks")
    n_boot: int = default("phases.bootstrap")
    fss_min_size: int = default("phases.fss_min_size")

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"model: use one of {MODELS}, got {self.model!r}")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting: use one of {WEIGHTINGS}, got {self.weighting!r}")
        check_bootstrap(self.n_boot, self.blocks)

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(hidden=self.hidden, l2=self.l2, max_iter=self.max_iter)


def temperature_weights(temperatures: np.ndarray, weighting: str) -> np.ndarray:
    """Weights of the grid temperatures in the accuracy (sum 1): equal, or the width of each grid cell.

    A cell reaches halfway to each neighbour; the end cells are as wide on the outside as on the inside.
    """
    t = np.asarray(temperatures, dtype=np.float64)
    if weighting == "uniform" or t.size < 2:
        return np.full(t.size, 1.0 / t.size)
    if weighting != "spacing":
        raise ValueError(f"weighting: use one of {WEIGHTINGS}, got {weighting!r}")
    mid = 0.5 * (t[1:] + t[:-1])
    edges = np.concatenate([[2 * t[0] - mid[0]], mid, [2 * t[-1] - mid[-1]]])
    width = np.diff(edges)
    return width / width.sum()


def proposals(temperatures: np.ndarray) -> np.ndarray:
    """Proposed critical temperatures: the two ends of the grid's cells and every midpoint between grid points."""
    t = np.asarray(temperatures, dtype=np.float64)
    mid = 0.5 * (t[1:] + t[:-1])
    return np.concatenate([[2 * t[0] - mid[0]], mid, [2 * t[-1] - mid[-1]]])


@dataclass(frozen=True)
class ConfusionResult:
    """Accuracy against the proposed critical temperature, per size (host arrays).

    Attributes
    ----------
    sizes, temperatures:
        ``(n_L,)``, ``(n_T,)``.
    proposal:
        ``(n_T + 1,)`` proposed T'_c (index k: the first k grid temperatures are labelled ordered).
    accuracy, accuracy_err:
        ``(n_L, n_T + 1)`` test accuracy and bootstrap error (1 and 0 at the trivial ends).
    accuracy_replicas:
        ``(n_L, n_boot, n_T + 1)`` the bootstrap replicas behind ``accuracy_err`` (test
        configurations resampled by chain blocks, the trainings kept), the same resample at
        every proposal: paired differences between proposals (is the peak above its
        neighbours?) get their error from these.
    baseline:
        ``(n_T + 1,)`` accuracy of the constant guess.
    peak, peak_err:
        ``(n_L,)`` the middle peak of the W (NaN if the curve has no interior maximum) and its error.
    tc, tc_err, slope, chi2:
        Extrapolation of the peaks, peak(L) = tc + slope / L (error scaled by sqrt(max(1, χ²/dof))).
    train_seconds:
        ``(n_L,)`` wall time of all trainings of a size (not reproducible).
    config:
        The :class:`ConfusionConfig`.
    """

    sizes: np.ndarray
    temperatures: np.ndarray
    proposal: np.ndarray
    accuracy: np.ndarray
    accuracy_err: np.ndarray
    accuracy_replicas: np.ndarray
    baseline: np.ndarray
    peak: np.ndarray
    peak_err: np.ndarray
    tc: float
    tc_err: float
    slope: float
    chi2: float
    train_seconds: np.ndarray
    config: ConfusionConfig

    def to_dataset(self) -> xr.Dataset:
        """Named-dim dataset on (size, proposal)."""
        coords = {
            "size": ("size", self.sizes, {"long_name": "linear lattice size L"}),
            "temperature": ("temperature", self.temperatures, {"units": "J/k_B", "long_name": "grid temperature"}),
            "proposal": ("proposal", self.proposal, {"units": "J/k_B", "long_name": "proposed critical temperature"}),
        }
        data = {
            "accuracy": (("size", "proposal"), self.accuracy, {"long_name": "test accuracy"}),
            "accuracy_err": (("size", "proposal"), self.accuracy_err, {"long_name": "bootstrap error of accuracy"}),
            "accuracy_replicas": (("size", "replica", "proposal"), self.accuracy_replicas,
                                  {"long_name": "bootstrap replicas of accuracy (one resample for all proposals)"}),
            "baseline": ("proposal", self.baseline, {"long_name": "accuracy of the constant guess"}),
            "peak": ("size", self.peak, {"units": "J/k_B", "long_name": "middle peak of the W"}),
            "peak_err": ("size", self.peak_err, {"units": "J/k_B"}),
            "train_seconds": ("size", self.train_seconds, {"units": "s", "long_name": "training wall time"}),
            "tc": ((), self.tc, {"units": "J/k_B", "long_name": "peaks extrapolated to L = infinity"}),
            "tc_err": ((), self.tc_err, {"units": "J/k_B"}),
            "slope": ((), self.slope, {"units": "J/k_B", "long_name": "a in peak(L) = Tc + a / L"}),
            "chi2": ((), self.chi2, {"long_name": "chi2 per degree of freedom of the extrapolation"}),
        }
        return xr.Dataset(data, coords=coords, attrs=config_attrs("confusion", self.config))

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "ConfusionResult":
        names = ("accuracy", "accuracy_err", "accuracy_replicas", "baseline", "peak", "peak_err", "train_seconds")
        return cls(sizes=np.asarray(ds["size"]), temperatures=np.asarray(ds["temperature"]),
                   proposal=np.asarray(ds["proposal"]), config=config_from_attrs(ConfusionConfig, ds.attrs),
                   **{k: np.asarray(ds[k]) for k in names},
                   **{k: float(ds[k]) for k in ("tc", "tc_err", "slope", "chi2")})

    def to_frame(self) -> pd.DataFrame:
        """One row per (L, proposed T'_c): accuracy, error, baseline."""
        L, p = np.meshgrid(self.sizes, self.proposal, indexing="ij")
        return pd.DataFrame({"L": L.ravel(), "T_proposed": p.ravel(), "accuracy": self.accuracy.ravel(),
                             "accuracy_err": self.accuracy_err.ravel(),
                             "baseline": np.broadcast_to(self.baseline, L.shape).ravel()})

    def summary_frame(self) -> pd.DataFrame:
        """Tidy headline numbers (:func:`rgml.phases.data.summary_table`)."""
        m = self.config.model
        rows = []
        for i, L in enumerate(self.sizes):
            rows += [(m, L, "tc_confusion_peak", self.peak[i], self.peak_err[i]),
                     (m, L, "train_seconds", self.train_seconds[i], np.nan)]
        rows += [(m, None, "tc_extrapolated", self.tc, self.tc_err), (m, None, "extrapolation_chi2", self.chi2, np.nan)]
        return summary_table("confusion", rows)


def middle_peak(accuracy: np.ndarray) -> int:
    """Index of the middle peak of a W: the highest interior local maximum (−1 if there is none).

    A proposal is a local maximum when its accuracy is at least that of both
    neighbours; the trivial ends (accuracy 1) count as neighbours, so the
    arms of the W that rise towards them hold no candidate.
    """
    a = np.asarray(accuracy, dtype=np.float64)
    inner = np.arange(1, a.size - 1)
    candidates = inner[(a[inner] >= a[inner - 1]) & (a[inner] >= a[inner + 1])]
    return int(candidates[np.argmax(a[candidates])]) if candidates.size else -1


def _size_confusion(s: SizeSamples, config: ConfusionConfig, weights: np.ndarray, cuts: np.ndarray,
                    stream: Stream) -> dict:
    """Accuracy (and bootstrap replicas) at every proposal for one size; test rows read one temperature at a time."""
    n_t = s.temperatures.size
    splits = [time_split(s.n_samples, stream.child("split", float(t)), holdout=config.holdout, chunks=config.chunks)
              for t in s.temperatures]
    train_rows = [s.flat(t, evenly_spaced(splits[t][0], config.train_samples), dtype=np.float32)
                  for t in range(n_t)]
    xp = array_namespace(train_rows[0])
    x = xp.concatenate(train_rows)
    grid_index = np.concatenate([np.full(r.shape[0], t) for t, r in enumerate(train_rows)])
    del train_rows
    started = time.perf_counter()
    trained = []
    for k in range(1, n_t):
        y = (grid_index < k).astype(np.float64)
        sample_weights = weights[grid_index] * len(grid_index)
        if config.balance:
            sample_weights = np.where(y == 1, 0.5 / sample_weights[y == 1].sum(),
                                      0.5 / sample_weights[y == 0].sum()) * sample_weights * len(y)
        trained.append(train_classifier(x, y, config.model, config.classifier(),
                                        stream=stream.child("init", float(cuts[k])), weights=sample_weights))
    seconds = time.perf_counter() - started
    del x
    collapsed = [float(cuts[k]) for k, clf in enumerate(trained, start=1) if clf.info["collapsed"]]
    if collapsed:
        raise ValueError(
            f"phases.confusion: the {config.model} classifier collapsed onto zero input weights at L = {s.size} "
            f"for the proposals T'c = {', '.join(f'{t:.4g}' for t in collapsed)} (it outputs 1/2 whatever the "
            f"configuration, so its accuracy is noise); lower phases.confusion.l2 (now {config.l2:g}) or use the "
            f"logistic model")
    labels = block_labels(s.n_samples, chains=s.chains, blocks=config.blocks)
    per_t, boot_t = np.ones((n_t + 1, n_t)), np.ones((n_t + 1, config.n_boot, n_t))  # (proposal, [boot,] T)
    for t in range(n_t):
        rows = s.flat(t, splits[t][1], dtype=np.float32)
        # correct: ordered (label 1) for proposals k > t, i.e. the first k grid points below T'_c
        correct = xp.stack([(clf.predict(rows) >= 0.5) == (t < k) for k, clf in enumerate(trained, start=1)], axis=1)
        mean, boot = bootstrap_means(to_numpy(correct), labels[splits[t][1]],
                                     stream.child("bootstrap", float(s.temperatures[t])), config.n_boot)
        per_t[1:n_t, t], boot_t[1:n_t, :, t] = mean, boot.T
    accuracy, replicas = per_t @ weights, (boot_t @ weights).T
    accuracy[[0, -1]] = replicas[:, [0, -1]] = 1.0  # every label the same: trivially right
    return {"accuracy": accuracy, "replicas": replicas, "seconds": seconds}


def _peak_temperature(cuts: np.ndarray, accuracy: np.ndarray) -> float:
    k = middle_peak(accuracy)
    return float(cuts[k]) if k >= 0 else np.nan


def _cell_sigma(cuts: np.ndarray, peak: float) -> float:
    """Standard deviation of a uniform distribution over the grid cell of a proposal (halfway to its neighbours)."""
    if not np.isfinite(peak):
        return np.nan
    k = int(np.argmin(np.abs(cuts - peak)))
    return float((cuts[min(k + 1, cuts.size - 1)] - cuts[max(k - 1, 0)]) / 2 / np.sqrt(12.0))


def confusion_phases(samples, config: ConfusionConfig = ConfusionConfig(), *, seed: int | Stream,
                     log: Callable[[str], None] | None = None) -> ConfusionResult:
    """The confusion W at every size, its middle peak and the peaks' extrapolation in L.

    Parameters
    ----------
    samples:
        Sample stores or :class:`rgml.phases.data.SizeSamples`, one per size (one temperature grid).
    config:
        :class:`ConfusionConfig`.
    seed:
        Root seed or stream; keyed ``("phases", "confusion")``, then per size, proposal and temperature.
    log:
        Optional progress callback.
    """
    data = collect(samples)
    root = as_stream(seed, "phases", "confusion")
    sizes = np.array(list(data), dtype=np.int64)
    temps = next(iter(data.values())).temperatures
    if temps.size < 3:
        raise ValueError(f"the grid needs at least 3 temperatures for a confusion curve, got {temps.size}")
    weights = temperature_weights(temps, config.weighting)
    cuts = proposals(temps)
    share = np.cumsum(np.concatenate([[0.0], weights]))  # weight labelled ordered at each proposal
    baseline = np.maximum(share, 1.0 - share)
    accuracy, replicas, errors, peak, peak_err, seconds = [], [], [], [], [], []
    for L, s in data.items():
        out = _size_confusion(s, config, weights, cuts, root.child(int(L)))
        accuracy.append(out["accuracy"])
        replicas.append(out["replicas"])
        errors.append(spread(out["replicas"]))
        peak.append(_peak_temperature(cuts, out["accuracy"]))
        boot = np.array([_peak_temperature(cuts, r) for r in out["replicas"]])
        peak_err.append(float(np.hypot(np.nan_to_num(spread(boot)), _cell_sigma(cuts, peak[-1]))))
        seconds.append(out["seconds"])
        if log:
            log(f"confusion L={L}: peak at T'c = {peak[-1]:.4f} ± {peak_err[-1]:.4f} ({seconds[-1]:.1f} s)")
    peak, peak_err = np.array(peak), np.array(peak_err)
    use = sizes >= config.fss_min_size
    line = extrapolate(sizes[use], peak[use], errors=peak_err[use])
    tc_err = line.tc_err * np.sqrt(max(1.0, np.nan_to_num(line.chi2, nan=1.0)))
    if log:
        log(f"confusion: peaks extrapolate to Tc = {line.tc:.4f} ± {tc_err:.4f} (chi2/dof {line.chi2:.2f})")
    return ConfusionResult(sizes=sizes, temperatures=temps.copy(), proposal=cuts, accuracy=np.stack(accuracy),
                           accuracy_err=np.stack(errors), accuracy_replicas=np.stack(replicas), baseline=baseline,
                           peak=peak, peak_err=peak_err, tc=line.tc, tc_err=float(tc_err), slope=line.slope,
                           chi2=line.chi2, train_seconds=np.array(seconds), config=config)
