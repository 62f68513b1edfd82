"""Integrity (issue 14, item 1): a few flipped bytes in a chunk of any store are refused everywhere.

Every array is written with Zarr's crc32c codec.  For one store of every kind the tiny workflow makes,
8 bytes in the middle of its largest chunk are flipped (what a bad disk or a botched copy does: the
chunk still decompresses, into other ±1 spins or other floats), and then

* the step that reads it in the workflow fails with exit status 2 and one line naming the store, the
  array and the checksum, and writes nothing;
* ``rgml verify`` fails and names the store and the array;

while ``rgml verify`` passes every store of the undamaged run.  ``test_bad_data.py`` flips bytes in
the inputs of every step on small stores as well (its ``flipped`` damage).
"""

from __future__ import annotations

import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from rgml.cli import EXIT_USAGE, main
from rgml.store import StoreError, open_store, write_dataset

pytestmark = pytest.mark.workflow


def run_cli(argv) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


T = "T2.2692"
#: One store of every kind the tiny workflow makes (relative to results/), and its name in CONSUMERS.
STORES = {
    "per-temperature samples": f"samples/ising2d/temperatures/L8/{T}.zarr",
    "merged samples": "samples/ising2d/L16.zarr",
    "ring samples": "samples/ising1d/N16.zarr",
    "rg store": "rg/ising2d/L16/majority_b2.zarr",
    "rsmi fit": f"rsmi/ising2d/L16/{T}.zarr",
    "rsmi rule": f"rsmi/ising2d/rule_b2_{T}.zarr",
    "rsmi ring": "rsmi/ising1d/ring_b2.zarr",
    "rbm": f"rbm/ising2d/L8/{T}.zarr",
    "rbm stack": "rbm/ising2d/L8/stack.zarr",
    "rbm locality": "rbm/ising2d/L8/locality.zarr",
    "rbm flow": "rbm/ising2d/L8/flow.zarr",
    "block rbm": f"rbm/ising2d/block_b2_{T}.zarr",
    "rbm mapping": "rbm/ising1d/mapping.zarr",
}


def rbm_table(r: dict, o: Path) -> list:
    return ["rbm", "table", r[STORES["rbm"]], "--stack", r[STORES["rbm stack"]], "--locality",
            r[STORES["rbm locality"]], "--flow", r[STORES["rbm flow"]], "--mapping", r[STORES["rbm mapping"]],
            "--table", o / "rbm.csv", "--flow-table", o / "rbm_flow.csv", "--receptive-fields", o / "f.png",
            "--locality-figure", o / "l.png", "--generated", o / "g.png", "--flow-figure", o / "fl.png",
            "--mapping1d", o / "m.png"]


def compare_summary(r: dict, o: Path) -> list:
    tables = r["tables"]
    return ["compare", "summary", "--exponents", tables / "exponents.csv", "--flows", tables / "rg_flow_ising2d.csv",
            "--information", tables / "rule_information.csv", "--ring-flow", tables / "rg_flow_ising1d.csv",
            "--rbm-mapping", r[STORES["rbm mapping"]], "--rsmi-ring", r[STORES["rsmi ring"]],
            "--samples", r[STORES["merged samples"]], "--rg-stores", r[STORES["rg store"]],
            "--rsmi-filters", r[STORES["rsmi rule"]], "--rbm-filters", r[STORES["block rbm"]],
            "--flows-figure", o / "1.png", "--exponents-figure", o / "2.png",
            "--snapshots-figure", o / "3.png", "--ring-figure", o / "4.png", "--filters-figure", o / "5.png"]


