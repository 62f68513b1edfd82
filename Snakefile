# rgml: the renormalization group and neural networks on Ising models.
# Run the default sweep with `snakemake --cores all`; see README.md and config/README.md.
# This file holds the target list and config validation only; the rules live in workflow/rules/.

from snakemake.utils import min_version

min_version("8.20")


# A config given with --configfile replaces the default one (it must be complete: the
# schema check names anything missing); Snakemake would otherwise merge the two.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/rg.smk"
include: "workflow/rules/rsmi.smk"
include: "workflow/rules/rbm.smk"
include: "workflow/rules/compare.smk"


rule all:
    input:
        expand("results/samples/ising2d/L{L}.zarr", L=config["ising2d"]["sizes"]),
        f"results/samples/ising1d/N{config['ising1d']['size']}.zarr",
        "results/tables/thermodynamics_ising2d.csv",
        "results/figures/thermodynamics_ising2d.png",
        "results/tables/rg_flow_ising2d.csv",
        "results/tables/exponents.csv",
        "results/figures/rg_flow_ising2d.png",
        "results/figures/blockspin_snapshots.png",
        "results/figures/mcrg_ising2d.png",
        "results/tables/rg_flow_ising1d.csv",
        "results/figures/rg_flow_ising1d.png",
        "results/tables/rsmi.csv",
        "results/figures/rsmi_filters.png",
        "results/figures/rsmi_mi.png",
        "results/figures/rsmi_buffer.png",
        "results/figures/rsmi_training.png",
        "results/tables/rbm.csv",
        "results/tables/rbm_flow.csv",
        "results/figures/rbm_receptive_fields.png",
        "results/figures/rbm_locality.png",
        "results/figures/rbm_generated.png",
        "results/figures/rbm_flow.png",
        "results/figures/rbm_mapping1d.png",
        "results/tables/rule_information.csv",
        "results/tables/comparison.csv",
        "results/figures/compare_flows.png",
        "results/figures/compare_exponents.png",
        "results/figures/compare_snapshots.png",
        "results/figures/compare_ising1d.png",
        "results/figures/compare_filters.png",
