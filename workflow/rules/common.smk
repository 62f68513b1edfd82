# Shared helpers: config validation, wildcard constraints, the target list, each job's command-line
# options and resources. Every parameter a rule passes comes from the config through rgml.step_options.options,
# so seed, backend and the stage's knobs are named once, in the schema (src/rgml/config.schema.yaml).

import os
import sys

# Parsed once per run and twice in every cluster job, so no module here imports xarray, Zarr or Numba
# (the config check's RSMI row sizes still import rgml.rsmi, and with it xarray and SciPy).
from rgml import resources as estimate
from rgml.config import (
    WORKFLOW_CONFIG_ENV,
    ConfigError,
    block_chain,
    check_config_files,
    config_digest,
    format_temperature,
    mi_size,
    sampled_sizes,
    validate_config,
)
from rgml.exact import TC
from rgml.params import SCHEMA_PATH
from rgml.rg.blocks import n_levels
from rgml.rg.rules import LEARNED_RULES
from rgml.step_options import options

try:
    # Snakemake's YAML loading keeps the last of a duplicated key silently: refuse it
    check_config_files(workflow.configfiles)
    config = validate_config(
        config,
        SCHEMA_PATH,
        # a cluster's submit host need not have the GPU its jobs will get
        check_backend=workflow.local_exec,
    )
except ConfigError as error:
    sys.stderr.write(f"config error: {error}\n")
    sys.exit(1)

# Every store a job writes records this config's digest; when a run starts it records every output of its
# job graph, so that rgml.open_results / `rgml inspect` can tell stores of earlier configs (stale) apart.
os.environ[WORKFLOW_CONFIG_ENV] = config_digest(config)


onstart:
    from rgml.results import record_outputs

    record_outputs("results", [path for job in workflow.dag.jobs for path in job.output], config)


wildcard_constraints:
    L=r"[1-9][0-9]*",
    N=r"[1-9][0-9]*",
    b=r"[1-9][0-9]*",
    T=r"[0-9]+\.[0-9]{4}",
    B=r"[0-9]+",


SIZES = config["ising2d"]["sizes"]
# Every sampled size: SIZES and the sizes the confusion scheme alone reads (phases.confusion.extra_sizes).
SAMPLED_SIZES = sampled_sizes(config)
BLOCK_SIZES = config["compare"]["block_sizes"]
TEMPERATURES = config["ising2d"]["temperatures"]
RING = f"results/samples/ising1d/N{config['ising1d']['size']}.zarr"
RBM_DIR = f"results/rbm/ising2d/L{config['rbm']['size']}"
RSMI_DIR = f"results/rsmi/ising2d/L{config['rsmi']['size']}"
DIMER_RSMI_SIZE = config["dimers"]["rsmi"]["size"] or max(config["dimers"]["sizes"])
DIMER_RSMI_DIR = f"results/rsmi/dimers/L{DIMER_RSMI_SIZE}"
# The buffer scan's torus (dimers.rsmi.buffer_size, default the RSMI size).
DIMER_BUFFER_SIZE = config["dimers"]["rsmi"]["buffer_size"] or DIMER_RSMI_SIZE
DIMER_BUFFERS = f"results/rsmi/dimers/L{DIMER_BUFFER_SIZE}/buffers.zarr"


def cli(step, **values):
    """The parameter options of an `rgml` step for this config (values: per-job options)."""
    return options(step, config, **values)


def temperature_of(wildcards):
    """The configured temperature whose file-name spelling is the job's T wildcard (e.g. 2.2692)."""
    return next(t for t in TEMPERATURES if format_temperature(t) == wildcards.T)


def nearest_tc():
    """The grid temperature nearest Tc."""
    return min(TEMPERATURES, key=lambda t: abs(t - TC))


#: The sample store of one temperature of one size (T spelled as in file names, e.g. 2.2692).
TEMPERATURE_STORE = "results/samples/ising2d/temperatures/L{L}/T{T}.zarr"


