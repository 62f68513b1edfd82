"""Binary classifiers of spin configurations: logistic regression and a one-hidden-layer network.

Both output P(class 1 | s) = σ(z(s)) with the logistic function
σ(z) = 1 / (1 + e^{−z}) and are trained by minimising the weighted
cross-entropy plus an L2 penalty on the weights (not the biases),

    loss = Σᵢ wᵢ [ln(1 + e^{zᵢ}) − yᵢ zᵢ] / Σᵢ wᵢ + (l2 / 2) (N Σ W_in² + Σ W_out²),

where W_in are the weights on the N input spins and W_out those of the
hidden layer.  The factor N makes ``l2`` mean the same at every size: the
uniform weights W_in = c / N that read the magnetisation (z = c m + b) cost
l2 c² / 2 whatever L is.  Training is full batch with L-BFGS (Liu & Nocedal, Math. Program. 45, 503 (1989);
SciPy's L-BFGS-B) and analytic gradients; the arrays live on the namespace
of the data (NumPy or CuPy), only the parameter vector crosses to the host.

``logistic``
    z = w · s̃ + b on the configuration turned into its sector of positive
    magnetisation, s̃ = s · sign(Σ s).  A linear function of the raw spins
    cannot tell the ordered phase (m ≈ ±m₀) from the disordered one (m ≈ 0):
    the ±m₀ sectors lie on both sides of any plane through m = 0.  Fixing the
    sector uses the Z₂ symmetry of H and nothing else; the weights that come
    out are ≈ uniform — the classifier learns |m|.
``network``
    z = w₂ · σ(W₁ s + b₁) + b₂ with ``hidden`` sigmoid units on the raw spins,
    trained on every configuration and its global flip (both sectors seen).
    This is the fully connected network of Carrasquilla & Melko (Nat. Phys.
    13, 431 (2017)), whose hidden units learn to detect m > 0 and m < 0.

Training is deterministic: logistic regression starts from zero (the loss is
convex), the network from Gaussian weights drawn from the given stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from rgml.backend import array_namespace, to_numpy
from rgml.phases.numerics import one_blas_thread, sigmoid, softplus
from rgml.rng import Stream

MODELS = ("logistic", "network")

#: A network whose input weights end below this fraction of their initial norm has collapsed onto W₁ = 0.
#: On the default sweep's stores, supervised and confusion networks trained at l2 = 10⁻⁴ kept 0.06 (L = 64)
#: to 0.9 (L = 8) of it, those collapsed at l2 = 10⁻³ and 10⁻² less than 10⁻⁴ (measured 2026-12-03).
COLLAPSED = 1e-3


@dataclass(frozen=True)
class ClassifierConfig:
    """Hyper-parameters of a classifier.

    Attributes
    ----------
    hidden:
        Sigmoid units of the network's hidden layer.
    l2:
        Strength of the L2 penalty, per unit of the magnetisation slope (module docstring).
    max_iter:
        L-BFGS iterations at most.
    gtol:
        Stop when the largest gradient component falls below this.
    """

    hidden: int = 8
    l2: float = 1e-4
    max_iter: int = 150
    gtol: float = 1e-6

    def __post_init__(self):
        if self.hidden < 1 or self.max_iter < 1 or self.l2 < 0 or self.gtol <= 0:
            raise ValueError(f"need hidden >= 1, max_iter >= 1, l2 >= 0 and gtol > 0, got {self}")


def sector_fixed(x):
    """Configurations flipped into the sector of non-negative magnetisation, s · sign(Σ s) (ties: +)."""
    xp = array_namespace(x)
    return x * xp.where(x.sum(axis=1, keepdims=True) >= 0, 1, -1).astype(x.dtype)


def _shapes(kind: str, n_inputs: int, hidden: int) -> dict:
    if kind == "logistic":
        return {"w": (n_inputs,), "b": ()}
    if kind == "network":
        return {"W1": (n_inputs, hidden), "b1": (hidden,), "w2": (hidden,), "b2": ()}
    raise ValueError(f"kind: unknown classifier {kind!r}; use one of {', '.join(MODELS)}")


#: Parameters under the L2 penalty, and whether their penalty is per input site (times N, see train_classifier).
_PENALISED = {"w": True, "W1": True, "w2": False}


@dataclass(frozen=True)
class Classifier:
    """A trained classifier: ``predict(x)`` = P(class 1) for configurations ``x`` ``(n, N)`` ±1.

    Attributes
    ----------
    kind:
        ``"logistic"`` or ``"network"``.
    params:
        Host float64 arrays (``w, b`` or ``W1, b1, w2, b2``).
    info:
        ``iterations``, ``loss``, ``train_accuracy``, ``seconds`` (wall time
        of the training; not reproducible), ``collapsed`` (:func:`train_classifier`).
    """

    kind: str
    params: dict
    info: dict = field(default_factory=dict)

    def logits(self, x):
        """z(s) for configurations ``(n, N)`` (float, NumPy or CuPy)."""
        xp = array_namespace(x)
        p = {k: xp.asarray(v) for k, v in self.params.items()}
        return _forward(self.kind, p, _features(self.kind, x))[0]

    def predict(self, x):
        """P(class 1 | s), ``(n,)`` on the namespace of ``x``."""
        return sigmoid(self.logits(x))


def _features(kind: str, x):
    """What the model sees: the sector-fixed configuration (logistic) or the configuration itself."""
    return sector_fixed(x) if kind == "logistic" else x


def _forward(kind: str, p: dict, features):
    """Logit z and the hidden activations (network) for prepared features; arithmetic in their dtype."""
    q = {k: v.astype(features.dtype, copy=False) if v.ndim else v for k, v in p.items()}
    if kind == "logistic":
        return (features @ q["w"]).astype(p["w"].dtype) + p["b"], None
    hidden = sigmoid(features @ q["W1"] + q["b1"])
    return (hidden @ q["w2"]).astype(p["w2"].dtype) + p["b2"], hidden


def _loss_and_grad(kind: str, p: dict, features, y, w, l2: float) -> tuple[float, dict]:
    z, hidden = _forward(kind, p, features)
    total = w.sum()
    loss = float((w * (softplus(z) - y * z)).sum() / total)
    g = w * (sigmoid(z) - y) / total
    g_low = g.astype(features.dtype)
    if kind == "logistic":
        grads = {"w": features.T @ g_low, "b": g.sum()}
    else:
        w2 = p["w2"].astype(features.dtype)
        da = (g_low[:, None] * w2[None, :]) * hidden * (1.0 - hidden)
        grads = {"W1": features.T @ da, "b1": da.sum(axis=0), "w2": hidden.T @ g_low, "b2": g.sum()}
    n_inputs = features.shape[1]
    for name, per_site in _PENALISED.items():
        if name in p:
            strength = l2 * n_inputs if per_site else l2
            loss += 0.5 * strength * float((p[name] * p[name]).sum())
            grads[name] = grads[name] + strength * p[name]
    return loss, grads


def train_classifier(x, y, kind: str, config: ClassifierConfig = ClassifierConfig(), *, stream: Stream,
                     weights=None) -> Classifier:
    """Fit a classifier to configurations ``x`` with labels ``y``.

    Parameters
    ----------
    x:
        ``(n, N)`` float ±1 configurations (NumPy or CuPy); float32 halves the memory traffic of
        the products that dominate the cost (the parameters and the loss stay float64).
    y:
        ``(n,)`` labels 0 / 1.
    kind:
        ``"logistic"`` or ``"network"`` (module docstring); the network is
        trained on ``x`` and its global flip.
    config:
        :class:`ClassifierConfig`.
    stream:
        Initial weights of the network (logistic regression draws nothing).
    weights:
        ``(n,)`` non-negative sample weights (default all 1).

    Returns
    -------
    :class:`Classifier` with host parameters and training ``info``.  ``info["collapsed"]``
    is True for a network that ended at the symmetric point W₁ = 0 (input weights below
    :data:`COLLAPSED` of their initial norm): there the gradient on W₁ vanishes, since every
    configuration is trained with its flip, a strong L2 penalty pulls the weights in, and
    the output is ½ up to noise — the network learned nothing.  The logistic loss is
    convex with its optimum reached from zero, so it never collapses.
    """
    xp = array_namespace(x)
    n, n_inputs = x.shape
    y = xp.asarray(y, dtype=xp.float64)
    w = xp.ones(n) if weights is None else xp.asarray(weights, dtype=xp.float64)
    if y.shape != (n,) or w.shape != (n,):
        raise ValueError(f"y and weights must have shape ({n},), got {tuple(y.shape)} and {tuple(w.shape)}")
    if kind == "network":
        x, y, w = xp.concatenate([x, -x]), xp.concatenate([y, y]), xp.concatenate([w, w])
    features = _features(kind, x)
    shapes = _shapes(kind, n_inputs, config.hidden)
    sizes = {k: int(np.prod(s, dtype=np.int64)) for k, s in shapes.items()}
    theta0 = np.zeros(sum(sizes.values()))
    if kind == "network":
        start = stream.normal(sizes["W1"] + sizes["w2"])
        theta0[: sizes["W1"]] = start[: sizes["W1"]] / np.sqrt(n_inputs)
        offset = sizes["W1"] + sizes["b1"]
        theta0[offset: offset + sizes["w2"]] = start[sizes["W1"]:] / np.sqrt(config.hidden)

    def unpack(theta) -> dict:
        out, i = {}, 0
        for k, s in shapes.items():
            out[k] = xp.asarray(theta[i: i + sizes[k]].reshape(s))
            i += sizes[k]
        return out

    def fun(theta):
        loss, grads = _loss_and_grad(kind, unpack(theta), features, y, w, config.l2)
        return loss, np.concatenate([np.asarray(to_numpy(grads[k]), dtype=np.float64).ravel() for k in shapes])

    started = time.perf_counter()
    with one_blas_thread():
        res = scipy.optimize.minimize(fun, theta0, jac=True, method="L-BFGS-B",
                                      options={"maxiter": config.max_iter, "gtol": config.gtol})
    seconds = time.perf_counter() - started
    params = {k: np.asarray(to_numpy(v), dtype=np.float64).copy() for k, v in unpack(res.x).items()}
    model = Classifier(kind, params)
    z = _forward(kind, unpack(res.x), features)[0]
    accuracy = float((w * ((z >= 0) == (y >= 0.5))).sum() / w.sum())
    collapsed = kind == "network" and bool(
        np.linalg.norm(params["W1"]) < COLLAPSED * np.linalg.norm(theta0[: sizes["W1"]]))
    info = {"iterations": int(res.nit), "loss": float(res.fun), "train_accuracy": accuracy, "seconds": seconds,
            "collapsed": collapsed}
    return Classifier(kind, params, info)
