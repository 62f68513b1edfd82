"""Close-packed dimers on the square torus: representation, energy, winding numbers.

Representation
--------------
A configuration is a set of occupied links of the ``Ly × Lx`` periodic square
lattice with every site covered by exactly one dimer.  It is stored as an
``int8`` array of link occupations ``n ∈ {0, 1}`` of shape
``(..., 2, Ly, Lx)`` (usually ``(samples, 2, L, L)``), where each site owns the
two links leaving it in the positive directions:

* ``dimers[..., 0, y, x]`` — the horizontal link ``(y, x)–(y, x+1)``;
* ``dimers[..., 1, y, x]`` — the vertical link ``(y, x)–(y+1, x)``;

indices modulo the lattice sides.  Both sides must be even (a torus with an
odd number of sites has no dimer covering) and at least 4 (on a side-2 torus
two distinct links join the same pair of sites).

Sublattices and signs
---------------------
Site ``(y, x)`` is on sublattice A when ``x + y`` is even.  The staggered sign
``η(y, x) = (−1)^(x+y)`` orients every link from A to B: the lattice electric
field of :mod:`rgml.dimers.fields` is ``E_l = η (n_l − 1/4)`` on the link owned
by ``(y, x)``.

Interaction
-----------
Alet et al., Phys. Rev. Lett. 94, 235702 (2005) and Phys. Rev. E 74, 041124
(2006): an energy ``v`` for every plaquette holding two parallel dimers,

    H = v N_∥,     N_∥ = Σ_(y,x) [n_0(y,x) n_0(y+1,x) + n_1(y,x) n_1(y,x+1)],

with ``v = −1`` (aligning).  Temperatures are in units of ``|v|/k_B``;
energies are reported per site, ``e = v N_∥ / (Ly Lx)``.

Winding numbers
---------------
The flux of the electric field through a cut of the torus (Alet et al. 2006;
Henley, Annu. Rev. Condens. Matter Phys. 1, 179 (2010)):

    W_x = Σ_y η(y, 0) n_0(y, 0),      W_y = Σ_x η(0, x) n_1(0, x),

the signed number of dimers crossing the cut between columns 0 and 1 (rows 0
and 1), +1 for a dimer whose left (lower) end is on sublattice A.  The field
is divergence-free, so every parallel cut gives the same integer; it ranges
over ``−L/2 … L/2`` and is 0 in every columnar state.
"""

from __future__ import annotations

import numpy as np

#: Index of the horizontal (x) and vertical (y) link of a site along axis −3.
HORIZONTAL, VERTICAL = 0, 1


def check_dimers(dimers, *, name: str = "dimers") -> np.ndarray:
    """Return ``dimers`` as an array after checking its layout ``(..., 2, Ly, Lx)``.

    Raises ValueError if the shape is not ``(..., 2, Ly, Lx)`` with even sides
    ≥ 4, or if the entries are not 0/1.  The close-packing constraint is not
    checked here (see :func:`is_close_packed`).
    """
    dimers = np.asarray(dimers)
    if dimers.ndim < 3 or dimers.shape[-3] != 2:
        raise ValueError(f"{name}: expected link occupations of shape (..., 2, Ly, Lx), got {dimers.shape}")
    ly, lx = dimers.shape[-2:]
    if ly % 2 or lx % 2 or ly < 4 or lx < 4:
        raise ValueError(f"{name}: torus sides must be even and at least 4, got {ly} × {lx}")
    if dimers.size and not np.isin(dimers, (0, 1)).all():
        raise ValueError(f"{name}: link occupations must be 0 or 1")
    return dimers


def staggered_sign(ly: int, lx: int | None = None) -> np.ndarray:
    """``η(y, x) = (−1)^(x+y)`` as an int8 ``(Ly, Lx)`` array (+1 on sublattice A)."""
    lx = ly if lx is None else lx
    y, x = np.indices((ly, lx))
    return (1 - 2 * ((y + x) % 2)).astype(np.int8)


def coverage(dimers) -> np.ndarray:
    """Number of dimers touching each site: int ``(..., Ly, Lx)`` (1 everywhere when close-packed)."""
    d = np.asarray(dimers, dtype=np.int16)
    h, v = d[..., 0, :, :], d[..., 1, :, :]
    return h + np.roll(h, 1, axis=-1) + v + np.roll(v, 1, axis=-2)


