"""The registry of block rules: name → function ``(spins, b, stream) -> coarse spins``.

Fixed rules (``majority``, ``decimation``) need nothing else; learned rules
(``rbm``: the block RBM of the RBM stage, ``rsmi``: the mutual-information
filter) are built from their trained parameters by :func:`make_rule` and
applied identically at every temperature and level, so that they define one
RG transformation whose fixed point and ν can be compared with majority rule.
"""

from __future__ import annotations

from collections.abc import Callable

from rgml.rg.blocks import decimation, majority

FIXED_RULES: dict[str, Callable] = {"majority": majority, "decimation": decimation}
LEARNED_RULES = ("rbm", "rsmi")
RULES = (*FIXED_RULES, *LEARNED_RULES)


def make_rule(name: str, *, model=None) -> Callable:
    """The coarse-graining function of rule ``name`` (learned rules take their ``model``)."""
    if name in FIXED_RULES:
        return FIXED_RULES[name]
    if name not in LEARNED_RULES:
        raise ValueError(f"rule: unknown block rule {name!r}; use one of {', '.join(RULES)}")
    if model is None:
        raise ValueError(f"rule {name!r} is learned: give the trained model store that defines it")
    return model.coarse_grain
