"""Configuration validation: malformed configs give one-line errors naming the key (issue 2 item 7, issue 8 item 2)."""

import copy
import math
from pathlib import Path

import pytest
import yaml

from rgml.backend import cupy_available
from rgml.config import ConfigError, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
TINY = yaml.safe_load((ROOT / "tests" / "workflow" / "tiny.yaml").read_text())


def mutate(path, value, base=DEFAULT):
    """A copy of ``base`` with the key at ``path`` set to ``value`` (``DELETE`` removes it)."""
    config = copy.deepcopy(base)
    node = config
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return config


DELETE = object()

# (case id, path, value, text the message must contain)
BAD = [
    ("seed-string", ("seed",), "abc", "seed"),
    ("seed-negative", ("seed",), -1, "seed"),
    ("seed-float", ("seed",), 1.5, "seed"),
    ("seed-missing", ("seed",), DELETE, "seed"),
    ("backend-unknown", ("backend",), "gpu", "backend"),
    ("threads-zero", ("threads",), 0, "threads"),
    ("unknown-top-key", ("sedd",), 3, "sedd"),
    ("ising2d-missing", ("ising2d",), DELETE, "ising2d"),
    ("ising2d-not-mapping", ("ising2d",), [1, 2], "ising2d"),
    ("unknown-ising2d-key", ("ising2d", "sizez"), [8], "sizez"),
    ("sizes-empty", ("ising2d", "sizes"), [], "ising2d.sizes"),
    ("sizes-odd", ("ising2d", "sizes"), [16, 33], "ising2d.sizes[1]"),
    ("sizes-zero", ("ising2d", "sizes"), [0, 16], "ising2d.sizes[0]"),
    ("sizes-negative", ("ising2d", "sizes"), [-16, 16], "ising2d.sizes[0]"),
    ("sizes-string", ("ising2d", "sizes"), ["16", 32], "ising2d.sizes[0]"),
    ("sizes-scalar", ("ising2d", "sizes"), 16, "ising2d.sizes"),
    ("sizes-duplicate", ("ising2d", "sizes"), [16, 16], "ising2d.sizes"),
    ("temperatures-empty", ("ising2d", "temperatures"), [], "ising2d.temperatures"),
    ("temperature-negative", ("ising2d", "temperatures"), [2.269185, -1.0], "ising2d.temperatures[1]"),
    ("temperature-zero", ("ising2d", "temperatures"), [0.0, 2.269185], "ising2d.temperatures[0]"),
    ("temperature-nan", ("ising2d", "temperatures"), [2.269185, math.nan], "ising2d.temperatures[1]"),
    ("temperature-inf", ("ising2d", "temperatures"), [2.269185, math.inf], "ising2d.temperatures[1]"),
    ("temperature-string", ("ising2d", "temperatures"), [2.269185, "hot"], "ising2d.temperatures[1]"),
    ("temperatures-without-tc", ("ising2d", "temperatures"), [1.5, 3.5], "Tc"),
    ("temperatures-same-spelling", ("ising2d", "temperatures"), [2.269185, 2.26919], "ising2d.temperatures[1]"),
    ("samples-zero", ("ising2d", "samples"), 0, "ising2d.samples"),
    ("samples-float", ("ising2d", "samples"), 10.5, "ising2d.samples"),
    ("samples-missing", ("ising2d", "samples"), DELETE, "ising2d.samples"),
    ("chains-zero", ("ising2d", "chains"), 0, "ising2d.chains"),
    ("algorithm-unknown", ("ising2d", "algorithm"), "heatbath", "ising2d.algorithm"),
    ("thin-factor-small", ("ising2d", "thin_factor"), 0.5, "ising2d.thin_factor"),
    ("thin-zero", ("ising2d", "thin"), 0, "ising2d.thin"),
    ("thermalize-negative", ("ising2d", "thermalize"), -10, "ising2d.thermalize"),
    ("ring-size-one", ("ising1d", "size"), 1, "ising1d.size"),
    ("couplings-negative", ("ising1d", "couplings"), [-0.5], "ising1d.couplings[0]"),
    ("couplings-huge", ("ising1d", "couplings"), [50.0], "ising1d.couplings[0]"),
    ("ring-samples-string", ("ising1d", "samples"), "many", "ising1d.samples"),
    # RG and RSMI sections, and keys that must agree with each other
    ("rg-not-mapping", ("rg",), "majority", "rg"),
    ("unknown-rg-key", ("rg", "block"), 2, "block"),
    ("rg-rule-unknown", ("rg", "rules"), ["majority", "median"], "rg.rules[1]"),
    ("rg-b-one", ("rg", "b"), 1, "rg.b"),
    ("sizes-not-multiple-of-b", ("rg", "b"), 3, "rg.b"),
    ("sizes-too-small-for-b", ("rg", "b"), 8, "rg.b"),
    ("ring-size-not-multiple-of-ring-b", ("rg", "ring_b"), 3, "rg.ring_b"),
    ("mcrg-couplings-too-many", ("rg", "mcrg_couplings"), 7, "rg.mcrg_couplings"),
    ("unknown-rsmi-key", ("rsmi", "blocks"), 4, "blocks"),
    ("rsmi-size-not-a-size", ("rsmi", "size"), 48, "rsmi.size"),
    ("rsmi-temperature-not-in-grid", ("rsmi", "temperatures"), [2.269185, 2.5], "rsmi.temperatures[1]"),
    ("rsmi-geometry-wider-than-lattice", ("rsmi", "environment"), 14, "rsmi.size"),
    ("rsmi-buffer-sweep-wider-than-lattice", ("rsmi", "buffers"), [0, 14], "rsmi.size"),
    ("rsmi-buffer-negative", ("rsmi", "buffer"), -1, "rsmi.buffer"),
    ("rsmi-hidden-too-many", ("rsmi", "n_hidden"), 9, "rsmi.n_hidden"),
    ("rsmi-estimator-unknown", ("rsmi", "estimator"), "mine", "rsmi.estimator"),
    ("rsmi-norm-nan", ("rsmi", "norm"), math.nan, "rsmi.norm"),
    # issue 14: refused before any job instead of failing late
    ("sizes-one", ("ising2d", "sizes"), [16], "ising2d.sizes"),
    ("samples-fewer-than-two-per-chain", ("ising2d", "samples"), 7, "ising2d.samples"),
    ("samples-per-size-fewer-than-two-per-chain", ("ising2d", "samples_per_size"), {8: 5}, "ising2d.samples_per_size[8]"),
    ("samples-per-size-of-an-unsampled-size", ("ising2d", "samples_per_size"), {48: 100}, "phases.confusion.extra_sizes"),
    ("confusion-extra-size-odd", ("phases", "confusion", "extra_sizes"), [33], "phases.confusion.extra_sizes"),
    ("temperatures-unsorted", ("ising2d", "temperatures"), [2.269185, 1.5, 3.5], "ising2d.temperatures[1]"),
    ("couplings-unsorted", ("ising1d", "couplings"), [1.0, 0.5], "ising1d.couplings[1]"),
    ("memory-budget-below-one-chunk", ("memory_budget_mib",), 1, "memory_budget_mib"),
    # issue 13: the comparison across block sizes
    ("block-size-without-sizes", ("compare", "block_sizes"), [2, 5], "compare.block_sizes[1]"),
    ("block-size-one", ("compare", "block_sizes"), [1, 2], "compare.block_sizes[0]"),
    ("block-sizes-empty", ("compare", "block_sizes"), [], "compare.block_sizes"),
    ("norms-zero", ("compare", "norms"), [0.0, 1.0], "compare.norms[0]"),
    ("norm-size-not-a-size", ("compare", "norm_size"), 48, "compare.norm_size"),
    ("norm-size-without-half", ("compare", "norm_size"), 12, "compare.norm_size"),
    ("mi-steps-zero", ("compare", "mi_steps"), 0, "compare.mi_steps"),
    ("flow-scan-replicas-zero", ("rbm", "flow_scan_replicas"), 0, "rbm.flow_scan_replicas"),
    ("flow-scan-l2-negative", ("rbm", "flow_scan_l2"), [-0.1], "rbm.flow_scan_l2[0]"),
    ("dimer-rsmi-size-not-sampled", ("dimers", "rsmi", "size"), 48, "dimers.rsmi.size"),
    ("dimer-units-of-the-main-fit", ("dimers", "rsmi", "more_hidden"), [1, 2], "dimers.rsmi.more_hidden"),
    ("dimer-units-too-many", ("dimers", "rsmi", "more_hidden"), [9], "dimers.rsmi.more_hidden[0]"),
    ("dimer-buffer-size-not-sampled", ("dimers", "rsmi", "buffer_size"), 64, "dimers.rsmi.buffer_size"),
    ("dimer-buffer-fit-reversed", ("dimers", "rsmi", "buffer_fit"), [8, 4], "dimers.rsmi.buffer_fit"),
    ("dimer-buffer-fit-one-end", ("dimers", "rsmi", "buffer_fit"), [4], "dimers.rsmi.buffer_fit"),
    ("dimer-rules-empty", ("dimers", "rsmi", "rules"), [], "dimers.rsmi.rules"),
]