#: The workflow step that reads each kind of store: kind -> (command words, argv(paths, output dir)).
CONSUMERS = {
    "per-temperature samples": ("rgml sample merge",
                                lambda r, o: ["sample", "merge", r[STORES["per-temperature samples"]],
                                              "--out", o / "L8.zarr"]),
    "merged samples": ("rgml rg coarse-grain",
                       lambda r, o: ["rg", "coarse-grain", "--samples", r[STORES["merged samples"]], "--rule",
                                     "majority", "--seed", 7, "--out", o / "majority_b2.zarr"]),
    "ring samples": ("rgml rg ring",
                     lambda r, o: ["rg", "ring", "--samples", r[STORES["ring samples"]], "--table", o / "r.csv",
                                   "--figure", o / "r.png"]),
    "rg store": ("rgml rg flow",
                 lambda r, o: ["rg", "flow", r[STORES["rg store"]], "--samples", r[STORES["merged samples"]],
                               "--seed", 7, "--bootstrap", 4, "--flow-table", o / "f.csv", "--exponents-table",
                               o / "e.csv", "--flow-figure", o / "f.png", "--snapshot-figure", o / "s.png",
                               "--mcrg-figure", o / "m.png", "--levels-table", o / "l.csv"]),
    "rsmi fit": ("rgml rsmi table",
                 lambda r, o: ["rsmi", "table", r[STORES["rsmi fit"]], "--table", o / "t.csv", "--filters-figure",
                               o / "1.png", "--mi-figure", o / "2.png", "--buffer-figure", o / "3.png",
                               "--training-figure", o / "4.png"]),
    "rsmi rule": ("rgml rg coarse-grain",
                  lambda r, o: ["rg", "coarse-grain", "--samples", r[STORES["merged samples"]], "--rule", "rsmi",
                                "--model", r[STORES["rsmi rule"]], "--seed", 7, "--out", o / "rsmi_b2.zarr"]),
    "rsmi ring": ("rgml compare summary", compare_summary),
    "rbm": ("rgml rbm table", rbm_table),
    "rbm stack": ("rgml rbm table", rbm_table),
    "rbm locality": ("rgml rbm table", rbm_table),
    "rbm flow": ("rgml rbm table", rbm_table),
    "block rbm": ("rgml rg coarse-grain",
                  lambda r, o: ["rg", "coarse-grain", "--samples", r[STORES["merged samples"]], "--rule", "rbm",
                                "--model", r[STORES["block rbm"]], "--seed", 7, "--out", o / "rbm_b2.zarr"]),
    "rbm mapping": ("rgml rbm table", rbm_table),
}


def flip_largest_chunk(store: Path) -> str:
    """Flip 8 bytes in the middle of the store's largest chunk file; return its array's name."""
    chunks = [p for p in store.rglob("*") if p.is_file() and "c" in p.relative_to(store).parts[1:2]]
    chunk = max(chunks, key=lambda p: (p.stat().st_size, str(p)))
    data = bytearray(chunk.read_bytes())
    middle = len(data) // 2
    for i in range(middle - 4, middle + 4):
        data[i] ^= 0xFF
    chunk.write_bytes(bytes(data))
    return chunk.relative_to(store).parts[0]


def test_every_store_of_the_tiny_run_verifies(tiny_run):
    results = tiny_run / "results"
    code, out, err = run_cli(["verify", results])
    assert code == 0, out + err
    stores = [line for line in out.splitlines() if line.startswith(("OK", "FAIL"))]
    assert len(stores) == len(list(results.rglob("*.zarr"))) >= len(STORES)
    assert all(line.startswith("OK") for line in stores), out
    assert "2D sample store" in out and "RG store" in out  # kinds recognised, consistency checked


@pytest.mark.parametrize("kind", sorted(STORES))
def test_a_flipped_chunk_is_refused_by_the_next_step_and_named_by_verify(kind, tiny_run, tmp_path):
    results = tiny_run / "results"
    paths = {name: results / name for name in STORES.values()} | {"tables": results / "tables"}
    damaged = tmp_path / "damaged" / Path(STORES[kind]).name
    shutil.copytree(results / STORES[kind], damaged)
    array = flip_largest_chunk(damaged)
    paths[STORES[kind]] = damaged
    out = tmp_path / "out"
    out.mkdir()

    command, argv = CONSUMERS[kind]
    code, stdout, stderr = run_cli(argv(paths, out))
    assert code == EXIT_USAGE, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("rgml ")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    assert errors[0].startswith(f"{command}: error: {damaged}: array {array!r}"), errors[0]
    assert "checksum" in errors[0] and "rerun the step" in errors[0], errors[0]
    assert not list(out.iterdir()), "a refused step wrote something"

    code, stdout, _ = run_cli(["verify", damaged])
    assert code == 1
    assert re.search(rf"FAIL  {re.escape(str(damaged))}: array {array!r} chunk \(.*\): crc32c checksum", stdout), stdout
    with pytest.raises(StoreError, match=array):
        open_store(damaged)


def test_verify_recomputes_energies_from_the_spins(tiny_run, tmp_path):
    """A store written consistently checksummed but with one energy changed: the chunks pass, the physics does not."""
    source = tiny_run / "results" / STORES["per-temperature samples"]
    ds = xr.open_zarr(source, chunks=None).load()
    attrs = {k: v for k, v in ds.attrs.items() if k not in ("rgml_complete", "rgml_chunks")}
    energy = ds["energy"].values.copy()
    energy[0, 5] = np.nextafter(energy[0, 5], 0)  # one ulp
    ds["energy"] = ds["energy"].copy(data=energy)
    for name in ds.variables:
        ds[name].encoding = {}
        if ds[name].dtype.kind == "T":
            ds[name] = ds[name].astype(object)
    ds.attrs = {}
    bad = tmp_path / "inconsistent.zarr"
    write_dataset(ds, bad, attrs=attrs)
    code, stdout, _ = run_cli(["verify", bad])
    assert code == 1
    assert f"FAIL  {bad}: array 'energy': 1 samples at T=2.26918 differ from the energy of their stored spins" \
        in stdout, stdout
