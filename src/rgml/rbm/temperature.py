"""One RBM per temperature: likelihood against the exact Ising ceiling, and the physics it generates.

Mehta & Schwab (arXiv:1410.3831) and the seed review (§III) train an RBM on
Ising configurations of one temperature.  Here the model is judged three
ways on the held-out configurations (the last 20 % in sampling order):

* its held-out log-likelihood per configuration (exact ln Z for ≤ 20 hidden
  units, AIS beyond; :mod:`rgml.rbm.likelihood`);
* against the exact Ising log-likelihood of the same configurations with
  Kaufman's ln Z (:func:`rgml.exact.torus_log_likelihood`) — the ceiling;
* by the energy and ⟨|m|⟩ of configurations it generates (long Gibbs
  chains) against those of the data.

Units are 0/1 (s = 2v − 1).  Draws come from the stream keyed
(seed, "rbm", L, T, n_hidden): its children "train" and "generate".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from rgml.backend import array_namespace, to_numpy
from rgml.exact import torus_log_likelihood
from rgml.ising.lattice import bond_sum_2d, energy_2d, magnetization
from rgml.layout import Layout
from rgml.params import default
from rgml.rbm.data import as_set, split, training_units
from rgml.rbm.model import RBM, units_to_spins
from rgml.rbm.sampling import generate
from rgml.rbm.train import TrainConfig, TrainResult, TrainState, train
from rgml.rng import Stream, as_stream
from rgml.streaming import ConfigurationSet

#: Gibbs sweeps per chain when generating samples from a trained RBM.
GENERATE_SWEEPS = 2000

#: At most this many RBM samples are generated per model (one per held-out configuration up to it).
GENERATED_MAX = 2000

#: Generated lattices kept in the result (for figures).
GENERATED_KEPT = 16

RBM_MODEL = Layout(
    "RBM store (rgml rbm train / block / flow)",
    {
        "W": (("visible", "hidden"), np.float64),
        "visible_bias": (("visible",), np.float64),
        "hidden_bias": (("hidden",), np.float64),
    },
    finite=("W", "visible_bias", "hidden_bias"),
    lazy=r"generated|final_spins",
)

#: Scalars of a per-temperature RBM: name → (long name, units).
SCALARS = {
    "test_loglik": ("held-out log-likelihood per configuration", "nats"),
    "test_loglik_err": ("its standard error", "nats"),
    "ising_loglik": ("exact Ising log-likelihood of the held-out set (Kaufman ln Z)", "nats"),
    "ising_loglik_err": ("its standard error", "nats"),
    "energy_data": ("energy per spin of the held-out data", "J"),
    "energy_generated": ("energy per spin of RBM samples", "J"),
    "abs_m_data": ("<|m|> of the held-out data", "1"),
    "abs_m_generated": ("<|m|> of RBM samples", "1"),
}


def model_variables(model: RBM) -> dict:
    """Dataset variables of an RBM's parameters (host arrays, 0/1 units)."""
    return {
        "W": (("visible", "hidden"), to_numpy(model.weights), {"long_name": "weights (0/1 units)"}),
        "visible_bias": (("visible",), to_numpy(model.visible_bias), {"long_name": "visible biases"}),
        "hidden_bias": (("hidden",), to_numpy(model.hidden_bias), {"long_name": "hidden biases"}),
    }


def history_variables(history: dict) -> dict:
    """Dataset variables of a training history (one per key, along ``epoch``)."""
    return {f"history_{k}": (("epoch",), np.asarray(v), {"long_name": k.replace("_", " ")})
            for k, v in history.items()}


def model_of(ds: xr.Dataset) -> RBM:
    """The RBM held by a dataset with :func:`model_variables`."""
    return RBM(*(np.asarray(ds[name].values, np.float64) for name in ("W", "visible_bias", "hidden_bias")))


def history_of(ds: xr.Dataset) -> dict:
    """The training history of a dataset with :func:`history_variables`."""
    return {name.removeprefix("history_"): ds[name].values for name in ds.data_vars if name.startswith("history_")}


