"""Sample stores: contract of DESIGN.md §4, reproducibility, compression, the 1D ring."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from rgml.cli import main
from rgml.exact import ring_correlation, ring_energy
from rgml.store import array_digests, open_store

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes

TEMPERATURES = "2.0,2.269185,3.0"


def sample2d(out: Path, temperatures=TEMPERATURES, samples=200, size=8, extra=()):
    assert main(["sample", "ising2d", "--size", str(size), "--temperatures", temperatures,
                 "--samples", str(samples), "--seed", "5", "--out", str(out), "--threads", "1", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def store2d(tmp_path_factory):
    return sample2d(tmp_path_factory.mktemp("s") / "L8.zarr")


def test_store_contract(store2d):
    ds = open_store(store2d)
    assert ds["spins"].dims == ("temperature", "sample", "y", "x")
    assert ds["spins"].dtype == np.int8
    assert set(np.unique(ds["spins"].values)) == {-1, 1}
    assert ds["energy"].dims == ds["magnetization"].dims == ("temperature", "sample")
    assert ds["tau_int"].dims == ("temperature",) and ds["tau_int"].attrs["units"] == "sweeps"
    assert ds["temperature"].attrs["units"] == "J/k_B"
    assert ds.sizes["sample"] == 200
    for key in ("title", "rgml_version", "git_revision", "seed", "backend", "created", "config"):
        assert key in ds.attrs
    assert "temperatures" in ds.attrs["config"]
    codec = ds["spins"].encoding["compressors"][0]
    assert (codec.cname.value, codec.shuffle.value) == ("zstd", "bitshuffle")
    # the stored energies are those of the stored spins
    s = ds["spins"].values.astype(int)
    bonds = (s * np.roll(s, -1, -1) + s * np.roll(s, -1, -2)).sum(axis=(-2, -1))
    assert np.array_equal(-bonds / 64, ds["energy"].values)
    # no partial store left behind
    assert not any(p.name.endswith(".partial") for p in store2d.parent.iterdir())


def test_same_arguments_give_bitwise_identical_arrays(store2d, tmp_path):
    again = sample2d(tmp_path / "L8.zarr")
    assert array_digests(again) == array_digests(store2d)


def test_several_sizes_in_one_process_equal_one_run_per_size(store2d, tmp_path):
    """The workflow samples every size of a temperature in one job: same arrays as a job per size."""
    outs = [tmp_path / "L8.zarr", tmp_path / "L12.zarr"]
    assert main(["sample", "ising2d", "--size", "8,12", "--temperatures", TEMPERATURES, "--samples", "100",
                 "--samples-per-size", "8:200", "--seed", "5", "--threads", "1", "--out", *map(str, outs)]) == 0
    assert array_digests(outs[0]) == array_digests(store2d)
    alone = sample2d(tmp_path / "alone" / "L12.zarr", samples=100, size=12)
    assert array_digests(outs[1]) == array_digests(alone)
    assert open_store(outs[1]).sizes["sample"] == 100


@pytest.mark.parametrize("extra, named", [
    (["--out", "a.zarr"], "--out: 1 stores for 2 sizes"),
    (["--samples-per-size", "16:50", "--out", "a.zarr", "b.zarr"], "--samples-per-size: sizes [16]"),
])
def test_several_sizes_need_one_store_each(tmp_path, capsys, extra, named):
    assert main(["sample", "ising2d", "--size", "8,12", "--temperatures", "2.0", "--samples", "16", "--seed", "1",
                 *extra]) == 2
    assert named in capsys.readouterr().err


def test_adding_a_temperature_keeps_the_others(store2d, tmp_path):
    more = sample2d(tmp_path / "L8.zarr", temperatures="2.0,2.269185,2.5,3.0")
    a, b = xr.open_zarr(store2d), xr.open_zarr(more)
    for t in (2.0, 2.269185, 3.0):
        assert np.array_equal(a["spins"].sel(temperature=t).values, b["spins"].sel(temperature=t).values)


def test_spins_compress_at_least_6x_at_and_above_tc(tmp_path):
    out = sample2d(tmp_path / "L32.zarr", temperatures="2.269185,3.5", samples=2000, size=32)
    ds = open_store(out)
    chunk_dir = out / "spins" / "c"
    for i, t in enumerate(ds["temperature"].values):
        on_disk = sum(f.stat().st_size for f in (chunk_dir / str(i)).rglob("*") if f.is_file())
        ratio = ds["spins"].isel(temperature=i).nbytes / on_disk
        assert ratio >= 6, f"T={t}: compression {ratio:.2f}x"


def test_ring_samples_match_exact_energy_and_correlations(tmp_path):
    """Acceptance 4: 1D energy and <s0 s_r>, r = 1..5, within 4 sigma of the exact ring."""
    out = tmp_path / "N32.zarr"
    couplings = [0.1, 0.5, 1.0, 2.0]
    assert main(["sample", "ising1d", "--size", "32", "--couplings", ",".join(map(str, couplings)),
                 "--samples", "4000", "--seed", "3", "--out", str(out)]) == 0
    ds = open_store(out)
    spins = ds["spins"].values.astype(float)
    for i, k in enumerate(couplings):
        e = ds["energy"].values[i]
        assert abs(e.mean() - ring_energy(32, k)) < 4 * e.std(ddof=1) / np.sqrt(e.size)
        for r in range(1, 6):
            # average over all sites of each sample, then over samples (samples are independent)
            c = (spins[i] * np.roll(spins[i], -r, axis=-1)).mean(axis=-1)
            assert abs(c.mean() - ring_correlation(32, k, r)) < 4 * c.std(ddof=1) / np.sqrt(c.size) + 1e-12
