#!/usr/bin/env bash
# GPU check of issue 7 (acceptance 4): the one script a session with a lent GPU runs.
#
# It runs the GPU tests (pytest -m gpu: CUDA Metropolis == NumPy bitwise, recorded
# observables, `rgml sample ising2d --backend cupy` store == `--backend numpy`, the RG,
# RBM and RSMI steps with `--backend cupy` against NumPy (tests/test_device_steps.py),
# the RBM/RSMI/rng/stats code on CuPy arrays), then bench/gpu_sampler.py (flips/ns,
# bandwidth, baseline ratio), and ends with a short table.  Wall time on an H200
# (2026-12-04): 35-47 s after the machine's start (limits: 300 s tests, 150 s bench).
#
# 1. Here, in the repository root (the device machine reaches no package index; its
#    image has CuPy, NumPy, Numba, pandas, SciPy, PyYAML, pytest and hypothesis, but
#    not zarr 3 and its codecs; xarray is pinned to the version tested here):
#
#        bash bench/gpu_check.sh --fetch-wheels
#
#    which runs (.whl/ is git-ignored, ~11 MB; the device's Python is 3.12):
#
#        python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#            --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#            --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#            --platform manylinux1_x86_64 -d .whl zarr==3.1.6 numcodecs==0.16.6 \
#            donfig==0.8.1.post1 google-crc32c==1.9.0 xarray==2026.9.0
#
# 2. With the device tool (one call; the wheels travel with `carry`):
#
#        run(command="bash bench/gpu_check.sh", carry=[".whl"], timeout_s=540)
#
#    Under $OUT come back: pytest.log, bench.log, bench.json, gpu.csv.  Record the
#    table and the card's name in BENCHMARKS.md.
set -uo pipefail

WHEELS=(zarr==3.1.6 numcodecs==0.16.6 donfig==0.8.1.post1 google-crc32c==1.9.0 xarray==2026.9.0
        jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==0.30.0)
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--fetch-wheels" ]]; then
    exec python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux1_x86_64 -d .whl "${WHEELS[@]}"
fi

source bench/device_env.sh

query=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu
nvidia-smi --query-gpu=$query --format=csv | tee "$OUT/gpu.csv"
python3 - <<'EOF' || { echo "the Python environment is incomplete: see above"; exit 1; }
import cupy, numba, numpy, pandas, xarray, zarr
import rgml.backend, rgml.cli, rgml.rbm.flow_scan, rgml.rsmi.fit  # every module the GPU tests import at collection
print("python packages:", ", ".join(f"{m.__name__} {m.__version__}" for m in (cupy, numba, numpy, pandas, xarray, zarr)))
print("cupy sees a device:", rgml.backend.cupy_available())
EOF

echo "== pytest -m gpu"
# the files are those tests/test_gpu_dryrun.py runs on the emulated device in CI
timeout 300 python3 -m pytest -q -m gpu -p no:cacheprovider $(cat bench/gpu_tests.txt) 2>&1 | tee "$OUT/pytest.log"
tests_rc=${PIPESTATUS[0]}

echo "== bench/gpu_sampler.py"
timeout 150 python3 bench/gpu_sampler.py --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.log"
bench_rc=${PIPESTATUS[0]}
nvidia-smi --query-gpu=$query --format=csv,noheader | tee -a "$OUT/gpu.csv"

echo
echo "== summary"
echo "tests: $(tail -n 1 "$OUT/pytest.log") (exit $tests_rc)"
echo "bench: exit $bench_rc"
grep -A 8 "^    L " "$OUT/bench.log" || true
exit $(( tests_rc != 0 || bench_rc != 0 ))
