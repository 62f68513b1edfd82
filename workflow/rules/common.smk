# Shared helpers: config validation, wildcard constraints, parameter formatting.

import sys

from rgml.config import ConfigError, validate_config

try:
    config = validate_config(config, workflow.source_path("../schemas/config.schema.yaml"))
except ConfigError as error:
    sys.stderr.write(f"config error: {error}\n")
    sys.exit(1)


wildcard_constraints:
    L=r"[1-9][0-9]*",
    N=r"[1-9][0-9]*",
    b=r"[1-9][0-9]*",
    scheme=r"majority|decimation|rbm|rsmi",


def all_rules():
    """Block rules of the RG comparison: the fixed ones from the config (learned ones join later)."""
    return list(config["rg"]["rules"])


def rule_model(wildcards):
    """The trained model store a learned rule needs (none for fixed rules)."""
    return []


def floats_arg(values):
    """Comma-separated numbers for the rgml CLI (repr round-trips floats exactly)."""
    return ",".join(repr(float(v)) for v in values)


def rg_stores(rules):
    """Coarse-grained stores of the given block rules for every 2D size."""
    return expand(
        "results/rg/ising2d/L{L}/{scheme}_b{b}.zarr",
        L=config["ising2d"]["sizes"],
        scheme=rules,
        b=config["rg"]["b"],
    )