def samples_at(size, temperature):
    """The sample store of one temperature of one size (what per-temperature fits read)."""
    return TEMPERATURE_STORE.format(L=size, T=format_temperature(temperature))


def samples_of_size(wildcards):
    """The sample store of the job's temperature and size."""
    return TEMPERATURE_STORE.format(L=wildcards.L, T=wildcards.T)


def sample_stores(sizes=SIZES):
    """The merged sample store of every size (what whole-grid jobs read)."""
    return expand("results/samples/ising2d/L{L}.zarr", L=sizes)


def phase_stores(wildcards):
    """The stores a phase analysis reads: every size, and for the confusion scheme its extra sizes."""
    return sample_stores(SAMPLED_SIZES if wildcards.analysis == "confusion" else SIZES)


def all_rules():
    """Block rules of the RG comparison: the fixed ones from the config and the learned ones."""
    return [*config["rg"]["rules"], *LEARNED_RULES]


def rg_sizes(b):
    """The sizes coarse-grained with block size b: multiples of b paired with L/b or L*b (rgml.config.block_chain)."""
    return block_chain(SIZES, b)


def learned_size(b):
    """The lattice the learned b x b rules are fitted on: the largest size coarse-grained with b."""
    return max(rg_sizes(b))


def learned_store(scheme, temperature, b=None):
    """The store of a learned b x b rule fitted at ``temperature`` (RSMI filter or block RBM)."""
    b = b or config["rg"]["b"]
    name = "rsmi/ising2d/rule" if scheme == "rsmi" else "rbm/ising2d/block"
    return f"results/{name}_b{b}_T{format_temperature(temperature)}.zarr"


def rule_models(wildcards):
    """The trained model stores (fitted at Tc) of the learned block rules, in the order of all_rules()."""
    return [learned_store(scheme, nearest_tc(), int(wildcards.b)) for scheme in all_rules() if scheme in LEARNED_RULES]


def rg_outputs():
    """The coarse-grained stores of one (L, b) job, one per block rule, named by rule."""
    return {scheme: directory(f"results/rg/ising2d/L{{L}}/{scheme}_b{{b}}.zarr") for scheme in all_rules()}


def comparison_temperatures():
    """Grid temperatures nearest 0.88 Tc, Tc and 1.15 Tc, where the rules' filters are compared."""
    return sorted({min(TEMPERATURES, key=lambda t: abs(t - f * TC)) for f in (0.88, 1.0, 1.15)})


def rbm_models():
    """The per-temperature RBM stores."""
    return [f"{RBM_DIR}/T{format_temperature(t)}.zarr" for t in config["rbm"]["temperatures"]]


def rsmi_fits():
    """Every RSMI fit store: the temperature scan and the buffer sweep at Tc."""
    r = config["rsmi"]
    fits = [f"{RSMI_DIR}/T{format_temperature(t)}.zarr" for t in r["temperatures"]]
    tc = format_temperature(nearest_tc())
    fits += [f"{RSMI_DIR}/buffer{b}/T{tc}.zarr" for b in r["buffers"] if b != r["buffer"]]
    if r["buffers"] and nearest_tc() not in r["temperatures"]:
        fits.append(f"{RSMI_DIR}/T{tc}.zarr")
    return fits


def dimer_temperature(wildcards):
    """The configured dimer temperature whose file-name spelling is the job's DT wildcard (inf, 0.4000)."""
    return next(t for t in config["dimers"]["temperatures"] if format_temperature(t) == wildcards.DT)


def dimer_fits():
    """The dimer RSMI stores of every temperature: the main fit (n_hidden, reference rules), then more_hidden's."""
    return [
        store
        for t in config["dimers"]["temperatures"]
        for store in [
            f"{DIMER_RSMI_DIR}/T{format_temperature(t)}.zarr",
            *(f"{DIMER_RSMI_DIR}/T{format_temperature(t)}_h{n}.zarr" for n in config["dimers"]["rsmi"]["more_hidden"]),
        ]
    ]


