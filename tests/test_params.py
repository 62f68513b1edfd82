"""One source of parameters: the schema's default is the command line's and the library's (issue 12, item 3)."""

import argparse
import inspect
from pathlib import Path

import pytest
import yaml

from rgml import params
from rgml.cli import build_parser
from rgml.step_options import STEP_OPTIONS

ROOT = Path(__file__).resolve().parents[1]

#: Options of the command line that are not parameters: inputs, outputs and per-job choices the workflow
#: makes from the DAG (which rule a store holds, which model store defines it, how deep the 1D table goes).
NOT_PARAMETERS = {
    ("rg coarse-grain", "rule"), ("rg coarse-grain", "model"),
    # the workflow's rule fits pass the config's rsmi.rule_norm; a plain fit holds the norm
    ("rsmi fit", "norm_stop"),
    # the workflow passes the number of decimation levels of the configured ring
    ("rbm mapping1d", "levels"),
    # housekeeping switches: what `rgml clean` deletes, and whether it only lists
    ("clean", "stale"), ("clean", "dry_run"),
}

#: Keys the default sweep sets for itself (the schema's default is the plain case).
SWEEP_CHOICES = {"ising2d.samples_per_size", "phases.confusion.extra_sizes"}

#: Keys only the workflow reads: which sizes and temperatures the stages run at (sweep choices, not knobs).
WORKFLOW_ONLY = {
    "rg.rules", "rsmi.size", "rsmi.temperatures", "rsmi.buffers", "rsmi.rule_norm",
    "rbm.size", "rbm.temperatures", "rbm.stack_temperature", "ising2d.grid_offset", "dimers.sizes",
    "dimers.rsmi.size", "dimers.rsmi.more_hidden", "dimers.rsmi.buffer_size", "compare.norm_size",
    "phases.confusion.extra_sizes",
}


def subcommands(parser: argparse.ArgumentParser, prefix: str = ""):
    """``(name, parser)`` of every leaf subcommand, e.g. ``("rsmi fit", <parser>)``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from subcommands(sub, f"{prefix} {name}".strip())
            return
    yield prefix, parser


def option_actions(parser):
    return [a for a in parser._actions if a.option_strings and a.dest != "help"]


def cli_defaults() -> dict[str, list]:
    """Config key → the defaults of every command-line option generated for it."""
    found: dict[str, list] = {}
    for name, parser in subcommands(build_parser()):
        mapping = STEP_OPTIONS.get(name, {})
        for action in option_actions(parser):
            key = mapping.get(action.dest)
            if key is None:
                path_like = action.type is Path or (isinstance(action.type, type) and issubclass(action.type, Path))
                assert path_like or (name, action.dest) in NOT_PARAMETERS or action.dest == "overwrite", \
                    f"`rgml {name} --{action.dest}` is neither a config key nor an input/output path"
                continue
            found.setdefault(key, []).append((name, action))
    return found


def library_defaults() -> dict[str, list]:
    """Config key → the defaults the library's config objects and entry points take."""
    from rgml import rbm, rg, rsmi
    from rgml.dimers.sampler import DimerSettings, sample_dimers
    from rgml.fss import finite_size_scaling
    from rgml.ising import SamplerSettings, sample_ising2d
    from rgml.phases import ConfusionConfig, PCAConfig, SupervisedConfig
    from rgml.rbm.temperature import train_config
    from rgml.slmc import PlaquetteModel, SLMCConfig
    from rgml.streaming import DEFAULT_BUDGET_BYTES

    def signature(fn, name):
        return inspect.signature(fn).parameters[name].default

    settings, fit = SamplerSettings(), rsmi.FitConfig()
    pairs = [
        ("ising2d.chains", settings.chains), ("ising2d.algorithm", settings.algorithm),
        ("ising2d.thermalize", settings.thermalize), ("ising2d.thin", settings.thin),
        ("ising2d.thin_factor", settings.thin_factor), ("backend", signature(sample_ising2d, "backend")),
        ("memory_budget_mib", DEFAULT_BUDGET_BYTES / 2**20),
        ("rg.b", signature(rg.coarse_grain, "b")), ("rg.b", signature(rbm.fit_block_rule, "b")),
        ("rg.bootstrap", signature(rg.analyse, "n_boot")), ("rg.mcrg_couplings", signature(rg.analyse, "mcrg_couplings")),
        ("rg.ring_b", signature(rsmi.ring_rsmi, "b")),
        ("rsmi.n_hidden", fit.n_hidden), ("rsmi.estimator", fit.estimator), ("rsmi.steps", fit.steps),
        ("rsmi.norm", fit.norm_start),
        ("rsmi.ring_buffer", signature(rsmi.ring_rsmi, "buffer")),
        ("rsmi.ring_environment", signature(rsmi.ring_rsmi, "environment")),
        ("rbm.n_hidden", signature(train_config, "n_hidden")), ("rbm.epochs", signature(train_config, "epochs")),
        ("rbm.flip_moves", signature(train_config, "flip_moves")), ("rbm.epochs", rbm.TrainConfig(n_hidden=1).epochs),
        ("rbm.stack_widths", signature(rbm.deep_stack, "widths")), ("rbm.stack_l1", signature(rbm.deep_stack, "l1")),
        ("rbm.epochs", signature(rbm.deep_stack, "epochs")),
        ("rbm.l1", signature(rbm.locality_sweep, "l1_values")),
        ("rbm.n_hidden", signature(rbm.locality_sweep, "n_hidden")),
        ("rbm.flow_hidden", signature(rbm.flow_experiment, "n_hidden")),
        ("rbm.flow_l2", signature(rbm.flow_experiment, "l2")),
        ("rbm.flow_steps", signature(rbm.flow_experiment, "steps")),
        ("rbm.flow_chains", signature(rbm.flow_experiment, "chains")),
        ("rbm.epochs", signature(rbm.flow_experiment, "epochs")),
        ("rbm.ring_size", signature(rbm.mapping_experiment, "ring_size")),
        ("rbm.ring_samples", signature(rbm.mapping_experiment, "samples")),
        ("rbm.epochs", signature(rbm.mapping_experiment, "epochs")),
        ("rbm.epochs", signature(rbm.fit_block_rule, "epochs")),
        *[(f"fss.{name}", signature(finite_size_scaling, name))
          for name in ("blocks", "reach", "points", "omega", "min_size", "collapse_window", "fit_collapses")],
        *[(f"phases.pca.{name}", getattr(PCAConfig(), name)) for name in ("fit_samples", "n_components")],
        *[(f"phases.{key}", getattr(config, name)) for config in (PCAConfig(), SupervisedConfig(), ConfusionConfig())
          for key, name in (("blocks", "blocks"), ("bootstrap", "n_boot"), ("fss_min_size", "fss_min_size"))],
        *[(f"phases.supervised.{name}", getattr(SupervisedConfig(), name))
          for name in ("ordered_below", "disordered_above", "train_samples", "members", "hidden", "l2", "max_iter")],
        ("phases.supervised.models", list(SupervisedConfig().models)),
        *[(f"phases.confusion.{name}", getattr(ConfusionConfig(), name))
          for name in ("model", "train_samples", "l2", "weighting", "balance")],
        *[(f"slmc.{name}", getattr(SLMCConfig(), name))
          for name in ("chains", "shells", "train_temperature", "train_samples", "train_thin", "train_thermalize",
                       "local_thermalize", "local_sweeps", "slmc_thermalize", "slmc_sweeps", "local_per_slmc_sweep")],
        ("slmc.coupling_J", PlaquetteModel().coupling), ("slmc.plaquette_K", PlaquetteModel().plaquette),
        *[(f"dimers.{name}", getattr(DimerSettings(), name)) for name in ("chains", "rule", "thin_factor")],
        ("dimers.interaction", signature(sample_dimers, "interaction")),
    ]
    found: dict[str, list] = {}
    for key, value in pairs:
        found.setdefault(key, []).append(value)
    return found


