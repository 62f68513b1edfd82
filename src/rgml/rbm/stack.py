"""Deep stacks of RBMs trained greedily, and their effective receptive fields.

Greedy layer-wise training (Hinton, Osindero & Teh, Neural Comput. 18, 1527
(2006)): train RBM 1 on the data, feed the data up through P(h|v) and train
RBM 2 on the result, and so on.  Mehta & Schwab (arXiv:1410.3831, Figs. 4–5)
trained a 1600-400-100-25 stack on 40×40 Ising configurations near K = 0.408
with L1-regularised weights and read each deep unit's *effective receptive
field* as the product of the weight matrices below it::

    F^{(l)} = W^{(1)} W^{(2)} ⋯ W^{(l)},      shape (n_visible, n_hidden_l),

column ``j`` being the map of visible sites that hidden unit ``j`` of layer
``l`` responds to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.backend import array_namespace, to_numpy
from rgml.params import default
from rgml.rbm.data import as_set, split, training_units
from rgml.rbm.kernels import bernoulli
from rgml.rbm.locality import locality
from rgml.rbm.model import RBM
from rgml.rbm.train import TrainConfig, TrainResult, train
from rgml.rng import Stream, as_stream
from rgml.streaming import ConfigurationSet

PROPAGATION = ("probabilities", "samples")


@dataclass(frozen=True)
class StackResult:
    """A greedily trained stack: one :class:`TrainResult` per layer, bottom first."""

    layers: tuple[TrainResult, ...]
    propagate: str

    @property
    def models(self) -> list[RBM]:
        return [layer.model for layer in self.layers]

    def receptive_fields(self) -> list:
        """Effective receptive fields of every layer (see :func:`receptive_fields`)."""
        return receptive_fields(self.models)


def receptive_fields(models: Sequence[RBM]) -> list:
    """``[W1, W1 W2, W1 W2 W3, …]``: each layer's fields on the visible sites.

    Entry ``l`` has shape ``(n_visible, n_hidden_l)``.
    """
    fields = []
    product = None
    for model in models:
        product = model.weights if product is None else product @ model.weights
        fields.append(product)
    return fields


def propagate_up(model: RBM, units, *, mode: str = "probabilities", stream: Stream | None = None):
    """Data for the next layer: P(h|v) (``"probabilities"``) or a sample h ~ P(h|v).

    A streamed :class:`rgml.streaming.ConfigurationSet` is propagated lazily,
    group by group as the next layer reads it (``"probabilities"`` only).
    """
    if mode not in PROPAGATION:
        raise ValueError(f"propagate_up: mode must be one of {PROPAGATION}, not {mode!r}")
    if isinstance(units, ConfigurationSet):
        if mode != "probabilities":
            raise ValueError("propagate_up: data read from a store group by group propagate as probabilities only")
        return units.map(model.hidden_probabilities)
    p = model.hidden_probabilities(units)
    if mode == "probabilities":
        return p
    if stream is None:
        raise ValueError("propagate_up: mode='samples' needs a random stream")
    return bernoulli(p, stream)


def train_stack(
    data,
    configs: Sequence[TrainConfig],
    *,
    seed: int | Stream,
    test_data=None,
    propagate: str = "probabilities",
) -> StackResult:
    """Train ``len(configs)`` RBMs greedily, layer ``l`` on the output of layer ``l−1``.

    Parameters
    ----------
    data:
        0/1 training rows ``(samples, n_visible)``, or a
        :class:`rgml.streaming.ConfigurationSet` of them.
    configs:
        One :class:`TrainConfig` per layer, bottom first (``n_hidden`` sets
        the layer widths, e.g. 400, 100, 25).
    seed:
        Root stream (or int seed, keyed ``(seed, "rbm-stack")``); layer ``l`` trains on ``stream.child("layer", l)`` and
        samples its output (``propagate="samples"``) from
        ``stream.child("propagate", l)``, so layers do not share draws.
    test_data:
        Held-out rows, propagated alongside for each layer's history.
    propagate:
        What the next layer sees: ``"probabilities"`` P(h|v) (the usual
        choice, Hinton et al. 2006) or ``"samples"``.
    """
    if not configs:
        raise ValueError("train_stack: give at least one layer config")
    stream = as_stream(seed, "rbm-stack")
    if propagate not in PROPAGATION:
        raise ValueError(f"train_stack: propagate must be one of {PROPAGATION}, not {propagate!r}")
    layers = []
    for index, config in enumerate(configs):
        result = train(data, config, seed=stream.child("layer", index), test_data=test_data)
        layers.append(result)
        if index < len(configs) - 1:
            up = stream.child("propagate", index)
            data = propagate_up(result.model, data, mode=propagate, stream=up)
            if test_data is not None:
                test_data = propagate_up(result.model, test_data, mode=propagate, stream=up)
    return StackResult(tuple(layers), propagate)


@dataclass(frozen=True)
class DeepStack:
    """A greedily trained stack on L×L configurations of one temperature, with its receptive fields.

    Attributes
    ----------
    models:
        One RBM per layer, bottom first (host, 0/1 units).
    size, temperature:
        L and T (J/k_B) of the training data.
    l1, epochs:
        The layers' L1 penalty and epochs.
    """

    models: tuple[RBM, ...]
    size: int
    temperature: float
    l1: float
    epochs: int

    def fields(self) -> list:
        """Effective receptive fields of every layer ``(L·L, n_hidden_l)``."""
        return receptive_fields(self.models)

    def to_dataset(self) -> xr.Dataset:
        """The stack store's dataset: ``W{l}``, biases, ``field{l} (y, x, out{l})``, ``locality{l}``."""
        data = {}
        size = self.size
        for layer, (model, field) in enumerate(zip(self.models, self.fields()), start=1):
            data[f"W{layer}"] = ((f"in{layer}", f"out{layer}"), to_numpy(model.weights), {"layer": layer})
            data[f"visible_bias{layer}"] = ((f"in{layer}",), to_numpy(model.visible_bias), {"layer": layer})
            data[f"hidden_bias{layer}"] = ((f"out{layer}",), to_numpy(model.hidden_bias), {"layer": layer})
            data[f"field{layer}"] = (("y", "x", f"out{layer}"), to_numpy(field).reshape(size, size, -1),
                                     {"long_name": f"effective receptive fields of layer {layer} (W1...W{layer})"})
            data[f"locality{layer}"] = ((), locality(field, (size, size)),
                                        {"long_name": "radius of gyration of the fields relative to a uniform map"})
        ds = xr.Dataset(data, coords={"temperature": ((), self.temperature)})
        ds.attrs.update({"size": size, "layers": len(self.models), "l1": self.l1, "epochs": self.epochs})
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "DeepStack":
        models = tuple(RBM(*(np.asarray(ds[f"{name}{layer}"].values, np.float64)
                             for name in ("W", "visible_bias", "hidden_bias")))
                       for layer in range(1, int(ds.attrs["layers"]) + 1))
        return cls(models, int(ds.attrs["size"]), float(ds["temperature"].values), float(ds.attrs["l1"]),
                   int(ds.attrs["epochs"]))


def deep_stack(spins, widths: Sequence[int] = default("rbm.stack_widths"), *, seed: int | Stream,
               temperature: float, l1: float = default("rbm.stack_l1"), epochs: int = default("rbm.epochs"),
               xp=None) -> DeepStack:
    """Mehta & Schwab's deep stack on ±1 lattices ``(samples, L, L)`` (array or set) of one temperature.

    Layers are trained greedily with L1 ``l1`` on the first 80 % of the
    configurations (held-out: the rest); draws from (seed, "rbm-stack", L, T).
    """
    spins = as_set(spins)
    size = spins.head(1).shape[-1]
    xp = xp or array_namespace(spins.head(1))
    train_spins, test_spins = split(spins)
    configs = [TrainConfig(n_hidden=w, epochs=epochs, l1=l1, logz="none") for w in widths]
    stack = train_stack(training_units(train_spins, xp), configs,
                        seed=as_stream(seed, "rbm-stack", size, float(temperature)),
                        test_data=training_units(test_spins, xp))
    return DeepStack(tuple(model.to(np) for model in stack.models), size, float(temperature), float(l1), int(epochs))
