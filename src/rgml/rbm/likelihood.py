"""Log-likelihood of data under an RBM, with an exact or AIS ln Z.

``ln P(v) = −F(v) − ln Z`` (nats).  The mean over a held-out set is the
figure of merit (DESIGN.md §5: pseudo-likelihood can improve while the true
likelihood collapses).  Its error combines the spread over samples (taken as
independent) with the error of ln Z, which shifts every sample alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rgml.rbm.ais import ais_log_partition
from rgml.rbm.logz import log_partition
from rgml.rbm.model import RBM
from rgml.rng import Stream
from rgml.streaming import ConfigurationSet

LOGZ_METHODS = ("auto", "exact", "ais")

#: ``method="auto"`` enumerates when the smaller layer has at most this many units.
MAX_EXACT_UNITS = 20


@dataclass(frozen=True)
class LogPartition:
    """ln Z (nats), its standard error (0 when exact) and how it was obtained."""

    value: float
    error: float
    method: str


@dataclass(frozen=True)
class LogLikelihood:
    """Mean log-likelihood per sample (nats) of a data set.

    Attributes
    ----------
    mean:
        (1/n) Σ ln P(v_n).
    error:
        √(sd²/n + σ_lnZ²): sample spread plus the ln Z error.
    log_z:
        The :class:`LogPartition` used.
    n_samples:
        Number of configurations averaged.
    """

    mean: float
    error: float
    log_z: LogPartition
    n_samples: int


def estimate_log_partition(
    model: RBM,
    *,
    method: str = "auto",
    stream: Stream | None = None,
    max_exact_units: int = MAX_EXACT_UNITS,
    ais_runs: int = 100,
    ais_betas: int = 14_500,
    base_visible_bias=None,
) -> LogPartition:
    """ln Z exactly (enumerating the smaller layer) or by AIS.

    ``method="auto"`` is exact when ``min(N_v, N_h) ≤ max_exact_units``, else
    AIS.  AIS needs ``stream``; ``base_visible_bias`` is its base-rate model
    (see :func:`rgml.rbm.ais.ais_log_partition`).
    """
    if method not in LOGZ_METHODS:
        raise ValueError(f"estimate_log_partition: method must be one of {LOGZ_METHODS}, not {method!r}")
    if method == "auto":
        method = "exact" if min(model.n_visible, model.n_hidden) <= max_exact_units else "ais"
    if method == "exact":
        return LogPartition(log_partition(model, side="auto"), 0.0, "exact")
    if stream is None:
        raise ValueError("estimate_log_partition: AIS needs a random stream; pass stream=")
    result = ais_log_partition(
        model, stream, n_runs=ais_runs, n_betas=ais_betas, base_visible_bias=base_visible_bias
    )
    return LogPartition(result.log_z, result.log_z_err, "ais")


def log_likelihood(model: RBM, units, log_z: float):
    """ln P(v) = −F(v) − ln Z for each row of ``units`` (0/1), nats, in float64."""
    xp = model.xp
    return -model.as_float64().free_energy(xp.asarray(units, dtype=xp.float64)) - log_z


def mean_log_likelihood(model: RBM, units, log_z: LogPartition) -> LogLikelihood:
    """Mean ln P(v) per sample over the rows of ``units`` with its error.

    ``units``: 0/1 rows, or a :class:`rgml.streaming.ConfigurationSet` of them (read group by group).
    """
    if isinstance(units, ConfigurationSet):
        per_sample = model.xp.concatenate([log_likelihood(model, g, log_z.value) for g in units.groups()])
    else:
        per_sample = log_likelihood(model, units, log_z.value)
    n = per_sample.shape[0]
    spread = float(per_sample.std()) / math.sqrt(n) if n > 1 else 0.0
    return LogLikelihood(
        mean=float(per_sample.mean()),
        error=math.hypot(spread, log_z.error),
        log_z=log_z,
        n_samples=n,
    )