def rg_stores(rules, sizes=None, b=None):
    """Coarse-grained stores of the given block rules (block size b, default rg.b) for every size b admits."""
    b = b or config["rg"]["b"]
    return expand("results/rg/ising2d/L{L}/{scheme}_b{b}.zarr", L=sizes or rg_sizes(b), scheme=rules, b=b)


def mi_samples(b):
    """The Tc sample store on which the I(H:E) of the b x b rules is estimated (rgml.config.mi_size)."""
    return samples_at(mi_size(config, b), nearest_tc())


def ring_levels():
    """Steps of 1D decimation by 2 the ring of ising1d.size admits."""
    return n_levels(config["ising1d"]["size"], 2)


def gpus():
    """GPUs a job that can use one asks for: 1 with backend cupy, else 0 (no GPU request)."""
    return 1 if config["backend"] == "cupy" else 0


def per_size(estimator):
    """Resources of a job of one size (wildcard L) from a :mod:`rgml.resources` estimator."""
    return {
        name: (lambda wildcards, name=name: estimator(config, int(wildcards.L))[name]) for name in ("mem_mb", "runtime")
    }


def per_analysis(estimates):
    """Resources of a job per analysis wildcard, from ``{analysis: rgml.resources estimate}``."""
    return {name: (lambda wildcards, name=name: estimates[wildcards.analysis][name]) for name in ("mem_mb", "runtime")}


def fixed(resources):
    """Resources that do not depend on the job's wildcards."""
    return {name: resources[name] for name in ("mem_mb", "runtime")}


def rbm_training(units, samples=None):
    """Resources of an RBM training on the rbm.size lattices."""
    size = config["rbm"]["size"]
    samples = samples or estimate.samples_for(config, size)
    return fixed(estimate.training(config, size, samples, units, config["rbm"]["epochs"]))


#: Every figure and table of the sweep (results/figures/*.png, results/tables/*.csv), each made by one rule.
FIGURES = [
    "thermodynamics_ising2d",
    "rg_flow_ising2d",
    "blockspin_snapshots",
    "mcrg_ising2d",
    "rg_flow_ising1d",
    "rsmi_filters",
    "rsmi_mi",
    "rsmi_buffer",
    "rsmi_training",
    "rbm_receptive_fields",
    "rbm_locality",
    "rbm_generated",
    "rbm_flow",
    "rbm_mapping1d",
    "compare_flows",
    "compare_exponents",
    "compare_snapshots",
    "compare_ising1d",
    "compare_filters",
    "compare_by_block",
    "correlation_ratios",
    "norm_scan",
    "rbm_flow_scan",
    "finite_size_scaling",
    "phases_pca",
    "phases_supervised",
    "phases_confusion",
    "slmc",
    "dimers",
    "rsmi_dimers",
]
TABLES = [
    "thermodynamics_ising2d",
    "rg_flow_ising2d",
    "exponents",
    "rg_flow_ising1d",
    "rsmi",
    "rbm",
    "rbm_flow",
    "rule_information",
    "comparison",
    "comparison_levels",
    "correlation_ratios",
    "norm_scan",
    "norm_scan_levels",
    "rbm_flow_scan",
    "rbm_flow_range",
    "rg_levels",
    "finite_size_scaling",
    "fss_crossings",
    "fss_peaks",
    "phases_pca",
    "phases_supervised",
    "phases_confusion",
    "slmc_runs",
    "slmc_couplings",
    "slmc_agreement",
    "slmc_speedup",
    "slmc_tc",
    "dimers",
    "dimers_correlation",
    "rsmi_dimers",
    "rsmi_dimers_buffer",
]


def all_targets():
    """Every table, figure and user-facing store of the sweep (the default target)."""
    return [
        *sample_stores(SAMPLED_SIZES),
        RING,
        *expand("results/samples/dimers/L{L}.zarr", L=config["dimers"]["sizes"]),
        *expand("results/tables/{name}.csv", name=TABLES),
        *expand("results/figures/{name}.png", name=FIGURES),
    ]
