"""The GPU test suite of bench/gpu_check.sh, run on the emulated device (tests/gpu_dryrun.py).

A GPU session has minutes of device time; a test of the suite that fails for
a reason a CPU can see (a host array handed to CuPy, a NumPy call on a device
array, a wrong argument) would waste them.  Here every ``gpu`` test runs with
the emulated device and the CUDA kernel built as C++, in a fresh pytest.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from cuda_emulation import compiler

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes


@pytest.mark.skipif(compiler() is None, reason="needs a C++ compiler to emulate the CUDA source")
def test_the_gpu_suite_passes_on_the_emulated_device():
    files = (ROOT / "bench" / "gpu_tests.txt").read_text().split()
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "gpu_dryrun", "-p", "no:cacheprovider", "-m", "gpu",
         *files],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    summary = proc.stdout.strip().splitlines()[-1]
    # a gpu test the emulation did not reach would be skipped ("needs CuPy and a CUDA device")
    assert re.fullmatch(r"\d+ passed, \d+ deselected in .*", summary), summary
