"""Learn RSMI filters by maximising a lower bound on I(H:E).

The filters λ of the coarse variable (:mod:`rgml.rsmi.coarse`) and a critic
on the environment (:mod:`rgml.rsmi.critic`) are trained together by Adam
ascent on a variational bound (:mod:`rgml.rsmi.estimators`) over minibatches
of (V, E) pairs.  Each filter's Euclidean norm is held fixed, or annealed
geometrically upward, while its direction is learned: the optimal *shape* of
a filter depends on its norm (DESIGN.md §5), so shapes are compared at a
given norm and deterministic optima are reached by annealing.  The filter
learning rate follows a cosine decay to ``lr_floor`` of its initial value,
which settles the shape without freezing it during annealing.  Then the
filters are frozen, the critic alone is polished with a learning rate
decaying to zero, and the bound is evaluated on held-out configurations
(training averages overestimate it).

With ``restarts`` > 1 several initialisations each take a short probe and
the best on training rows goes on (:class:`FitConfig`): the ascent is not
convex, and below a transition with several degenerate ordered states one
start can settle on a saddle.

Global spin flips (V, E) → (−V, −E) are added to every set when
``flip_augment`` is on, so both ordered sectors are seen below Tc.

Everything random comes from the :class:`rgml.rng.Stream` passed in (its
children ``"split"``, ``"filters"``, ``"critic"``, ``"batches"``), so a fit is
a deterministic function of its inputs.  Arrays stay on the namespace of the
input spins; the result holds host copies.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import xarray as xr
import yaml

from rgml.backend import array_namespace, to_numpy
from rgml.layout import Layout
from rgml.params import default
from rgml.rng import Stream, as_stream
from rgml.rsmi.adam import Adam
from rgml.rsmi.coarse import hidden_log_probs, hidden_states, preactivation
from rgml.rsmi.critic import CRITIC_PARAMS, cast_critic, critic_backward, critic_forward, init_critic
from rgml.rsmi.estimators import check_estimator, filter_gradient, objective
from rgml.rsmi.calibration import calibrate, scaled_critic
from rgml.rsmi.evaluation import Pairs, StreamedPairs, evaluate, set_scores
from rgml.rsmi.measures import boundaryness, filter_uniformity
from rgml.rsmi.partition import Geometry, block_positions, extract, split_configurations
from rgml.streaming import ConfigurationSet

#: Held-out configurations used for the history curve (the final estimate uses all).
_MONITOR_CONFIGS = 2000

#: Types of the critic's training passes (:attr:`FitConfig.critic_dtype`).
CRITIC_DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters of one RSMI fit (all keyword, all with defaults).

    ``n_hidden``, ``estimator``, ``steps`` and ``norm_start`` default to the
    configuration keys ``rsmi.n_hidden``, ``rsmi.estimator``, ``rsmi.steps``
    and ``rsmi.norm`` (:mod:`rgml.params`).

    Attributes
    ----------
    n_hidden:
        Binary hidden units per block (1..8).
    estimator:
        ``"infonce"`` or ``"ba"`` (:mod:`rgml.rsmi.estimators`).
    critic_width:
        Hidden width of the critic network.
    steps:
        Joint (filters + critic) Adam steps.
    polish_steps:
        Critic-only steps with frozen filters before the held-out evaluation,
        learning rate decaying linearly to zero.
    batch_size:
        (V, E) rows per step; also the contrastive batch of InfoNCE.
    lr_filters, lr_critic:
        Initial Adam learning rates.
    lr_floor:
        Final fraction of ``lr_filters`` after its cosine decay over the joint
        steps.
    norm_start, norm_stop:
        Each filter's Euclidean norm |λ_j| (how deterministic the rule is) at
        the first and last joint step, interpolated geometrically;
        ``norm_stop=None`` holds it at ``norm_start``.  Only the direction of
        λ is learned.
    learn_filters:
        False trains only the critic with the given filters held fixed
        (an estimate of I(H:E) for a chosen rule).
    flip_augment:
        Add the global spin flip of every configuration.
    holdout:
        Fraction of configurations held out (split by configuration).
    stride:
        Spacing of block positions on the lattice (default: the block size).
    eval_every:
        Steps between history records.
    restarts:
        Filter (and critic) initialisations tried.  Each takes the first
        ``probe_steps`` joint steps; the one with the highest training bound
        over the last quarter of them goes on, the others are dropped.  Below
        a transition with several degenerate ordered states, an ascent from
        one random start can settle on a saddle that tells only some of the
        states apart (dimers at T = 0.3 and 0.4, L = 32: 1.5 of the 2 bits,
        1.039 nats instead of 1.385, from about half of the starts); restarts make that rare at
        the cost of ``(restarts − 1) · probe_steps`` extra steps.  On those dimers
        a probe of 30 steps already separates the trapped starts (bound ≈ 1.01
        against 1.15–1.35 nats) from the rest.  Selection
        sees training rows only, so the held-out estimate stays unbiased.
        Ignored with ``learn_filters=False`` (the filters are given).
    probe_steps:
        Joint steps of each initialisation before the choice (restarts > 1).
    calibrate:
        After the polish, multiply the critic's scores, and its hidden layer's
        pre-activations, by the scales that maximise the bound on as many
        training configurations as are held out (:mod:`rgml.rsmi.calibration`),
        so that a critic Adam left short of saturation, where E tells h almost
        for certain, does not bias the held-out bound low.  Costs one pass of
        the critic's first layer over those rows.
    critic_dtype:
        ``"float32"`` or ``"float64"``: the type of the critic's forward and
        backward passes over each training minibatch.  Adam keeps float64
        master parameters and takes float64 gradients either way, and every
        bound that is reported (the history, the training and held-out
        estimates, the calibration) is evaluated in float64.  The critic's
        ``tanh`` and matrix products dominate a fit; in float32 they are 2–4×
        cheaper, and a whole fit runs 1.2–1.9× faster.  On the default sweep
        no reported bound moved by more than 1.1e-7 nats and no filter weight
        by more than 7e-7, except the small bounds of the naive dimer rules
        at T = ∞ and T = 1 (BENCHMARKS.md, "RSMI fit").
    """

    n_hidden: int = default("rsmi.n_hidden")
    estimator: str = default("rsmi.estimator")
    critic_width: int = 32
    steps: int = default("rsmi.steps")
    polish_steps: int = 500
    batch_size: int = 2048
    lr_filters: float = 0.02
    lr_critic: float = 0.005
    lr_floor: float = 0.05
    norm_start: float = default("rsmi.norm")
    norm_stop: float | None = None
    learn_filters: bool = True
    flip_augment: bool = True
    holdout: float = 0.2
    stride: int | None = None
    eval_every: int = 100
    restarts: int = 1
    probe_steps: int = 50
    calibrate: bool = False
    critic_dtype: str = "float32"

    def __post_init__(self):
        check_estimator(self.estimator)
        if self.critic_dtype not in CRITIC_DTYPES:
            raise ValueError(f"critic_dtype: choose from {CRITIC_DTYPES}, got {self.critic_dtype!r}")
        if not 1 <= self.n_hidden <= 8:
            raise ValueError(f"n_hidden must lie in 1..8, got {self.n_hidden}")
        if self.steps < 0 or self.polish_steps < 0 or self.batch_size < 2 or self.eval_every < 1:
            raise ValueError(
                "need steps ≥ 0, polish_steps ≥ 0, batch_size ≥ 2 and eval_every ≥ 1, got "
                f"{self.steps}, {self.polish_steps}, {self.batch_size}, {self.eval_every}"
            )
        if not self.norm_start > 0 or (self.norm_stop is not None and not self.norm_stop > 0):
            raise ValueError(f"filter norms must be > 0, got {self.norm_start} → {self.norm_stop}")
        if not 0.0 <= self.lr_floor <= 1.0:
            raise ValueError(f"lr_floor is a fraction in [0, 1], got {self.lr_floor}")
        if self.restarts < 1 or (self.restarts > 1 and not 1 <= self.probe_steps <= self.steps):
            raise ValueError(f"need restarts ≥ 1 and, with restarts > 1, 1 ≤ probe_steps ≤ steps; got restarts "
                             f"{self.restarts}, probe_steps {self.probe_steps}, steps {self.steps}")

    def filter_lr_scale(self, step: int) -> float:
        """Cosine decay of the filter learning rate from 1 to ``lr_floor``."""
        frac = step / max(self.steps - 1, 1)
        return self.lr_floor + (1.0 - self.lr_floor) * 0.5 * (1.0 + np.cos(np.pi * frac))

    def filter_norm(self, step: int) -> float:
        """|λ_j| after joint step ``step`` (0-based)."""
        if self.norm_stop is None or self.steps <= 1:
            return self.norm_start if self.norm_stop is None else self.norm_stop
        frac = min(step / (self.steps - 1), 1.0)
        return float(self.norm_start * (self.norm_stop / self.norm_start) ** frac)

    def as_attrs(self) -> dict:
        """Plain-dict form for store attributes."""
        return asdict(self)


