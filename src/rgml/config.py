"""Validation of the workflow configuration, with one-line messages that say what to change.

The JSON Schema (``workflow/schemas/config.schema.yaml``) states the types,
ranges and defaults; :func:`validate_config` applies it, fills in defaults
and adds the checks a schema cannot express (finite numbers, Tc in the grid,
temperatures distinct at the precision of file names, grids in increasing
order, at least two stored samples per chain, a memory budget of at least
one store chunk of training data, a usable backend).  :func:`check_config_files`
refuses YAML files with a key given twice in one mapping (YAML loaders keep
the last one silently).
The first problem found is raised as :class:`ConfigError`, whose message
names the key (``ising2d.temperatures[3]``), the offending value and the fix.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
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

#: Environment variable through which the workflow tells each job the digest of its configuration
#: (:func:`config_digest`); the job's stores record it (:mod:`rgml.store`), and :mod:`rgml.results`
#: tells the stores of earlier configurations by it.
WORKFLOW_CONFIG_ENV = "RGML_WORKFLOW_CONFIG"


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


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping."""


def _strict_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise ConfigError(
                f"{loader.name} line {key_node.start_mark.line + 1}: key {key!r} appears twice in the same mapping "
                f"(first on line {seen[key] + 1}); YAML would keep only the last one silently: keep one"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def load_yaml_strict(path: str | Path):
    """Parse a YAML file, refusing duplicated keys with a :class:`ConfigError` naming the file, line and key."""
    path = Path(path)
    with path.open() as handle:
        loader = _StrictLoader(handle)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
        finally:
            loader.dispose()


def check_config_files(paths) -> None:
    """Refuse config files with duplicated keys (Snakemake loads them itself, keeping the last silently)."""
    for path in paths:
        load_yaml_strict(path)


def _increasing(values: list, key: str) -> None:
    """A grid must be in increasing order: stores keep its order, and nearest-value selection needs it."""
    for i, (a, b) in enumerate(zip(values, values[1:])):
        if b <= a:
            raise ConfigError(f"{key}[{i + 1}]: {b} after {a} is out of order; list the grid in increasing order: "
                              f"{sorted(values)}")


def _samples_per_chain(config: dict) -> None:
    """Every chain stores at least 2 samples (its autocorrelation time needs a series)."""
    ising = config["ising2d"]
    least = 2 * ising["chains"]
    for key, samples in [("ising2d.samples", ising["samples"]),
                         *((f"ising2d.samples_per_size[{L}]", n) for L, n in ising["samples_per_size"].items())]:
        if samples < least:
            raise ConfigError(f"{key}: {samples} is fewer than 2 x ising2d.chains = {least} (each chain needs at "
                              f"least 2 stored samples); raise it to >= {least} or lower ising2d.chains")


def minimum_memory_budget(config: dict) -> tuple[float, str]:
    """The smallest ``memory_budget_mib`` the config's training jobs can honour, and which job sets it.

    RBM and RSMI jobs read their configurations from the store whole chunks
    at a time (:func:`rgml.inputs.stored_spins`), so they hold at least one
    chunk of training rows: ``min(samples, chunk)`` configurations at the
    memory each costs (:func:`rgml.streaming.training_row_bytes`,
    :func:`rgml.rsmi.partition.row_bytes`).
    """
    from rgml.chunks import steps_per_block
    from rgml.rsmi.partition import Geometry, row_bytes
    from rgml.streaming import training_row_bytes

    ising, rsmi = config["ising2d"], config["rsmi"]

    def rows(size: int) -> int:
        chunk = steps_per_block(size, ising["chains"]) * ising["chains"]
        return min(chunk, ising["samples_per_size"].get(size, ising["samples"]))

    needs = []
    size = config["rbm"]["size"]
    needs.append((rows(size) * training_row_bytes(size), f"the RBM jobs at L = {size} ({rows(size)} configurations)"))
    size = rsmi["size"]
    for buffer in {rsmi["buffer"], *rsmi["buffers"]}:
        geometry = Geometry(rsmi["block"], buffer, rsmi["environment"], dim=2)
        needs.append((rows(size) * row_bytes(size, geometry),
                      f"the RSMI fits at L = {size}, buffer {buffer} ({rows(size)} configurations)"))
    size = max(ising["sizes"])
    geometry = Geometry(config["rg"]["b"], rsmi["buffer"], rsmi["environment"], dim=2)
    needs.append((rows(size) * row_bytes(size, geometry),
                  f"the RSMI rule fits at L = {size} ({rows(size)} configurations)"))
    need, job = max(needs)
    return need / 2**20, job


def _memory_budget(config: dict) -> None:
    need, job = minimum_memory_budget(config)
    if config["memory_budget_mib"] < need:
        least = math.ceil(need * 10) / 10
        raise ConfigError(f"memory_budget_mib: {config['memory_budget_mib']} is below one store chunk of training "
                          f"data, {need:.3g} MiB for {job}; set it to >= {least:g}")


def sampled_sizes(config: dict) -> list[int]:
    """Every 2D size the sweep samples: ``ising2d.sizes`` and the confusion scheme's ``extra_sizes``, sorted."""
    return sorted({*config["ising2d"]["sizes"], *config["phases"]["confusion"]["extra_sizes"]})


def block_chain(sizes, b: int) -> list[int]:
    """The sizes the comparison coarse-grains with block size ``b``: multiples of b, >= 4 blocks across, each
    paired with L/b or L*b (level n of L is matched against level n-1 of L/b)."""
    eligible = {int(L) for L in sizes if L % b == 0 and L // b >= 4}
    return sorted(L for L in eligible if L // b in eligible or L * b in eligible)


def mi_size(config: dict, b: int) -> int:
    """The lattice on which the I(H:E) of the b x b rules is estimated: rsmi.size where b divides it, else the
    comparison size of b nearest to it."""
    size = config["rsmi"]["size"]
    return size if size % b == 0 else min(block_chain(config["ising2d"]["sizes"], b), key=lambda L: (abs(L - size), L))


def _comparison(config: dict) -> None:
    """compare.block_sizes: every b has a pair of sizes L, L/b; compare.norm_size: a size with L/rg.b too."""
    sizes, compare, rsmi = config["ising2d"]["sizes"], config["compare"], config["rsmi"]
    for i, b in enumerate(compare["block_sizes"]):
        if not block_chain(sizes, b):
            raise ConfigError(
                f"compare.block_sizes[{i}]: b = {b} has no pair of ising2d.sizes L and L/b (both multiples of {b} "
                f"with at least 4 blocks across, e.g. {4 * b} and {4 * b * b}); add such sizes to ising2d.sizes "
                f"{sizes} or remove {b}"
            )
        side = mi_size(config, b)
        if b + 2 * (rsmi["buffer"] + rsmi["environment"]) > side:
            raise ConfigError(
                f"compare.block_sizes[{i}]: the I(H:E) geometry of b = {b} (block + 2 (rsmi.buffer + "
                f"rsmi.environment)) exceeds its lattice L = {side}; shrink the geometry or remove {b}"
            )
    if compare["norm_size"] is None:
        compare["norm_size"] = rsmi["size"]
    b = config["rg"]["b"]
    if compare["norm_size"] not in block_chain(sizes, b) or compare["norm_size"] // b not in sizes:
        raise ConfigError(
            f"compare.norm_size: {compare['norm_size']} needs to be one of ising2d.sizes {sizes} whose L/rg.b = "
            f"{compare['norm_size'] // b} is one too; pick such a size"
        )


def _dimer_rsmi(dimers: dict) -> None:
    """``dimers.rsmi.size`` and ``buffer_size`` are sampled sizes (or null); ``buffer_fit`` is [min, max];
    ``more_hidden`` lists unit counts the main fit (``n_hidden``) does not already have."""
    rsmi = dimers["rsmi"]
    if rsmi["size"] is not None and rsmi["size"] not in dimers["sizes"]:
        raise ConfigError(f"dimers.rsmi.size: {rsmi['size']} is not one of dimers.sizes {dimers['sizes']}; pick one "
                          "of them or null (the largest)")
    if rsmi["buffer_size"] is not None and rsmi["buffer_size"] not in dimers["sizes"]:
        raise ConfigError(f"dimers.rsmi.buffer_size: {rsmi['buffer_size']} is not one of dimers.sizes "
                          f"{dimers['sizes']}; pick one of them or null (dimers.rsmi.size)")
    if rsmi["buffer_fit"] is not None and rsmi["buffer_fit"][0] > rsmi["buffer_fit"][1]:
        raise ConfigError(f"dimers.rsmi.buffer_fit: {rsmi['buffer_fit']} is [min, max] of the fit range; "
                          "give the smaller width first")
    if rsmi["n_hidden"] in rsmi["more_hidden"]:
        raise ConfigError(
            f"dimers.rsmi.more_hidden: {rsmi['n_hidden']} is dimers.rsmi.n_hidden, which the main fit of every "
            "temperature already has; remove it from more_hidden"
        )


def _semantic_checks(config: dict, *, check_backend: bool) -> None:
    _shift_grid(config)
    temperatures = config["ising2d"]["temperatures"]
    _increasing(temperatures, "ising2d.temperatures")
    _increasing(config["ising1d"]["couplings"], "ising1d.couplings")
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
    sampled = sampled_sizes(config)
    for size in config["ising2d"]["samples_per_size"]:
        if int(size) not in sampled:
            raise ConfigError(f"ising2d.samples_per_size: size {size} is not sampled; use one of ising2d.sizes "
                              f"{sizes} or phases.confusion.extra_sizes {config['phases']['confusion']['extra_sizes']}")
    config["ising2d"]["samples_per_size"] = {int(k): v for k, v in config["ising2d"]["samples_per_size"].items()}
    _samples_per_chain(config)
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
    _comparison(config)
    _dimer_rsmi(config["dimers"])
    _memory_budget(config)
    if check_backend:
        try:
            resolve_backend(config["backend"])
        except BackendError as exc:
            raise ConfigError(str(exc)) from None


def config_digest(config: dict) -> str:
    """A short digest of a (validated) workflow configuration."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
