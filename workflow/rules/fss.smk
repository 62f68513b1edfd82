# Finite-size scaling of the 2D samples: Binder and xi/L crossings, chi' and C peaks against L,
# exponents with chain-block errors, data collapses (src/rgml/fss).


rule finite_size_scaling:
    input:
        sample_stores(),
    output:
        store=directory("results/fss/ising2d.zarr"),
        estimates=report(
            "results/tables/finite_size_scaling.csv",
            caption="../report/finite_size_scaling_table.rst",
            category="1. Sampling",
        ),
        crossings=report(
            "results/tables/fss_crossings.csv",
            caption="../report/fss_crossings_table.rst",
            category="1. Sampling",
        ),
        peaks=report(
            "results/tables/fss_peaks.csv",
            caption="../report/fss_peaks_table.rst",
            category="1. Sampling",
        ),
        figure=report(
            "results/figures/finite_size_scaling.png",
            caption="../report/finite_size_scaling.rst",
            category="1. Sampling",
        ),
    log:
        "results/logs/finite_size_scaling.log",
    benchmark:
        "results/benchmarks/finite_size_scaling.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.whole_grid(config, max(SIZES))),
    params:
        options=cli("fss"),
    shell:
        "rgml fss {input} {params.options} --out {output.store} --estimates-table {output.estimates}"
        " --crossings-table {output.crossings} --peaks-table {output.peaks} --figure {output.figure} 2> {log}"
