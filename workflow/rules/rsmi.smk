# Mutual-information RG (Koch-Janusz & Ringel): fit filters that maximise I(H:E) at each
# temperature (each fit reads only its temperature's samples), the buffer sweep at Tc, and the
# filter that becomes the RG rule `rsmi`.


rule rsmi_fit:
    input:
        samples_of_size,
    output:
        directory("results/rsmi/ising2d/L{L}/T{T}.zarr"),
    log:
        "results/logs/rsmi_fit_L{L}_T{T}.log",
    benchmark:
        "results/benchmarks/rsmi_fit_L{L}_T{T}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **per_size(estimate.rsmi_fit),
        gpu=gpus(),
    params:
        options=lambda wildcards: cli("rsmi fit", temperature=temperature_of(wildcards)),
    shell:
        "rgml rsmi fit --samples {input} {params.options} --out {output} 2> {log}"


rule rsmi_fit_buffer:
    input:
        samples_of_size,
    output:
        directory("results/rsmi/ising2d/L{L}/buffer{B}/T{T}.zarr"),
    log:
        "results/logs/rsmi_fit_L{L}_buffer{B}_T{T}.log",
    benchmark:
        "results/benchmarks/rsmi_fit_L{L}_buffer{B}_T{T}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **per_size(estimate.rsmi_fit),
        gpu=gpus(),
    params:
        options=lambda wildcards: cli("rsmi fit", temperature=temperature_of(wildcards), buffer=int(wildcards.B)),
    shell:
        "rgml rsmi fit --samples {input} {params.options} --out {output} 2> {log}"


rule rsmi_rule:
    input:
        lambda wildcards: samples_at(learned_size(int(wildcards.b)), temperature_of(wildcards)),
    output:
        directory("results/rsmi/ising2d/rule_b{b}_T{T}.zarr"),
    log:
        "results/logs/rsmi_rule_b{b}_T{T}.log",
    benchmark:
        "results/benchmarks/rsmi_rule_b{b}_T{T}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.rsmi_fit(config, max(SIZES))),
        gpu=gpus(),
    params:
        options=lambda wildcards: cli("rsmi fit", temperature=temperature_of(wildcards), block=int(wildcards.b)),
        norm_stop=config["rsmi"]["rule_norm"],
    shell:
        "rgml rsmi fit --samples {input} {params.options} --norm-stop {params.norm_stop} --out {output} 2> {log}"


rule rsmi_table:
    input:
        rsmi_fits(),
    output:
        table=report("results/tables/rsmi.csv", caption="../report/rsmi_table.rst", category="4. Mutual-information RG"),
        filters=report(
            "results/figures/rsmi_filters.png",
            caption="../report/rsmi_filters.rst",
            category="4. Mutual-information RG",
        ),
        mi=report("results/figures/rsmi_mi.png", caption="../report/rsmi_mi.rst", category="4. Mutual-information RG"),
        buffer=report(
            "results/figures/rsmi_buffer.png",
            caption="../report/rsmi_buffer.rst",
            category="4. Mutual-information RG",
        ),
        training=report(
            "results/figures/rsmi_training.png",
            caption="../report/rsmi_training.rst",
            category="4. Mutual-information RG",
        ),
    log:
        "results/logs/rsmi_table.log",
    benchmark:
        "results/benchmarks/rsmi_table.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    shell:
        "rgml rsmi table {input} --table {output.table} --filters-figure {output.filters}"
        " --mi-figure {output.mi} --buffer-figure {output.buffer} --training-figure {output.training} 2> {log}"


rule rsmi_ring:
    input:
        RING,
    output:
        directory(f"results/rsmi/ising1d/ring_b{config['rg']['ring_b']}.zarr"),
    log:
        "results/logs/rsmi_ring.log",
    benchmark:
        "results/benchmarks/rsmi_ring.tsv"
    # Long and independent of the 2D chain: start it early, not at the end of the sweep.
    priority: 5
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("rsmi ring"),
    shell:
        "rgml rsmi ring --samples {input} {params.options} --out {output} 2> {log}"
