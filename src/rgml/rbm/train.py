"""Training an RBM by contrastive divergence (CD-k) or persistent CD (PCD-k).

The log-likelihood gradient of an RBM (0/1 units, :mod:`rgml.rbm.model`) is

    ∂⟨ln P(v)⟩_data / ∂W = ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model

(Hinton, Neural Comput. 14, 1771 (2002)).  The data term uses the exact
conditional means P(h|v) of each minibatch; the model term comes from k Gibbs
sweeps started at the minibatch (CD-k) or from persistent chains carried
across updates (PCD-k, Tieleman, ICML 2008).  The update with momentum μ,
learning rate ε and penalties ½λ₂|W|² + λ₁|W|₁ on the weights is

    Δ ← μ Δ + ε (∇ − λ₂ W − λ₁ sign W),      W ← W + Δ,

and likewise for the biases without penalties (Hinton, *A Practical Guide to
Training RBMs*, UTML TR 2010-003).  Minibatches are a fresh permutation of
the training set every epoch.  Optionally the step is taken in the centred
parametrisation (``TrainConfig.centering``, Melchior, Fischer & Wiskott,
JMLR 17, 1 (2016)).

Reproducibility: every random draw of training comes from one
:class:`rgml.rng.Stream`, in a fixed order (permutation, then per batch the
chain's visible and hidden draws).  The whole trainer is a function of
:class:`TrainState` — parameters, velocities, persistent chains, epoch count,
stream ``(key, counter)``, centring offsets and history — so stopping after
any epoch and resuming from the state (or from its plain-array form,
:meth:`TrainState.to_dict` / :meth:`TrainState.from_dict`, for checkpoints
on disk) gives bitwise the same result as an uninterrupted run
(``tests/test_rbm_train.py``).

Evaluation after each epoch does not touch the training stream: the held-out
and training log-likelihood use exact ln Z (smaller layer enumerated) or AIS
on a stream derived from the training key and the epoch; the reconstruction
error is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Callable

import numpy as np

from rgml.backend import array_namespace, to_numpy
from rgml.rbm.kernels import bernoulli, momentum_step_
from rgml.rbm.numerics import sigmoid
from rgml.rbm.likelihood import MAX_EXACT_UNITS, LogPartition, estimate_log_partition, mean_log_likelihood
from rgml.rbm.model import RBM, clipped_logit
from rgml.params import default
from rgml.rng import Stream, as_stream
from rgml.streaming import ConfigurationSet

METHODS = ("pcd", "cd")
LR_SCHEDULES = ("constant", "linear", "exponential")
LOGZ_OPTIONS = ("auto", "exact", "ais", "none")
VISIBLE_BIAS_INITS = ("data", "zero")
DTYPES = ("float64", "float32")

#: Per-epoch quantities recorded in :attr:`TrainResult.history` (arrays over epochs).
HISTORY_KEYS = (
    "learning_rate",
    "log_z",
    "log_z_err",
    "train_loglik",
    "train_loglik_err",
    "test_loglik",
    "test_loglik_err",
    "reconstruction_error",
)


#: The per-epoch reconstruction error is measured on the first this many rows of
#: the held-out set (or, without one, of the training set), so that monitoring
#: stays a small fraction of an epoch; its statistical error is ~1e-3 relative.
RECONSTRUCTION_ROWS = 1000


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of :func:`train` (all stored with the model).

    The defaults are the recipe that reaches a held-out log-likelihood of
    about −20.0 nats/sample on 8×8 Ising configurations at T = 2.27 with 16
    hidden units in 30 epochs (5000 training samples; the Ising ceiling is
    −18.0 and scikit-learn's BernoulliRBM scores about −24.6): PCD-5 with one
    persistent chain per minibatch row, minibatches of 20, momentum 0.5, ε
    decaying linearly 0.1 → 0.001, visible biases from the data.  Without the
    decay the PCD chains and the model chase each other near Tc and the
    likelihood swings by several nats from epoch to epoch.

    Attributes
    ----------
    n_hidden:
        Number of hidden units.
    epochs:
        Passes over the training set.
    batch_size:
        Minibatch size (the last batches of an epoch may be one smaller: the
        set is split into ``ceil(n / batch_size)`` near-equal batches).
    learning_rate:
        ε at epoch 0.
    lr_schedule:
        ``"constant"``, ``"linear"`` (ε → ``final_learning_rate`` linearly in
        the epoch index) or ``"exponential"`` (geometrically).
    final_learning_rate:
        ε at the last epoch; needed by the decaying schedules.
    momentum:
        μ from epoch ``momentum_warmup`` on.
    initial_momentum:
        μ for the first ``momentum_warmup`` epochs (Hinton's guide: 0.5 then 0.9).
    momentum_warmup:
        Number of epochs with ``initial_momentum``.
    method:
        ``"pcd"`` (persistent chains) or ``"cd"``.
    k:
        Gibbs sweeps per update.
    n_chains:
        Persistent chains for PCD (default: ``batch_size``).
    l1, l2:
        Weight penalties λ₁ |W|₁ and ½ λ₂ |W|² (biases are not penalised).
    init_scale:
        Standard deviation of the initial weights.
    init_visible_bias:
        ``"data"``: logits of the training means; ``"zero"``.
    centering:
        Take gradient steps in the centred parametrisation
        ``E = −(v−μ)ᵀW(h−λ) − a_cᵀ(v−μ) − b_cᵀ(h−λ)`` (Montavon & Müller 2012;
        Melchior, Fischer & Wiskott, JMLR 17, 1 (2016)), μ the training
        means and λ a running mean of P(h|v_data).  Same model family, better
        conditioned gradient; the stored parameters stay the plain ones.
    centering_rate:
        Sliding-average rate of λ per minibatch.
    logz:
        ln Z for the per-epoch log-likelihood: ``"exact"``, ``"ais"``,
        ``"auto"`` (exact when the smaller layer has ≤ 20 units, else AIS) or
        ``"none"`` (no likelihood in the history).
    ais_runs, ais_betas:
        AIS runs and inverse temperatures per evaluation.
    flip_moves:
        After every Gibbs sweep of the negative phase, propose the global flip
        v → 1 − v of each chain and accept it with probability
        min(1, P(1 − v)/P(v)) = min(1, exp(F(v) − F(1 − v))), a Metropolis
        move that leaves the model's P(v) invariant.  Ising data below Tc are
        two ordered sectors related by that flip; Gibbs chains almost never
        cross between them, so without the move the negative phase sees the
        sectors in whatever proportion the chains fell into and the model
        drifts to one of them.
    dtype:
        ``"float64"`` (default) or ``"float32"`` for parameters and the
        training arithmetic.  float64 is the default because it costs little
        here — at a few hundred units and minibatches of 10–100 an update is
        bound by call overhead and the logistic function, not by flops
        (``bench/rbm_vs_sklearn.py``: float64 already beats scikit-learn) —
        and it keeps long runs of tiny updates (ε·∇ ~ 1e-5 on weights ~ 1)
        free of rounding drift.  float32 halves memory traffic and is worth
        it on a GPU or for large stacks; CD's sampling noise (~1/√batch)
        dwarfs its 1e-7 rounding.  ln Z and likelihoods are always evaluated
        in float64.
    """

    n_hidden: int
    epochs: int = default("rbm.epochs")
    batch_size: int = 20
    learning_rate: float = 0.1
    lr_schedule: str = "linear"
    final_learning_rate: float | None = 0.001
    momentum: float = 0.5
    initial_momentum: float = 0.5
    momentum_warmup: int = 0
    method: str = "pcd"
    k: int = 5
    n_chains: int | None = None
    l1: float = 0.0
    l2: float = 0.0
    init_scale: float = 0.01
    init_visible_bias: str = "data"
    centering: bool = False
    centering_rate: float = 0.01
    flip_moves: bool = False
    logz: str = "auto"
    ais_runs: int = 100
    ais_betas: int = 2_000
    dtype: str = "float64"

    def __post_init__(self):
        checks = [
            (self.n_hidden >= 1, f"n_hidden must be ≥ 1, got {self.n_hidden}"),
            (self.epochs >= 0, f"epochs must be ≥ 0, got {self.epochs}"),
            (self.batch_size >= 1, f"batch_size must be ≥ 1, got {self.batch_size}"),
            (self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}"),
            (
                self.lr_schedule in LR_SCHEDULES,
                f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}",
            ),
            (
                self.lr_schedule == "constant" or (self.final_learning_rate or 0) > 0,
                f"lr_schedule {self.lr_schedule!r} needs final_learning_rate > 0",
            ),
            (0 <= self.momentum < 1 and 0 <= self.initial_momentum < 1, "momenta must lie in [0, 1)"),
            (self.momentum_warmup >= 0, f"momentum_warmup must be ≥ 0, got {self.momentum_warmup}"),
            (self.method in METHODS, f"method must be one of {METHODS}, got {self.method!r}"),
            (self.k >= 1, f"k (Gibbs sweeps per update) must be ≥ 1, got {self.k}"),
            (self.n_chains is None or self.n_chains >= 1, f"n_chains must be ≥ 1, got {self.n_chains}"),
            (self.l1 >= 0 and self.l2 >= 0, f"l1 and l2 must be ≥ 0, got {self.l1}, {self.l2}"),
            (self.init_scale >= 0, f"init_scale must be ≥ 0, got {self.init_scale}"),
            (0 < self.centering_rate <= 1, f"centering_rate must lie in (0, 1], got {self.centering_rate}"),
            (
                self.init_visible_bias in VISIBLE_BIAS_INITS,
                f"init_visible_bias must be one of {VISIBLE_BIAS_INITS}, got {self.init_visible_bias!r}",
            ),
            (self.logz in LOGZ_OPTIONS, f"logz must be one of {LOGZ_OPTIONS}, got {self.logz!r}"),
            (self.ais_runs >= 2 and self.ais_betas >= 3, "ais_runs must be ≥ 2 and ais_betas ≥ 3"),
            (self.dtype in DTYPES, f"dtype must be one of {DTYPES}, got {self.dtype!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"TrainConfig: {message}")

    def learning_rate_at(self, epoch: int) -> float:
        """ε used during epoch ``epoch`` (0-based)."""
        if self.lr_schedule == "constant" or self.epochs <= 1:
            return self.learning_rate
        x = epoch / (self.epochs - 1)
        if self.lr_schedule == "linear":
            return self.learning_rate + (self.final_learning_rate - self.learning_rate) * x
        return self.learning_rate * (self.final_learning_rate / self.learning_rate) ** x

    def momentum_at(self, epoch: int) -> float:
        """μ used during epoch ``epoch`` (0-based)."""
        return self.initial_momentum if epoch < self.momentum_warmup else self.momentum

    def to_dict(self) -> dict:
        """Plain dict of the hyperparameters (for provenance attrs)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error naming the known ones."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"TrainConfig: unknown keys {sorted(unknown)}; known keys are {sorted(known)}")
        return cls(**values)


@dataclass
class TrainState:
    """Everything :func:`train` needs to continue exactly where it stopped.

    Attributes
    ----------
    model:
        Current parameters (updated in place by training).
    velocity:
        Momentum buffers for ``(weights, visible_bias, hidden_bias)``.
    chains:
        Hidden states of the persistent chains ``(n_chains, n_hidden)`` (PCD),
        or ``None`` (CD).
    epoch:
        Epochs completed.
    stream:
        ``{"key": int, "counter": int}`` of the training stream.
    history:
        Per-epoch lists, keys :data:`HISTORY_KEYS`.
    base_visible_bias:
        Logits of the training means (AIS base-rate model).
    offsets:
        ``(μ, λ)`` of the centred parametrisation, or ``None`` without centering.
    """

    model: RBM
    velocity: tuple
    chains: object
    epoch: int
    stream: dict
    history: dict = field(default_factory=lambda: {key: [] for key in HISTORY_KEYS})
    base_visible_bias: object = None
    offsets: tuple | None = None

    def to_dict(self) -> dict:
        """Flat ``{name: host array or int}`` for checkpoints (inverse: :meth:`from_dict`).

        Arrays are NumPy copies; absent optional parts (CD's chains, offsets
        without centering) are left out.
        """
        arrays = {
            "weights": self.model.weights,
            "visible_bias": self.model.visible_bias,
            "hidden_bias": self.model.hidden_bias,
            "velocity_weights": self.velocity[0],
            "velocity_visible_bias": self.velocity[1],
            "velocity_hidden_bias": self.velocity[2],
            "base_visible_bias": self.base_visible_bias,
        }
        if self.chains is not None:
            arrays["chains"] = self.chains
        if self.offsets is not None:
            arrays["visible_offset"], arrays["hidden_offset"] = self.offsets
        out = {name: np.array(to_numpy(value)) for name, value in arrays.items()}
        for key, values in self.history.items():
            out[f"history_{key}"] = np.asarray(values, dtype=np.float64)
        out["epoch"] = self.epoch
        out["stream_key"], out["stream_counter"] = int(self.stream["key"]), int(self.stream["counter"])
        return out

    @classmethod
    def from_dict(cls, values: dict, *, xp=np) -> "TrainState":
        """Rebuild a state from :meth:`to_dict` output, on namespace ``xp``."""

        def get(name):
            return xp.asarray(values[name]) if name in values else None

        offsets = None
        if "hidden_offset" in values:
            offsets = (get("visible_offset"), get("hidden_offset"))
        return cls(
            model=RBM(get("weights"), get("visible_bias"), get("hidden_bias")),
            velocity=(get("velocity_weights"), get("velocity_visible_bias"), get("velocity_hidden_bias")),
            chains=get("chains"),
            epoch=int(values["epoch"]),
            stream={"key": int(values["stream_key"]), "counter": int(values["stream_counter"])},
            history={key: [float(x) for x in values[f"history_{key}"]] for key in HISTORY_KEYS},
            base_visible_bias=get("base_visible_bias"),
            offsets=offsets,
        )

    def copy(self) -> "TrainState":
        """Deep copy: training a copy never changes the original."""
        return TrainState(
            model=self.model.copy(),
            velocity=tuple(v.copy() for v in self.velocity),
            chains=None if self.chains is None else self.chains.copy(),
            epoch=self.epoch,
            stream=dict(self.stream),
            history={key: list(values) for key, values in self.history.items()},
            base_visible_bias=None if self.base_visible_bias is None else self.base_visible_bias.copy(),
            offsets=None if self.offsets is None else tuple(o.copy() for o in self.offsets),
        )


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    model:
        The trained RBM (a copy; independent of ``state``).
    history:
        ``{key: float64 array (epochs,)}`` for :data:`HISTORY_KEYS`;
        log-likelihoods in nats per sample, NaN where not evaluated.
    config:
        The hyperparameters.
    state:
        The state to resume from.
    logz_method:
        ``"exact"``, ``"ais"`` or ``"none"``: how the history's ln Z was found.
    """

    model: RBM
    history: dict
    config: TrainConfig
    state: TrainState
    logz_method: str

    @property
    def hyperparameters(self) -> dict:
        return self.config.to_dict()


def check_units(data, *, name: str = "data"):
    """Raise unless ``data`` is a 2D float array of values in [0, 1]."""
    xp = array_namespace(data)
    if data.ndim != 2 or data.dtype.kind != "f":
        raise ValueError(
            f"{name}: expected a float array (samples, units) of 0/1 values, got {data.dtype} {data.shape}; "
            "convert ±1 spins with rgml.rbm.spins_to_units"
        )
    if data.size and (float(xp.min(data)) < 0.0 or float(xp.max(data)) > 1.0):
        raise ValueError(f"{name}: values outside [0, 1]; ±1 spins must go through rgml.rbm.spins_to_units")


def training_set(data, dtype, *, name: str = "data") -> ConfigurationSet:
    """``data`` as a :class:`ConfigurationSet` of ``dtype`` rows.

    Arrays are checked (:func:`check_units`) and wrapped.  Sets are taken as
    they are — their rows come from a transform such as
    :func:`rgml.rbm.spins_to_units`, or from an array :func:`train` checked
    already — a resident set read once and held, a streamed set converted
    group by group as it is read.
    """
    if isinstance(data, ConfigurationSet):
        if not data.resident:
            return data.map(lambda rows: rows.astype(dtype, copy=False))
        return ConfigurationSet.from_array(next(data.groups()).astype(dtype, copy=False))
    check_units(data, name=name)
    return ConfigurationSet.from_array(data.astype(dtype, copy=False))


def _resolved_logz(config: TrainConfig, n_visible: int) -> str:
    if config.logz != "auto":
        return config.logz
    return "exact" if min(n_visible, config.n_hidden) <= MAX_EXACT_UNITS else "ais"


def init_state(data, config: TrainConfig, stream: Stream) -> TrainState:
    """Initial parameters, zero velocities and (PCD) chains started from data.

    Weights are N(0, init_scale²), hidden biases 0, visible biases the data
    logits (or 0); each persistent chain starts from h ~ P(h|v) of a random
    training row.  Draws come from ``stream``, which is advanced.
    """
    dtype = np.dtype(config.dtype)
    data = training_set(data, dtype)
    first = data.head(1)
    xp = array_namespace(first)
    n, n_visible = data.n, first.shape[1]
    base = clipped_logit(data.column_means())
    model = RBM.random(
        n_visible,
        config.n_hidden,
        stream,
        scale=config.init_scale,
        visible_bias=base if config.init_visible_bias == "data" else None,
        xp=xp,
        dtype=dtype,
    )
    chains = None
    if config.method == "pcd":
        n_chains = config.n_chains or config.batch_size
        rows = stream.bits(n_chains, xp) % np.uint64(n)
        chains = model.sample_hidden(data.rows(to_numpy(rows).astype(np.int64)), stream)
    velocity = tuple(xp.zeros_like(p) for p in (model.weights, model.visible_bias, model.hidden_bias))
    offsets = None
    if config.centering:
        offsets = (data.column_means(), data.map(model.hidden_probabilities).column_means())
    return TrainState(model, velocity, chains, 0, stream.state(), base_visible_bias=base, offsets=offsets)


def _global_flip_move(model: RBM, v, stream: Stream) -> None:
    """Metropolis move v → 1 − v on every row of ``v`` (in place), accepted with min(1, P(1−v)/P(v))."""
    xp = array_namespace(v)
    flipped = 1 - v
    log_ratio = model.free_energy(v) - model.free_energy(flipped)
    accept = stream.uniform(v.shape[0], xp) < xp.exp(xp.minimum(log_ratio, 0.0))
    v[accept] = flipped[accept]


def _logistic(x, bias):
    """In place: x ← σ(x + bias)."""
    x += bias
    return sigmoid(x, out=x)


def train_epoch(state: TrainState, data, config: TrainConfig) -> None:
    """One pass over ``data`` in fresh random minibatches; updates ``state`` in place.

    ``data``: 0/1 rows, or a :class:`rgml.streaming.ConfigurationSet` read
    group by group.  Draw order (what makes runs reproducible): one
    permutation of the rows (of the blocks, then of each group's rows, for a
    streamed set, see :meth:`~rgml.streaming.ConfigurationSet.batches`),
    then per minibatch — CD: h ~ P(h|v_data); then per Gibbs sweep
    v ~ P(v|h) and (PCD always, CD but the last sweep) h ~ P(h|v); the last
    PCD hidden sample becomes the chain state.

    Positive and negative statistics share one buffer pair, ``X = [v_data;
    v_model]`` and ``Y = [ε/n₊ · P(h|v_data); −ε/n₋ · P(h|v_model)]``, so the
    weight step is a single product ``XᵀY`` and the bias steps are its margins.
    """
    dtype = np.dtype(config.dtype)
    data = training_set(data, dtype)
    stream = Stream(np.uint64(state.stream["key"]), state.stream["counter"])
    lr = config.learning_rate_at(state.epoch)
    mu = config.momentum_at(state.epoch)
    model = state.model
    w, a, b = model.weights, model.visible_bias, model.hidden_bias
    vel_w, vel_a, vel_b = state.velocity
    persistent = config.method == "pcd"
    chains = state.chains
    centered = state.offsets is not None
    if centered:
        visible_offset, hidden_offset = state.offsets

    xp = model.xp
    n_visible = model.n_visible
    largest = min(config.batch_size, data.n)  # no minibatch is larger (streamed groups split on their own)
    rows_max = largest + (chains.shape[0] if persistent else largest)
    x_buf = xp.empty((rows_max, n_visible), dtype=dtype)
    y_buf = xp.empty((rows_max, model.n_hidden), dtype=dtype)
    coef = xp.empty(rows_max, dtype=dtype)
    h_buf = chains if persistent else xp.empty((largest, model.n_hidden), dtype=dtype)
    grad_w = xp.empty_like(w)

    for batch in data.batches(config.batch_size, stream, xp):
        n_pos = batch.shape[0]
        n_neg = chains.shape[0] if persistent else n_pos
        rows = n_pos + n_neg
        x_pos, x_neg = x_buf[:n_pos], x_buf[n_pos:rows]
        y_pos, y_neg = y_buf[:n_pos], y_buf[n_pos:rows]
        h = h_buf[:n_neg]

        x_pos[...] = batch
        _logistic(xp.matmul(x_pos, w, out=y_pos), b)
        if not persistent:
            bernoulli(y_pos, stream, out=h)
        for sweep in range(config.k):
            bernoulli(_logistic(xp.matmul(h, w.T, out=x_neg), a), stream, out=x_neg)
            if config.flip_moves:
                _global_flip_move(model, x_neg, stream)
            _logistic(xp.matmul(x_neg, w, out=y_neg), b)
            if persistent or sweep < config.k - 1:
                bernoulli(y_neg, stream, out=h)

        y_pos *= lr / n_pos
        y_neg *= -lr / n_neg
        coef[:n_pos] = lr / n_pos
        coef[n_pos:rows] = -lr / n_neg
        xp.matmul(x_buf[:rows].T, y_buf[:rows], out=grad_w)
        grad_a = coef[:rows] @ x_buf[:rows]
        grad_b = y_buf[:rows].sum(axis=0)
        if centered:
            # Σ_r c_r (x_r − μ)(y_r − λ)ᵀ with Σ_r c_r = 0
            grad_w -= xp.outer(visible_offset, grad_b)
            grad_w -= xp.outer(grad_a, hidden_offset)
        momentum_step_(w, vel_w, grad_w, momentum=mu, l2=lr * config.l2, l1=lr * config.l1)
        momentum_step_(a, vel_a, grad_a, momentum=mu)
        momentum_step_(b, vel_b, grad_b, momentum=mu)
        if centered:
            # plain biases a = a_c − Wλ, b = b_c − Wᵀμ follow the centred ones and ΔW
            a -= vel_w @ hidden_offset
            b -= visible_offset @ vel_w
            hidden_offset += config.centering_rate * (y_pos.sum(axis=0) / lr - hidden_offset)

    state.stream = stream.state()
    state.epoch += 1


def reconstruction_error(model: RBM, units) -> float:
    """Mean squared error of the mean-field reconstruction P(v | h = P(h|v)).

    Averaged over samples and units; deterministic (no sampling).
    """
    recon = model.visible_probabilities(model.hidden_probabilities(units))
    return float(((units - recon) ** 2).mean())


def _record_epoch(state: TrainState, data, test_data, config: TrainConfig, logz_method: str) -> None:
    model = state.model
    epoch = state.epoch - 1
    record = dict.fromkeys(HISTORY_KEYS, math.nan)
    record["learning_rate"] = config.learning_rate_at(epoch)
    monitored = data if test_data is None else test_data
    record["reconstruction_error"] = reconstruction_error(model, monitored.head(RECONSTRUCTION_ROWS))
    if logz_method != "none":
        ais_stream = Stream(np.uint64(state.stream["key"])).child("ais", epoch)
        log_z: LogPartition = estimate_log_partition(
            model,
            method=logz_method,
            stream=ais_stream,
            ais_runs=config.ais_runs,
            ais_betas=config.ais_betas,
            base_visible_bias=state.base_visible_bias,
        )
        record["log_z"], record["log_z_err"] = log_z.value, log_z.error
        train_ll = mean_log_likelihood(model, data, log_z)
        record["train_loglik"], record["train_loglik_err"] = train_ll.mean, train_ll.error
        if test_data is not None:
            test_ll = mean_log_likelihood(model, test_data, log_z)
            record["test_loglik"], record["test_loglik_err"] = test_ll.mean, test_ll.error
    for key, value in record.items():
        state.history[key].append(value)


def train(
    data,
    config: TrainConfig,
    *,
    seed: int | Stream | None = None,
    test_data=None,
    resume: TrainState | None = None,
    stop_epoch: int | None = None,
    callback: Callable[[TrainState], None] | None = None,
) -> TrainResult:
    """Train an RBM on 0/1 ``data`` of shape ``(samples, n_visible)``.

    Parameters
    ----------
    data:
        Training set, floats in [0, 1] (NumPy or CuPy; the model lives there),
        or a :class:`rgml.streaming.ConfigurationSet` of such rows for data
        read from a store group by group.
    config:
        Hyperparameters.
    seed:
        Random stream for a fresh run (advanced by initialisation; training
        continues from its counter), or an int root seed (keyed
        ``(seed, "rbm-train")``).  Leave ``None`` when resuming.
    test_data:
        Held-out set for the per-epoch log-likelihood and reconstruction error
        (array or set, like ``data``).
    resume:
        A :class:`TrainState` from an earlier call (``result.state``) to
        continue from; it is copied, not modified.
    stop_epoch:
        Stop after this many epochs in total (default ``config.epochs``);
        the learning-rate schedule still refers to ``config.epochs``.
    callback:
        Called with the state after every epoch (progress, checkpoints).

    Returns
    -------
    TrainResult
    """
    dtype = np.dtype(config.dtype)
    data = training_set(data, dtype)
    test_data = None if test_data is None else training_set(test_data, dtype, name="test_data")
    if (seed is None) == (resume is None):
        raise ValueError("train: pass exactly one of `seed` (fresh run) or `resume` (continue a state)")
    state = init_state(data, config, as_stream(seed, "rbm-train")) if resume is None else resume.copy()
    n_visible = state.model.n_visible
    if n_visible != data.head(1).shape[1] or state.model.n_hidden != config.n_hidden:
        raise ValueError(
            f"train: the state's RBM is {n_visible}×{state.model.n_hidden} but data has "
            f"{data.head(1).shape[1]} units and config.n_hidden is {config.n_hidden}"
        )
    stop = config.epochs if stop_epoch is None else min(stop_epoch, config.epochs)
    logz_method = _resolved_logz(config, n_visible)
    while state.epoch < stop:
        train_epoch(state, data, config)
        _record_epoch(state, data, test_data, config, logz_method)
        if callback is not None:
            callback(state)
    history = {key: np.asarray(values, dtype=np.float64) for key, values in state.history.items()}
    return TrainResult(state.model.copy(), history, config, state, logz_method)
