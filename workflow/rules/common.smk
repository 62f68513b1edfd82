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


def floats_arg(values):
    """Comma-separated numbers for the rgml CLI (repr round-trips floats exactly)."""
    return ",".join(repr(float(v)) for v in values)
