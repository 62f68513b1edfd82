"""Short-range even interactions of 2D configurations (Swendsen, PRL 42, 859 (1979)).

Each interaction α is a sum over the lattice of products of spins,
S_α = Σ_r Π_{δ∈α} s_{r+δ}, translated to every site r of the periodic
lattice; the Hamiltonian of a coarse-grained ensemble is written
H = −Σ_α K_α S_α.  All are even under a global spin flip, so they span the
thermal sector that the RG eigenvalue λ_t = b^{1/ν} lives in.
:func:`interaction_densities` returns S_α / L² per configuration.
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


def interaction_densities(spins, n: int = len(INTERACTIONS)):
    """S_α / L² of the first ``n`` interactions for lattices ``(..., L, L)``: ``(..., n)`` float64.

    Products of ±1 spins stay ±1, so they are formed in int8 and summed in
    int32 (exact); each shifted copy of the lattice is made once.
    """
    xp = array_namespace(spins)
    sites = spins.shape[-1] * spins.shape[-2]
    shifted = {(0, 0): spins}

    def at(offset):
        if offset not in shifted:
            shifted[offset] = xp.roll(spins, (-offset[0], -offset[1]), axis=(-2, -1))
        return shifted[offset]

    out = []
    for _, shapes in INTERACTIONS[:n]:
        total = 0
        for offsets in shapes:
            product = at(offsets[0])
            for offset in offsets[1:]:
                product = product * at(offset)
            total = total + product.sum(axis=(-2, -1), dtype=xp.int32)
        out.append(total.astype(xp.float64) / sites)
    return xp.stack(out, axis=-1)
