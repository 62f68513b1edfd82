"""`rgml rg coarse-grain` with several rules: one process start, the stores of one run per rule.

The workflow coarse-grains each (L, b) with every block rule in one job; these tests pin that the
stores are bitwise those of one run per rule, that the option counts are checked, and that a bad
model store stops the job before any store is written.
"""

from __future__ import annotations

import pytest

from rgml.cli import EXIT_USAGE
from rgml.store import array_digests

# the L = 8 sample store and the learned rules fitted on it (rsmi "fit", rbm "block"), made by the real steps
from test_bad_data import run_cli, stores  # noqa: F401 (stores is a fixture)

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command

SEED = ["--seed", 1]


def test_several_rules_in_one_process_equal_one_run_per_rule(stores, tmp_path):
    rules = ["majority", "rsmi", "decimation", "rbm"]  # learned and fixed interleaved: models go in rule order
    together = [tmp_path / "together" / f"{rule}_b2.zarr" for rule in rules]
    code, _, err = run_cli(["rg", "coarse-grain", "--samples", stores["L8"], "--rule", *rules,
                            "--model", stores["fit"], stores["block"], *SEED, "--out", *together])
    assert code == 0, err
    models = {"rsmi": ["--model", stores["fit"]], "rbm": ["--model", stores["block"]]}
    for rule, store in zip(rules, together):
        alone = tmp_path / "alone" / f"{rule}_b2.zarr"
        code, _, err = run_cli(["rg", "coarse-grain", "--samples", stores["L8"], "--rule", rule,
                                *models.get(rule, []), *SEED, "--out", alone])
        assert code == 0, err
        assert array_digests(store) == array_digests(alone), rule


@pytest.mark.parametrize("rules, models, outs, named", [
    (["majority", "decimation"], [], ["a.zarr"], "--out: 1 stores for 2 rules"),
    (["majority", "decimation"], [], ["a.zarr", "a.zarr"], "--out: a store is named twice"),
    (["majority", "rsmi"], [], ["a.zarr", "b.zarr"], "--model: 0 model stores given, one per learned rule (rsmi)"),
    (["majority"], ["fit"], ["a.zarr"], "--model: 1 model stores given, none: every rule given is fixed"),
])
def test_option_counts_that_do_not_match_are_usage_errors(stores, tmp_path, rules, models, outs, named):
    argv = ["rg", "coarse-grain", "--samples", stores["L8"], "--rule", *rules, *SEED,
            "--out", *(tmp_path / o for o in outs)]
    if models:
        argv += ["--model", *(stores[m] for m in models)]
    code, _, err = run_cli(argv)
    assert code == EXIT_USAGE and named in err, err
    assert not any(tmp_path.iterdir())


def test_a_model_of_another_block_size_stops_the_job_before_any_store_is_written(stores, tmp_path):
    outs = [tmp_path / "majority_b4.zarr", tmp_path / "rsmi_b4.zarr"]
    code, _, err = run_cli(["rg", "coarse-grain", "--samples", stores["L8"], "--rule", "majority", "rsmi",
                            "--model", stores["fit"], "--b", 4, *SEED, "--out", *outs])
    assert code == EXIT_USAGE and "the rsmi rule has b=2, not b=4" in err, err
    assert not any(tmp_path.iterdir())  # the fixed rule's store is not written either
