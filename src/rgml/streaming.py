"""Training sets that are read from a sample store in groups that fit a memory budget.

RBM and RSMI training touch their configurations in two ways: in passes over
all of them (unit means, log-likelihoods, held-out bounds) and in shuffled
minibatches.  A :class:`ConfigurationSet` serves both, from an array in
memory or from the ``spins`` of a sample store.  Read from a store, at most
``group_rows`` configurations are resident at a time, so the peak memory of
training is set by the memory budget (config key ``memory_budget_mib``), not
by the number of samples.

Shuffled minibatches (:meth:`ConfigurationSet.batches`):

* a set whose rows all fit in one group draws one permutation of all rows
  per epoch — exactly what an in-memory trainer does, so an in-memory array
  and a store read in one group train bitwise alike;
* a streamed set cuts its rows into blocks of the store's chunk length, draws
  a permutation of the blocks, reads them ``group_rows`` at a time and
  permutes the rows inside each group.  Every minibatch then mixes
  configurations from ``group_rows / block_rows`` chunks spread over the
  whole set, and every row is seen once per epoch.

Both draw from the caller's :class:`rgml.rng.Stream`, so a run is a function
of the seed and the budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from rgml.backend import array_namespace
from rgml.params import default

#: Training data a job holds in memory unless told otherwise (config key ``memory_budget_mib``), bytes.
DEFAULT_BUDGET_BYTES = int(default("memory_budget_mib") * 2**20)

#: Bytes of memory one resident row costs per site: the int8 spins as read, plus the float64 training rows and the
#: shuffled copy of a group.
BYTES_PER_SITE = 1 + 2 * 8


def training_row_bytes(size: int) -> int:
    """Memory one resident L×L configuration costs in RBM training (bytes)."""
    return size * size * BYTES_PER_SITE


def _identity(rows):
    return rows


def batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """``ceil(n / batch_size)`` contiguous near-equal slices covering ``range(n)``."""
    n_batches = -(-n // batch_size)
    edges = [(i * n) // n_batches for i in range(n_batches + 1)]
    return list(zip(edges[:-1], edges[1:]))


@dataclass(frozen=True)
class ConfigurationSet:
    """Rows of a training set, resident in memory or read group by group.

    Attributes
    ----------
    read:
        ``read(positions)`` returns the raw rows at sorted, unique row
        positions ``0 … n−1`` (e.g. ±1 int8 spins read from a store).
    n:
        Number of rows.
    group_rows:
        Rows resident at a time (``≥ n``: the whole set is one group).
    block_rows:
        Rows read together (the store's chunk length along the sample axis).
    transform:
        Maps raw rows to training rows (e.g. ±1 lattices to 0/1 float rows); it
        must act row by row.
    """

    read: Callable[[np.ndarray], object]
    n: int
    group_rows: int
    block_rows: int
    transform: Callable[[object], object] = _identity

    @classmethod
    def from_array(cls, rows) -> "ConfigurationSet":
        """An in-memory set: one group, the array itself (NumPy or CuPy)."""
        n = int(rows.shape[0])

        def read(positions):
            # sorted unique positions: all of them are the array itself (no copy)
            return rows if len(positions) == n else rows[array_namespace(rows).asarray(positions)]

        return cls(read=read, n=n, group_rows=max(n, 1), block_rows=max(n, 1))

    @property
    def resident(self) -> bool:
        """Whether every row fits in one group."""
        return self.group_rows >= self.n

    def reading(self) -> str:
        """For a step's log: ``""`` for a resident set, else how many rows are read from the store at a time."""
        return "" if self.resident else f", read from the store {self.group_rows} at a time"

    def slice(self, start: int, stop: int) -> "ConfigurationSet":
        """Rows ``start … stop − 1`` as a set of their own."""
        if not 0 <= start <= stop <= self.n:
            raise ValueError(f"slice {start}:{stop} is outside a set of {self.n} rows")
        return self.subset(np.arange(start, stop))

    def subset(self, index) -> "ConfigurationSet":
        """The rows at increasing positions ``index`` as a set of their own."""
        index = np.asarray(index, dtype=np.int64)
        if index.size and (np.any(np.diff(index) <= 0) or index[0] < 0 or index[-1] >= self.n):
            raise ValueError(f"subset: positions must increase within 0 … {self.n - 1}")
        read = self.read
        return ConfigurationSet(lambda positions: read(index[positions]), int(index.size), self.group_rows,
                                self.block_rows, self.transform)

    def map(self, fn: Callable[[object], object]) -> "ConfigurationSet":
        """The same rows passed through ``fn`` (row by row) after the current transform."""
        inner = self.transform
        return ConfigurationSet(self.read, self.n, self.group_rows, self.block_rows, lambda raw: fn(inner(raw)))

    def to(self, xp) -> "ConfigurationSet":
        """The same rows on the array namespace ``xp``: raw rows move (host → device) as they are read.

        The current transform then runs on ``xp``; with NumPy this changes nothing.
        """
        read = self.read
        return ConfigurationSet(lambda positions: xp.asarray(read(positions)), self.n, self.group_rows,
                                self.block_rows, self.transform)

    def rows(self, positions) -> object:
        """Training rows at arbitrary ``positions`` (any order, repeats allowed)."""
        positions = np.asarray(positions, dtype=np.int64)
        unique, inverse = np.unique(positions, return_inverse=True)
        rows = self.transform(self.read(unique))
        xp = array_namespace(rows)
        return rows[xp.asarray(inverse)]

    def head(self, n: int) -> object:
        """The first ``n`` training rows."""
        return self.transform(self.read(np.arange(min(n, self.n))))

    def groups(self) -> Iterator[object]:
        """All training rows in order, ``group_rows`` at a time."""
        for start in range(0, self.n, self.group_rows):
            yield self.transform(self.read(np.arange(start, min(start + self.group_rows, self.n))))

    def column_means(self):
        """Mean of each column over all rows (for one group: ``rows.mean(axis=0)``, bit for bit)."""
        total = None
        for group in self.groups():
            part = group.sum(axis=0)
            total = part if total is None else total + part
        return total / self.n

    def shuffled_groups(self, stream) -> Iterator[object]:
        """Training rows of every group, the groups made of blocks in random order.

        A resident set is one group of all rows and draws nothing; a streamed
        set draws one permutation of its blocks.  Rows inside a group keep
        their order.
        """
        if self.resident:
            groups = [np.arange(self.n)]
        else:
            n_blocks = -(-self.n // self.block_rows)
            order = np.asarray(stream.permutation(n_blocks))
            per_group = max(1, self.group_rows // self.block_rows)
            groups = [np.sort(np.concatenate([np.arange(b * self.block_rows, min((b + 1) * self.block_rows, self.n))
                                              for b in order[g:g + per_group]]))
                      for g in range(0, n_blocks, per_group)]
        for positions in groups:
            yield self.transform(self.read(positions))

    def batches(self, batch_size: int, stream, xp=np) -> Iterator[object]:
        """Shuffled minibatches covering every row once (see the module docstring).

        Batches are the ``ceil(m / batch_size)`` near-equal slices of each
        shuffled group of ``m`` rows (of the whole set when it is resident).
        """
        for rows in self.shuffled_groups(stream):
            shuffled = rows[stream.permutation(rows.shape[0], xp)]
            for start, stop in batch_bounds(shuffled.shape[0], batch_size):
                yield shuffled[start:stop]


def concatenate(sets: list[ConfigurationSet]) -> ConfigurationSet:
    """The rows of ``sets`` one after the other (same transform: that of the first set).

    Groups and blocks are those of the smallest; a read that spans sets reads
    each part and joins them.
    """
    if not sets:
        raise ValueError("concatenate: no sets given")
    offsets = np.cumsum([0] + [part.n for part in sets])

    def read(positions):
        parts = []
        for k, part in enumerate(sets):
            inside = positions[(positions >= offsets[k]) & (positions < offsets[k + 1])]
            if inside.size:
                parts.append(part.read(inside - offsets[k]))
        xp = array_namespace(parts[0])
        return parts[0] if len(parts) == 1 else xp.concatenate(parts)

    return ConfigurationSet(read, int(offsets[-1]), min(part.group_rows for part in sets),
                            min(part.block_rows for part in sets), sets[0].transform)


def in_memory_if_fits(rows: ConfigurationSet, row_bytes: int, budget_bytes: int) -> ConfigurationSet:
    """``rows`` read into memory once when ``n · row_bytes ≤ budget_bytes``, else ``rows`` itself.

    The in-memory set holds the raw rows; its transform is kept.
    """
    if rows.n * row_bytes > budget_bytes:
        return rows
    resident = ConfigurationSet.from_array(rows.read(np.arange(rows.n)))
    return ConfigurationSet(resident.read, resident.n, resident.group_rows, resident.block_rows, rows.transform)
