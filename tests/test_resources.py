"""What the workflow asks for per job (rgml.resources): the sampling jobs' threads and wall time."""

import copy
from pathlib import Path

import yaml

from rgml import resources

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def default_config():
    return copy.deepcopy(DEFAULT)


def test_default_sampling_jobs_use_one_thread_each():
    """The default sweep's per-temperature jobs are mostly process start: one thread each, two side by side.
    With L = 256 for the confusion scheme a job samples for about 6 s on one thread (BENCHMARKS.md); the bound
    on the pilots (PILOT_SWEEPS) would call that 37 s, so the threads follow the typical pilots instead."""
    config = default_config()
    assert 256 in config["phases"]["confusion"]["extra_sizes"]
    assert resources.sampling_threads(config) == 1
    bound = sum(resources._sampling_flips(config, L) for L in (*config["ising2d"]["sizes"], 256))
    assert bound / resources.FLIPS_PER_SECOND > resources.THREADED_STARTS * resources.START_SECONDS


def test_long_sampling_jobs_use_the_configured_threads():
    config = default_config()
    config["threads"] = 8
    config["ising2d"]["sizes"] = [256, 512]
    typical = sum(resources._sampling_flips(config, L, resources.TYPICAL_PILOT_SWEEPS) for L in (256, 512))
    serial = typical / resources.FLIPS_PER_SECOND
    assert serial > resources.THREADED_STARTS * resources.START_SECONDS
    assert resources.sampling_threads(config) == min(8, config["ising2d"]["chains"])
    config["ising2d"]["chains"] = 2
    assert resources.sampling_threads(config) == 2


def test_runtime_estimate_counts_every_size_and_the_threads():
    config = default_config()
    config["ising2d"]["sizes"] = [512, 1024]
    config["threads"] = 4
    parallel = resources.sampling(config)["runtime"]
    config["threads"] = 1
    serial = resources.sampling(config)["runtime"]
    assert serial > 3 * parallel
    config["ising2d"]["sizes"] = [1024]
    assert resources.sampling(config)["runtime"] < serial


def test_dimer_rsmi_request_covers_the_measured_peak():
    """The default run's dimer fits below T_c (symmetry images, 4000 samples, L = 32) peaked at 1.8 GB."""
    config = default_config()
    assert config["dimers"]["samples"] == 4000 and max(config["dimers"]["sizes"]) == 32
    assert resources.dimer_rsmi(config)["mem_mb"] > 1808
    assert resources.dimer_rsmi(config, images=1)["mem_mb"] > 648


def test_confusion_request_covers_the_measured_peak():
    """The default run's confusion job, with L = 256 among its sizes, peaked at 1.17 GB; the PCA and supervised
    jobs do not read the extra size and keep the whole-grid estimate of ising2d.sizes."""
    from rgml.config import validate_config
    from rgml.params import SCHEMA_PATH

    config = validate_config(default_config(), SCHEMA_PATH, check_backend=False)
    assert config["phases"]["confusion"]["extra_sizes"] == [256]
    request = resources.confusion(config)["mem_mb"]
    assert request > 1166
    config["phases"]["confusion"]["extra_sizes"] = []  # the extra size's spins and rows are what is counted
    assert resources.confusion(config)["mem_mb"] < request / 2
