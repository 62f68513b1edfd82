"""Killed jobs resume from their checkpoint and give bitwise the uninterrupted result (issue 8, item 1)."""

import json
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rgml.rng import Stream
from rgml.store import StoreError, array_digests, open_store

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes

SAMPLES = 6000
ARGS = ["sample", "ising2d", "--size", "64", "--temperatures", "2.6,3.2", "--samples", str(SAMPLES),
        "--seed", "11", "--threads", "1"]


def command(out, *extra):
    return [sys.executable, "-m", "rgml.cli", *ARGS, "--out", str(out), *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run and its duration."""
    out = tmp_path_factory.mktemp("ref") / "L64.zarr"
    start = time.monotonic()
    subprocess.run(command(out), check=True, capture_output=True, timeout=600)
    return out, time.monotonic() - start


def stored_samples(checkpoint) -> int:
    """Samples per temperature a checkpoint says are stored (-1 while there is none or it is being replaced)."""
    try:
        with np.load(checkpoint) as data:
            return int(json.loads(str(data["__header__"]))["meta"]["stored"])
    except (OSError, ValueError, KeyError):
        return -1


def test_sampling_killed_at_random_moments_resumes_to_the_same_bits(reference, tmp_path):
    """Five SIGKILLs: two at random times, three once a random number of samples is stored."""
    ref, duration = reference
    draws = Stream.named(8, "kill-points").uniform(5)
    out = tmp_path / "L64.zarr"
    checkpoint = out.with_name(out.name + ".checkpoint.npz")
    resumed_with_samples = 0
    for k, u in enumerate(draws):
        proc = subprocess.Popen(command(out, "--checkpoint-seconds", "0"), stderr=subprocess.DEVNULL)
        if k < 2:
            time.sleep(u * duration)
        else:  # a moment during production: right after the checkpoint of a random block
            target = 1 + int(u * (SAMPLES - 1))
            while proc.poll() is None and stored_samples(checkpoint) < target:
                time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not out.exists():  # killed before the end: nothing looks complete
            with pytest.raises(StoreError):
                open_store(out)
            partial = out.with_name(out.name + ".partial")
            if partial.exists():
                with pytest.raises(StoreError, match="incomplete"):
                    open_store(partial)
        rerun = subprocess.run(command(out, "--checkpoint-seconds", "0"), capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr
        assert array_digests(out) == array_digests(ref)
        if "already stored" in rerun.stderr:
            done = rerun.stderr.split("production: steps ")[1].split("..")[0]
            resumed_with_samples += int(done) > 0
        assert not checkpoint.exists()
        assert not out.with_name(out.name + ".partial").exists()
        shutil.rmtree(out)  # the next kill starts from scratch
    assert resumed_with_samples >= 3, "the resumed runs should have skipped the stored samples"


def test_a_checkpoint_of_other_parameters_is_not_resumed(tmp_path):
    out = tmp_path / "L8.zarr"
    base = [sys.executable, "-m", "rgml.cli", "sample", "ising2d", "--size", "8", "--temperatures", "2.5",
            "--seed", "3", "--out", str(out), "--checkpoint-seconds", "0"]
    first = subprocess.run([*base, "--samples", "64"], capture_output=True, text=True, check=True)
    assert "resuming" not in first.stderr
    # leave a checkpoint of a different run next to the output, as a killed job would
    (out.with_name(out.name + ".checkpoint.npz")).write_bytes(b"not a checkpoint")
    second = subprocess.run([*base, "--samples", "128", "--overwrite"], capture_output=True, text=True, check=True)
    assert "resuming" not in second.stderr
    assert open_store(out).sizes["sample"] == 128


RBM_ARGS = ["rbm", "train", "--temperature", "2.269185", "--n-hidden", "16", "--epochs", "12", "--seed", "4"]


@pytest.fixture(scope="module")
def rbm_reference(tmp_path_factory):
    """Samples for RBM training and an uninterrupted training run."""
    d = tmp_path_factory.mktemp("rbm")
    samples = d / "L8.zarr"
    subprocess.run([sys.executable, "-m", "rgml.cli", "sample", "ising2d", "--size", "8", "--temperatures",
                    "2.269185", "--samples", "3000", "--seed", "4", "--out", str(samples)], check=True,
                   capture_output=True, timeout=600)
    out = d / "T2.2692.zarr"
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "rgml.cli", *RBM_ARGS, "--samples", str(samples), "--out", str(out)],
                   check=True, capture_output=True, timeout=600)
    return samples, out, time.monotonic() - start


def test_rbm_training_killed_at_random_moments_resumes_to_the_same_bits(rbm_reference, tmp_path):
    """Five SIGKILLs during training (after a random number of epochs); each rerun resumes bitwise."""
    samples, ref, duration = rbm_reference
    out = tmp_path / "T2.2692.zarr"
    checkpoint = out.with_name(out.name + ".checkpoint.npz")
    cmd = [sys.executable, "-m", "rgml.cli", *RBM_ARGS, "--samples", str(samples), "--out", str(out),
           "--checkpoint-seconds", "0"]
    resumed = 0
    for k, u in enumerate(Stream.named(9, "rbm-kill-points").uniform(5)):
        proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        if k == 0:
            time.sleep(u * duration)
        else:  # right after the checkpoint of a random epoch
            target = 1 + int(u * 10)
            while proc.poll() is None and _epoch(checkpoint) < target:
                time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not out.exists():
            with pytest.raises(StoreError):
                open_store(out)
        rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr
        resumed += "resuming from the checkpoint after epoch" in rerun.stderr
        assert array_digests(out) == array_digests(ref)
        assert not checkpoint.exists()
        shutil.rmtree(out)
    assert resumed >= 4, "the reruns should have continued from the saved epochs"


def _epoch(checkpoint) -> int:
    try:
        with np.load(checkpoint) as data:
            return int(json.loads(str(data["__header__"]))["meta"]["epoch"])
    except (OSError, ValueError, KeyError):
        return -1


def test_killing_the_whole_snakemake_run_resumes_to_the_same_bits(tiny_run, tmp_path):
    """SIGKILL of Snakemake's whole process group mid-run; README's commands resume it to tiny_run's bits.

    Snakemake leaves its lock behind (the next run stops with a LockException naming --unlock); the
    README's recipe is `snakemake --unlock` and then the run again, which reruns the killed jobs (the
    default profile has rerun-incomplete) from their checkpoints and partial stores.
    """
    import os

    from conftest import ROOT, TINY, snakemake

    workdir = tmp_path / "run"
    workdir.mkdir()
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(TINY), "--cores", "2"]
    run = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stores = workdir / "results" / "samples" / "ising2d" / "temperatures"
    deadline = time.monotonic() + 600
    while run.poll() is None and time.monotonic() < deadline and len(list(stores.glob("*/*.zarr"))) < 6:
        time.sleep(0.2)
    assert run.poll() is None, "the run ended before it could be killed part-way"
    os.killpg(run.pid, signal.SIGKILL)  # Snakemake and every job it started
    run.wait()
    assert list((workdir / ".snakemake" / "locks").iterdir()), "a killed run leaves its lock"

    locked = snakemake(workdir, check=False)
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    snakemake(workdir, "--unlock")
    snakemake(workdir)
    resumed, reference = workdir / "results", tiny_run / "results"
    names = sorted(p.relative_to(reference) for p in reference.rglob("*.zarr"))
    assert names == sorted(p.relative_to(resumed) for p in resumed.rglob("*.zarr"))
    for name in names:
        assert array_digests(resumed / name) == array_digests(reference / name), name
    assert not list(resumed.rglob("*.partial")) and not list(resumed.rglob("*.checkpoint.npz"))
