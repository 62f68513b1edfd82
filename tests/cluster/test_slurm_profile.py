"""profiles/slurm parses and hands jobs the resources profiles/README.md promises.

Dry runs of a two-rule workflow: no SLURM needed. The cluster itself is exercised by
tests/cluster/run_slurm.sh.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("snakemake_executor_plugin_slurm")

pytestmark = pytest.mark.workflow

PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "slurm"
SNAKEFILE = """
rule all:
    input: "out.txt"

rule make:
    output: "out.txt"
    shell: "touch {output}"
"""


@pytest.fixture(scope="module")
def profile_defaults() -> dict[str, str]:
    """The profile's unconditional default-resources, as strings (the `?if` keys are YTE)."""
    block = yaml.safe_load((PROFILE / "config.yaml").read_text())["default-resources"]
    return {k: str(v) for k, v in block.items() if not k.startswith("?")}


def dry_run_resources(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """Resources of rule `make` in `snakemake --profile profiles/slurm -n ARGS`."""
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    clean_env = {k: v for k, v in os.environ.items()
                 if not k.startswith("RGML_SLURM_") and k != "SNAKEMAKE_PROFILE"}
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", str(PROFILE), "-n", *args],
        cwd=tmp_path, env={**clean_env, **(env or {})}, capture_output=True, text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    block = log[log.index("rule make:"):]
    line = next(ln for ln in block.splitlines() if ln.strip().startswith("resources:"))
    pairs = line.split("resources:", 1)[1].split(", ")
    return dict(pair.strip().split("=", 1) for pair in pairs)


def test_profile_defaults_reach_jobs(tmp_path, profile_defaults):
    resources = dry_run_resources(tmp_path)
    assert {"mem_mb", "runtime"} <= profile_defaults.keys()
    for key, value in profile_defaults.items():
        assert resources[key] == value
    # unset account/partition: the plugin guesses the account and uses the default partition
    assert "slurm_account" not in resources
    assert "slurm_partition" not in resources


def test_account_and_partition_from_environment_keep_defaults(tmp_path, profile_defaults):
    resources = dry_run_resources(
        tmp_path, env={"RGML_SLURM_ACCOUNT": "myacc", "RGML_SLURM_PARTITION": "compute"})
    assert resources["slurm_account"] == "myacc"
    assert resources["slurm_partition"] == "compute"
    for key, value in profile_defaults.items():
        assert resources[key] == value


def test_command_line_recipe_sets_all_four(tmp_path, profile_defaults):
    restated = [f"{key}={value}" for key, value in profile_defaults.items()]
    resources = dry_run_resources(
        tmp_path, "--default-resources", *restated,
        "slurm_account=myacc", "slurm_partition=compute")
    assert resources["slurm_account"] == "myacc"
    assert resources["slurm_partition"] == "compute"
    for key, value in profile_defaults.items():
        assert resources[key] == value


def test_command_line_default_resources_replace_the_profile_block(tmp_path, profile_defaults):
    """Why the README's command-line recipe restates mem_mb and runtime: snakemake drops the
    profile's whole default-resources block when the option is given on the command line."""
    resources = dry_run_resources(tmp_path, "--default-resources", "slurm_account=myacc")
    assert resources["slurm_account"] == "myacc"
    assert "runtime" not in resources
    assert resources["mem_mb"] != profile_defaults["mem_mb"]