def test_default_and_tiny_configs_are_valid():
    for config in (DEFAULT, TINY):
        filled = validate_config(config, SCHEMA)
        assert filled["ising2d"]["chains"] >= 1 and filled["threads"] >= 1


def test_block_sizes_need_a_pair_of_sizes_each():
    """Issue 13: b = 3 needs L and L/b (e.g. 12 and 36); the message names the key and says what to add."""
    from rgml.config import block_chain, mi_size

    assert block_chain([8, 12, 16, 32, 36, 64], 2) == [8, 16, 32, 64]
    assert block_chain([8, 12, 16, 32, 36, 64], 3) == [12, 36]
    assert block_chain([8, 12, 16, 32, 36, 64], 4) == [16, 64]
    config = validate_config(DEFAULT, SCHEMA)
    assert [mi_size(config, b) for b in (2, 3, 4)] == [32, 36, 32]
    with pytest.raises(ConfigError, match=r"compare.block_sizes\[0\]: b = 3 .* e.g. 12 and 36"):
        validate_config(mutate(("compare", "block_sizes"), [3], TINY), SCHEMA)


def test_default_config_meets_the_issue_minimums():
    ising2d = DEFAULT["ising2d"]
    assert len(ising2d["sizes"]) >= 2 and ising2d["samples"] >= 1000
    t = ising2d["temperatures"]
    assert len(t) >= 12 and min(t) <= 1.5 and max(t) >= 3.5