def is_close_packed(dimers) -> np.ndarray:
    """True for each configuration in which every site is covered exactly once: bool ``(...)``."""
    dimers = check_dimers(dimers)
    return (coverage(dimers) == 1).all(axis=(-2, -1))


def parallel_plaquettes(dimers) -> np.ndarray:
    """N_∥, the number of plaquettes holding two parallel dimers: int64 ``(...)``.

    Plaquette ``(y, x)`` has corners ``(y, x)``, ``(y, x+1)``, ``(y+1, x)``,
    ``(y+1, x+1)``; it counts once if both its horizontal links or both its
    vertical links are occupied (in a close-packed configuration not both).
    """
    d = np.asarray(dimers, dtype=np.int64)
    h, v = d[..., 0, :, :], d[..., 1, :, :]
    return (h * np.roll(h, -1, axis=-2)).sum(axis=(-2, -1)) + (v * np.roll(v, -1, axis=-1)).sum(axis=(-2, -1))


def energy(dimers, *, interaction: float = -1.0) -> np.ndarray:
    """Energy per site ``v N_∥ / (Ly Lx)``, float64 ``(...)``, in units of |v| (Alet et al. 2005)."""
    d = np.asarray(dimers)
    return interaction * parallel_plaquettes(d) / (d.shape[-2] * d.shape[-1])


def winding_numbers(dimers) -> np.ndarray:
    """``(W_x, W_y)`` of each configuration, int64 ``(..., 2)`` (see the module docstring)."""
    d = np.asarray(dimers, dtype=np.int64)
    ly, lx = d.shape[-2:]
    eta = staggered_sign(ly, lx).astype(np.int64)
    w_x = (eta[:, 0] * d[..., 0, :, 0]).sum(axis=-1)
    w_y = (eta[0, :] * d[..., 1, 0, :]).sum(axis=-1)
    return np.stack([w_x, w_y], axis=-1)


def columnar_state(ly: int, lx: int | None = None, *, orientation: int = HORIZONTAL, shift: int = 0) -> np.ndarray:
    """One of the four columnar crystals, int8 ``(2, Ly, Lx)``.

    ``orientation=0``: horizontal dimers on the links owned by the sites with
    ``x ≡ shift (mod 2)``; ``orientation=1``: vertical dimers at
    ``y ≡ shift (mod 2)``.  These are the ground states for ``v < 0``
    (N_∥ = Ly Lx / 2, the maximum).
    """
    lx = ly if lx is None else lx
    d = np.zeros((2, ly, lx), np.int8)
    if orientation == HORIZONTAL:
        d[0, :, shift % 2::2] = 1
    elif orientation == VERTICAL:
        d[1, shift % 2::2, :] = 1
    else:
        raise ValueError(f"orientation: expected 0 (horizontal) or 1 (vertical), got {orientation}")
    return check_dimers(d)


def staggered_state(ly: int, lx: int | None = None) -> np.ndarray:
    """The staggered crystal (horizontal dimers owned by sublattice A), int8 ``(2, Ly, Lx)``.

    It has no parallel plaquette (N_∥ = 0) and the largest winding,
    ``W = (Ly/2, 0)``.
    """
    lx = ly if lx is None else lx
    d = np.zeros((2, ly, lx), np.int8)
    d[0] = staggered_sign(ly, lx) > 0
    return check_dimers(d)


def translate(dimers, dy: int, dx: int) -> np.ndarray:
    """The configurations shifted by ``(dy, dx)`` sites (an odd shift swaps the sublattices: E → −E)."""
    return np.roll(np.asarray(dimers), (dy, dx), axis=(-2, -1))


def transpose(dimers) -> np.ndarray:
    """The configurations reflected in the diagonal ``x ↔ y``: horizontal links become vertical."""
    d = np.asarray(dimers)
    t = np.swapaxes(d, -1, -2)
    return np.stack([t[..., 1, :, :], t[..., 0, :, :]], axis=-3)


def reflect(dimers) -> np.ndarray:
    """The configurations mirrored ``x → −x`` (reverses W_x, keeps W_y)."""
    d = np.asarray(dimers)
    h = np.flip(d[..., 0, :, :], axis=-1)
    v = np.roll(np.flip(d[..., 1, :, :], axis=-1), 1, axis=-1)
    return np.stack([h, v], axis=-3)
