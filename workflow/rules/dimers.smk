# Interacting close-packed dimers (Alet et al. 2005): directed-loop samples of every size over the
# temperature grid (inf: the Coulomb phase), and their table and figure (src/rgml/dimers).


rule sample_dimers:
    output:
        directory("results/samples/dimers/L{L}.zarr"),
    log:
        "results/logs/sample_dimers_L{L}.log",
    benchmark:
        "results/benchmarks/sample_dimers_L{L}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=lambda wildcards: cli("sample dimers", size=int(wildcards.L)),
    shell:
        "rgml sample dimers {params.options} --out {output} 2> {log}"


rule dimers_table:
    input:
        expand("results/samples/dimers/L{L}.zarr", L=config["dimers"]["sizes"]),
    output:
        table=report("results/tables/dimers.csv", caption="../report/dimers_table.rst", category="8. Dimers"),
        correlation=report(
            "results/tables/dimers_correlation.csv",
            caption="../report/dimers_correlation_table.rst",
            category="8. Dimers",
        ),
        figure=report("results/figures/dimers.png", caption="../report/dimers.rst", category="8. Dimers"),
    log:
        "results/logs/dimers_table.log",
    benchmark:
        "results/benchmarks/dimers_table.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("dimers table"),
    shell:
        "rgml dimers table {input} {params.options} --table {output.table}"
        " --correlation-table {output.correlation} --figure {output.figure} 2> {log}"
