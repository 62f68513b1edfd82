#!/usr/bin/env bash
# Peak memory of `rgml sample ising2d` against the number of stored samples (issue 8, item 5).
# Samples stream to Zarr block by block, so the peak RSS must not grow with the sample count:
# L = 64, 4 temperatures, N and 10 N samples; prints both peaks and their ratio.
# Usage: bench/sampling_memory.sh [N]   (default N = 10000; the case is 10 N = 100 000)
set -euo pipefail
n=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() {
    /usr/bin/time -v rgml sample ising2d --size 64 --temperatures 2.0,2.269185,2.6,3.2 --samples "$1" \
        --seed 1 --threads 2 --out "$work/L64_$1.zarr" 2>"$work/time_$1.log" >/dev/null
    awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time_$1.log"
}
small=$(peak "$n")
large=$(peak $((10 * n)))
stored=$(du -sk "$work/L64_$((10 * n)).zarr" | cut -f1)
echo "L=64, 4 temperatures: peak RSS $((small / 1024)) MiB for $n samples, $((large / 1024)) MiB for $((10 * n))"
echo "spins in memory would be $((4 * 10 * n * 4096 / 1048576)) MiB; the store takes $((stored / 1024)) MiB on disk"
awk -v a="$small" -v b="$large" 'BEGIN {printf "ratio (10x samples): %.2f; limit 1.5 GiB: %s\n", b / a, (b <= 1.5 * 1048576) ? "PASS" : "FAIL"}'
