"""How sample stores are chunked along their samples (DESIGN.md §4: "a few MiB per chunk").

A chunk holds whole configurations of one temperature; the sampling steps
write one chunk per production block, and the training steps read their
configurations whole chunks at a time (:mod:`rgml.streaming`).  The config
check of :mod:`rgml.config` needs the same numbers, so this module imports
nothing.
"""

from __future__ import annotations

#: Bytes of spins per chunk of a sample store.
CHUNK_BYTES = 2 * 2**20


def samples_per_chunk(sites: int, *, chunk_bytes: int = CHUNK_BYTES) -> int:
    """How many int8 configurations of ``sites`` spins fill one chunk."""
    return max(1, chunk_bytes // sites)


def steps_per_block(size: int, chains: int) -> int:
    """Production steps per stored block (one chunk of ``steps · chains`` samples per temperature)."""
    return max(1, samples_per_chunk(size * size) // chains)
