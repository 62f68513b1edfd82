"""`rgml rg coarse-grain` with several rules: one process start, the stores of one run per rule.

The workflow coarse-grains each (L, b) with every block rule in one job; these tests pin that the
stores are bitwise those of one run per rule, that the option counts are checked, and that a bad
model store stops the job before any store is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rgml.cli import EXIT_USAGE, main
from rgml.store import array_digests

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command

SEED = ["--seed", 1]


def run(argv, capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """An L = 8 sample store and the two learned rules fitted on it (b = 2), made by the real steps."""
    d = tmp_path_factory.mktemp("inputs")
    made = {"L8": d / "L8.zarr", "fit": d / "fit.zarr", "block": d / "block.zarr"}
    steps = [
        ["sample", "ising2d", "--size", 8, "--temperatures", "2.0,2.269185,3.0", "--samples", 48, "--seed", 1,
         "--thermalize", 20, "--thin", 2, "--out", made["L8"]],
        ["rsmi", "fit", "--samples", made["L8"], "--temperature", 2.269185, "--block", 2, "--buffer", 0,
         "--environment", 1, "--steps", 20, "--seed", 1, "--out", made["fit"]],
        ["rbm", "block", "--samples", made["L8"], "--temperature", 2.269185, "--epochs", 2, "--seed", 1,
         "--out", made["block"]],
    ]
    for argv in steps:
        assert main([str(a) for a in argv]) == 0
    return made


def test_several_rules_in_one_process_equal_one_run_per_rule(inputs, tmp_path):
    rules = ["majority", "rsmi", "decimation", "rbm"]  # learned and fixed interleaved: models go in rule order
    together = [tmp_path / "together" / f"{rule}_b2.zarr" for rule in rules]
    assert main(["rg", "coarse-grain", "--samples", str(inputs["L8"]), "--rule", *rules,
                 "--model", str(inputs["fit"]), str(inputs["block"]), *map(str, SEED),
                 "--out", *map(str, together)]) == 0
    models = {"rsmi": ["--model", str(inputs["fit"])], "rbm": ["--model", str(inputs["block"])]}
    for rule, store in zip(rules, together):
        alone = tmp_path / "alone" / f"{rule}_b2.zarr"
        assert main(["rg", "coarse-grain", "--samples", str(inputs["L8"]), "--rule", rule, *models.get(rule, []),
                     *map(str, SEED), "--out", str(alone)]) == 0
        assert array_digests(store) == array_digests(alone), rule


@pytest.mark.parametrize("rules, models, outs, named", [
    (["majority", "decimation"], [], ["a.zarr"], "--out: 1 stores for 2 rules"),
    (["majority", "decimation"], [], ["a.zarr", "a.zarr"], "--out: a store is named twice"),
    (["majority", "rsmi"], [], ["a.zarr", "b.zarr"], "--model: 0 model stores given, one per learned rule (rsmi)"),
    (["majority"], ["fit"], ["a.zarr"], "--model: 1 model stores given, none: every rule given is fixed"),
])
def test_option_counts_that_do_not_match_are_usage_errors(inputs, tmp_path, capsys, rules, models, outs, named):
    argv = ["rg", "coarse-grain", "--samples", inputs["L8"], "--rule", *rules, *SEED,
            "--out", *(tmp_path / o for o in outs)]
    if models:
        argv += ["--model", *(inputs[m] for m in models)]
    code, err = run(argv, capsys)
    assert code == EXIT_USAGE and named in err, err
    assert not any(tmp_path.iterdir())


def test_a_model_of_another_block_size_stops_the_job_before_any_store_is_written(inputs, tmp_path, capsys):
    outs = [tmp_path / "majority_b4.zarr", tmp_path / "rsmi_b4.zarr"]
    code, err = run(["rg", "coarse-grain", "--samples", inputs["L8"], "--rule", "majority", "rsmi",
                     "--model", inputs["fit"], "--b", 4, *SEED, "--out", *outs], capsys)
    assert code == EXIT_USAGE and "the rsmi rule has b=2, not b=4" in err, err
    assert not any(tmp_path.iterdir())  # the fixed rule's store is not written either
