"""Bad input to the CLI: one-line error naming the parameter, non-zero exit, nothing written."""

import subprocess
import sys

import pytest

from rgml.backend import cupy_available

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes

BASE = ["sample", "ising2d", "--size", "8", "--temperatures", "2.0,3.0", "--samples", "10", "--seed", "1"]


def run(args, tmp_path):
    out = tmp_path / "out" / "L8.zarr"
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", *args, "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    return proc, out


def replace(args, flag, value):
    args = list(args)
    args[args.index(flag) + 1] = value
    return args


CASES = [
    ("--temperatures", "2.0,-1.0", "--temperatures"),
    ("--temperatures", "0,2.0", "--temperatures"),
    ("--temperatures", "2.0,abc", "--temperatures"),
    ("--temperatures", "2.0,inf", "--temperatures"),
    ("--size", "0", "--size"),
    ("--size", "-8", "--size"),
    ("--size", "7", "--size"),
    ("--size", "eight", "--size"),
    ("--samples", "0", "--samples"),
    ("--samples", "-5", "--samples"),
]


@pytest.mark.parametrize("flag, value, named", CASES)
def test_bad_parameter_is_one_line_and_writes_nothing(flag, value, named, tmp_path):
    proc, out = run(replace(BASE, flag, value), tmp_path)
    assert proc.returncode != 0
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rgml sample ising2d: error:") and named in lines[0], lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.skipif(cupy_available(), reason="this machine has a usable GPU")
def test_cupy_backend_without_cupy_is_a_clear_error(tmp_path):
    proc, out = run([*BASE, "--backend", "cupy"], tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "backend" in proc.stderr and "numpy" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_help_documents_every_subcommand():
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for command in ("sample", "thermo", "checksum"):
        assert command in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", "sample", "ising2d", "--help"],
                          capture_output=True, text=True)
    for flag in ("--size", "--temperatures", "--samples", "--seed", "--out", "--algorithm", "--backend",
                 "--thermalize", "--thin"):
        assert flag in proc.stdout


def test_a_job_log_ends_with_what_the_job_cost(tmp_path):
    """A step run with stderr going to a log (not a terminal) ends it with its wall and CPU time and peak memory,
    exact from getrusage (Snakemake's benchmark files sample them)."""
    import re

    proc, out = run(BASE, tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    match = re.fullmatch(r"\[\d\d:\d\d:\d\d\] rgml sample ising2d: ([\d.]+) s wall, ([\d.]+) s CPU "
                         r"\(([\d.]+) user \+ ([\d.]+) system\), peak memory (\d+) MiB", last)
    assert match, last
    wall, cpu, user, system, peak = map(float, match.groups())
    assert wall > 0 and cpu > 0 and cpu == pytest.approx(user + system, abs=0.11) and 50 < peak < 4096
