"""Learned block rules for the RG stage, loaded from the stores that define them."""

from __future__ import annotations

from pathlib import Path


def load_rule_model(rule: str, path: Path):
    """An object with ``coarse_grain(spins, b, stream)`` for the learned rule ``rule``."""
    if rule == "rsmi":
        from rgml.steps.rsmi import load_rsmi_rule

        return load_rsmi_rule(path)
    if rule == "rbm":
        from rgml.steps.rbm import load_block_rbm_rule

        return load_block_rbm_rule(path)
    raise ValueError(f"rule {rule!r} is not a learned rule")
