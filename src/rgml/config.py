"""Validation of the workflow configuration, with one-line messages that say what to change.

The JSON Schema (``workflow/schemas/config.schema.yaml``) states the types,
ranges and defaults; :func:`validate_config` applies it, fills in defaults
and adds the checks a schema cannot express (finite numbers, Tc in the grid,
temperatures distinct at the precision of file names, a usable backend).
The first problem found is raised as :class:`ConfigError`, whose message
names the key (``ising2d.temperatures[3]``), the offending value and the fix.
"""

from __future__ import annotations

import copy
import difflib
import math
from pathlib import Path

import jsonschema
import yaml

from rgml.backend import BackendError, resolve_backend
from rgml.exact import TC

#: Mehta & Schwab train their deep stack near K = 0.408 (arXiv:1410.3831).
MEHTA_SCHWAB_COUPLING = 0.408

#: Temperatures appear in file names with this many decimals (``T2.2692``).
TEMPERATURE_DECIMALS = 4


class ConfigError(ValueError):
    """The configuration is invalid; ``str(error)`` is a one-line explanation."""


def format_temperature(t: float) -> str:
    """Canonical spelling of a temperature in file names and wildcards."""
    return f"{t:.{TEMPERATURE_DECIMALS}f}"


def _key(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _schema_at(schema: dict, path) -> dict:
    node = schema
    for part in path:
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return node


def _describe(error: jsonschema.ValidationError, schema: dict) -> str:
    key = _key(error.absolute_path)
    value = error.instance
    hint = _schema_at(schema, [p for p in error.absolute_path if not isinstance(p, int)]).get("description")
    fix = f"; {key.split('[')[0]} = {hint}" if hint else ""
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(value) - set(allowed))
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        where = f"{key}: " if error.absolute_path else ""
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{where}unknown key {unknown[0]!r}{suggestion}; allowed keys here: {', '.join(allowed)}"
    if v == "required":
        missing = error.message.split("'")[1]
        sub = _schema_at(schema, [*error.absolute_path, missing]).get("description", "")
        full = f"{key}.{missing}" if error.absolute_path else missing
        return f"{full}: missing required key; add it ({sub})" if sub else f"{full}: missing required key; add it"
    if v == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{key}: expected {expected}, got {value!r}{fix}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        relation = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[v]
        return f"{key}: {value!r} is out of range, must be {relation} {error.validator_value}{fix}"
    if v == "multipleOf":
        return f"{key}: {value!r} must be a multiple of {error.validator_value}{fix}"
    if v == "enum":
        return f"{key}: {value!r} is not allowed, use one of {', '.join(map(str, error.validator_value))}"
    if v == "minItems":
        return f"{key}: needs at least {error.validator_value} entr{'y' if error.validator_value == 1 else 'ies'}{fix}"
    if v == "uniqueItems":
        return f"{key}: entries must be distinct, got {value!r}{fix}"
    return f"{key}: {error.message}{fix}"


def _check_finite(node, path=(), schema: dict | None = None) -> None:
    """Every number is finite, except +inf where the schema marks a key ``x-infinite`` (temperatures of dimers)."""
    schema = schema or {}
    if isinstance(node, dict):
        for k, v in node.items():
            _check_finite(v, (*path, k), schema.get("properties", {}).get(k, {}))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_finite(v, (*path, i), {"x-infinite": schema.get("x-infinite", False)})
    elif isinstance(node, float) and not math.isfinite(node):
        if node == math.inf and schema.get("x-infinite"):
            return
        raise ConfigError(f"{_key(path)}: {node!r} is not a finite number; use a finite value")


def _fill_defaults(config: dict, schema: dict) -> None:
    for name, sub in schema.get("properties", {}).items():
        if name not in config and "default" in sub:
            config[name] = copy.deepcopy(sub["default"])
        if isinstance(config.get(name), dict):
            _fill_defaults(config[name], sub)


def _sampled_size_and_temperatures(config: dict, section: str, *, default_size: int) -> None:
    """A stage's ``size`` and ``temperatures`` must be sampled ones; fill their defaults."""
    stage, sizes, grid = config[section], config["ising2d"]["sizes"], config["ising2d"]["temperatures"]
    if stage["size"] is None:
        stage["size"] = default_size
    elif stage["size"] not in sizes:
        raise ConfigError(f"{section}.size: {stage['size']} is not one of ising2d.sizes {sizes}; pick one of them")
    if not stage["temperatures"]:
        stage["temperatures"] = list(grid)
    for i, t in enumerate(stage["temperatures"]):
        if not any(abs(t - u) < 1e-9 for u in grid):
            raise ConfigError(f"{section}.temperatures[{i}]: {t} is not in ising2d.temperatures; "
                              "use only sampled temperatures")