@dataclass(frozen=True)
class FitResult:
    """Outcome of a fit (host NumPy arrays).

    Attributes
    ----------
    filters:
        ``(n_hidden, *block_shape)`` learned (or fixed) λ.
    mi, mi_err:
        Held-out bound on I(H:E) and its standard error, nats.
    train_mi:
        The same bound on as many training configurations as are held out
        (biased high by overfitting; a diagnostic).
    history:
        ``step``, ``train_mi`` (mean minibatch bound since the last record),
        ``heldout_mi`` (on the first 2000 held-out configurations),
        ``filter_norm`` ``(records, n_hidden)`` and ``filters``
        ``(records, n_hidden, *block_shape)``.
    estimator:
        Name of the bound.
    config:
        The :class:`FitConfig` used.
    geometry:
        The partition, when the fit cut V and E itself (:func:`fit`).
    critic:
        Trained critic parameters (:mod:`rgml.rsmi.critic`).
    n_train, n_heldout:
        Configurations in each set.
    size, temperature:
        Lattice side and temperature of the configurations, where known.
    probe_mi, restart:
        With ``config.restarts > 1``: each initialisation's training bound at
        the end of its probe (``(restarts,)``, nats) and the index of the one
        kept; empty and 0 otherwise.
    critic_scale, critic_hidden_scale:
        The factors β and γ the critic's scores and its hidden layer's
        pre-activations were multiplied by before the held-out evaluation
        (``config.calibrate``, :func:`rgml.rsmi.calibration.calibrate`; 1
        otherwise); ``critic`` holds the scaled critic.
    """

    filters: np.ndarray
    mi: float
    mi_err: float
    train_mi: float
    history: dict
    estimator: str
    config: FitConfig
    geometry: Geometry | None = None
    critic: dict = field(default_factory=dict)
    n_train: int = 0
    n_heldout: int = 0
    size: int | None = None
    temperature: float | None = None
    probe_mi: np.ndarray = field(default_factory=lambda: np.empty(0))
    restart: int = 0
    critic_scale: float = 1.0
    critic_hidden_scale: float = 1.0

    def to_dataset(self) -> xr.Dataset:
        """The fit as the RSMI fit store's dataset (:data:`RSMI_FIT`)."""
        if self.geometry is None:
            raise ValueError("to_dataset: the fit has no geometry (made by fit_pairs); use rgml.rsmi.fit")
        h = self.history
        filters = self.filters
        t = np.nan if self.temperature is None else float(self.temperature)
        ds = xr.Dataset(
            {
                "lambda": (("hidden", "vy", "vx"), filters, {"long_name": "filter: P(h=+1|V) = sigmoid(2 lambda.V)"}),
                "mi": ((), self.mi, {"long_name": "held-out lower bound on I(H:E)", "units": "nats"}),
                "mi_err": ((), self.mi_err, {"long_name": "standard error of mi", "units": "nats"}),
                "train_mi": ((), self.train_mi, {"long_name": "the bound on training configurations",
                                                 "units": "nats"}),
                "filter_uniformity": (("hidden",), filter_uniformity(filters),
                                      {"long_name": "|cos| of the filter with the uniform filter"}),
                "boundaryness": (("hidden",), boundaryness(filters),
                                 {"long_name": "mean |lambda| on the block boundary / in the interior (1: uniform)"}),
                "history_step": (("record",), h["step"], {"long_name": "optimizer step"}),
                "history_train_mi": (("record",), h["train_mi"], {"units": "nats",
                                                                  "long_name": "minibatch bound since last record"}),
                "history_heldout_mi": (("record",), h["heldout_mi"], {"units": "nats",
                                                                      "long_name": "held-out bound (monitor set)"}),
                "history_filter_norm": (("record", "hidden"), h["filter_norm"], {"long_name": "|lambda|"}),
                "history_lambda": (("record", "hidden", "vy", "vx"), h["filters"], {"long_name": "filters"}),
            },
            coords={"temperature": ((), t, {"units": "J/k_B"})},
        )
        if self.probe_mi.size:
            ds["probe_mi"] = (("restart",), self.probe_mi,
                              {"units": "nats", "long_name": "training bound of each initialisation after its probe"})
            ds.attrs["restart"] = self.restart
        ds.attrs.update({
            "size": -1 if self.size is None else int(self.size), "block": self.geometry.block,
            "buffer": self.geometry.buffer, "environment": self.geometry.env, "estimator": self.estimator,
            "n_hidden": self.config.n_hidden, "n_train": self.n_train, "n_heldout": self.n_heldout,
            "fit_config": yaml.safe_dump(self.config.as_attrs(), sort_keys=False),
            "critic_scale": float(self.critic_scale), "critic_hidden_scale": float(self.critic_hidden_scale),
        })
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "FitResult":
        """The fit of an RSMI fit dataset (the critic is not stored)."""
        config = (FitConfig(**yaml.safe_load(ds.attrs["fit_config"])) if "fit_config" in ds.attrs
                  else FitConfig(n_hidden=int(ds.attrs["n_hidden"]), estimator=ds.attrs["estimator"]))
        filters = np.asarray(ds["lambda"].values, np.float64)
        size = int(ds.attrs["size"])
        t = float(ds["temperature"].values)
        return cls(
            filters=filters, mi=float(ds["mi"]), mi_err=float(ds["mi_err"]), train_mi=float(ds["train_mi"]),
            history={"step": ds["history_step"].values, "train_mi": ds["history_train_mi"].values,
                     "heldout_mi": ds["history_heldout_mi"].values,
                     "filter_norm": ds["history_filter_norm"].values, "filters": ds["history_lambda"].values},
            estimator=ds.attrs["estimator"], config=config,
            geometry=Geometry(int(ds.attrs["block"]), int(ds.attrs["buffer"]), ds.attrs["environment"],
                              dim=filters.ndim - 1),
            n_train=int(ds.attrs.get("n_train", 0)), n_heldout=int(ds.attrs.get("n_heldout", 0)),
            size=None if size < 0 else size, temperature=None if np.isnan(t) else t,
            probe_mi=ds["probe_mi"].values if "probe_mi" in ds else np.empty(0), restart=int(ds.attrs.get("restart", 0)),
            critic_scale=float(ds.attrs.get("critic_scale", 1.0)),
            critic_hidden_scale=float(ds.attrs.get("critic_hidden_scale", 1.0)),
        )


