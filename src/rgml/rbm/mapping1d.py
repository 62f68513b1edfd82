"""The 1D Ising ring: decimation as an exact RBM, and couplings read off any RBM.

**Decimation is an RBM** (DESIGN.md §5; Mehta & Schwab, arXiv:1410.3831).  The
ring ``−βH = K Σ_i s_i s_{i+1}`` of ``2n`` spins is bipartite: the ``n``
kept spins (even sites, the *visible* layer) couple only to the ``n``
decimated spins (odd sites, the *hidden* layer), each hidden spin to its two
neighbours with coupling K and no field.  In ±1 units ``J_{j,j} = J_{j+1,j} = K``;
converting to 0/1 units (:meth:`rgml.rbm.model.RBM.from_spin_parameters`)
gives ``W = 4K`` on those two bonds and biases ``a_i = b_j = −4K``.
Marginalising the hidden layer with :meth:`RBM.free_energy` gives the
kept-spin distribution, which is again a ring, at

    K′ = ½ ln cosh 2K,   equivalently   tanh K′ = tanh² K.

**Couplings of a marginal.**  For any RBM on a ring of ``N`` visible spins the
log-marginal ``g(s) = −F(v)`` (``s = 2v − 1``) has the Walsh–Fourier expansion
``g(s) = Σ_A ĝ_A Π_{i∈A} s_i`` with ``ĝ_A = 2^{−N} Σ_s g(s) Π_{i∈A} s_i``.
The *effective coupling at distance r* is the translation average of the
pair coefficients, ``K_r = (1/N) Σ_i ĝ_{{i, i+r}}``, and the field
``h = (1/N) Σ_i ĝ_{{i}}``; for a ring Hamiltonian ``K_1`` is exactly its
coupling and every other coefficient vanishes.  Whatever the expansion does
not hold in ``h`` and the ``K_r`` (multi-spin terms, non-uniformity) is
reported as the residual.  Computing ``ĝ`` enumerates the ``2^N`` visible
states, so ``N`` is limited to about 20.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rgml.backend import to_numpy
from rgml.rbm.logz import all_states
from rgml.rbm.model import RBM


#: :func:`ring_couplings` holds all 2^N visible states (N ≤ 20: 2^20 × 20 floats, 170 MB).
MAX_RING_SITES = 20


@dataclass(frozen=True)
class RingCouplings:
    """Effective ring Hamiltonian of an RBM's visible marginal (dimensionless, ×β).

    Attributes
    ----------
    field:
        h: coefficient of Σ_i s_i per site.
    couplings:
        ``K_r`` for r = 1 … ⌊N/2⌋ (``couplings[0]`` is nearest neighbour).
    residual:
        max_s |g(s) − g_fit(s)|, the part of ln P(s) that a uniform field and
        pair couplings do not describe (nats).
    """

    field: float
    couplings: np.ndarray
    residual: float

    @property
    def nearest_neighbour(self) -> float:
        return float(self.couplings[0])


def decimation_rbm(n_kept: int, coupling: float) -> tuple[RBM, float]:
    """The RBM that is one decimation step of a ring of ``2·n_kept`` spins at coupling K.

    Visible unit ``j`` is ring site ``2j`` (kept); hidden unit ``j`` is site
    ``2j + 1`` (decimated), bonded to visible ``j`` and ``j + 1 (mod n_kept)``.

    Returns
    -------
    (rbm, constant): ``ln Z_ring(2 n_kept, K) = ln Z_rbm + constant``.
    """
    if n_kept < 3:
        raise ValueError(f"decimation_rbm: need at least 3 kept spins (a ring without double bonds), got {n_kept}")
    j = np.zeros((n_kept, n_kept))
    hidden = np.arange(n_kept)
    j[hidden, hidden] = coupling
    j[(hidden + 1) % n_kept, hidden] = coupling
    return RBM.from_spin_parameters(j, np.zeros(n_kept), np.zeros(n_kept))


def ring_couplings(model: RBM, *, max_units: int = MAX_RING_SITES) -> RingCouplings:
    """Field and distance-r couplings of the visible marginal of ``model`` on a ring.

    Visible unit ``i`` is ring site ``i``.  See the module docstring for the
    definitions.
    """
    n = model.n_visible
    if n < 3 or n > max_units:
        raise ValueError(f"ring_couplings: enumerates 2^N visible states; need 3 ≤ N ≤ {max_units}, got N = {n}")
    model = model.as_float64().to(np)
    v = all_states(n)
    s = 2.0 * v - 1.0
    g = -model.free_energy(v)
    scale = 1.0 / v.shape[0]
    constant = float(g.mean())
    site_field = (g @ s) * scale
    pair = (s.T * g) @ s * scale
    sites = np.arange(n)
    distances = np.arange(1, n // 2 + 1)
    couplings = np.array([pair[sites, (sites + r) % n].mean() for r in distances])
    field = float(site_field.mean())
    fit = constant + field * s.sum(axis=1)
    for r, k_r in zip(distances, couplings):
        bonds = (s * np.roll(s, -r, axis=1)).sum(axis=1)
        # at r = N/2 each pair appears twice in the ring sum Σ_i s_i s_{i+r}
        fit += k_r * (bonds / 2 if 2 * r == n else bonds)
    return RingCouplings(field, couplings, float(np.abs(to_numpy(g) - fit).max()))


def rbm_decimation_flow(coupling: float, n_steps: int, *, n_kept: int = 8) -> np.ndarray:
    """``[K⁽⁰⁾, K⁽¹⁾, …, K⁽ⁿ⁾]`` from stacked decimation RBMs.

    Each step builds :func:`decimation_rbm` at the current coupling,
    marginalises its hidden layer and reads the next coupling as the
    nearest-neighbour ``K_1`` of :func:`ring_couplings`.
    """
    flow = [float(coupling)]
    for _ in range(n_steps):
        model, _ = decimation_rbm(n_kept, flow[-1])
        flow.append(ring_couplings(model).nearest_neighbour)
    return np.asarray(flow)
