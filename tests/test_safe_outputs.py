"""`--out` never clobbers (issue 14, item 2): every step that writes a store refuses a path it must not replace.

* a user's file, or a directory that is not an rgml store, at ``--out``: refused, always (even with
  ``--overwrite``), untouched;
* an rgml store made with other parameters: refused without ``--overwrite`` (the message names the
  difference), replaced with it;
* a store the same step made with the same options: rerunning it rewrites the same arrays.

The check runs before the step reads its inputs, so the refusals need no real inputs.  The workflow
never passes ``--overwrite``: Snakemake removes a job's outputs before it runs
(``test_the_workflow_reruns_a_job_without_overwrite``).
"""

from __future__ import annotations

import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from rgml.cli import EXIT_USAGE, build_parser, main
from rgml.store import COMMAND_ATTR, array_digests, open_store

from conftest import snakemake

pytestmark = pytest.mark.workflow  # runs the rgml command's main and snakemake


def run_cli(argv) -> tuple[int, str]:
    err = StringIO()
    with redirect_stdout(StringIO()), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


def store_steps() -> list[str]:
    """Every subcommand with an ``--out`` option, e.g. ``"rbm train"``."""
    from test_params import subcommands

    return [name for name, parser in subcommands(build_parser())
            if any("--out" in action.option_strings for action in parser._actions)]


#: Arguments that make each step's command line parse (the inputs need not exist: the check comes first).
ARGS = {
    "sample ising2d": ["--size", 8, "--temperatures", "2.0,3.0", "--samples", 16, "--seed", 1],
    "sample ising1d": ["--size", 16, "--couplings", "0.5", "--samples", 10, "--seed", 1],
    "sample merge": ["a.zarr", "b.zarr"],
    "sample dimers": ["--size", 8, "--seed", 1],
    "dimers rsmi": ["L8.zarr", "--temperature", "inf", "--seed", 1],
    "dimers rsmi-buffers": ["L8.zarr", "--temperature", "inf", "--seed", 1],
    "fss": ["L8.zarr", "L16.zarr", "--seed", 1, "--estimates-table", "e.csv", "--crossings-table", "c.csv",
            "--peaks-table", "p.csv", "--figure", "f.png"],
    "phases pca": ["L8.zarr", "--seed", 1, "--table", "t.csv", "--figure", "f.png"],
    "phases supervised": ["L8.zarr", "--seed", 1, "--table", "t.csv", "--figure", "f.png"],
    "phases confusion": ["L8.zarr", "--seed", 1, "--table", "t.csv", "--figure", "f.png"],
    "slmc run": ["--size", 8, "--seed", 1, "--timing", "t.csv"],
    "slmc binder": ["--model", "L8.zarr", "--seed", 1, "--timing", "t.csv"],
    "rg coarse-grain": ["--samples", "L8.zarr", "--rule", "majority", "--seed", 1],
    "rsmi fit": ["--samples", "L8.zarr", "--temperature", 2.269185, "--seed", 1],
    "rsmi ring": ["--samples", "N16.zarr", "--seed", 1],
    "rbm train": ["--samples", "L8.zarr", "--temperature", 2.269185, "--seed", 1],
    "rbm stack": ["--samples", "L8.zarr", "--temperature", 2.269185, "--seed", 1],
    "rbm locality": ["--samples", "L8.zarr", "--temperature", 2.269185, "--seed", 1],
    "rbm flow": ["--samples", "L8.zarr", "--seed", 1],
    "rbm block": ["--samples", "L8.zarr", "--temperature", 2.269185, "--seed", 1],
    "rbm mapping1d": ["--couplings", "0.5", "--seed", 1],
}

RING = ["sample", "ising1d", "--size", 16, "--couplings", "0.5,1.0", "--samples", 50, "--seed", 1]


def test_every_store_step_is_covered():
    assert sorted(store_steps()) == sorted(ARGS)


@pytest.fixture(scope="module")
def ring_store(tmp_path_factory) -> Path:
    """A real store (a 1D sample store) to put at other steps' outputs."""
    path = tmp_path_factory.mktemp("ring") / "N16.zarr"
    code, err = run_cli([*RING, "--out", path])
    assert code == 0, err
    return path


@pytest.mark.parametrize("step", sorted(ARGS))
@pytest.mark.parametrize("existing", ["file", "directory"])
def test_a_path_that_is_not_a_store_is_never_replaced(step, existing, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.zarr"
    if existing == "file":
        out.write_text("a user's notes\n")
    else:
        out.mkdir()
        (out / "notes.txt").write_text("a user's notes\n")
    for extra in ([], ["--overwrite"]):
        code, err = run_cli([*step.split(), *ARGS[step], "--out", out, *extra])
        assert code == EXIT_USAGE, err
        assert f"{out}: exists and is a {existing}, not an rgml store" in err, err
        assert "Traceback" not in err
    assert (out.read_text() if existing == "file" else (out / "notes.txt").read_text()) == "a user's notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zarr"]  # no partial store, nothing else


@pytest.mark.parametrize("step", sorted(ARGS))
def test_a_store_of_other_parameters_needs_overwrite(step, ring_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.zarr"
    shutil.copytree(ring_store, out)
    before = array_digests(out)
    code, err = run_cli([*step.split(), *ARGS[step], "--out", out])
    assert code == EXIT_USAGE, err
    assert "made with other parameters" in err and "--overwrite" in err, err
    assert " -> " in err, err  # the difference names what differs: here the step itself
    assert array_digests(out) == before


def test_overwrite_replaces_a_store_and_the_same_options_may_rerun(ring_store, tmp_path):
    out = tmp_path / "N16.zarr"
    shutil.copytree(ring_store, out)
    other_seed = [*RING[:-1], 2, "--out", out]
    code, err = run_cli(other_seed)
    assert code == EXIT_USAGE and "seed: 1 -> 2" in err, err
    code, err = run_cli([*other_seed, "--overwrite"])
    assert code == 0, err
    replaced = array_digests(out)
    assert replaced != array_digests(ring_store)
    assert json.loads(open_store(out).attrs[COMMAND_ATTR])["seed"] == 2
    code, err = run_cli(other_seed)  # the same step with the same options: a rerun, allowed
    assert code == 0, err
    assert array_digests(out) == replaced


def test_the_workflow_reruns_a_job_without_overwrite(tiny_run, tmp_path):
    """Snakemake removes a job's output before it runs, so forcing a rerun of a store's job just works."""
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    ring = workdir / "results" / "samples" / "ising1d" / "N16.zarr"
    before = array_digests(ring)
    proc = snakemake(workdir, "--forcerun", "sample_ising1d", "--until", "sample_ising1d")
    assert "sample_ising1d" in proc.stdout + proc.stderr
    assert array_digests(ring) == before