RSMI_FIT = Layout(
    "RSMI fit store (rgml rsmi fit)",
    {
        "lambda": (("hidden", "vy", "vx"), np.float64),
        "mi": ((), np.float64),
        "mi_err": ((), np.float64),
        "train_mi": ((), np.float64),
        "filter_uniformity": (("hidden",), np.float64),
        "boundaryness": (("hidden",), np.float64),
        "history_step": (("record",), np.int64),
        "history_lambda": (("record", "hidden", "vy", "vx"), np.float64),
    },
    attrs=("size", "block", "buffer", "environment", "estimator", "n_hidden"),
    finite=("lambda", "mi", "mi_err"),
)


def _set_norm(filters, norm: float) -> None:
    """Scale rows of ``filters`` in place to Euclidean norm ``norm``."""
    xp = array_namespace(filters)
    lengths = xp.sqrt((filters * filters).sum(axis=1, keepdims=True))
    if bool((lengths == 0).any()):
        raise ValueError("a filter has collapsed to zero; lower lr_filters")
    filters *= norm / lengths


def fit_pairs(
    train: tuple,
    heldout: tuple,
    config: FitConfig | None = None,
    *,
    seed: int | Stream,
    block_shape: tuple[int, ...],
    init_filters=None,
) -> FitResult:
    """Fit filters on prepared (V, E) pairs.

    Parameters
    ----------
    train, heldout:
        ``(visible, environment)`` ±1 arrays of shape
        ``(configurations, positions, n_V)`` / ``(configurations, positions, n_E)``
        (or ``(rows, sites)``, one row per configuration), NumPy or CuPy,
        e.g. from :func:`rgml.rsmi.partition.extract`; or
        :class:`rgml.rsmi.evaluation.StreamedPairs` cut group by group from
        configurations read from a store (then ``flip_augment`` is theirs).
    config:
        Hyper-parameters (default :class:`FitConfig`).
    seed:
        Random stream (or int root seed) for initialisation and minibatches.
    block_shape:
        Shape of one filter, e.g. ``(2, 2)``; ``prod(block_shape) = n_V``.
    init_filters:
        Optional ``(n_hidden, *block_shape)`` starting filters (rescaled to
        ``norm_start``) or, with ``learn_filters=False``, the fixed filters
        used as given.

    Returns
    -------
    :class:`FitResult` (``geometry`` unset).

    Notes
    -----
    BLAS runs on one thread during the fit where ``threadpoolctl`` is
    installed: the matrices are a minibatch by a few dozen, and multithreaded
    OpenBLAS is then slower than one thread — by 10–100× on cores shared with
    other jobs.
    """
    with _one_blas_thread():
        return _fit_pairs(train, heldout, as_stream(seed, "rsmi-pairs"), config or FitConfig(),
                          block_shape=block_shape, init_filters=init_filters)


