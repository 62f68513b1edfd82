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
import xarray as xr

from rgml.backend import to_numpy
from rgml.exact import decimation_coupling
from rgml.ising.ring import sample_ring
from rgml.params import default
from rgml.rbm.logz import all_states
from rgml.rbm.model import RBM, spins_to_units
from rgml.rbm.train import TrainConfig, train
from rgml.rng import Stream, keyed


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


@dataclass(frozen=True)
class RingMapping:
    """The 1D RBM ↔ decimation mapping at each coupling.

    Attributes
    ----------
    couplings:
        K of each ring.
    k_prime_rbm:
        K' of the marginal of the exact decimation RBM (must equal ½ ln cosh 2K).
    k_trained, k_trained_scale:
        Nearest-neighbour coupling of an RBM trained on exact ring samples at K,
        and the sampling error scale of K.
    stacked:
        ``(coupling, level)``: K after 0…n steps of stacked exact decimation RBMs
        (:func:`rbm_decimation_flow`).
    ring_size:
        Sites of the trained rings.
    """

    couplings: np.ndarray
    k_prime_rbm: np.ndarray
    k_trained: np.ndarray
    k_trained_scale: np.ndarray
    stacked: np.ndarray
    ring_size: int

    def to_dataset(self) -> xr.Dataset:
        ds = xr.Dataset(
            {"K_prime_rbm": (("coupling",), self.k_prime_rbm,
                             {"long_name": "K' of the marginal of the exact decimation RBM"}),
             "K_prime_exact": (("coupling",), decimation_coupling(self.couplings), {"long_name": "1/2 ln cosh 2K"}),
             "K_trained": (("coupling",), self.k_trained,
                           {"long_name": "nearest-neighbour coupling of an RBM trained on ring samples at K"}),
             "K_trained_scale": (("coupling",), self.k_trained_scale, {"long_name": "sampling error scale of K"}),
             "K_stacked": (("coupling", "level"), self.stacked,
                           {"long_name": "K after n steps of stacked exact decimation RBMs"})},
            coords={"coupling": ("coupling", np.asarray(self.couplings, np.float64)),
                    "level": ("level", np.arange(self.stacked.shape[1]))},
        )
        ds.attrs["ring_size"] = self.ring_size
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "RingMapping":
        return cls(ds["coupling"].values, ds["K_prime_rbm"].values, ds["K_trained"].values,
                   ds["K_trained_scale"].values, ds["K_stacked"].values, int(ds.attrs["ring_size"]))


def mapping_experiment(couplings, *, seed: int | Stream, ring_size: int = default("rbm.ring_size"),
                       samples: int = default("rbm.ring_samples"), epochs: int = default("rbm.epochs"),
                       levels: int = 4, log=lambda message: None) -> RingMapping:
    """1D decimation as an exact RBM, and RBMs trained on exact ring samples, against K' = ½ ln cosh 2K.

    At each K: the exact decimation RBM's marginal coupling; an RBM with
    ``ring_size/2`` hidden units trained (exact ln Z) on ``samples`` exact ring
    samples (drawn from (seed, "rbm-ring", N, K), trained on (seed, "rbm-ring-train", N, K)),
    with the statistical scale of K from the data, σ_K = σ_c / (1 − c²) for
    the measured nearest-neighbour correlation c; and ``levels`` steps of
    stacked decimation RBMs.
    """
    if ring_size % 2 or not 6 <= ring_size <= MAX_RING_SITES:
        raise ValueError(f"ring_size: needs an even number of sites from 6 to {MAX_RING_SITES}, got {ring_size}")
    exact, trained, trained_err = [], [], []
    for k in couplings:
        model, _ = decimation_rbm(ring_size // 2, k)
        exact.append(ring_couplings(model).nearest_neighbour)
        spins = sample_ring(ring_size, k, samples, keyed(seed, "rbm-ring", ring_size, float(k)))
        config = TrainConfig(n_hidden=ring_size // 2, epochs=epochs, logz="exact")
        fitted = train(spins_to_units(spins), config, seed=keyed(seed, "rbm-ring-train", ring_size, float(k))).model
        trained.append(ring_couplings(fitted).nearest_neighbour)
        c = (spins * np.roll(spins, -1, axis=1)).mean(axis=1, dtype=np.float64)
        trained_err.append(c.std(ddof=1) / np.sqrt(c.size) / max(1 - c.mean() ** 2, 1e-6))
        log(f"K={k:g}: decimation RBM K'={exact[-1]:.12f} (exact {decimation_coupling(k):.12f}); "
            f"trained RBM K_1={trained[-1]:.4f}")
    stacked = np.stack([rbm_decimation_flow(float(k), levels) for k in couplings])
    return RingMapping(np.asarray(couplings, np.float64), np.asarray(exact), np.asarray(trained),
                       np.asarray(trained_err), stacked, ring_size)
