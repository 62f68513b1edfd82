"""Data sets of (V, E) rows and the bound evaluated over a whole set.

:class:`Pairs` holds the rows cut from configurations
(:func:`rgml.rsmi.partition.extract`), grouped by configuration so that
error bars treat a configuration, with all its block positions and its
global flip, as one sample.  :func:`evaluate` pushes a whole set through the
filters and the critic and returns the bound with its standard error; the
fit uses it for held-out estimates.
"""

from __future__ import annotations

from rgml.backend import array_namespace, to_numpy
from rgml.rsmi.coarse import hidden_log_probs, hidden_states, preactivation
from rgml.rsmi.critic import critic_forward
from rgml.rsmi.estimators import pointwise
from rgml.stats import estimate

#: Rows per chunk when a whole data set is pushed through the critic.
_CHUNK = 16384


class Pairs:
    """(V, E) rows grouped by configuration, with optional global flips.

    Row ``r`` of the augmented set is stored row ``r mod n`` with sign
    ``+1`` for ``r < n`` and ``−1`` otherwise, so flips cost no memory.
    """

    def __init__(self, visible, environment, *, flip: bool):
        if visible.ndim == 2:
            visible, environment = visible[:, None, :], environment[:, None, :]
        if visible.ndim != 3 or environment.ndim != 3 or visible.shape[:2] != environment.shape[:2]:
            raise ValueError(
                "visible and environment must be (configurations, positions, sites) or "
                f"(rows, sites) with matching leading axes, got {visible.shape} and {environment.shape}"
            )
        self.xp = array_namespace(visible, environment)
        self.n_config, self.n_position = visible.shape[:2]
        self.visible = visible.reshape(-1, visible.shape[2])
        self.environment = environment.reshape(-1, environment.shape[2])
        self.n_stored = self.visible.shape[0]
        self.n_rows = self.n_stored * (2 if flip else 1)

    def head(self, n_config: int) -> "Pairs":
        """The first ``n_config`` configurations (a view)."""
        n_config = min(n_config, self.n_config)
        rows = n_config * self.n_position
        shape = (n_config, self.n_position)
        return Pairs(
            self.visible[:rows].reshape(*shape, -1),
            self.environment[:rows].reshape(*shape, -1),
            flip=self.n_rows > self.n_stored,
        )

    def rows(self, index):
        """Float64 ``(V, E)`` for augmented row indices."""
        xp = self.xp
        base = index % self.n_stored
        sign = xp.where(index < self.n_stored, 1.0, -1.0)[:, None]
        return (
            self.visible[base].astype(xp.float64) * sign,
            self.environment[base].astype(xp.float64) * sign,
        )

    def config_of(self, index):
        """Configuration index of augmented rows."""
        return (index % self.n_stored) // self.n_position


def _scores(filters, critic, pairs: Pairs, states):
    """``ln Q`` and critic scores of every augmented row (chunked)."""
    xp = pairs.xp
    log_q, scores = [], []
    for start in range(0, pairs.n_rows, _CHUNK):
        index = xp.arange(start, min(start + _CHUNK, pairs.n_rows))
        visible, environment = pairs.rows(index)
        log_q.append(hidden_log_probs(preactivation(visible, filters), states))
        scores.append(critic_forward(critic, environment)[0])
    return xp.concatenate(log_q), xp.concatenate(scores)


def evaluate(filters, critic, pairs: Pairs, estimator: str) -> tuple[float, float]:
    """Bound on I(H:E) over a whole set and its standard error (nats).

    ``filters`` are ``(n_hidden, n_V)`` on the namespace of ``pairs``;
    ``critic`` as in :mod:`rgml.rsmi.critic`.

    The error is that of the mean of the influence terms
    (:func:`rgml.rsmi.estimators.pointwise`) averaged per configuration, in
    sampling order, with the integrated autocorrelation time of that series
    (:func:`rgml.stats.estimate`), so correlated Monte Carlo samples get
    honest error bars.
    """
    xp = pairs.xp
    log_q, scores = _scores(filters, critic, pairs, hidden_states(filters.shape[0], xp))
    psi = pointwise(estimator, log_q, scores)
    per_config = xp.bincount(pairs.config_of(xp.arange(pairs.n_rows)), weights=psi, minlength=pairs.n_config)
    stats = estimate(to_numpy(per_config) / (pairs.n_rows / pairs.n_config))
    return stats.mean, stats.error
