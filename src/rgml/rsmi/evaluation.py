"""Data sets of (V, E) rows and the bound evaluated over a whole set.

:class:`Pairs` holds the rows cut from configurations
(:func:`rgml.rsmi.partition.extract`), grouped by configuration so that
error bars treat a configuration, with all its block positions and its
global flip, as one sample.  :class:`StreamedPairs` cuts them group by group
from configurations read from a store (:mod:`rgml.streaming`), so that only
one group of rows is resident.  :func:`evaluate` pushes a whole set through
the filters and the critic and returns the bound with its standard error; the
fit uses it for held-out estimates; :func:`set_scores` gives the rows'
terms for the critic's calibration (:mod:`rgml.rsmi.calibration`), with the
critic's hidden pre-activations in place of its scores where the calibration
rescales the hidden layer too.
"""

from __future__ import annotations

import itertools

import numpy as np

from rgml.backend import array_namespace, to_numpy
from rgml.rsmi.coarse import hidden_log_probs, hidden_states, preactivation
from rgml.rsmi.critic import critic_forward, critic_preactivation
from rgml.rsmi.estimators import pointwise
from rgml.rng import Stream
from rgml.stats import estimate
from rgml.streaming import ConfigurationSet

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
        self.n_visible, self.n_environment = self.visible.shape[1], self.environment.shape[1]

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

    def rows(self, index, environment_dtype=None):
        """Float ``(V, E)`` for augmented row indices: V in float64, E in ``environment_dtype`` (default float64).

        The stored values are small integers (±1 spins, 0/1 occupations), exact in float32 too.
        """
        xp = self.xp
        environment_dtype = environment_dtype or xp.float64
        if self.n_rows == self.n_stored:  # no flips: skip the sign pass
            return self.visible[index].astype(xp.float64), self.environment[index].astype(environment_dtype)
        base = index % self.n_stored
        sign = xp.where(index < self.n_stored, 1.0, -1.0)[:, None]
        return (
            self.visible[base].astype(xp.float64) * sign,
            self.environment[base].astype(environment_dtype) * sign.astype(environment_dtype),
        )

    def config_of(self, index):
        """Configuration index of augmented rows."""
        return (index % self.n_stored) // self.n_position

    def groups(self):
        """The set as one group (the interface of :class:`StreamedPairs`)."""
        yield self

    def schedule(self, batch_size: int, stream: Stream):
        """The rows each training step draws from: always this set."""
        return itertools.repeat(self)


class StreamedPairs:
    """(V, E) rows of configurations read group by group (:class:`rgml.streaming.ConfigurationSet`).

    ``cut(lattices) -> (V, E)`` is :func:`rgml.rsmi.partition.extract` for the
    fit's geometry and block positions.
    """

    def __init__(self, configurations: ConfigurationSet, cut, *, flip: bool):
        self.configurations, self.cut, self.flip = configurations, cut, flip
        first = self._pairs(configurations.head(1))
        self.xp = first.xp
        self.n_config = configurations.n
        self.n_visible, self.n_environment = first.n_visible, first.n_environment

    def _pairs(self, lattices) -> Pairs:
        return Pairs(*self.cut(lattices), flip=self.flip)

    def head(self, n_config: int) -> "Pairs | StreamedPairs":
        """The first ``n_config`` configurations: read now if they fit in one group, else when used."""
        first = self.configurations.slice(0, min(n_config, self.n_config))
        if first.n <= first.group_rows:
            return self._pairs(first.head(first.n))
        return StreamedPairs(first, self.cut, flip=self.flip)

    def groups(self):
        """:class:`Pairs` of every group of configurations, in sampling order."""
        for lattices in self.configurations.groups():
            yield self._pairs(lattices)

    def schedule(self, batch_size: int, stream: Stream):
        """The resident :class:`Pairs` for each training step, endlessly.

        Groups come in random block order (:meth:`rgml.streaming.ConfigurationSet.shuffled_groups`,
        a fresh order from ``stream`` on every pass) and each stays resident
        for as many steps as one pass over its rows takes,
        ``ceil(rows / batch_size)``.
        """
        while True:
            for lattices in self.configurations.shuffled_groups(stream):
                pairs = self._pairs(lattices)
                for _ in range(-(-pairs.n_rows // batch_size)):
                    yield pairs


def _scores(filters, critic, pairs: Pairs, states, *, hidden: bool = False):
    """``ln Q`` and critic scores of every augmented row (chunked); ``hidden``: the critic's
    hidden pre-activations ``W₁ E + b₁`` instead of its scores."""
    xp = pairs.xp
    log_q, scores = [], []
    for start in range(0, pairs.n_rows, _CHUNK):
        index = xp.arange(start, min(start + _CHUNK, pairs.n_rows))
        visible, environment = pairs.rows(index)
        log_q.append(hidden_log_probs(preactivation(visible, filters), states))
        scores.append(critic_preactivation(critic, environment) if hidden else critic_forward(critic, environment)[0])
    return xp.concatenate(log_q), xp.concatenate(scores)


def set_scores(filters, critic, pairs: Pairs | StreamedPairs, *, hidden: bool = False):
    """``ln Q`` and critic scores ``(rows, M)`` of every row of a set, groups in order (all resident at once);
    ``hidden``: the critic's hidden pre-activations ``(rows, r)`` instead of its scores."""
    xp = pairs.xp
    states = hidden_states(filters.shape[0], xp)
    parts = [_scores(filters, critic, group, states, hidden=hidden) for group in pairs.groups()]
    return xp.concatenate([p[0] for p in parts]), xp.concatenate([p[1] for p in parts])


def evaluate(filters, critic, pairs: Pairs | StreamedPairs, estimator: str) -> tuple[float, float]:
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
    states = hidden_states(filters.shape[0], xp)
    per_config = []
    for group in pairs.groups():
        psi = pointwise(estimator, *_scores(filters, critic, group, states))
        rows = xp.bincount(group.config_of(xp.arange(group.n_rows)), weights=psi, minlength=group.n_config)
        per_config.append(to_numpy(rows) / (group.n_rows / group.n_config))
    stats = estimate(np.concatenate(per_config))
    return stats.mean, stats.error
