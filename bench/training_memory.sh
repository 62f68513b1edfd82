#!/usr/bin/env bash
# Peak memory of RBM and RSMI training against the number of samples (issue 8, item 5).
# Training sets larger than the memory budget are read from the store in groups, so with a
# budget the peak RSS must not grow with the sample count; without one (a budget larger than
# the data) it does. L = 32 at T = 3.0, N and 4 N samples, budget 32 MiB vs 64 GiB.
# Prints one line per (step, samples, budget), then the growth ratios.
# Usage: bench/training_memory.sh [N]   (default N = 10000)
set -euo pipefail
n=${1:-10000}
budget=32
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for count in "$n" $((4 * n)); do
    rgml sample ising2d --size 32 --temperatures 3.0 --samples "$count" --seed 1 --threads 2 \
        --out "$work/L32_$count.zarr" 2>/dev/null
done
peak() {  # step samples budget_mib -> peak RSS in KiB
    local log="$work/time_$1_$2_$3.log"
    case "$1" in
        rbm) args=(rbm train --temperature 3.0 --n-hidden 8 --epochs 1) ;;
        rsmi) args=(rsmi fit --temperature 3.0 --block 2 --buffer 1 --environment 2 --steps 200) ;;
    esac
    /usr/bin/time -v rgml "${args[@]}" --samples "$work/L32_$2.zarr" --seed 1 --memory-budget-mib "$3" \
        --out "$work/$1_$2_$3.zarr" 2>"$log" >/dev/null
    awk -F': ' '/Maximum resident set size/ {print $2}' "$log"
}
printf "%-5s %8s %12s %14s\n" step samples budget_MiB peak_RSS_MiB
for step in rbm rsmi; do
    for b in "$budget" 65536; do
        small=$(peak "$step" "$n" "$b")
        large=$(peak "$step" $((4 * n)) "$b")
        printf "%-5s %8d %12d %14d\n" "$step" "$n" "$b" $((small / 1024))
        printf "%-5s %8d %12d %14d\n" "$step" $((4 * n)) "$b" $((large / 1024))
        awk -v s="$step" -v b="$b" -v x="$small" -v y="$large" \
            'BEGIN {printf "      %s, budget %d MiB: peak RSS ratio (4x samples) %.2f\n", s, b, y / x}'
    done
done