def _one_blas_thread():
    """Limit BLAS to one thread where threadpoolctl is installed (else do nothing)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _pair_set(rows, flip: bool) -> Pairs | StreamedPairs:
    return rows if isinstance(rows, StreamedPairs) else Pairs(*rows, flip=flip)


class _Run:
    """One initialisation of filters and critic with its optimisers, minibatch streams and history.

    Restart 0 draws from the fit's own children (``"filters"``, ``"critic"``,
    ``"batches"``, ``"groups"``), so a fit with one restart is the fit without
    restarts; restart k > 0 from the same children keyed by k as well.
    """

    def __init__(self, k: int, data, stream: Stream, config: FitConfig, states, n_visible: int, init_filters):
        xp = data.xp
        key = () if k == 0 else (k,)
        if init_filters is None:
            filters = stream.child("filters", *key).normal((config.n_hidden, n_visible), xp)
        else:
            filters = xp.asarray(init_filters, dtype=xp.float64).reshape(config.n_hidden, n_visible).copy()
        if config.learn_filters:
            _set_norm(filters, config.filter_norm(0))
        self.filters = filters
        self.critic = init_critic(data.n_environment, len(states), config.critic_width,
                                  stream.child("critic", *key), xp)
        self.critic_opt = Adam(self.critic, {k: config.lr_critic for k in CRITIC_PARAMS})
        self.filter_params = {"filters": filters}
        self.filter_opt = Adam(self.filter_params, {"filters": config.lr_filters})
        self.batches = stream.child("batches", *key)
        self.resident = data.schedule(config.batch_size, stream.child("groups", *key))
        self.history = {k: [] for k in ("step", "train_mi", "heldout_mi", "filter_norm", "filters")}
        self.values: list[float] = []  # minibatch bound of every step
        self.recorded = 0

    def step(self, step: int, config: FitConfig, states, monitor, block_shape) -> None:
        """Joint step ``step`` (filters and critic), or a critic-only polish step after ``config.steps``."""
        xp = array_namespace(self.filters)
        rows = next(self.resident)
        index = self.batches.bits(config.batch_size, xp) % xp.uint64(rows.n_rows)
        work = getattr(xp, config.critic_dtype)
        visible, environment = rows.rows(index.astype(xp.int64), work)
        a = preactivation(visible, self.filters)
        log_q = hidden_log_probs(a, states)
        critic = cast_critic(self.critic, work)
        scores, hidden = critic_forward(critic, environment)
        value, grad_log_q, grad_scores = objective(config.estimator, log_q, scores.astype(xp.float64, copy=False))
        self.values.append(value)
        grad_scores = grad_scores.astype(work, copy=False)
        critic_grad = cast_critic(critic_backward(critic, environment, hidden, grad_scores), xp.float64)
        if step < config.steps:
            self.critic_opt.ascend(self.critic, critic_grad)
            if config.learn_filters:
                grad = {"filters": filter_gradient(grad_log_q, a, states, visible)}
                self.filter_opt.ascend(self.filter_params, grad, scale=config.filter_lr_scale(step))
                _set_norm(self.filters, config.filter_norm(step))
        else:
            decay = 1.0 - (step - config.steps) / config.polish_steps
            self.critic_opt.ascend(self.critic, critic_grad, scale=decay)
        total = config.steps + config.polish_steps
        if (step + 1) % config.eval_every == 0 or step + 1 == total:
            h, f = self.history, self.filters
            h["step"].append(step + 1)
            h["train_mi"].append(float(np.mean(self.values[self.recorded:])))
            h["heldout_mi"].append(evaluate(f, self.critic, monitor, config.estimator)[0])
            h["filter_norm"].append(to_numpy(xp.sqrt((f * f).sum(axis=1))))
            h["filters"].append(to_numpy(f).reshape(config.n_hidden, *block_shape).copy())
            self.recorded = len(self.values)

    def probe_score(self) -> float:
        """Mean minibatch bound over the last quarter of the steps taken (training rows only)."""
        tail = max(1, len(self.values) // 4)
        return float(np.mean(self.values[-tail:]))


def _fit_pairs(train, heldout, stream: Stream, config: FitConfig, *, block_shape, init_filters) -> FitResult:
    data, test = _pair_set(train, config.flip_augment), _pair_set(heldout, config.flip_augment)
    xp = data.xp
    n_visible = int(np.prod(block_shape))
    if data.n_visible != n_visible or test.n_visible != n_visible:
        raise ValueError(
            f"visible rows have {data.n_visible} sites but block_shape {block_shape} has {n_visible}"
        )
    if test.n_environment != data.n_environment:
        raise ValueError("training and held-out environments differ in size")
    if init_filters is None and not config.learn_filters:
        raise ValueError("learn_filters=False needs init_filters (the rule to evaluate)")
    restarts = config.restarts if config.learn_filters else 1  # fixed filters: nothing to restart
    if restarts > 1 and init_filters is not None:
        raise ValueError("restarts > 1 draws the starting filters at random; give no init_filters (or restarts=1)")
    states = hidden_states(config.n_hidden, xp)
    monitor = test.head(_MONITOR_CONFIGS)
    runs = [_Run(k, data, stream, config, states, n_visible, init_filters) for k in range(restarts)]
    probe = config.probe_steps if restarts > 1 else 0
    for run in runs:
        for step in range(probe):
            run.step(step, config, states, monitor, block_shape)
    probe_mi = np.array([run.probe_score() for run in runs]) if probe else np.empty(0)
    chosen = int(np.argmax(probe_mi)) if probe else 0
    run = runs[chosen]
    del runs
    for step in range(probe, config.steps + config.polish_steps):
        run.step(step, config, states, monitor, block_shape)

    filters, critic = run.filters, run.critic
    train_rows = data.head(test.n_config)
    if config.calibrate:  # on training rows only: the held-out bound stays honest
        scales = calibrate(config.estimator, *set_scores(filters, critic, train_rows, hidden=True), critic)
        critic = scaled_critic(critic, scales.scale, scales.hidden_scale)
        scale, hidden_scale, train_mi = scales.scale, scales.hidden_scale, scales.value
    else:
        scale = hidden_scale = 1.0
        train_mi = evaluate(filters, critic, train_rows, config.estimator)[0]
    mi, mi_err = evaluate(filters, critic, test, config.estimator)
    return FitResult(
        filters=to_numpy(filters).reshape(config.n_hidden, *block_shape).copy(),
        mi=mi,
        mi_err=mi_err,
        train_mi=train_mi,
        history={k: np.asarray(v) for k, v in run.history.items()},
        estimator=config.estimator,
        config=config,
        critic={k: to_numpy(v).copy() for k, v in critic.items()},
        n_train=data.n_config,
        n_heldout=test.n_config,
        probe_mi=probe_mi,
        restart=chosen,
        critic_scale=scale,
        critic_hidden_scale=hidden_scale,
    )


def fit_stream(seed: int | Stream, size: int, temperature: float | None, geometry: Geometry,
               config: FitConfig) -> Stream:
    """The stream of a fit: keyed (seed, "rsmi", L, T, block, buffer, environment, n_hidden, estimator)."""
    t = () if temperature is None else (float(temperature),)
    return as_stream(seed, "rsmi", size, *t, geometry.block, geometry.buffer,
                     -1 if geometry.env is None else geometry.env, config.n_hidden, config.estimator)


def configurations(samples, temperature: float | None = None):
    """±1 configurations ``(samples, L, L)`` and their temperature from an array, set or xarray object.

    ``samples``: a NumPy/CuPy array, a :class:`rgml.streaming.ConfigurationSet`,
    an :class:`xarray.DataArray` of spins, or a sample-set Dataset with one
    temperature selected (``ds.sel(temperature=T)``), whose temperature
    coordinate is used when ``temperature`` is not given.
    """
    if isinstance(samples, xr.Dataset):
        samples = samples["spins"]
    if isinstance(samples, xr.DataArray):
        if "temperature" in samples.dims:
            if samples.sizes["temperature"] != 1:
                raise ValueError("samples: select one temperature first, e.g. ds.sel(temperature=T, method='nearest')")
            samples = samples.isel(temperature=0)
        if temperature is None and "temperature" in samples.coords:
            temperature = float(samples["temperature"].values)
        samples = samples.values
    return samples, temperature


def fit(
    spins, geometry: Geometry | None = None, config: FitConfig | None = None, *, seed: int | Stream,
    temperature: float | None = None, init_filters=None, block: int | None = None, buffer: int | None = None,
    environment: int | None = None, **knobs,
) -> FitResult:
    """Learn RSMI filters from configurations.

    Parameters
    ----------
    spins:
        ±1 ``int8`` configurations ``(samples, L, L)`` or ``(samples, N)``
        (NumPy or CuPy), in sampling order; a sample set with one temperature
        selected (xarray); or a :class:`rgml.streaming.ConfigurationSet` read
        from a store group by group, of which training keeps one group of
        (V, E) rows resident at a time
        (:meth:`rgml.rsmi.evaluation.StreamedPairs.schedule`).
    geometry:
        Block, buffer and environment (:class:`rgml.rsmi.partition.Geometry`),
        or give ``block``, ``buffer``, ``environment`` (defaults: the config's
        ``rsmi.block``, ``rsmi.buffer``, ``rsmi.environment``; 2D).
    config:
        Hyper-parameters (:class:`FitConfig`); ``knobs`` replace its fields
        (``steps=500``).
    seed:
        Root seed (int) or :class:`rgml.rng.Stream`; with an int the stream is
        keyed by L, T and the fit's geometry and estimator as the workflow
        keys it (:func:`fit_stream`), so the result equals its store.
    temperature:
        Temperature of the configurations (read from an xarray input).
    init_filters:
        As in :func:`fit_pairs`.

    Returns
    -------
    :class:`FitResult` with filters ``(n_hidden, *geometry.block_shape)``,
    held-out MI ± error in nats, and the training history.
    """
    spins, temperature = configurations(spins, temperature)
    if geometry is None:
        geometry = Geometry(block=default("rsmi.block") if block is None else block,
                            buffer=default("rsmi.buffer") if buffer is None else buffer,
                            env=default("rsmi.environment") if environment is None else environment)
    elif (block, buffer, environment) != (None, None, None):
        raise TypeError("fit: give either geometry or block/buffer/environment, not both")
    config = replace(config or FitConfig(), **knobs)
    size = spins.head(1).shape[-1] if isinstance(spins, ConfigurationSet) else spins.shape[-1]
    stream = fit_stream(seed, size, temperature, geometry, config)
    result = fit_with_stream(spins, geometry, stream, config, init_filters=init_filters)
    return replace(result, size=size, temperature=temperature)


def fit_with_stream(spins, geometry: Geometry, stream: Stream, config: FitConfig, *, init_filters=None) -> FitResult:
    """:func:`fit` on configurations (array or set) drawing from ``stream`` itself (no keying)."""
    train, heldout = split_pairs(spins, geometry, stream, config)
    result = fit_pairs(train, heldout, config, seed=stream, block_shape=geometry.block_shape,
                       init_filters=init_filters)
    return replace(result, geometry=geometry)


def split_pairs(spins, geometry: Geometry, stream: Stream, config: FitConfig) -> tuple:
    """The training and held-out (V, E) rows :func:`fit_with_stream` fits on: ``(train, heldout)``.

    Configurations are split by ``stream.child("split")``
    (:func:`rgml.rsmi.partition.split_configurations`) and cut at the block
    positions of ``config.stride``: for an array, ``(visible, environment)``
    arrays as :func:`rgml.rsmi.partition.extract` returns them, cut from each
    side of the split alone (never the whole set, then copied); for a
    :class:`rgml.streaming.ConfigurationSet`, :class:`StreamedPairs`.  Fits
    of several fixed rules on one set share them
    (:func:`rgml.dimers.reference_information`).
    """
    if isinstance(spins, ConfigurationSet) and spins.resident:
        spins = next(spins.groups())
    n_samples = spins.n if isinstance(spins, ConfigurationSet) else spins.shape[0]
    train_idx, held_idx = split_indices(n_samples, stream, config)
    size = spins.head(1).shape[-1] if isinstance(spins, ConfigurationSet) else spins.shape[-1]
    positions = block_positions(size, geometry, stride=config.stride)
    if isinstance(spins, ConfigurationSet):
        def cut(lattices):
            return extract(lattices, geometry, positions)

        return (StreamedPairs(spins.subset(train_idx), cut, flip=config.flip_augment),
                StreamedPairs(spins.subset(held_idx), cut, flip=config.flip_augment))
    xp = array_namespace(spins)
    return (extract(spins[xp.asarray(train_idx)], geometry, positions),
            extract(spins[xp.asarray(held_idx)], geometry, positions))


def split_indices(n_samples: int, stream: Stream, config: FitConfig) -> tuple[np.ndarray, np.ndarray]:
    """Training and held-out configuration indices of a fit drawing from ``stream`` (:func:`split_pairs`)."""
    return split_configurations(n_samples, stream.child("split"), holdout=config.holdout)
