"""Short-range interactions of 2D configurations (Swendsen, PRL 42, 859 (1979)).

Each interaction α is a sum over the lattice of products of spins,
S_α = Σ_r Π_{δ∈α} s_{r+δ}, translated to every site r of the periodic
lattice; the Hamiltonian of a coarse-grained ensemble is written
H = −Σ_α K_α S_α.

* :data:`INTERACTIONS` are even under a global spin flip, so they span the
  thermal sector that the RG eigenvalue λ_t = b^{1/ν} lives in
  (:func:`interaction_densities`);
* :data:`ODD_INTERACTIONS` are odd (products of an odd number of spins):
  the magnetization and the three-spin products of a plaquette's corner and
  of a straight nearest-neighbour line, then of a diagonal line — the
  standard odd couplings of Monte Carlo RG (Swendsen, PRL 42, 859 (1979);
  Pawley, Swendsen, Wallace & Wilson, PRB 29, 4030 (1984) use the same kind
  in 3D) — spanning the magnetic sector, λ_h = b^{y_h}, y_h = 15/8 in 2D
  (:func:`odd_interaction_densities`).

Both return S_α / L² per configuration.
"""

from __future__ import annotations

from rgml.backend import array_namespace

#: Even interactions in order of range: name and the shapes (lists of (dy, dx) offsets) summed.
INTERACTIONS: tuple[tuple[str, tuple[tuple[tuple[int, int], ...], ...]], ...] = (
    ("nn", (((0, 0), (0, 1)), ((0, 0), (1, 0)))),
    ("nnn", (((0, 0), (1, 1)), ((0, 0), (1, -1)))),
    ("plaquette", (((0, 0), (0, 1), (1, 0), (1, 1)),)),
    ("third", (((0, 0), (0, 2)), ((0, 0), (2, 0)))),
    ("knight", (((0, 0), (1, 2)), ((0, 0), (2, 1)), ((0, 0), (1, -2)), ((0, 0), (2, -1)))),
    ("fourth", (((0, 0), (2, 2)), ((0, 0), (2, -2)))),
)

INTERACTION_NAMES = tuple(name for name, _ in INTERACTIONS)

#: Odd interactions in order of range: magnetization, then three-spin products (every orientation).
ODD_INTERACTIONS: tuple[tuple[str, tuple[tuple[tuple[int, int], ...], ...]], ...] = (
    ("magnetization", (((0, 0),),)),
    ("corner3", (((0, 0), (0, 1), (1, 0)), ((0, 0), (0, 1), (1, 1)),
                 ((0, 0), (1, 0), (1, 1)), ((0, 1), (1, 0), (1, 1)))),
    ("line3", (((0, 0), (0, 1), (0, 2)), ((0, 0), (1, 0), (2, 0)))),
    ("diagonal3", (((0, 0), (1, 1), (2, 2)), ((0, 0), (1, -1), (2, -2)))),
)

ODD_INTERACTION_NAMES = tuple(name for name, _ in ODD_INTERACTIONS)


def interaction_densities(spins, n: int = len(INTERACTIONS)):
    """S_α / L² of the first ``n`` even interactions for lattices ``(..., L, L)``: ``(..., n)`` float64.

    Products of ±1 spins stay ±1, so they are formed in int8 and summed in
    int32 (exact); each shifted copy of the lattice is made once.
    """
    return _densities(spins, INTERACTIONS[:n])


def odd_interaction_densities(spins, n: int = len(ODD_INTERACTIONS)):
    """S_α / L² of the first ``n`` odd interactions (:data:`ODD_INTERACTIONS`): ``(..., n)`` float64."""
    return _densities(spins, ODD_INTERACTIONS[:n])


def _densities(spins, interactions):
    xp = array_namespace(spins)
    sites = spins.shape[-1] * spins.shape[-2]
    shifted = {(0, 0): spins}

    def at(offset):
        if offset not in shifted:
            shifted[offset] = xp.roll(spins, (-offset[0], -offset[1]), axis=(-2, -1))
        return shifted[offset]

    out = []
    for _, shapes in interactions:
        total = 0
        for offsets in shapes:
            product = at(offsets[0])
            for offset in offsets[1:]:
                product = product * at(offset)
            total = total + product.sum(axis=(-2, -1), dtype=xp.int32)
        out.append(total.astype(xp.float64) / sites)
    return xp.stack(out, axis=-1)
