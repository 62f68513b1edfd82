# Learning phases from the 2D samples (review §II): PCA without labels, classifiers trained far
# from Tc, and the confusion scheme; each analysis reads every size, the confusion scheme also the
# sizes sampled for it alone (phases.confusion.extra_sizes; src/rgml/phases).


rule phases:
    input:
        phase_stores,
    output:
        store=directory("results/phases/ising2d/{analysis}.zarr"),
        table=report(
            "results/tables/phases_{analysis}.csv",
            caption="../report/phases_table.rst",
            category="6. Phases",
        ),
        figure=report(
            "results/figures/phases_{analysis}.png",
            caption="../report/phases.rst",
            category="6. Phases",
        ),
    log:
        "results/logs/phases_{analysis}.log",
    benchmark:
        "results/benchmarks/phases_{analysis}.tsv"
    wildcard_constraints:
        analysis="pca|supervised|confusion",
    conda:
        "../envs/rgml.yaml"
    resources:
        **per_analysis(
            {
                "pca": estimate.whole_grid(config, max(SIZES)),
                "supervised": estimate.whole_grid(config, max(SIZES)),
                "confusion": estimate.confusion(config),
            }
        ),
        gpu=gpus(),
    params:
        options=lambda wildcards: cli(f"phases {wildcards.analysis}"),
    shell:
        "rgml phases {wildcards.analysis} {input} {params.options} --out {output.store}"
        " --table {output.table} --figure {output.figure} 2> {log}"