def _shift_grid(config: dict) -> None:
    """Add ``ising2d.grid_offset`` to every 2D temperature of the config (a blind grid: Tc need not be on it)."""
    offset = config["ising2d"]["grid_offset"]
    if not offset:
        return
    shift = lambda values: [round(t + offset, 12) for t in values]  # noqa: E731 - one expression, used thrice
    config["ising2d"]["temperatures"] = shift(config["ising2d"]["temperatures"])
    for section in ("rsmi", "rbm"):
        config[section]["temperatures"] = shift(config[section]["temperatures"])
    if config["rbm"]["stack_temperature"] is not None:
        config["rbm"]["stack_temperature"] = shift([config["rbm"]["stack_temperature"]])[0]


def _semantic_checks(config: dict, *, check_backend: bool) -> None:
    _shift_grid(config)
    temperatures = config["ising2d"]["temperatures"]
    if not config["ising2d"]["grid_offset"] and not any(abs(t - TC) < 10.0**-TEMPERATURE_DECIMALS
                                                         for t in temperatures):
        raise ConfigError(
            f"ising2d.temperatures: must include Tc = {TC:.6f} (within 1e-{TEMPERATURE_DECIMALS}); add 2.269185, "
            "or set ising2d.grid_offset for a blind grid"
        )
    spelled: dict[str, float] = {}
    for i, t in enumerate(temperatures):
        name = format_temperature(t)
        if name in spelled:
            raise ConfigError(
                f"ising2d.temperatures[{i}]: {t} and {spelled[name]} are the same at {TEMPERATURE_DECIMALS} "
                f"decimals (file names use T{name}); remove one or space them further apart"
            )
        spelled[name] = t
    rg = config["rg"]
    for i, size in enumerate(config["ising2d"]["sizes"]):
        if size % rg["b"] or size // rg["b"] < 4:
            raise ConfigError(
                f"ising2d.sizes[{i}]: {size} is not a multiple of rg.b = {rg['b']} with at least 4 blocks "
                f"across; use sizes that are multiples of {rg['b']} and >= {4 * rg['b']}, or change rg.b"
            )
    rsmi = config["rsmi"]
    sizes = config["ising2d"]["sizes"]
    _sampled_size_and_temperatures(config, "rsmi", default_size=max(sizes))
    widest = max([rsmi["buffer"], *rsmi["buffers"]])
    if rsmi["block"] + 2 * (widest + rsmi["environment"]) > rsmi["size"]:
        where = "rsmi.buffer" if widest == rsmi["buffer"] else "rsmi.buffers"
        raise ConfigError(
            f"rsmi: block + 2 ({where} {widest} + environment) = {rsmi['block'] + 2 * (widest + rsmi['environment'])}"
            f" sites exceeds rsmi.size = {rsmi['size']}; shrink the geometry or fit on a larger size"
        )
    for size in config["ising2d"]["samples_per_size"]:
        if int(size) not in sizes:
            raise ConfigError(f"ising2d.samples_per_size: size {size} is not one of ising2d.sizes {sizes}")
    config["ising2d"]["samples_per_size"] = {int(k): v for k, v in config["ising2d"]["samples_per_size"].items()}
    rbm = config["rbm"]
    _sampled_size_and_temperatures(config, "rbm", default_size=min(sizes))
    if rbm["stack_temperature"] is None:
        rbm["stack_temperature"] = min(temperatures, key=lambda t: abs(1.0 / t - MEHTA_SCHWAB_COUPLING))
    elif not any(abs(rbm["stack_temperature"] - u) < 1e-9 for u in temperatures):
        raise ConfigError(f"rbm.stack_temperature: {rbm['stack_temperature']} is not in ising2d.temperatures")
    if config["ising1d"]["size"] % rg["ring_b"]:
        raise ConfigError(
            f"ising1d.size: {config['ising1d']['size']} is not a multiple of rg.ring_b = {rg['ring_b']}; "
            "make it a multiple or change rg.ring_b"
        )
    if config["fss"]["blocks"] % config["ising2d"]["chains"]:
        raise ConfigError(
            f"fss.blocks: {config['fss']['blocks']} is not a multiple of ising2d.chains = {config['ising2d']['chains']}; "
            "every chain must be cut into the same number of jackknife blocks"
        )
    if check_backend:
        try:
            resolve_backend(config["backend"])
        except BackendError as exc:
            raise ConfigError(str(exc)) from None


def validate_config(config: dict, schema: dict | str | Path, *, check_backend: bool = True) -> dict:
    """Validate ``config`` against ``schema`` (a dict or a YAML file); return it with defaults filled.

    ``check_backend=False`` skips checking that the backend can run *here*
    (a cluster's submit host need not have the GPU its jobs will get).

    Raises
    ------
    ConfigError
        With a one-line message naming the key and what to change.
    """
    if not isinstance(schema, dict):
        schema = yaml.safe_load(Path(schema).read_text())
    if not isinstance(config, dict):
        raise ConfigError(f"the configuration must be a mapping of keys to values, got {type(config).__name__}")
    config = copy.deepcopy(config)
    _check_finite(config, schema=schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(map(str, e.path))))
    if errors:
        raise ConfigError(_describe(errors[0], schema))
    _fill_defaults(config, schema)
    _semantic_checks(config, check_backend=check_backend)
    return config
