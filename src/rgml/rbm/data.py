"""Ising configurations as RBM training data: train / held-out split, ±1 lattices → 0/1 rows.

Spins s = ±1 become units v = (s + 1)/2 (:func:`rgml.rbm.model.spins_to_units`),
one row of L² units per lattice in row-major site order.  The held-out set is
the last :data:`TEST_FRACTION` of the configurations in sampling order, so
it is separated from the training set by Monte Carlo time.
"""

from __future__ import annotations

from rgml.rbm.model import spins_to_units
from rgml.streaming import ConfigurationSet

#: Fraction of each temperature's configurations held out (the last ones in sampling order).
TEST_FRACTION = 0.2


def split(spins):
    """Train / held-out configurations: the first 80 % and the last 20 % in sampling order.

    ``spins``: an array or a :class:`rgml.streaming.ConfigurationSet`.
    """
    if isinstance(spins, ConfigurationSet):
        n_test = max(1, int(round(TEST_FRACTION * spins.n)))
        return spins.slice(0, spins.n - n_test), spins.slice(spins.n - n_test, spins.n)
    n_test = max(1, int(round(TEST_FRACTION * spins.shape[0])))
    return spins[:-n_test], spins[-n_test:]


def flat_units(spins):
    """±1 lattices ``(n, L, L)`` as 0/1 rows ``(n, L²)`` (row-major sites)."""
    return spins_to_units(spins.reshape(spins.shape[0], -1))


def training_units(spins: ConfigurationSet, xp) -> ConfigurationSet:
    """A set of ±1 lattices as 0/1 training rows on the namespace ``xp`` (int8 lattices move, then convert)."""
    return spins.to(xp).map(flat_units)


def as_set(spins) -> ConfigurationSet:
    """An array of lattices as an in-memory set (a set is returned as is)."""
    return spins if isinstance(spins, ConfigurationSet) else ConfigurationSet.from_array(spins)
