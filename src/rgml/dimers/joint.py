"""Exact RSMI information on small dimer tori: the joint P(V, E) of the link lattice.

The information a coarse variable keeps, I(H:E), can be checked exactly only
by enumeration (DESIGN.md §5).  For dimers the enumeration is over close-packed
coverings (:func:`rgml.dimers.exact.enumerate_dimers`) with the Boltzmann
weights of the interacting model (Alet et al., Phys. Rev. Lett. 94, 235702
(2005)),

    P(c) = exp(−v N_∥(c) / T) / Z,        v = −1, T = ∞ allowed (uniform),

and V and E are cut from each covering drawn on the link lattice of
:mod:`rgml.dimers.linklattice` with *constant* filler cells, exactly as the
estimator cuts them from samples (:func:`rgml.rsmi.partition.extract` with
:func:`rgml.dimers.link_geometry`).  The result is an
:class:`rgml.rsmi.exact.JointVE`, so ``.mutual_information(filters)`` (filters
as ``(n_hidden, 2ℓ, 2ℓ)`` cell images, fillers included) and
``.visible_environment_mi()`` are those of the Ising tori; its rows are the
block images that occur (a covering constrains the links, so far fewer than
``2**n_V``; rows of probability zero would add nothing).

Noise fillers (independent fair bits) are not enumerated: a filter with zero
weight on the fillers has the same I(H:E) with noise or constant fillers —
the noise is independent of everything — so the exact value of such a filter
is also the target of an estimate on a noise lattice.

Sizes: the 6 × 6 torus has 90 176 coverings (about a second to enumerate);
with ℓ = 2 it holds buffer 1 and environment 1 (window ℓ + 2(L_B + L_E) = 6
sites), or buffer 0 and environment 2.  The 8 × 8 torus (3.1·10⁸ coverings)
is out of reach, so buffers ≥ 2 are not checked exactly.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from rgml.dimers.exact import enumerate_dimers
from rgml.dimers.lattice import parallel_plaquettes
from rgml.dimers.linklattice import link_geometry, link_lattice
from rgml.rng import Stream, as_stream
from rgml.rsmi.exact import JointVE
from rgml.rsmi.partition import extract

#: Largest dense joint table (block images × environment states) built, in entries (8 bytes each).
MAX_JOINT_ENTRIES = 50_000_000


@lru_cache(maxsize=2)
def _coverings(size: int) -> np.ndarray:
    """Every covering of the ``size × size`` torus (read-only, cached: enumeration takes seconds)."""
    coverings = enumerate_dimers(size, size)
    coverings.setflags(write=False)
    return coverings


def boltzmann_probabilities(dimers, temperature: float, *, interaction: float = -1.0) -> np.ndarray:
    """``exp(−v N_∥ / T)`` of each configuration, normalised over the given set: float64 ``(n,)``.

    With every covering of a torus (:func:`rgml.dimers.exact.enumerate_dimers`)
    these are the exact probabilities of the interacting model at T
    (``np.inf``: uniform).
    """
    temperature = float(temperature)
    if not temperature > 0:
        raise ValueError(f"temperature: must be > 0 (np.inf allowed), got {temperature}")
    log_w = -interaction * parallel_plaquettes(dimers).astype(np.float64) / temperature
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def dimer_joint(size: int, temperature: float, block: int, *, buffer: int = 0, env: int = 1,
                interaction: float = -1.0, filler: int = 1) -> JointVE:
    """Exact joint P(V, E) of a block of the ``size × size`` dimer torus on the link lattice.

    Parameters
    ----------
    size:
        Torus side L (even, ≥ 4; 6 is the largest that enumerates).
    temperature:
        T in units of |v|/k_B, ``np.inf`` allowed.
    block, buffer, env:
        ℓ, L_B and L_E in *sites* of the dimer lattice
        (:func:`rgml.dimers.link_geometry`); the block sits at the origin
        (sublattice A).
    interaction:
        Plaquette energy v.
    filler:
        The constant (+1 or −1) of the site and face cells.

    Returns
    -------
    :class:`rgml.rsmi.exact.JointVE` over the ``(2ℓ)²`` cells of the block
    image (C order, as :func:`rgml.rsmi.partition.extract`) and the
    environment states that occur.
    """
    states, v_index, e_index, n_e = _classes(size, block, buffer, env, filler)
    probs = boltzmann_probabilities(_coverings(size), temperature, interaction=interaction)
    joint = np.bincount(v_index * n_e + e_index, weights=probs, minlength=len(states) * n_e)
    return JointVE(probs=joint.reshape(len(states), n_e), visible_states=states.copy())


@lru_cache(maxsize=4)
def _classes(size: int, block: int, buffer: int, env: int, filler: int):
    """Block images that occur, and each covering's block-image and environment class (cached per geometry).

    Returns ``(states, v_index, e_index, n_e)``: float64 ``(n_V states, (2ℓ)²)``
    images, int64 class indices per covering, the number of environment states.
    """
    geometry = link_geometry(block, buffer, env)
    geometry.check_size(2 * size)
    coverings = _coverings(size)
    visible, environment = extract(link_lattice(coverings, filler=filler), geometry, np.zeros((1, 2), np.int64))
    v_first, v_index = _distinct_rows(visible[:, 0])
    e_first, e_index = _distinct_rows(environment[:, 0])
    if len(v_first) * len(e_first) > MAX_JOINT_ENTRIES:
        raise ValueError(f"block {block}, buffer {buffer}, env {env} on the {size} × {size} torus needs a "
                         f"{len(v_first)} × {len(e_first)} joint table; use a smaller block or environment")
    states = visible[v_first, 0].astype(np.float64)
    states.setflags(write=False)
    return states, v_index, e_index, len(e_first)


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First occurrence of each distinct ±1 row and every row's class: ``(first, index)``, int64.

    Rows are packed to bytes and compared as opaque strings (``np.unique``
    on ``axis=0`` of int8 rows is two orders of magnitude slower).
    """
    packed = np.ascontiguousarray(np.packbits(rows > 0, axis=1))
    codes = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, index = np.unique(codes, return_index=True, return_inverse=True)
    return first.astype(np.int64), index.ravel().astype(np.int64)


def exact_dimer_samples(size: int, temperature: float, samples: int, *, seed: int | Stream,
                        interaction: float = -1.0) -> np.ndarray:
    """Independent exact samples of the ``size × size`` dimer torus: int8 ``(samples, 2, L, L)``.

    Inverse-CDF draws over the enumerated coverings weighted by
    :func:`boltzmann_probabilities`, one uniform per sample from
    ``as_stream(seed, "dimers-exact", L, T)``.  Their estimates of I(H:E)
    are checked against :func:`dimer_joint`.
    """
    if samples < 1:
        raise ValueError(f"samples: need at least 1, got {samples}")
    coverings = _coverings(size)
    cdf = np.cumsum(boltzmann_probabilities(coverings, temperature, interaction=interaction))
    u = as_stream(seed, "dimers-exact", size, float(temperature)).uniform(samples)
    index = np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(cdf) - 1)
    return coverings[index].copy()
