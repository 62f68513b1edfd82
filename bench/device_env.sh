# Sourced by the device scripts (bench/gpu_check.sh, bench/gpu_stages.sh) from the repository root:
# installs the wheels carried in .whl/ (the device image has no zarr 3, jsonschema, ...; see
# bench/gpu_check.sh --fetch-wheels), puts src/ first on PYTHONPATH, unbuffers Python and makes $OUT.
OUT="${OUT:-/tmp/$(basename "$0" .sh)}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || { echo "installing the carried wheels failed"; exit 1; }
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
