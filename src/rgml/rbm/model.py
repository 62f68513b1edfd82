"""The Bernoulli restricted Boltzmann machine and its unit conventions.

Convention (used everywhere in :mod:`rgml.rbm`): **0/1 units**, as in
scikit-learn's ``BernoulliRBM`` and Mehta & Schwab (arXiv:1410.3831)::

    E(v, h) = − vᵀ W h − aᵀ v − bᵀ h,      v ∈ {0,1}^{N_v},  h ∈ {0,1}^{N_h},
    P(v, h) = e^{−E(v,h)} / Z,

with ``W`` of shape ``(visible, hidden)``, visible bias ``a`` and hidden bias
``b``.  The conditionals factorise (Hinton, Neural Comput. 14, 1771 (2002))::

    P(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij),    P(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j),

and the free energies that marginalise one layer exactly are::

    F(v) = −aᵀv − Σ_j ln(1 + e^{b_j + (vW)_j}),     P(v) = e^{−F(v)} / Z,
    F(h) = −bᵀh − Σ_i ln(1 + e^{a_i + (Wh)_i}),     P(h) = e^{−F(h)} / Z.

Ising data arrive as ±1 spins ``s``; the boundary conversion is explicit:
``v = (s + 1)/2`` (:func:`spins_to_units`) and back (:func:`units_to_spins`).
The same machine written in ±1 units, ``−E = sᵀJσ + gᵀs + fᵀσ``, has
``W = 4J``, ``a = 2g − 2 J·1``, ``b = 2f − 2 Jᵀ·1`` and
``ln Z_{±1} = ln Z_{0/1} + 1ᵀJ1 − Σg − Σf`` (:meth:`RBM.from_spin_parameters`);
hence the ±1 coarse-graining rule P(σ=+1|s) = σ(2 λ·s + …) of DESIGN.md §3.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from rgml.backend import array_namespace, to_numpy
from rgml.rbm.kernels import bernoulli
from rgml.rbm.numerics import sigmoid, softplus
from rgml.rng import Stream


def spins_to_units(spins, *, dtype=None):
    """±1 spins of shape ``(samples, *lattice)`` → 0/1 floats ``(samples, N)``.

    The lattice axes are flattened in C order (row-major: site ``y·L + x``),
    which is the visible-unit order of every RBM here.
    """
    xp = array_namespace(spins)
    dtype = xp.float64 if dtype is None else dtype
    flat = spins.reshape(spins.shape[0], -1)
    return (flat.astype(dtype) + 1.0) * 0.5


def units_to_spins(units, *, shape: tuple[int, ...] | None = None):
    """0/1 units ``(samples, N)`` → ±1 ``int8`` spins, reshaped to ``(samples, *shape)``."""
    xp = array_namespace(units)
    spins = (2 * xp.rint(units) - 1).astype(xp.int8)
    return spins if shape is None else spins.reshape((units.shape[0], *shape))


def logit_of_means(units, *, floor: float = 1e-3):
    """Visible biases ln(p/(1−p)) matching the data's unit means ``p``.

    ``p`` is clipped to ``[floor, 1 − floor]`` so that a unit that is always
    on or off in the sample gets a large but finite bias.  Used to
    initialise the visible biases (Hinton, *A Practical Guide to Training
    RBMs*, §8) and as the base-rate model of AIS (Salakhutdinov & Murray 2008).
    """
    return clipped_logit(units.mean(axis=0), floor=floor)


def clipped_logit(p, *, floor: float = 1e-3):
    """ln(p/(1−p)) of probabilities ``p`` clipped to ``[floor, 1 − floor]`` (see :func:`logit_of_means`)."""
    xp = array_namespace(p)
    p = xp.clip(p, floor, 1.0 - floor)
    return xp.log(p) - xp.log1p(-p)


@dataclass(frozen=True, eq=False)
class RBM:
    """Bernoulli–Bernoulli RBM with 0/1 units (see the module docstring).

    Attributes
    ----------
    weights:
        ``W``, shape ``(n_visible, n_hidden)``.
    visible_bias:
        ``a``, shape ``(n_visible,)``.
    hidden_bias:
        ``b``, shape ``(n_hidden,)``.

    All three live on one array namespace (NumPy or CuPy) with one float dtype.
    """

    weights: object
    visible_bias: object
    hidden_bias: object

    def __post_init__(self):
        n_v, n_h = self.weights.shape
        if self.visible_bias.shape != (n_v,) or self.hidden_bias.shape != (n_h,):
            raise ValueError(
                f"RBM shapes disagree: weights {self.weights.shape}, visible_bias "
                f"{self.visible_bias.shape}, hidden_bias {self.hidden_bias.shape}; expected "
                f"({n_v},) and ({n_h},)"
            )

    # ------------------------------------------------------------------ shape
    @property
    def n_visible(self) -> int:
        return self.weights.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.weights.shape[1]

    @property
    def xp(self) -> ModuleType:
        return array_namespace(self.weights)

    # ----------------------------------------------------------- construction
    @classmethod
    def random(
        cls,
        n_visible: int,
        n_hidden: int,
        stream: Stream,
        *,
        scale: float = 0.01,
        visible_bias=None,
        xp: ModuleType = np,
        dtype=np.float64,
    ) -> "RBM":
        """Weights N(0, scale²), hidden biases 0, visible biases given or 0.

        Consumes ``n_visible * n_hidden`` normal draws (twice as many uniforms).
        """
        weights = (scale * stream.normal((n_visible, n_hidden), xp)).astype(dtype)
        if visible_bias is None:
            a = xp.zeros(n_visible, dtype=dtype)
        else:
            a = xp.asarray(visible_bias, dtype=dtype).copy()
        return cls(weights, a, xp.zeros(n_hidden, dtype=dtype))

    @classmethod
    def from_spin_parameters(cls, coupling, visible_field, hidden_field) -> tuple["RBM", float]:
        """The 0/1 RBM equal to the ±1 machine ``−E = sᵀJσ + gᵀs + fᵀσ``.

        Parameters
        ----------
        coupling:
            ``J``, shape ``(n_visible, n_hidden)``.
        visible_field, hidden_field:
            ``g`` and ``f``.

        Returns
        -------
        (rbm, constant) with ``−E_{±1}(s, σ) = −E_{0/1}(v, h) + constant`` for
        ``s = 2v − 1``, ``σ = 2h − 1``; so ``ln Z_{±1} = ln Z_{0/1} + constant``.
        """
        xp = array_namespace(coupling, visible_field, hidden_field)
        j = xp.asarray(coupling, dtype=xp.float64)
        g = xp.asarray(visible_field, dtype=xp.float64)
        f = xp.asarray(hidden_field, dtype=xp.float64)
        model = cls(4.0 * j, 2.0 * g - 2.0 * j.sum(axis=1), 2.0 * f - 2.0 * j.sum(axis=0))
        constant = float(j.sum() - g.sum() - f.sum())
        return model, constant

    def spin_parameters(self):
        """Inverse of :meth:`from_spin_parameters`: ``(J, g, f, constant)``."""
        j = self.weights / 4.0
        g = (self.visible_bias + 2.0 * j.sum(axis=1)) / 2.0
        f = (self.hidden_bias + 2.0 * j.sum(axis=0)) / 2.0
        return j, g, f, float(j.sum() - g.sum() - f.sum())

    # ------------------------------------------------------------ conversions
    def transposed(self) -> "RBM":
        """The same joint distribution with the roles of the layers swapped."""
        return RBM(self.weights.T.copy(), self.hidden_bias, self.visible_bias)

    def flip_hidden(self, mask) -> "RBM":
        """Relabel hidden units ``j`` with ``mask[j]`` true as ``h_j → 1 − h_j``.

        ``P(v)`` is unchanged; ``W_{:j} → −W_{:j}``, ``b_j → −b_j``,
        ``a → a + Σ_{j∈mask} W_{:j}``, and ``ln Z`` drops by ``Σ_{j∈mask} b_j``.
        """
        xp = self.xp
        m = xp.asarray(mask, dtype=bool)
        sign = xp.where(m, -1.0, 1.0).astype(self.weights.dtype)
        a = self.visible_bias + (self.weights * m).sum(axis=1)
        return RBM(self.weights * sign, a, self.hidden_bias * sign)

    def to(self, xp: ModuleType, *, dtype=None) -> "RBM":
        """Copy onto namespace ``xp`` (host via NumPy), optionally changing dtype."""
        dtype = self.weights.dtype if dtype is None else dtype

        def move(a):
            return xp.asarray(to_numpy(a) if xp is np else a, dtype=dtype)

        return RBM(move(self.weights), move(self.visible_bias), move(self.hidden_bias))

    def as_float64(self) -> "RBM":
        """This RBM in float64 (itself when it already is): for ln Z and likelihoods."""
        return self if self.weights.dtype == np.float64 else self.to(self.xp, dtype=np.float64)

    def copy(self) -> "RBM":
        return RBM(self.weights.copy(), self.visible_bias.copy(), self.hidden_bias.copy())

    # ---------------------------------------------------------- conditionals
    def hidden_input(self, v):
        """Pre-activations ``b + vW`` of the hidden units, shape ``(samples, n_hidden)``."""
        return v @ self.weights + self.hidden_bias

    def visible_input(self, h):
        """Pre-activations ``a + W h`` of the visible units, shape ``(samples, n_visible)``."""
        return h @ self.weights.T + self.visible_bias

    def hidden_probabilities(self, v):
        """P(h_j = 1 | v) for each row of ``v``."""
        x = self.hidden_input(v)
        return sigmoid(x, out=x)

    def visible_probabilities(self, h):
        """P(v_i = 1 | h) for each row of ``h``."""
        x = self.visible_input(h)
        return sigmoid(x, out=x)

    def sample_hidden(self, v, stream: Stream):
        """h ~ P(h | v), 0/1 floats; consumes ``v.shape[0] * n_hidden`` draws."""
        return bernoulli(self.hidden_probabilities(v), stream)

    def sample_visible(self, h, stream: Stream):
        """v ~ P(v | h), 0/1 floats; consumes ``h.shape[0] * n_visible`` draws."""
        return bernoulli(self.visible_probabilities(h), stream)

    # --------------------------------------------------------- energies (nats)
    def energy(self, v, h):
        """E(v, h) for paired rows of ``v`` and ``h``."""
        return -((v @ self.weights) * h).sum(axis=1) - v @ self.visible_bias - h @ self.hidden_bias

    def free_energy(self, v):
        """Visible free energy F(v) = −ln Σ_h e^{−E(v,h)} per row of ``v`` (nats)."""
        return -(v @ self.visible_bias) - softplus(self.hidden_input(v)).sum(axis=1)

    def hidden_free_energy(self, h):
        """Hidden free energy F(h) = −ln Σ_v e^{−E(v,h)} per row of ``h`` (nats)."""
        return -(h @ self.hidden_bias) - softplus(self.visible_input(h)).sum(axis=1)