def test_every_parameter_has_one_default_in_schema_cli_and_library():
    cli, library = cli_defaults(), library_defaults()
    for key in params.keys():
        has_default = "default" in params.spec(key)
        for step, action in cli.get(key, []):
            if has_default:
                assert action.default == params.default(key), f"rgml {step} --{action.dest}: {action.default!r} " \
                                                               f"but {key} defaults to {params.default(key)!r}"
            else:
                assert action.required, f"rgml {step} --{action.dest}: {key} has no default, the option must be required"
        for value in library.get(key, []):
            assert value == params.default(key), f"the library defaults {key} to {value!r}, " \
                                                 f"the schema to {params.default(key)!r}"
        if has_default:
            assert key in cli or f"{key}[]" in cli or f"{key}[:]" in cli or key in library or key in WORKFLOW_ONLY, \
                f"{key}: used by no step and no library call"
    unknown = (set(cli) | set(library)) - set(params.keys()) - {k for k in cli if params.per_job(k)}
    assert not unknown


def test_every_command_line_option_is_a_config_key_or_an_input():
    for step, mapping in STEP_OPTIONS.items():
        for option, key in mapping.items():
            params.spec(key)  # a key of the schema (KeyError otherwise)
    cli_defaults()  # asserts every other option is a path or a listed per-job choice


def test_the_default_config_sets_every_knob_to_its_default():
    """config/config.yaml spells out the defaults (a sweep's choices of sizes and temperatures aside)."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for key in params.keys():
        try:
            value = params.lookup(config, key)
        except KeyError:
            continue
        if "default" in params.spec(key) and key not in WORKFLOW_ONLY | SWEEP_CHOICES:
            assert value == params.default(key), f"config/config.yaml sets {key} = {value!r}, " \
                                                 f"the schema's default is {params.default(key)!r}"


def test_option_strings_round_trip_through_the_parser():
    from rgml.step_options import options
    from rgml.config import validate_config

    config = validate_config(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()), params.SCHEMA_PATH,
                             check_backend=False)
    line = options("rsmi fit", config, temperature=2.269185) + " --samples s.zarr --out o.zarr"
    args = build_parser().parse_args(["rsmi", "fit", *line.split()])
    for option, key in STEP_OPTIONS["rsmi fit"].items():
        expected = 2.269185 if option == "temperature" else params.lookup(config, key)
        assert getattr(args, option) == expected


@pytest.mark.parametrize("key, text, message", [
    ("rsmi.steps", "0", "minimum"), ("ising2d.temperatures", "2.0,-1", "minimum"),
    ("ising2d.sizes[]", "7", "multiple"), ("backend", "gpu", "not one of"), ("rbm.flip_moves", "maybe", "true or false"),
    ("ising2d.thin", "5.5", "integer"),
])
def test_command_line_values_are_checked_against_the_schema(key, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        params.parse_value(key, text)
