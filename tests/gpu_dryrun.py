"""pytest plugin: the GPU test suite without a GPU (``pytest -p gpu_dryrun -m gpu``, tests/ on the path).

CuPy is replaced by the emulated device of :mod:`emulated_cupy` and the CUDA
Metropolis kernel by its C++ build from :mod:`cuda_emulation`, so every
``gpu`` test runs: its host/device traffic, driver calls and comparisons are
exercised, the GPU's own arithmetic is not.  It is loaded before the test
modules are collected, which is when ``cupy_available()`` decides what runs.
``tests/test_gpu_dryrun.py`` runs the suite this way in every CI run; a
session with a real GPU runs it for real with ``bench/gpu_check.sh``.
"""

import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import emulated_cupy
from cuda_emulation import EmulatedKernels

import rgml.backend
from rgml.ising import metropolis_cuda

# plugins that probe for a GPU (zarr's) ask cupy.cuda.runtime for the device count
emulated_cupy.cupy.cuda = SimpleNamespace(runtime=SimpleNamespace(getDeviceCount=lambda: 1,
                                                                  CUDARuntimeError=RuntimeError))
sys.modules["cupy"] = emulated_cupy.cupy
rgml.backend._cupy = lambda: emulated_cupy.cupy
metropolis_cuda._kernel = EmulatedKernels(Path(tempfile.mkdtemp(prefix="gpu-dryrun-"))).kernel
