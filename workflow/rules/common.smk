# Shared helpers: config validation, wildcard constraints, parameter formatting.

import sys

from rgml.config import ConfigError, format_temperature, validate_config
from rgml.exact import TC

try:
    config = validate_config(
        config,
        workflow.source_path("../schemas/config.schema.yaml"),
        # a cluster's submit host need not have the GPU its jobs will get
        check_backend=workflow.local_exec,
    )
except ConfigError as error:
    sys.stderr.write(f"config error: {error}\n")
    sys.exit(1)


wildcard_constraints:
    L=r"[1-9][0-9]*",
    N=r"[1-9][0-9]*",
    b=r"[1-9][0-9]*",
    scheme=r"majority|decimation|rbm|rsmi",
    part=r"[0-9]+",
    T=r"[0-9]+\.[0-9]{4}",
    B=r"[0-9]+",


def all_rules():
    """Block rules of the RG comparison: the fixed ones from the config and the learned ones."""
    return [*config["rg"]["rules"], "rsmi"]


def rule_model(wildcards):
    """The trained model store a learned rule needs (none for fixed rules)."""
    if wildcards.scheme == "rsmi":
        return f"results/rsmi/ising2d/rule_b{wildcards.b}.zarr"
    return []


def config_temperature(name):
    """The configured temperature whose file-name spelling is ``name`` (e.g. 2.2692)."""
    return next(t for t in config["ising2d"]["temperatures"] if format_temperature(t) == name)


def nearest_tc():
    """The grid temperature nearest Tc."""
    return min(config["ising2d"]["temperatures"], key=lambda t: abs(t - TC))


def rsmi_args(buffer, *, block=None, norm_stop=None):
    """Command-line options of `rgml rsmi fit` from the config."""
    r = config["rsmi"]
    args = (
        f"--block {block or r['block']} --buffer {buffer} --environment {r['environment']}"
        f" --n-hidden {r['n_hidden']} --estimator {r['estimator']} --steps {r['steps']} --norm {r['norm']}"
    )
    return args + (f" --norm-stop {norm_stop}" if norm_stop else "")


def rsmi_fits():
    """Every RSMI fit store: the temperature scan and the buffer sweep at Tc."""
    r = config["rsmi"]
    base = f"results/rsmi/ising2d/L{r['size']}"
    fits = [f"{base}/T{format_temperature(t)}.zarr" for t in r["temperatures"]]
    tc = format_temperature(nearest_tc())
    fits += [f"{base}/buffer{b}/T{tc}.zarr" for b in r["buffers"] if b != r["buffer"]]
    if r["buffers"] and nearest_tc() not in r["temperatures"]:
        fits.append(f"{base}/T{tc}.zarr")
    return fits


def floats_arg(values):
    """Comma-separated numbers for the rgml CLI (repr round-trips floats exactly)."""
    return ",".join(repr(float(v)) for v in values)


def rg_stores(rules):
    """Coarse-grained stores of the given block rules for every 2D size."""
    return expand(
        "results/rg/ising2d/L{L}/{scheme}_b{b}.zarr",
        L=config["ising2d"]["sizes"],
        scheme=rules,
        b=config["rg"]["b"],
    )


def gpus():
    """GPUs a job that can use one asks for: 1 with backend cupy, else 0 (no GPU request)."""
    return 1 if config["backend"] == "cupy" else 0


def temperature_shards():
    """The ising2d temperature grid cut into shards of temperatures_per_job (config order)."""
    temps = config["ising2d"]["temperatures"]
    per_job = config["ising2d"]["temperatures_per_job"] or len(temps)
    return [temps[i : i + per_job] for i in range(0, len(temps), per_job)]


SAMPLE_2D_CMD = (
    "rgml sample ising2d --size {wildcards.L} --temperatures {params.temperatures}"
    " --samples {params.samples} --chains {params.chains} --algorithm {params.algorithm}"
    " --thin-factor {params.thin_factor} {params.overrides} --seed {params.seed}"
    " --backend {params.backend} --threads {threads} --out {output} 2> {log}"
)


def sample_2d_params(temperatures):
    return dict(
        temperatures=floats_arg(temperatures),
        samples=config["ising2d"]["samples"],
        chains=config["ising2d"]["chains"],
        algorithm=config["ising2d"]["algorithm"],
        thin_factor=config["ising2d"]["thin_factor"],
        overrides=" ".join(
            f"--{key} {config['ising2d'][key]}"
            for key in ("thermalize", "thin")
            if config["ising2d"][key] is not None
        ),
        seed=config["seed"],
        backend=config["backend"],
    )


def shard_params():
    """Parameters of a shard job: those of the temperatures of its part."""
    return {
        key: (lambda wildcards, key=key: sample_2d_params(temperature_shards()[int(wildcards.part)])[key])
        for key in sample_2d_params([1.0])
    }
