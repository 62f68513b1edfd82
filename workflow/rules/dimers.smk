# Interacting close-packed dimers (Alet et al. 2005): directed-loop samples of every size over the
# temperature grid (inf: the Coulomb phase), and their table and figure (src/rgml/dimers).


rule sample_dimers:
    output:
        directory("results/samples/dimers/L{L}.zarr"),
    log:
        "results/logs/sample_dimers_L{L}.log",
    benchmark:
        "results/benchmarks/sample_dimers_L{L}.tsv"
    # Long and independent of the 2D chain: start it early, not at the end of the sweep.
    priority: 5
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


# RSMI on the dimers of one size (dimers.rsmi.size, default the largest; issue 17, items 3-5): a fit per
# temperature with the naive rules beside it, I(H:E) against buffer width at the highest temperature (T = inf),
# and their tables and figure.


rule rsmi_dimers_fit:
    input:
        f"results/samples/dimers/L{DIMER_RSMI_SIZE}.zarr",
    output:
        directory(f"{DIMER_RSMI_DIR}/T{{DT}}.zarr"),
    log:
        f"results/logs/rsmi_dimers_L{DIMER_RSMI_SIZE}_T{{DT}}.log",
    benchmark:
        f"results/benchmarks/rsmi_dimers_L{DIMER_RSMI_SIZE}_T{{DT}}.tsv"
    wildcard_constraints:
        DT=r"inf|[0-9]+\.[0-9]{4}",
    # Long and independent of the 2D chain: start it early, not at the end of the sweep.
    priority: 5
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.dimer_rsmi(config)),
    params:
        options=lambda wildcards: cli("dimers rsmi", temperature=dimer_temperature(wildcards)),
    shell:
        "rgml dimers rsmi {input} {params.options} --out {output} 2> {log}"


# The learned rule with further numbers of hidden units (dimers.rsmi.more_hidden; issue 17: one, two and four
# components), without the reference rules, which the main fit of the same temperature already evaluates.
rule rsmi_dimers_units:
    input:
        f"results/samples/dimers/L{DIMER_RSMI_SIZE}.zarr",
    output:
        directory(f"{DIMER_RSMI_DIR}/T{{DT}}_h{{H}}.zarr"),
    log:
        f"results/logs/rsmi_dimers_L{DIMER_RSMI_SIZE}_T{{DT}}_h{{H}}.log",
    benchmark:
        f"results/benchmarks/rsmi_dimers_L{DIMER_RSMI_SIZE}_T{{DT}}_h{{H}}.tsv"
    wildcard_constraints:
        DT=r"inf|[0-9]+\.[0-9]{4}",
        H=r"[0-9]+",
    priority: 5
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.dimer_rsmi(config)),
    params:
        options=lambda wildcards: cli(
            "dimers rsmi", temperature=dimer_temperature(wildcards), n_hidden=int(wildcards.H), rules=None
        ),
    shell:
        "rgml dimers rsmi {input} {params.options} --out {output} 2> {log}"


# I(H:E) against buffer width at the highest temperature, on the torus of dimers.rsmi.buffer_size.
rule rsmi_dimers_buffers:
    input:
        f"results/samples/dimers/L{DIMER_BUFFER_SIZE}.zarr",
    output:
        directory(DIMER_BUFFERS),
    log:
        f"results/logs/rsmi_dimers_buffers_L{DIMER_BUFFER_SIZE}.log",
    benchmark:
        f"results/benchmarks/rsmi_dimers_buffers_L{DIMER_BUFFER_SIZE}.tsv"
    # Long and independent of the 2D chain: start it early, not at the end of the sweep.
    priority: 5
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.dimer_rsmi(config, images=1, size=DIMER_BUFFER_SIZE)),
    params:
        options=cli("dimers rsmi-buffers", temperature=max(config["dimers"]["temperatures"])),
    shell:
        "rgml dimers rsmi-buffers {input} {params.options} --out {output} 2> {log}"


rule rsmi_dimers_table:
    input:
        fits=dimer_fits(),
        buffers=DIMER_BUFFERS,
    output:
        table=report(
            "results/tables/rsmi_dimers.csv",
            caption="../report/rsmi_dimers_table.rst",
            category="8. Dimers",
        ),
        buffer_table=report(
            "results/tables/rsmi_dimers_buffer.csv",
            caption="../report/rsmi_dimers_buffer_table.rst",
            category="8. Dimers",
        ),
        figure=report("results/figures/rsmi_dimers.png", caption="../report/rsmi_dimers.rst", category="8. Dimers"),
    log:
        "results/logs/rsmi_dimers_table.log",
    benchmark:
        "results/benchmarks/rsmi_dimers_table.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("dimers rsmi-table"),
    shell:
        "rgml dimers rsmi-table {input.fits} --buffers {input.buffers} {params.options} --table {output.table}"
        " --buffer-table {output.buffer_table} --figure {output.figure} 2> {log}"
