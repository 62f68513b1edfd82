"""Adam (Kingma & Ba, ICLR 2015) for dicts of arrays, as gradient *ascent*.

RSMI maximises a lower bound on mutual information, so :meth:`Adam.ascend`
adds the step.  Works on NumPy or CuPy arrays in place; its state is the
step count and the two moment estimates.
"""

from __future__ import annotations

from rgml.backend import array_namespace


class Adam:
    """Adam with a learning rate per parameter name.

    Parameters
    ----------
    params:
        The arrays to be updated (their shapes fix the moment buffers).
    lr:
        ``{name: learning rate}``; names missing from it are not updated.
    beta1, beta2, eps:
        The usual moment decay rates and denominator guard.
    """

    def __init__(self, params: dict, lr: dict, *, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        unknown = set(lr) - set(params)
        if unknown:
            raise ValueError(f"learning rates given for unknown parameters {sorted(unknown)}")
        self.lr = dict(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.step_count = 0
        self.first = {k: array_namespace(params[k]).zeros_like(params[k]) for k in self.lr}
        self.second = {k: array_namespace(params[k]).zeros_like(params[k]) for k in self.lr}

    def ascend(self, params: dict, grads: dict, *, scale: float = 1.0) -> None:
        """One in-place ascent step on ``params`` along ``grads``.

        ``scale`` multiplies every learning rate (a schedule).
        """
        self.step_count += 1
        t = self.step_count
        correction1 = 1.0 - self.beta1**t
        correction2 = 1.0 - self.beta2**t
        for name, lr in self.lr.items():
            g = grads[name]
            m, v = self.first[name], self.second[name]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            xp = array_namespace(g)
            params[name] += (scale * lr / correction1) * m / (xp.sqrt(v / correction2) + self.eps)
