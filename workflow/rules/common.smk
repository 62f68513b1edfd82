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
    return [*config["rg"]["rules"], "rbm", "rsmi"]


def learned_store(scheme, temperature, b=None):
    """The store of a learned b x b rule fitted at ``temperature`` (RSMI filter or block RBM)."""
    b = b or config["rg"]["b"]
    name = "rsmi/ising2d/rule" if scheme == "rsmi" else "rbm/ising2d/block"
    return f"results/{name}_b{b}_T{format_temperature(temperature)}.zarr"


def rule_model(wildcards):
    """The trained model store (fitted at Tc) that a learned block rule needs; none for fixed ones."""
    if wildcards.scheme in ("rsmi", "rbm"):
        return learned_store(wildcards.scheme, nearest_tc(), int(wildcards.b))
    return []


def comparison_temperatures():
    """Grid temperatures nearest 0.88 Tc, Tc and 1.15 Tc, where the rules' filters are compared."""
    temps = config["ising2d"]["temperatures"]
    return sorted({min(temps, key=lambda t: abs(t - f * TC)) for f in (0.88, 1.0, 1.15)})


RBM_DIR = f"results/rbm/ising2d/L{config['rbm']['size']}"


def rbm_models():
    """The per-temperature RBM stores."""
    return [f"{RBM_DIR}/T{format_temperature(t)}.zarr" for t in config["rbm"]["temperatures"]]


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
        f" --memory-budget-mib {config['memory_budget_mib']} --backend {config['backend']}"
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
    " --backend {params.backend} --threads {threads} --checkpoint-every {params.checkpoint_every}"
    " --out {output} 2> {log}"
)


def samples_for(size):
    """Stored configurations per temperature for lattices of ``size``."""
    return config["ising2d"]["samples_per_size"].get(size, config["ising2d"]["samples"])


def sample_2d_params(temperatures, size):
    return dict(
        temperatures=floats_arg(temperatures),
        samples=samples_for(size),
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
        checkpoint_every=config["checkpoint_seconds"],
    )


def sample_params(*, sharded):
    """Parameters of a sampling job as functions of its wildcards (size, and shard part)."""

    def temperatures(wildcards):
        if sharded:
            return temperature_shards()[int(wildcards.part)]
        return config["ising2d"]["temperatures"]

    return {
        key: (lambda wildcards, key=key: sample_2d_params(temperatures(wildcards), int(wildcards.L))[key])
        for key in sample_2d_params([1.0], 0)
    }
