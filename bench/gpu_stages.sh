#!/usr/bin/env bash
# The pipeline's GPU stages against the same machine's CPUs: one `rgml` step at a time with
# `--backend numpy` and then `--backend cupy`, on the same inputs, each step's own closing line
# ("W s wall, C s CPU") collected into a table with the ratio numpy / cupy.
#
# The steps (one sample store made first with NumPy: L = 64 at 2.0, Tc, 3.0, SAMPLES (1000) configurations):
#   sample   rgml sample ising2d, Metropolis on 16 L = SAMPLE_L (512) tori at Tc and 3.5 (fixed thinning)
#   coarse   rgml rg coarse-grain, majority and decimation at b = 2 on the L = 64 store
#   rbm      rgml rbm train, 4096 visible and 64 hidden units at Tc, 3 epochs
#   rsmi     rgml rsmi fit at Tc, 4 x 4 blocks, 2 hidden units (the critic's float32 passes)
# The backends run in the order given: `cupy` on a fresh machine pays the compilation of CuPy's
# kernels (cached under ~/.cupy afterwards), as a user's first job does; `cupy-warm` runs the same
# steps again with that cache filled, as every later job does.
#
# Usage, with the device tool (wheels as in bench/gpu_check.sh; about 3 minutes after the start):
#     run(command="bash bench/gpu_stages.sh", carry=[".whl"], timeout_s=420)
# Here, without a GPU, `BACKENDS=numpy SAMPLES=200 SAMPLE_L=64 bash bench/gpu_stages.sh` checks the commands.
set -uo pipefail
cd "$(dirname "$0")/.."

source bench/device_env.sh
WORK="$(mktemp -d)"
BACKENDS="${BACKENDS:-numpy cupy cupy-warm}"
SAMPLES="${SAMPLES:-1000}"
SAMPLE_L="${SAMPLE_L:-512}"
rgml() { python3 -c 'import sys; from rgml.cli import main; sys.argv[0] = "rgml"; sys.exit(main())' "$@"; }

TC=2.269185
THREADS=$(nproc)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | tee "$OUT/gpu.txt"
echo "CPU threads: $THREADS; samples per temperature: $SAMPLES"

rgml sample ising2d --size 64 --temperatures "2.0,$TC,3.0" --samples "$SAMPLES" --seed 1 --backend numpy \
    --threads "$THREADS" --out "$WORK/L64.zarr" 2> "$OUT/input.log" || { tail "$OUT/input.log"; exit 1; }
tail -n 1 "$OUT/input.log"

step() {  # name label command...: run it on the label's backend, keep its log, print its closing line
    local name=$1 label=$2
    shift 2
    "$@" --backend "${label%-warm}" 2> "$OUT/$name.$label.log" || { echo "$name $label FAILED"; tail -n 5 "$OUT/$name.$label.log"; return 1; }
    echo "$name $label: $(tail -n 1 "$OUT/$name.$label.log" | grep -o '[0-9.]* s wall, [0-9.]* s CPU')"
}

status=0
for label in $BACKENDS; do
    step sample "$label" rgml sample ising2d --size "$SAMPLE_L" --temperatures "$TC,3.5" --samples 400 --chains 16 \
        --algorithm metropolis --thermalize 200 --thin 10 --seed 2 --threads "$THREADS" \
        --out "$WORK/sample_$label.zarr" || status=1
    step coarse "$label" rgml rg coarse-grain --samples "$WORK/L64.zarr" --rule majority decimation --b 2 \
        --seed 3 --out "$WORK/maj_$label.zarr" "$WORK/dec_$label.zarr" || status=1
    step rbm "$label" rgml rbm train --samples "$WORK/L64.zarr" --temperature "$TC" --n-hidden 64 --epochs 3 \
        --seed 4 --out "$WORK/rbm_$label.zarr" || status=1
    step rsmi "$label" rgml rsmi fit --samples "$WORK/L64.zarr" --temperature "$TC" --block 4 --buffer 2 \
        --environment 2 --n-hidden 2 --steps 400 --seed 5 --out "$WORK/rsmi_$label.zarr" || status=1
done

echo
echo "== summary (seconds of each step's own closing line; numpy / each other backend, wall)"
python3 - "$OUT" $BACKENDS <<'EOF' | tee "$OUT/summary.txt"
import re, sys
from pathlib import Path
out, backends = Path(sys.argv[1]), sys.argv[2:]
others = [b for b in backends if b != "numpy"]
print(f"{'step':8}" + "".join(f"{b + ' wall':>16}{b + ' CPU':>15}" for b in backends)
      + "".join(f"{'numpy/' + b:>18}" for b in others if "numpy" in backends))
for step in ("sample", "coarse", "rbm", "rsmi"):
    times = {}
    for b in backends:
        log = out / f"{step}.{b}.log"
        m = re.search(r"([0-9.]+) s wall, ([0-9.]+) s CPU", log.read_text().splitlines()[-1]) if log.exists() else None
        times[b] = (float(m[1]), float(m[2])) if m else (float("nan"), float("nan"))
    row = f"{step:8}" + "".join(f"{times[b][0]:16.1f}{times[b][1]:15.1f}" for b in backends)
    if "numpy" in backends:
        row += "".join(f"{times['numpy'][0] / times[b][0]:18.2f}" for b in others)
    print(row)
EOF
rm -rf "$WORK"
exit $status
