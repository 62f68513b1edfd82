"""The example notebook runs end to end, and each of its top-level calls reproduces the workflow's stores.

``docs/notebook.ipynb`` uses the parameters of the tiny test configuration
(tests/workflow/tiny.yaml).  The test executes it in a real kernel, saves what
its calls returned, and compares them with the stores and tables the workflow
wrote for that configuration (the ``tiny_run`` fixture): arrays bitwise, tables
as the workflow writes them.
"""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from conftest import ROOT, TINY

pytestmark = pytest.mark.workflow

NOTEBOOK = ROOT / "docs" / "notebook.ipynb"

#: Appended to the notebook: write what its calls returned where the test can read it.
SAVE = """
import json, os
out = os.environ["RGML_NOTEBOOK_OUT"]
for L, ds in samples.items():
    ds.to_zarr(f"{out}/samples_L{L}.zarr", zarr_format=3)
for (rule, L), ds in blocks.items():
    ds.to_zarr(f"{out}/{rule}_L{L}.zarr", zarr_format=3)
fit.to_dataset().to_zarr(f"{out}/fit.zarr", zarr_format=3)
rbm.to_dataset().to_zarr(f"{out}/rbm.zarr", zarr_format=3)
mapping.to_dataset().to_zarr(f"{out}/mapping.zarr", zarr_format=3)
for name, result in (("pca", pca), ("supervised", supervised), ("confusion", confusion), ("slmc", slmc),
                     ("dimers", dimers), ("dimer_fit", dimer_fit)):
    result.to_dataset().to_zarr(f"{out}/{name}.zarr", zarr_format=3)
flows.to_csv(f"{out}/flows.csv", index=False, float_format="%.10g")
exponents.to_csv(f"{out}/exponents.csv", index=False, float_format="%.10g")
"""


@pytest.fixture(scope="module")
def notebook_results(tmp_path_factory, monkeypatch_module):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    out = tmp_path_factory.mktemp("notebook")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(SAVE))
    monkeypatch_module.setenv("RGML_NOTEBOOK_OUT", str(out))
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def assert_same_arrays(ours: xr.Dataset, store: xr.Dataset, names=None):
    names = names or sorted(set(ours.data_vars) & set(store.data_vars))
    assert names
    for name in names:
        np.testing.assert_array_equal(ours[name].values, store[name].values, err_msg=name)


def test_the_notebook_uses_the_tiny_configuration():
    tiny = yaml.safe_load(TINY.read_text())
    source = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"])
    assert f"SEED = {tiny['seed']}" in source
    assert f"SIZES = {tiny['ising2d']['sizes']}" in source
    assert f"CONFUSION_SIZES = {tiny['phases']['confusion']['extra_sizes']}" in source
    assert f"TEMPERATURES = {tiny['ising2d']['temperatures']}" in source
    phases, slmc, dimers = tiny["phases"], tiny["slmc"], tiny["dimers"]
    assert f"PHASES = dict(n_boot={phases['bootstrap']}, fss_min_size={phases['fss_min_size']})" in source
    assert f"members={phases['supervised']['members']}, max_iter={phases['supervised']['max_iter']}" in source
    for key in ("train_samples", "train_thermalize", "local_thermalize", "local_sweeps", "slmc_thermalize",
                "slmc_sweeps"):
        assert f"{key}={slmc[key]}" in source
    assert f"run_slmc({slmc['sizes'][0]}, {slmc['temperatures']}" in source
    size, temperatures, samples = dimers["sizes"][0], dimers["temperatures"], dimers["samples"]
    assert f"sample_dimers({size}, [np.inf, {temperatures[1]}], {samples}" in source
    rsmi = dimers["rsmi"]
    assert f"block={rsmi['block']}, buffer={rsmi['buffer']}, environment={rsmi['environment']}" in source
    assert f"steps={rsmi['steps']}, polish_steps={rsmi['polish_steps']}, batch_size={rsmi['batch_size']}" in source
    assert f"restarts={rsmi['coulomb_restarts']}, probe_steps={rsmi['steps']}" in source


def test_notebook_calls_give_the_workflow_arrays_bit_for_bit(notebook_results, tiny_run):
    results = tiny_run / "results"
    for L in (8, 16):
        ours = xr.open_zarr(notebook_results / f"samples_L{L}.zarr")
        store = xr.open_zarr(results / "samples" / "ising2d" / f"L{L}.zarr")
        assert set(ours.data_vars) == set(store.data_vars)
        assert_same_arrays(ours, store)
        for rule in ("majority", "decimation"):
            assert_same_arrays(xr.open_zarr(notebook_results / f"{rule}_L{L}.zarr"),
                               xr.open_zarr(results / "rg" / "ising2d" / f"L{L}" / f"{rule}_b2.zarr"))
    assert_same_arrays(xr.open_zarr(notebook_results / "fit.zarr"),
                       xr.open_zarr(results / "rsmi" / "ising2d" / "L16" / "T1.8000.zarr"))
    assert_same_arrays(xr.open_zarr(notebook_results / "rbm.zarr"),
                       xr.open_zarr(results / "rbm" / "ising2d" / "L8" / "T2.2692.zarr"))
    assert_same_arrays(xr.open_zarr(notebook_results / "mapping.zarr"),
                       xr.open_zarr(results / "rbm" / "ising1d" / "mapping.zarr"))


def test_notebook_phases_slmc_and_dimers_give_the_workflow_arrays(notebook_results, tiny_run):
    """Issues 16 and 17 from a notebook: the same stores bit for bit, the measured times aside (NaN in stores)."""
    from rgml.slmc.result import TIMING_VARIABLES

    results = tiny_run / "results"
    for name, store, timed in (("pca", "phases/ising2d/pca.zarr", ("fit_seconds",)),
                               ("supervised", "phases/ising2d/supervised.zarr", ("train_seconds",)),
                               ("confusion", "phases/ising2d/confusion.zarr", ("train_seconds",)),
                               ("slmc", "slmc/L8.zarr", TIMING_VARIABLES),
                               ("dimers", "samples/dimers/L8.zarr", ()),
                               ("dimer_fit", "rsmi/dimers/L8/Tinf.zarr", ())):
        ours, theirs = xr.open_zarr(notebook_results / f"{name}.zarr"), xr.open_zarr(results / store)
        assert set(ours.data_vars) == set(theirs.data_vars), name
        assert_same_arrays(ours, theirs, sorted(set(ours.data_vars) - set(timed)))


def test_notebook_flows_and_exponents_are_the_workflow_table_rows(notebook_results, tiny_run):
    tables = tiny_run / "results" / "tables"
    for ours, theirs in (("flows.csv", "rg_flow_ising2d.csv"), ("exponents.csv", "exponents.csv")):
        mine = pd.read_csv(notebook_results / ours, dtype=str)
        workflow = pd.read_csv(tables / theirs, dtype=str)
        workflow = workflow[workflow["rule"].isin(["majority", "decimation"])].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, workflow)
