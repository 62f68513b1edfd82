# RBM stage: per-temperature RBMs (likelihood, generated physics), the deep stack and its
# receptive fields, the L1 locality sweep, the RBM flow, the block RBM that is the RG rule
# `rbm`, and the exact 1D RBM <-> decimation mapping. Per-temperature models read only the
# samples of their temperature; the flow trains on every temperature.


rule rbm_train:
    input:
        samples_of_size,
    output:
        directory("results/rbm/ising2d/L{L}/T{T}.zarr"),
    log:
        "results/logs/rbm_train_L{L}_T{T}.log",
    benchmark:
        "results/benchmarks/rbm_train_L{L}_T{T}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **rbm_training(config["rbm"]["n_hidden"]),
        gpu=gpus(),
    params:
        options=lambda wildcards: cli("rbm train", temperature=temperature_of(wildcards)),
    shell:
        "rgml rbm train --samples {input} {params.options} --out {output} 2> {log}"


rule rbm_stack:
    input:
        samples_at(config["rbm"]["size"], config["rbm"]["stack_temperature"]),
    output:
        directory(f"{RBM_DIR}/stack.zarr"),
    log:
        "results/logs/rbm_stack.log",
    benchmark:
        "results/benchmarks/rbm_stack.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **rbm_training(max(config["rbm"]["stack_widths"])),
        gpu=gpus(),
    params:
        options=cli("rbm stack", temperature=config["rbm"]["stack_temperature"]),
    shell:
        "rgml rbm stack --samples {input} {params.options} --out {output} 2> {log}"


rule rbm_locality:
    input:
        samples_at(config["rbm"]["size"], config["rbm"]["stack_temperature"]),
    output:
        directory(f"{RBM_DIR}/locality.zarr"),
    log:
        "results/logs/rbm_locality.log",
    benchmark:
        "results/benchmarks/rbm_locality.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **rbm_training(config["rbm"]["n_hidden"] * len(config["rbm"]["l1"])),
        gpu=gpus(),
    params:
        options=cli("rbm locality", temperature=config["rbm"]["stack_temperature"]),
    shell:
        "rgml rbm locality --samples {input} {params.options} --out {output} 2> {log}"


rule rbm_flow:
    input:
        f"results/samples/ising2d/L{config['rbm']['size']}.zarr",
    output:
        directory(f"{RBM_DIR}/flow.zarr"),
    log:
        "results/logs/rbm_flow.log",
    benchmark:
        "results/benchmarks/rbm_flow.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **rbm_training(
            config["rbm"]["flow_hidden"], len(TEMPERATURES) * estimate.samples_for(config, config["rbm"]["size"])
        ),
        gpu=gpus(),
    params:
        options=cli("rbm flow"),
    shell:
        "rgml rbm flow --samples {input} {params.options} --out {output} 2> {log}"


rule rbm_flow_scan:
    input:
        f"results/samples/ising2d/L{config['rbm']['size']}.zarr",
    output:
        table=report(
            "results/tables/rbm_flow_scan.csv",
            caption="../report/rbm_flow_scan_table.rst",
            category="3. RBM",
        ),
        ranges=report(
            "results/tables/rbm_flow_range.csv",
            caption="../report/rbm_flow_range_table.rst",
            category="3. RBM",
        ),
        figure=report(
            "results/figures/rbm_flow_scan.png",
            caption="../report/rbm_flow_scan.rst",
            category="3. RBM",
        ),
    log:
        "results/logs/rbm_flow_scan.log",
    benchmark:
        "results/benchmarks/rbm_flow_scan.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **rbm_training(config["rbm"]["flow_hidden"], len(TEMPERATURES) * config["rbm"]["flow_scan_samples"]),
        gpu=gpus(),
    params:
        options=cli("rbm flow-scan"),
    shell:
        "rgml rbm flow-scan --samples {input} {params.options} --table {output.table}"
        " --range-table {output.ranges} --figure {output.figure} 2> {log}"


rule rbm_block:
    input:
        lambda wildcards: samples_at(learned_size(int(wildcards.b)), temperature_of(wildcards)),
    output:
        directory("results/rbm/ising2d/block_b{b}_T{T}.zarr"),
    log:
        "results/logs/rbm_block_b{b}_T{T}.log",
    benchmark:
        "results/benchmarks/rbm_block_b{b}_T{T}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=lambda wildcards: cli("rbm block", temperature=temperature_of(wildcards), b=int(wildcards.b)),
    shell:
        "rgml rbm block --samples {input} {params.options} --out {output} 2> {log}"


rule rbm_mapping1d:
    output:
        directory("results/rbm/ising1d/mapping.zarr"),
    log:
        "results/logs/rbm_mapping1d.log",
    benchmark:
        "results/benchmarks/rbm_mapping1d.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("rbm mapping1d"),
        levels=ring_levels(),
    shell:
        "rgml rbm mapping1d {params.options} --levels {params.levels} --out {output} 2> {log}"


rule rbm_table:
    input:
        models=rbm_models(),
        stack=f"{RBM_DIR}/stack.zarr",
        locality=f"{RBM_DIR}/locality.zarr",
        flow=f"{RBM_DIR}/flow.zarr",
        mapping="results/rbm/ising1d/mapping.zarr",
    output:
        table=report("results/tables/rbm.csv", caption="../report/rbm_table.rst", category="3. RBM"),
        flow_table=report("results/tables/rbm_flow.csv", caption="../report/rbm_flow_table.rst", category="3. RBM"),
        fields=report(
            "results/figures/rbm_receptive_fields.png",
            caption="../report/rbm_receptive_fields.rst",
            category="3. RBM",
        ),
        locality=report("results/figures/rbm_locality.png", caption="../report/rbm_locality.rst", category="3. RBM"),
        generated=report("results/figures/rbm_generated.png", caption="../report/rbm_generated.rst", category="3. RBM"),
        flow=report("results/figures/rbm_flow.png", caption="../report/rbm_flow.rst", category="3. RBM"),
        mapping=report("results/figures/rbm_mapping1d.png", caption="../report/rbm_mapping1d.rst", category="3. RBM"),
    log:
        "results/logs/rbm_table.log",
    benchmark:
        "results/benchmarks/rbm_table.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    shell:
        "rgml rbm table {input.models} --stack {input.stack} --locality {input.locality} --flow {input.flow}"
        " --mapping {input.mapping} --table {output.table} --flow-table {output.flow_table}"
        " --receptive-fields {output.fields} --locality-figure {output.locality} --generated {output.generated}"
        " --flow-figure {output.flow} --mapping1d {output.mapping} 2> {log}"