@pytest.mark.parametrize("case, path, value, named", BAD, ids=[b[0] for b in BAD])
def test_malformed_config_is_a_one_line_error_naming_the_key(case, path, value, named):
    with pytest.raises(ConfigError) as info:
        validate_config(mutate(path, value), SCHEMA)
    message = str(info.value)
    assert "\n" not in message
    assert named in message, message


@pytest.mark.skipif(cupy_available(), reason="this machine has a usable GPU")
def test_cupy_backend_without_a_gpu_is_rejected():
    with pytest.raises(ConfigError, match="backend"):
        validate_config(mutate(("backend",), "cupy"), SCHEMA)


def test_unsorted_grid_message_gives_the_sorted_grid():
    with pytest.raises(ConfigError, match=r"\[1\.5, 2\.269185, 3\.5\]"):
        validate_config(mutate(("ising2d", "temperatures"), [2.269185, 1.5, 3.5]), SCHEMA)


def test_memory_budget_message_gives_the_minimum_and_the_minimum_passes():
    from rgml.config import minimum_memory_budget

    need, _ = minimum_memory_budget(validate_config(DEFAULT, SCHEMA))
    with pytest.raises(ConfigError, match=r">= \d"):
        validate_config(mutate(("memory_budget_mib",), need * 0.99), SCHEMA)
    validate_config(mutate(("memory_budget_mib",), need), SCHEMA)


DUPLICATED = """seed: 1
ising2d:
  sizes: [8, 16]
  samples: 100
  chains: 4
  samples: 200
"""


def test_duplicated_yaml_key_is_refused_naming_the_key_and_lines(tmp_path):
    from rgml.config import check_config_files, load_yaml_strict

    path = tmp_path / "dup.yaml"
    path.write_text(DUPLICATED)
    with pytest.raises(ConfigError) as info:
        check_config_files([path])
    message = str(info.value)
    assert "\n" not in message and "'samples'" in message and "line 6" in message and "line 4" in message
    assert yaml.safe_load(DUPLICATED)["ising2d"]["samples"] == 200  # what a plain loader does silently
    path.write_text(DUPLICATED.replace("  samples: 200\n", ""))
    assert load_yaml_strict(path)["ising2d"]["samples"] == 100


def test_defaults_are_filled():
    config = mutate(("ising2d", "chains"), DELETE)
    assert validate_config(config, SCHEMA)["ising2d"]["chains"] == 4


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "config").glob("*.yaml")))
def test_every_shipped_config_validates(name):
    """config/blind.yaml and config/paper.yaml are run by users as they are: they must pass the schema and the
    cross-key checks of the config they extend (the blind grid once lacked the sizes compare.block_sizes needs)."""
    validate_config(yaml.safe_load((ROOT / "config" / name).read_text()), SCHEMA, check_backend=False)
