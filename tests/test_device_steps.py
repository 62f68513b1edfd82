"""The RG, RBM and RSMI steps with ``--backend cupy``: emulated (:mod:`emulated_cupy`) and on a GPU.

Every step that runs on a GPU is run twice from the same store, once with
``--backend numpy`` and once with ``--backend cupy``: on the emulated device,
where handing a device array to NumPy, Numba, xarray or Zarr raises as it
does on a real GPU, and on a real GPU where there is one (``-m gpu``).  The
emulated device computes with NumPy, so there the step's store must be the
NumPy run's bit for bit; on a GPU its spins must be, its floats to rounding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rgml.backend import cupy_available
from rgml.cli import main
from rgml.store import open_store

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes

T_C = 2.269185


def rgml(*argv) -> None:
    code = main([str(a) for a in argv])
    assert code == 0, f"rgml {' '.join(map(str, argv))} exited with {code}"


#: Configurations per store chunk in the fixture store (the default chunk would hold all 96)
CHUNK = 24


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """An L = 16 sample store in chunks of 24 configurations and the learned rules fitted on it (NumPy)."""
    from rgml.steps import sample

    d = tmp_path_factory.mktemp("device")
    made = {"L16": d / "L16.zarr", "block": d / "block.zarr", "fit": d / "fit.zarr"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sample, "steps_per_block", lambda size, chains: CHUNK // chains)
        rgml("sample", "ising2d", "--size", 16, "--temperatures", f"2.0,{T_C},3.0", "--samples", 96, "--seed", 4,
             "--thermalize", 20, "--thin", 2, "--backend", "numpy", "--out", made["L16"])
    rgml("rbm", "block", "--samples", made["L16"], "--temperature", T_C, "--epochs", 2, "--seed", 4,
         "--out", made["block"])
    rgml("rsmi", "fit", "--samples", made["L16"], "--temperature", T_C, "--block", 2, "--environment", 1,
         "--steps", 20, "--seed", 4, "--backend", "numpy", "--out", made["fit"])
    return made


#: step → argv without --samples/--out/--backend; the steps that train can read their data in groups
STEPS = {
    "rg majority": ["rg", "coarse-grain", "--rule", "majority", "--seed", 5],
    "rg decimation b=4": ["rg", "coarse-grain", "--rule", "decimation", "--b", 4, "--seed", 5],
    "rg rbm rule": ["rg", "coarse-grain", "--rule", "rbm", "--model", "{block}", "--seed", 5],
    "rg rsmi rule": ["rg", "coarse-grain", "--rule", "rsmi", "--model", "{fit}", "--seed", 5],
    "rbm train": ["rbm", "train", "--temperature", T_C, "--n-hidden", 6, "--epochs", 2, "--seed", 5],
    "rbm stack": ["rbm", "stack", "--temperature", T_C, "--widths", "16,4", "--epochs", 2, "--seed", 5],
    "rbm locality": ["rbm", "locality", "--temperature", T_C, "--n-hidden", 4, "--l1", "0,0.01", "--epochs", 2,
                     "--seed", 5],
    "rbm flow": ["rbm", "flow", "--n-hidden", 8, "--epochs", 2, "--steps", 4, "--chains", 30, "--seed", 5],
    "rsmi fit": ["rsmi", "fit", "--temperature", T_C, "--block", 2, "--environment", 1, "--steps", 20, "--seed", 5],
}

#: Float arrays from a real GPU may differ from NumPy's in the last bits (cuBLAS vs OpenBLAS sums, CUDA's
#: exp/tanh); spins and other integers must not (a Bernoulli draw sees rounding only within ~1e-16 of p).
GPU_ROUNDING = 1e-8
#: Steps whose floats agree to less: RSMI's critic passes run in float32 (``FitConfig.critic_dtype``), whose
#: rounding is 6e-8 relative; the held-out bounds came out 1e-8 apart (5e-8 relative) on an H200, 2026-12-04.
STEP_ROUNDING = {"rsmi fit": 1e-6}


@pytest.fixture(params=[
    pytest.param("emulated", id="emulated-cupy"),
    pytest.param("cupy", id="cupy", marks=[pytest.mark.gpu, pytest.mark.skipif(not cupy_available(),
                                                                                 reason="needs CuPy and a CUDA device")]),
])
def device(request) -> str:
    """Where ``--backend cupy`` runs: on the emulated device (always) and on a real GPU (where there is one)."""
    if request.param == "emulated":
        request.getfixturevalue("emulated_gpu")
    return request.param


def _argv(step: str, stores: dict[str, Path]) -> list:
    return [str(a).format(**{k: str(v) for k, v in stores.items()}) for a in STEPS[step]]


#: (step, how its training data are held): coarse-graining holds one temperature in memory, training also streams
CASES = [(step, budget) for step in STEPS
         for budget in (("resident",) if step.startswith("rg") else ("resident", "streamed"))]


@pytest.mark.parametrize("step, budget", CASES)
def test_step_on_the_device_writes_the_numpy_store(stores, tmp_path, device, step, budget, capsys):
    """Same store from ``--backend cupy`` as from ``--backend numpy``: bitwise on the emulated device (it
    computes with NumPy), spins bitwise and floats to rounding on a GPU."""
    argv = [*_argv(step, stores), "--samples", stores["L16"]]
    if budget == "streamed":
        argv += ["--memory-budget-mib", 0.01]  # 10 kB: one chunk of 24 configurations at a time
    for backend in ("numpy", "cupy"):
        rgml(*argv, "--backend", backend, "--out", tmp_path / ("host.zarr" if backend == "numpy" else "device.zarr"))
        streamed = f"read from the store {CHUNK} at a time" in capsys.readouterr().err
        assert streamed == (budget == "streamed"), f"{step} {budget} on {backend}: streamed={streamed}"
    host, device_store = open_store(tmp_path / "host.zarr"), open_store(tmp_path / "device.zarr")
    assert (host.attrs["backend"], device_store.attrs["backend"]) == ("numpy", "cupy")
    assert sorted(host.variables) == sorted(device_store.variables)
    for name in host.variables:
        a, b = host[name].values, device_store[name].values
        assert a.dtype == b.dtype and a.shape == b.shape, name
        if device == "emulated" or a.dtype.kind not in "fc":
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), name
        else:
            tol = STEP_ROUNDING.get(step, GPU_ROUNDING)
            assert np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True), name


def test_the_emulated_device_refuses_host_data_as_cupy_does(emulated_gpu):
    cp = emulated_gpu
    a = cp.arange(6, dtype=cp.float64).reshape(2, 3)
    for slip in (lambda: np.asarray(a), lambda: a + np.ones(3), lambda: np.concatenate([a, np.ones((1, 3))]),
                 lambda: np.zeros((2, 3)).__setitem__(Ellipsis, a)):
        with pytest.raises(TypeError):
            slip()
    # what CuPy allows: host → device, NumPy functions dispatched to the device, host index arrays, scalars out
    assert type(np.stack([a, a])) is type(a) and type(a[np.array([1, 0])]) is type(a)
    assert float((a * 2.0).sum()) == 30.0 and np.array_equal(a.get(), np.arange(6.0).reshape(2, 3))


def test_a_step_that_hands_device_arrays_to_the_store_fails_on_the_emulated_device(
        stores, tmp_path, emulated_gpu, monkeypatch):
    """The check above is what makes these tests fail where a GPU run would: undo one device → host copy."""
    from rgml.rg import coarse

    monkeypatch.setattr(coarse, "to_numpy", np.asarray)
    argv = [*_argv("rg majority", stores), "--samples", stores["L16"]]
    with pytest.raises(TypeError, match="Implicit conversion"):
        main([str(a) for a in (*argv, "--backend", "cupy", "--out", tmp_path / "device.zarr")])
    assert not (tmp_path / "device.zarr").exists()