@dataclass(frozen=True)
class TemperatureRBM:
    """An RBM trained on the configurations of one temperature, with its diagnostics.

    Attributes
    ----------
    model:
        The trained RBM (host, 0/1 units).
    history:
        Per-epoch history of the training (:data:`rgml.rbm.train.HISTORY_KEYS`).
    scalars:
        The :data:`SCALARS`: held-out ln L, the Ising ceiling, energies and |m| of data and RBM samples.
    generated:
        The first :data:`GENERATED_KEPT` generated lattices ``(n, L, L)`` int8.
    size, temperature:
        L and T (J/k_B) of the data.
    config:
        The training hyperparameters.
    logz_method:
        ``"exact"`` or ``"ais"``.
    n_train, n_test:
        Configurations trained on and held out.
    """

    model: RBM
    history: dict
    scalars: dict
    generated: np.ndarray
    size: int
    temperature: float
    config: TrainConfig
    logz_method: str
    n_train: int
    n_test: int

    def to_dataset(self) -> xr.Dataset:
        """The per-temperature RBM store's dataset (:data:`RBM_MODEL`)."""
        data = {**model_variables(self.model), **history_variables(self.history)}
        data |= {k: ((), float(v), {"long_name": SCALARS[k][0], "units": SCALARS[k][1]})
                 for k, v in self.scalars.items()}
        data["generated"] = (("sample", "y", "x"), self.generated,
                             {"long_name": f"RBM samples after {GENERATE_SWEEPS} Gibbs sweeps (first {GENERATED_KEPT})"})
        epochs = len(next(iter(self.history.values())))
        ds = xr.Dataset(data, coords={"temperature": ((), self.temperature, {"units": "J/k_B"}),
                                      "epoch": ("epoch", np.arange(1, epochs + 1))})
        ds.attrs.update({"size": self.size, "n_hidden": self.config.n_hidden, "epochs": self.config.epochs,
                         "logz_method": self.logz_method, "units": "0/1 (s = 2v - 1)",
                         "n_train": self.n_train, "n_test": self.n_test,
                         "train_config": repr(self.config.to_dict())})
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "TemperatureRBM":
        """The result held by a per-temperature RBM dataset."""
        import ast

        config = (TrainConfig.from_dict(ast.literal_eval(ds.attrs["train_config"])) if "train_config" in ds.attrs
                  else TrainConfig(n_hidden=int(ds.attrs["n_hidden"]), epochs=int(ds.attrs["epochs"])))
        return cls(model_of(ds), history_of(ds), {k: float(ds[k].values) for k in SCALARS},
                   np.asarray(ds["generated"].values), int(ds.attrs["size"]), float(ds["temperature"].values),
                   config, ds.attrs["logz_method"], int(ds.attrs["n_train"]), int(ds.attrs["n_test"]))

    @property
    def loglik_gap(self) -> float:
        """Ising ceiling minus the RBM's held-out log-likelihood (nats per configuration)."""
        return self.scalars["ising_loglik"] - self.scalars["test_loglik"]


def train_config(n_hidden: int = default("rbm.n_hidden"), epochs: int = default("rbm.epochs"),
                 flip_moves: bool = default("rbm.flip_moves")) -> TrainConfig:
    """The per-temperature RBMs' recipe (:class:`TrainConfig` defaults) with the config's knobs."""
    return TrainConfig(n_hidden=n_hidden, epochs=epochs, flip_moves=flip_moves)


def lattice_observables(spins: ConfigurationSet) -> tuple[np.ndarray, np.ndarray]:
    """Bond sum and magnetization per spin of every configuration of a set, read group by group."""
    bonds, mags = zip(*((to_numpy(bond_sum_2d(g)), to_numpy(magnetization(g))) for g in spins.groups()))
    return np.concatenate(bonds), np.concatenate(mags)


def fit_temperature(
    spins, config: TrainConfig | None = None, *, seed: int | Stream, temperature: float, xp=None,
    resume: TrainState | None = None, callback: Callable[[TrainState], None] | None = None,
) -> TemperatureRBM:
    """Train an RBM on the configurations of one temperature and measure it.

    Parameters
    ----------
    spins:
        ±1 lattices ``(samples, L, L)`` in sampling order (array or
        :class:`rgml.streaming.ConfigurationSet`).
    config:
        Training recipe (default :func:`train_config`).
    seed:
        Root seed (keyed (seed, "rbm", L, T, n_hidden) as the workflow keys it) or stream.
    temperature:
        T of the configurations (J/k_B): the exact ceiling needs it.
    xp:
        Array namespace to train on (default: that of ``spins``).
    resume, callback:
        Passed to :func:`rgml.rbm.train.train` (checkpointing).
    """
    config = config or train_config()
    spins = as_set(spins)
    size = spins.head(1).shape[-1]
    xp = xp or array_namespace(spins.head(1))
    train_spins, test_spins = split(spins)
    stream = as_stream(seed, "rbm", size, float(temperature), config.n_hidden)
    result: TrainResult = train(training_units(train_spins, xp), config,
                                seed=None if resume else stream.child("train"),
                                test_data=training_units(test_spins, xp), resume=resume, callback=callback)
    h = result.history
    bonds, mags = lattice_observables(test_spins)
    ising_ll, ising_ll_err = torus_log_likelihood(bonds, size, temperature)
    generated = to_numpy(units_to_spins(generate(result.model, min(test_spins.n, GENERATED_MAX),
                                                 stream.child("generate"), n_steps=GENERATE_SWEEPS),
                                        shape=(size, size)))
    scalars = {
        "test_loglik": h["test_loglik"][-1], "test_loglik_err": h["test_loglik_err"][-1],
        "ising_loglik": ising_ll, "ising_loglik_err": ising_ll_err,
        "energy_data": float((-bonds / (size * size)).mean()), "energy_generated": energy_2d(generated).mean(),
        "abs_m_data": np.abs(mags).mean(), "abs_m_generated": np.abs(magnetization(generated)).mean(),
    }
    model = result.model.to(np)
    return TemperatureRBM(model, h, scalars, generated[:GENERATED_KEPT], size, float(temperature), config,
                          result.logz_method, train_spins.n, test_spins.n)
