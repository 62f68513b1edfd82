"""Toy two-phase configurations for the rgml.phases tests (cheap, exact, keyed).

Every configuration of temperature T has independent spins with
P(s = +1) = (1 + μ) / 2, μ = ±m(T) in a random sector, and
m(T) = (1 − T / T0)^(1/8) below T0, 0 above: an "ordered" phase of uniform
magnetisation and a disordered one, with the transition at T0 by construction.
"""

from __future__ import annotations

import numpy as np

from rgml.phases import SizeSamples
from rgml.rng import Stream

T0 = 2.0


def toy_magnetisation(t: float) -> float:
    return float(max(0.0, 1.0 - t / T0) ** 0.125)


def toy_samples(size: int, temperatures, n_samples: int, *, chains: int = 2, seed: int = 7) -> SizeSamples:
    """:class:`SizeSamples` of the toy model, a deterministic function of its arguments."""
    temps = np.asarray(temperatures, dtype=np.float64)
    spins = np.empty((temps.size, n_samples, size, size), dtype=np.int8)
    for i, t in enumerate(temps):
        stream = Stream.named(seed, "phases-toy", size, float(t))
        sector = np.where(stream.uniform(n_samples) < 0.5, -1.0, 1.0)
        mu = sector * toy_magnetisation(t)
        up = stream.uniform((n_samples, size, size)) < 0.5 * (1.0 + mu[:, None, None])
        spins[i] = np.where(up, 1, -1).astype(np.int8)
    return SizeSamples(temps, spins, chains)


def through_store(ds, path):
    """``ds`` written as the pipeline writes a result (its provenance attributes included) and opened again."""
    from rgml.store import open_store, provenance, write_dataset

    attrs = provenance(title="phases result", seed=1, backend="numpy", config={"phases": {"analysis": "test"}})
    return open_store(write_dataset(ds, path, attrs=attrs))
