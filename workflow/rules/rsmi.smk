# Mutual-information RG (Koch-Janusz & Ringel): fit filters that maximise I(H:E) at each
# temperature, the buffer sweep at Tc, and the filter that becomes the RG rule `rsmi`.


rule rsmi_fit:
    input:
        "results/samples/ising2d/L{L}.zarr",
    output:
        directory("results/rsmi/ising2d/L{L}/T{T}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rsmi_fit_L{L}_T{T}.log",
    benchmark:
        "results/benchmarks/rsmi_fit_L{L}_T{T}.tsv"
    resources:
        gpu=gpus(),
    params:
        temperature=lambda wildcards: repr(config_temperature(wildcards.T)),
        args=rsmi_args(config["rsmi"]["buffer"]),
        seed=config["seed"],
    shell:
        "rgml rsmi fit --samples {input} --temperature {params.temperature} {params.args}"
        " --seed {params.seed} --out {output} 2> {log}"


rule rsmi_fit_buffer:
    input:
        "results/samples/ising2d/L{L}.zarr",
    output:
        directory("results/rsmi/ising2d/L{L}/buffer{B}/T{T}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rsmi_fit_L{L}_buffer{B}_T{T}.log",
    benchmark:
        "results/benchmarks/rsmi_fit_L{L}_buffer{B}_T{T}.tsv"
    resources:
        gpu=gpus(),
    params:
        temperature=lambda wildcards: repr(config_temperature(wildcards.T)),
        args=lambda wildcards: rsmi_args(int(wildcards.B)),
        seed=config["seed"],
    shell:
        "rgml rsmi fit --samples {input} --temperature {params.temperature} {params.args}"
        " --seed {params.seed} --out {output} 2> {log}"


rule rsmi_rule:
    input:
        f"results/samples/ising2d/L{max(config['ising2d']['sizes'])}.zarr",
    output:
        directory("results/rsmi/ising2d/rule_b{b}_T{T}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rsmi_rule_b{b}_T{T}.log",
    benchmark:
        "results/benchmarks/rsmi_rule_b{b}_T{T}.tsv"
    resources:
        gpu=gpus(),
    params:
        temperature=lambda wildcards: repr(config_temperature(wildcards.T)),
        args=rsmi_args(config["rsmi"]["buffer"], block="{b}", norm_stop=config["rsmi"]["rule_norm"]),
        seed=config["seed"],
    shell:
        "rgml rsmi fit --samples {input} --temperature {params.temperature} {params.args}"
        " --seed {params.seed} --out {output} 2> {log}"


rule rsmi_table:
    input:
        rsmi_fits(),
    output:
        table=report(
            "results/tables/rsmi.csv", caption="../report/rsmi_table.rst", category="4. Mutual-information RG"
        ),
        filters=report(
            "results/figures/rsmi_filters.png",
            caption="../report/rsmi_filters.rst",
            category="4. Mutual-information RG",
        ),
        mi=report(
            "results/figures/rsmi_mi.png", caption="../report/rsmi_mi.rst", category="4. Mutual-information RG"
        ),
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
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rsmi_table.log",
    benchmark:
        "results/benchmarks/rsmi_table.tsv"
    shell:
        "rgml rsmi table {input} --table {output.table} --filters-figure {output.filters}"
        " --mi-figure {output.mi} --buffer-figure {output.buffer} --training-figure {output.training} 2> {log}"


rule rsmi_ring:
    input:
        f"results/samples/ising1d/N{config['ising1d']['size']}.zarr",
    output:
        directory("results/rsmi/ising1d/ring_b{b}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rsmi_ring_b{b}.log",
    benchmark:
        "results/benchmarks/rsmi_ring_b{b}.tsv"
    params:
        steps=config["rsmi"]["steps"],
        norm=config["rsmi"]["norm"],
        norm_stop=config["rsmi"]["rule_norm"],
        seed=config["seed"],
    shell:
        "rgml rsmi ring --samples {input} --b {wildcards.b} --steps {params.steps} --norm {params.norm}"
        " --norm-stop {params.norm_stop} --seed {params.seed} --out {output} 2> {log}"
