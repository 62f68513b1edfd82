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
include: "workflow/rules/fss.smk"
include: "workflow/rules/rg.smk"
include: "workflow/rules/rsmi.smk"
include: "workflow/rules/rbm.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/phases.smk"
include: "workflow/rules/slmc.smk"
include: "workflow/rules/dimers.smk"


rule all:
    input:
        all_targets(),
