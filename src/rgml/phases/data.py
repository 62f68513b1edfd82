"""Inputs of the phase analyses: configurations per size, Monte Carlo-time splits, chain-block bootstrap.

Every analysis of :mod:`rgml.phases` works on the configurations of several
lattice sizes over one temperature grid.  :class:`SizeSamples` holds one
size (the layout of a sample store, ``spins (temperature, sample, y, x)``
with sample = step · chains + chain); :func:`collect` turns what a caller
has — sample-store datasets or :class:`SizeSamples` — into ``{L: SizeSamples}``
and checks that the sizes share their grid.

Stored samples of one chain are correlated in Monte Carlo time (thinned at
about 2 τ_int, DESIGN.md §5), so

* training and test configurations are split by contiguous chunks of steps
  (:func:`time_split`), never configuration by configuration;
* error bars come from a bootstrap whose unit is a contiguous block of steps
  of one chain (:func:`block_labels`, :func:`bootstrap_means`; the
  non-overlapping block bootstrap of Carlstein, Ann. Stat. 14, 1171 (1986)
  and Künsch, Ann. Stat. 17, 1217 (1989)).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from rgml.backend import array_namespace, to_numpy
from rgml.rng import Stream
from rgml.rsmi.partition import split_configurations


@dataclass(frozen=True)
class SizeSamples:
    """Configurations of one L × L torus over a temperature grid.

    Attributes
    ----------
    temperatures:
        ``(n_T,)`` increasing temperatures in J/k_B (host float64).
    spins:
        ``(n_T, n_samples, L, L)`` ±1 ``int8`` (NumPy, CuPy, or a store-backed
        ``xarray.DataArray`` read lazily), sample = step · chains + chain as
        the sampler stores them.
    chains:
        Number of interleaved Markov chains.
    """

    temperatures: np.ndarray
    spins: Any
    chains: int = 1

    def __post_init__(self):
        t = np.asarray(self.temperatures, dtype=np.float64)
        object.__setattr__(self, "temperatures", t)
        shape = tuple(self.spins.shape)
        if len(shape) != 4 or shape[2] != shape[3]:
            raise ValueError(f"spins: expected shape (temperature, sample, L, L), got {shape}")
        if shape[0] != t.size:
            raise ValueError(f"spins has {shape[0]} temperatures but temperatures has {t.size}")
        if t.size > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("temperatures must be strictly increasing; sort the grid (and the spins with it)")
        if self.chains < 1 or shape[1] < 2 * self.chains:
            raise ValueError(f"chains: need 1 <= chains <= samples / 2, got {self.chains} for {shape[1]} samples")

    @property
    def size(self) -> int:
        """Linear size L."""
        return int(self.spins.shape[-1])

    @property
    def n_samples(self) -> int:
        """Configurations per temperature."""
        return int(self.spins.shape[1])

    def flat(self, t: int, index=None, dtype=None):
        """Configurations of temperature number ``t`` as a float ``(n, L²)`` array on their namespace.

        Lazily read spins (an ``xarray.DataArray`` backed by a store) are read here, one temperature
        (or the selected configurations of it) at a time.
        """
        xp = array_namespace(self.spins)
        rows = self.spins[t]
        if index is not None:
            rows = rows[xp.asarray(index)]
        return xp.asarray(rows, dtype=dtype or xp.float64).reshape(rows.shape[0], -1)

    @classmethod
    def from_dataset(cls, ds, *, xp=np, load: bool = True) -> "SizeSamples":
        """Configurations of a sample store (``xarray.Dataset`` with ``spins (temperature, sample, y, x)``).

        ``chains`` comes from the ``chain_index`` dimension, or from the ``chain`` coordinate, or
        is 1.  ``xp`` is the namespace to hold the spins on (``cupy`` for a GPU run).  With
        ``load=False`` (NumPy only) the spins stay in the store and each analysis reads one
        temperature at a time: memory then grows with one temperature's configurations, not all.
        """
        if "spins" not in ds:
            raise ValueError("dataset: no 'spins' variable; pass a 2D sample store (results/samples/ising2d/L*.zarr)")
        spins = ds["spins"].transpose("temperature", "sample", "y", "x")
        if "chain_index" in ds.sizes:
            chains = int(ds.sizes["chain_index"])
        elif "chain" in ds.coords:
            chains = int(np.asarray(ds["chain"]).max()) + 1
        else:
            chains = 1
        temps = np.asarray(ds["temperature"], dtype=np.float64)
        if not load:
            if xp is not np:
                raise ValueError("load=False reads the store lazily on the host; load the spins to use a device")
            return cls(temps, spins, chains)
        return cls(temps, xp.asarray(np.asarray(spins.values, dtype=np.int8)), chains)


def collect(samples) -> dict[int, SizeSamples]:
    """``{L: SizeSamples}`` sorted by L from datasets or :class:`SizeSamples`.

    ``samples`` is one item, a sequence of items or a mapping ``{L: item}``;
    an item is a sample-store ``xarray.Dataset`` or a :class:`SizeSamples`.
    Every size must have the same temperature grid.
    """
    if isinstance(samples, Mapping):
        items = list(samples.values())
    elif isinstance(samples, Sequence) and not isinstance(samples, (str, bytes)):
        items = list(samples)
    else:
        items = [samples]
    if not items:
        raise ValueError("samples: give at least one size")
    out: dict[int, SizeSamples] = {}
    for item in items:
        s = item if isinstance(item, SizeSamples) else SizeSamples.from_dataset(item)
        if s.size in out:
            raise ValueError(f"samples: size L={s.size} given twice")
        out[s.size] = s
    grids = {L: s.temperatures for L, s in out.items()}
    first = next(iter(grids.values()))
    for L, t in grids.items():
        if t.shape != first.shape or not np.array_equal(t, first):
            raise ValueError(f"samples: L={L} has another temperature grid; every size must share one grid")
    return dict(sorted(out.items()))


def block_labels(n_samples: int, *, chains: int = 1, blocks: int = 40) -> np.ndarray:
    """Bootstrap unit of every stored sample: a contiguous block of steps of one chain.

    Each chain is cut into ``max(1, blocks // chains)`` segments of (nearly)
    equal length; the label of sample = step · chains + chain is
    ``chain · segments + segment``.
    """
    if chains < 1 or blocks < 2:
        raise ValueError(f"need chains >= 1 and blocks >= 2, got chains={chains}, blocks={blocks}")
    segments = max(1, blocks // chains)
    steps = -(-n_samples // chains)
    if steps < segments or chains * segments < 2:
        raise ValueError(f"blocks: {n_samples} samples in {chains} chains cannot be cut into "
                         f"{chains * segments} blocks; use fewer blocks")
    index = np.arange(n_samples)
    return (index % chains) * segments + (index // chains) * segments // steps


def time_split(n_samples: int, stream: Stream, *, holdout: float, chunks: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Training and test indices by contiguous chunks of Monte Carlo time (all chains of a chunk together).

    ``round(holdout · chunks)`` of the ``chunks`` chunks, drawn from ``stream``, are the test set
    (:func:`rgml.rsmi.partition.split_configurations`).
    """
    return split_configurations(n_samples, stream, holdout=holdout, n_chunks=chunks)


def evenly_spaced(index: np.ndarray, count: int | None) -> np.ndarray:
    """``count`` entries of ``index`` spread evenly over it (all of them when ``count`` is None or larger)."""
    index = np.asarray(index)
    if count is None or count >= index.size:
        return index
    return index[np.linspace(0, index.size - 1, count).round().astype(np.int64)]


def bootstrap_means(values, labels: np.ndarray, stream: Stream, n_boot: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of per-sample ``values`` and their block-bootstrap replicas.

    Parameters
    ----------
    values:
        ``(n,)`` or ``(n, k)`` per-configuration quantities (host or device).
    labels:
        ``(n,)`` block of every configuration (:func:`block_labels`).
    stream:
        Draws ``n_boot × n_blocks`` block indices.
    n_boot:
        Replicas (0: none).

    Returns
    -------
    (mean ``(k,)``, replicas ``(n_boot, k)``) as host float64; a replica draws
    the blocks with replacement and averages the configurations they hold.
    """
    v = np.asarray(to_numpy(values), dtype=np.float64)
    v = v[:, None] if v.ndim == 1 else v
    labels = np.asarray(labels)
    _, unit = np.unique(labels, return_inverse=True)
    n_units = int(unit.max()) + 1
    sums = np.zeros((n_units, v.shape[1]))
    np.add.at(sums, unit, v)
    counts = np.bincount(unit, minlength=n_units).astype(np.float64)
    mean = sums.sum(axis=0) / counts.sum()
    if n_boot == 0:
        return mean, np.empty((0, v.shape[1]))
    picks = (stream.bits((n_boot, n_units)) % np.uint64(n_units)).astype(np.int64)
    weight = np.zeros((n_boot, n_units))
    np.add.at(weight, (np.repeat(np.arange(n_boot), n_units), picks.ravel()), 1.0)
    return mean, (weight @ sums) / (weight @ counts)[:, None]


def check_bootstrap(n_boot: int, blocks: int) -> None:
    """Refuse bootstrap settings that cannot give an error bar (a config's ``n_boot`` and ``blocks``)."""
    if n_boot < 2:
        raise ValueError(f"n_boot: need at least 2 bootstrap replicas, got {n_boot}")
    if blocks < 2:
        raise ValueError(f"blocks: need at least 2 chain blocks per temperature, got {blocks}")


def spread(replicas: np.ndarray, axis: int = 0) -> np.ndarray:
    """Standard deviation (ddof = 1) over the finite replicas; NaN where fewer than two are finite."""
    r = np.asarray(replicas, dtype=np.float64)
    ok = np.isfinite(r)
    count = ok.sum(axis=axis)
    mean = np.where(ok, r, 0.0).sum(axis=axis) / np.maximum(count, 1)
    dev = np.where(ok, r - np.expand_dims(mean, axis), 0.0)
    var = (dev**2).sum(axis=axis) / np.maximum(count - 1, 1)
    return np.where(count > 1, np.sqrt(var), np.nan)


SUMMARY_COLUMNS = ("analysis", "model", "L", "quantity", "value", "error")


def summary_table(analysis: str, rows) -> pd.DataFrame:
    """Tidy headline numbers, one row per ``(model, L, quantity, value, error)``.

    ``L`` is the size a number belongs to (the smaller size for a crossing of two sizes) and empty
    (``<NA>``) for a number from all sizes together; ``error`` is NaN where there is none.
    """
    frame = pd.DataFrame([{"analysis": analysis, "model": str(m), "L": None if L is None else int(L),
                           "quantity": q, "value": float(v), "error": float(e)} for m, L, q, v, e in rows],
                         columns=list(SUMMARY_COLUMNS))
    frame["L"] = frame["L"].astype("Int64")
    return frame


#: Dataset attribute holding an analysis' settings.  Not ``config``: the pipeline's provenance
#: (:func:`rgml.store.provenance`) writes the workflow configuration there.
CONFIG_ATTR = "analysis_config"


def config_attrs(analysis: str, config) -> dict:
    """Dataset attributes of a result: the analysis name and its frozen config dataclass as JSON."""
    return {"analysis": analysis, CONFIG_ATTR: json.dumps(asdict(config), sort_keys=True)}


def config_from_attrs(cls, attrs) -> object:
    """Inverse of :func:`config_attrs` (lists become tuples where the field default is a tuple)."""
    if CONFIG_ATTR not in attrs:
        raise ValueError(f"no {CONFIG_ATTR!r} attribute: not a dataset written by {cls.__name__}'s result")
    values = json.loads(attrs[CONFIG_ATTR])
    for f in fields(cls):
        if isinstance(values.get(f.name), list):
            values[f.name] = tuple(values[f.name])
    return cls(**values)
