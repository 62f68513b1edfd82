"""One source for every parameter: the configuration schema.

``config.schema.yaml`` (next to this module; ``workflow/schemas/`` links to
it) states every knob of the pipeline once — type, range, default and a
description.  Everything else is derived from it:

* the workflow validates ``config/*.yaml`` against it (:mod:`rgml.config`);
* the library's config objects take their defaults from it
  (``FitConfig.steps = default("rsmi.steps")``);
* the command line generates its options from it (:func:`add_option`), and
  the workflow generates each job's options from the config
  (:func:`option_string`), so a knob the command line has is a key the
  config can set, with the same default.

Keys are dotted paths into the config: ``"rsmi.steps"``, ``"seed"``.
"""

from __future__ import annotations

import argparse
import functools
import math
from pathlib import Path

import jsonschema
import yaml

#: The configuration schema (JSON Schema 2020-12 written as YAML).
SCHEMA_PATH = Path(__file__).with_name("config.schema.yaml")


@functools.cache
def schema() -> dict:
    """The parsed configuration schema."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: every job reads the schema at start-up
    return yaml.load(SCHEMA_PATH.read_text(), Loader=loader)


def spec(key: str) -> dict:
    """The schema of one parameter, e.g. ``spec("rsmi.steps")``; KeyError for an unknown key.

    ``"ising2d.temperatures[]"`` is one item of a list (a per-job value such as
    the temperature a fit runs at): its schema is the list's ``items``, with the
    list's description.  ``"ising2d.sizes[:]"`` is part of a list (the sizes one
    job samples): the list's schema with at least one item.
    """
    node = schema()
    for part in config_key(key).split("."):
        properties = node.get("properties", {})
        if part not in properties:
            raise KeyError(f"{key!r} is not a configuration key (unknown part {part!r})")
        node = properties[part]
    if key.endswith("[]"):
        node = {**node["items"], "description": "one of " + node.get("description", key)}
    elif key.endswith("[:]"):
        node = {**node, "minItems": 1, "description": "some of " + node.get("description", key)}
        node.pop("default", None)
    return node


def per_job(key: str) -> bool:
    """Whether ``key`` names an item or part of a list (``[]``, ``[:]``), given per job rather than by the config."""
    return key.endswith(("[]", "[:]"))


def config_key(key: str) -> str:
    """The configuration key of a parameter: ``"ising2d.sizes[:]"`` → ``"ising2d.sizes"``."""
    return key.removesuffix("[]").removesuffix("[:]")


def default(key: str):
    """The default of a parameter; KeyError if the schema gives none (the key is required or per job)."""
    node = spec(key)
    if "default" not in node or per_job(key):
        raise KeyError(f"{key!r} has no default: it is required in the configuration")
    return node["default"]


def keys() -> list[str]:
    """Every leaf parameter of the schema (dotted), in schema order."""
    found = []

    def walk(node: dict, prefix: str) -> None:
        for name, sub in node.get("properties", {}).items():
            key = f"{prefix}{name}"
            if sub.get("type") == "object" and "properties" in sub:
                walk(sub, key + ".")
            else:
                found.append(key)

    walk(schema(), "")
    return found


def lookup(config: dict, key: str):
    """The value of ``key`` in a (validated, defaults-filled) config dict (KeyError for a per-job key)."""
    if per_job(key):
        raise KeyError(f"{key!r} is an item or part of a list: give the job's value")
    node = config
    for part in key.split("."):
        node = node[part]
    return node


def _types(node: dict) -> list[str]:
    kind = node.get("type", "string")
    return kind if isinstance(kind, list) else [kind]


def parse_value(key: str, text: str):
    """Parse a command-line value of ``key`` and check it against the schema.

    Numbers and integers as usual, ``true``/``false`` for booleans,
    comma-separated lists for arrays, ``none`` for a nullable key.  Raises
    :class:`argparse.ArgumentTypeError` whose message says what is allowed.
    """
    node = spec(key)
    types = _types(node)
    text = text.strip()
    infinite = bool(node.get("x-infinite"))
    if "null" in types and text.lower() in ("none", "null"):
        value = None
    elif "object" in types:
        value = _mapping(node, text, key)
    elif "array" in types:
        item = node.get("items", {})
        value = [_scalar(_types(item), part, key, infinite=infinite) for part in text.split(",") if part.strip()]
    else:
        value = _scalar([t for t in types if t != "null"], text, key, infinite=infinite)
    errors = sorted(jsonschema.Draft202012Validator(node).iter_errors(value), key=lambda e: list(e.path))
    if errors:
        description = node.get("description", "")
        raise argparse.ArgumentTypeError(f"{text!r}: {errors[0].message}" + (f" ({description})" if description else ""))
    return value


def _mapping(node: dict, text: str, key: str) -> dict:
    """``"8:6000,40:20000"`` → ``{8: 6000, 40: 20000}`` (integer keys, values typed by the schema); ``{}`` is empty."""
    if text in ("{}", ""):
        return {}
    value = {}
    for part in text.split(","):
        name, sep, item = part.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected key:value pairs separated by commas, got {part.strip()!r}")
        value[_scalar(["integer", "string"], name, key)] = _scalar(_types(node.get("additionalProperties", {})),
                                                                   item, key)
    return value


def _scalar(types: list[str], text: str, key: str, *, infinite: bool = False):
    text = text.strip()
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            if "number" not in types:
                raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if "number" in types:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) or (infinite and value == math.inf)):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        return value
    if "boolean" in types:
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return text


def format_value(value) -> str:
    """The command-line spelling of a config value (inverse of :func:`parse_value`)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{format_value(k)}:{format_value(v)}" for k, v in value.items()) or "{}"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly ('inf' too)
    return str(value)


def flag(option: str) -> str:
    """``"memory_budget_mib"`` → ``"--memory-budget-mib"``."""
    return "--" + option.replace("_", "-")


def add_option(parser: argparse.ArgumentParser, option: str, key: str, *, required: bool = False) -> None:
    """Add ``--option`` for the config key ``key``: type, range and default from the schema.

    A key without a default in the schema (or ``required=True``) gives a
    required option.  The help text is the schema's description.
    """
    node = spec(key)
    metavar = "{" + ",".join(map(str, node["enum"])) + "}" if "enum" in node else option.upper()
    kwargs = {"type": functools.partial(parse_value, key), "help": node.get("description", key),
              "metavar": metavar, "dest": option}
    if required or "default" not in node or per_job(key):
        kwargs["required"] = True
        kwargs["help"] += "" if per_job(key) else f" [config {key}]"
    else:
        kwargs["default"] = node["default"]
        kwargs["help"] += f" [config {key}, default {format_value(node['default'])}]"
    parser.add_argument(flag(option), **kwargs)


def option_string(options: dict[str, str], config: dict, **values) -> str:
    """The command-line options ``{option: key}`` with their values from ``config``.

    ``values`` override (or supply, for per-job options such as a wildcard's
    temperature) the config's value of an option.  Used by the workflow to
    build each job's command from the validated config.
    """
    parts = []
    for option, key in options.items():
        value = values[option] if option in values else lookup(config, key)
        parts.append(f"{flag(option)} {format_value(value)}")
    unknown = set(values) - set(options)
    if unknown:
        raise KeyError(f"options {sorted(unknown)} are not options of this step ({sorted(options)})")
    return " ".join(parts)
