"""Block-RBM coarse-graining: one hidden unit per b×b block, weights shared across blocks.

The RBM has ``b²`` visible units (one block, sites in row-major order) and a
single hidden unit.  It is trained by maximum likelihood (CD/PCD,
:func:`rgml.rbm.train.train`) on *block data*: every b×b block of every
configuration, i.e. ``n · (L/b)²`` rows — sharing the weights across blocks
is the same as training one small RBM on all blocks.  Its conditional

    P(h = 1 | v) = σ(b + w·v)      (0/1 units; ±1: P(σ = +1 | s) = σ(w·s/2 + b + Σw/2))

then coarse-grains a lattice block by block into ``(L/b) × (L/b)`` spins.
This is the likelihood-trained rule Koch-Janusz & Ringel (Nat. Phys. 14,
578 (2018)) compare with the information-optimal RSMI filter.

A one-hidden-unit RBM is a mixture of two product distributions and is
symmetric under relabelling ``h → 1 − h``; :func:`orient` fixes the label so
that ``h = 1`` means "block mostly up" (Σ_i w_i ≥ 0), which makes the
coarse spin follow the block's majority instead of its opposite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from rgml.backend import array_namespace, to_numpy
from rgml.params import default
from rgml.rbm.data import as_set, split
from rgml.rbm.kernels import bernoulli
from rgml.rbm.model import RBM
from rgml.rbm.numerics import sigmoid
from rgml.rbm.temperature import history_of, history_variables, model_of, model_variables
from rgml.rbm.train import TrainConfig, TrainResult, train
from rgml.rg.rules import BlockFilter, BlockRule
from rgml.rng import Stream, as_stream, keyed

RULES = ("sample", "mean_field")


def block_units(spins, block: int, *, dtype=None):
    """All b×b blocks of ``spins`` ``(samples, L, L)`` as 0/1 rows ``(samples·(L/b)², b²)``.

    Row order: sample, then block row, then block column; inside a block the
    sites are row-major.
    """
    xp = array_namespace(spins)
    n, ly, lx = spins.shape
    if block < 1 or ly % block or lx % block:
        raise ValueError(f"block_units: block size {block} must divide the lattice {ly}×{lx}")
    blocks = spins.reshape(n, ly // block, block, lx // block, block).transpose(0, 1, 3, 2, 4)
    flat = blocks.reshape(-1, block * block)
    return (flat.astype(xp.float64 if dtype is None else dtype) + 1.0) * 0.5


def block_size(model: RBM) -> int:
    """b for a block RBM with b² visible units and one hidden unit."""
    b = math.isqrt(model.n_visible)
    if b * b != model.n_visible or model.n_hidden != 1:
        raise ValueError(
            f"not a block RBM: it has {model.n_visible} visible and {model.n_hidden} hidden units; "
            "expected b² visible units and 1 hidden unit"
        )
    return b


def orient(model: RBM) -> RBM:
    """The same P(v) with the hidden label chosen so that Σ_i w_i ≥ 0 (h = 1 ↔ block up)."""
    block_size(model)
    return model.flip_hidden(model.weights.sum(axis=0) < 0)


def train_block_rbm(
    spins,
    block: int,
    config: TrainConfig,
    *,
    seed: int | Stream,
    test_spins=None,
) -> TrainResult:
    """Train the block RBM on all b×b blocks of ``spins`` ``(samples, L, L)``.

    ``config.n_hidden`` must be 1.  The returned ``model`` is :func:`orient`-ed;
    ``state`` is the trainer's own (for resuming).
    """
    if config.n_hidden != 1:
        raise ValueError(
            f"train_block_rbm: a block RBM has one hidden unit; set n_hidden=1 (got {config.n_hidden})"
        )
    data = block_units(spins, block, dtype=config.dtype)
    test = None if test_spins is None else block_units(test_spins, block, dtype=config.dtype)
    result = train(data, config, seed=as_stream(seed, "rbm-block", block), test_data=test)
    return TrainResult(orient(result.model), result.history, result.config, result.state, result.logz_method)


def coarse_grain(spins, model: RBM, stream: Stream, *, rule: str = "sample"):
    """Coarse-grain ``(samples, L, L)`` ±1 spins with a block RBM → ``(samples, L/b, L/b)`` int8.

    Parameters
    ----------
    spins:
        ±1 configurations (NumPy or CuPy; the model must live on the same namespace).
    model:
        Block RBM (b² visible units, 1 hidden unit).
    stream:
        One draw per block is consumed whatever the rule (so the stream's
        position does not depend on the data).
    rule:
        ``"sample"``: h ~ P(h|v) (the RBM's own stochastic map);
        ``"mean_field"``: h = 1 where the hidden input ``b + w·v`` is positive,
        0 where negative, a fair coin where it is exactly 0.
    """
    if rule not in RULES:
        raise ValueError(f"coarse_grain: rule must be one of {RULES}, not {rule!r}")
    b = block_size(model)
    xp = array_namespace(spins)
    n, ly, lx = spins.shape
    field = model.hidden_input(block_units(spins, b, dtype=model.weights.dtype))[:, 0]
    if rule == "sample":
        h = bernoulli(sigmoid(field, out=field), stream)
    else:
        coin = stream.uniform(field.shape, xp) < 0.5
        h = xp.where(field > 0, 1.0, xp.where(field < 0, 0.0, coin.astype(field.dtype)))
    return (2 * h - 1).astype(xp.int8).reshape(n, ly // b, lx // b)


#: Lattice sites of the configurations a block RBM is trained on (all their blocks): ~10⁵ blocks are
#: plenty for its b² + 2 parameters.
BLOCK_SITES = 250_000


@dataclass(frozen=True)
class BlockRBMRule(BlockRule):
    """The RG rule ``rbm``: P(h|v) of a trained block RBM, sampled block by block.

    Attributes
    ----------
    model:
        Block RBM (b² visible units, one hidden unit, 0/1 units), :func:`orient`-ed.
    history:
        Its training history (may be empty).
    temperature:
        T (J/k_B) of the configurations it was trained on.
    size:
        L of those configurations.
    """

    model: RBM
    history: dict = field(default_factory=dict)
    temperature: float = math.nan
    size: int = 0
    name: str = "rbm"

    @property
    def b(self) -> int:
        return block_size(self.model)

    def coarse_grain(self, spins, stream: Stream):
        return coarse_grain(spins, self.model.to(array_namespace(spins)), stream)

    def as_filter(self) -> BlockFilter:
        """λ = W/4 and bias c + ΣW/2: P(h=1|v) = σ(c + W·v) with v = (s+1)/2 is σ(2 λ·s + bias)."""
        w = to_numpy(self.model.weights)[:, 0]
        return BlockFilter((w / 4.0).reshape(self.b, self.b), float(to_numpy(self.model.hidden_bias)[0] + w.sum() / 2.0))

    def to_dataset(self) -> xr.Dataset:
        """The block RBM store's dataset (:data:`rgml.rbm.temperature.RBM_MODEL` plus the history)."""
        epochs = len(next(iter(self.history.values()))) if self.history else 0
        ds = xr.Dataset({**model_variables(self.model), **history_variables(self.history)},
                        coords={"temperature": ((), self.temperature), "epoch": ("epoch", np.arange(1, epochs + 1))})
        ds.attrs.update({"b": self.b, "size": self.size, "units": "0/1"})
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "BlockRBMRule":
        model = model_of(ds)
        block_size(model)
        return cls(model, history_of(ds), float(ds["temperature"].values), int(ds.attrs.get("size", 0)))


def fit_block_rule(spins, b: int = default("rg.b"), *, seed: int | Stream, temperature: float,
                   epochs: int = default("rbm.epochs")) -> BlockRBMRule:
    """Train the block RBM that is the RG rule ``rbm`` on configurations of one temperature.

    Uses the first ``max(10, BLOCK_SITES / L²)`` configurations (array or
    set, in sampling order), 80 % for training and the rest held out, with
    exact ln Z; draws from (seed, "rbm-block", L, T, b).
    """
    spins = as_set(spins)
    size = spins.head(1).shape[-1]
    spins = spins.head(max(10, BLOCK_SITES // (size * size)))
    train_spins, test_spins = split(spins)
    config = TrainConfig(n_hidden=1, epochs=epochs, batch_size=100, logz="exact")
    result = train_block_rbm(train_spins, b, config, seed=keyed(seed, "rbm-block", size, float(temperature), b),
                             test_spins=test_spins)
    return BlockRBMRule(result.model.to(np), result.history, float(temperature), size)
