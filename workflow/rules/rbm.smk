# RBM stage: per-temperature RBMs (likelihood, generated physics), the deep stack and its
# receptive fields, the L1 locality sweep, the RBM flow, the block RBM that is the RG rule
# `rbm`, and the exact 1D RBM <-> decimation mapping.


rule rbm_train:
    input:
        "results/samples/ising2d/L{L}.zarr",
    output:
        directory("results/rbm/ising2d/L{L}/T{T}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_train_L{L}_T{T}.log",
    benchmark:
        "results/benchmarks/rbm_train_L{L}_T{T}.tsv"
    resources:
        gpu=gpus(),
    params:
        temperature=lambda wildcards: repr(config_temperature(wildcards.T)),
        n_hidden=config["rbm"]["n_hidden"],
        epochs=config["rbm"]["epochs"],
        seed=config["seed"],
        budget=config["memory_budget_mib"],
        backend=config["backend"],
        checkpoint_every=config["checkpoint_seconds"],
    shell:
        "rgml rbm train --samples {input} --temperature {params.temperature} --n-hidden {params.n_hidden}"
        " --epochs {params.epochs} --seed {params.seed} --checkpoint-every {params.checkpoint_every}"
        " --memory-budget-mib {params.budget} --backend {params.backend}"
        " --out {output} 2> {log}"


rule rbm_stack:
    input:
        "results/samples/ising2d/L{L}.zarr",
    output:
        directory("results/rbm/ising2d/L{L}/stack.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_stack_L{L}.log",
    benchmark:
        "results/benchmarks/rbm_stack_L{L}.tsv"
    resources:
        gpu=gpus(),
    params:
        temperature=repr(config["rbm"]["stack_temperature"]),
        widths=",".join(map(str, config["rbm"]["stack_widths"])),
        l1=config["rbm"]["l1"][-1],
        epochs=config["rbm"]["epochs"],
        seed=config["seed"],
        budget=config["memory_budget_mib"],
        backend=config["backend"],
    shell:
        "rgml rbm stack --samples {input} --temperature {params.temperature} --widths {params.widths}"
        " --l1 {params.l1} --epochs {params.epochs} --seed {params.seed} --memory-budget-mib {params.budget} --backend {params.backend}"
        " --out {output} 2> {log}"


rule rbm_locality:
    input:
        "results/samples/ising2d/L{L}.zarr",
    output:
        directory("results/rbm/ising2d/L{L}/locality.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_locality_L{L}.log",
    benchmark:
        "results/benchmarks/rbm_locality_L{L}.tsv"
    resources:
        gpu=gpus(),
    params:
        temperature=repr(config["rbm"]["stack_temperature"]),
        n_hidden=config["rbm"]["n_hidden"],
        l1=floats_arg(config["rbm"]["l1"]),
        epochs=config["rbm"]["epochs"],
        seed=config["seed"],
        budget=config["memory_budget_mib"],
        backend=config["backend"],
    shell:
        "rgml rbm locality --samples {input} --temperature {params.temperature} --n-hidden {params.n_hidden}"
        " --l1 {params.l1} --epochs {params.epochs} --seed {params.seed} --memory-budget-mib {params.budget} --backend {params.backend}"
        " --out {output} 2> {log}"


rule rbm_flow:
    input:
        "results/samples/ising2d/L{L}.zarr",
    output:
        directory("results/rbm/ising2d/L{L}/flow.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_flow_L{L}.log",
    benchmark:
        "results/benchmarks/rbm_flow_L{L}.tsv"
    resources:
        gpu=gpus(),
    params:
        n_hidden=config["rbm"]["flow_hidden"],
        l2=config["rbm"]["flow_l2"],
        steps=config["rbm"]["flow_steps"],
        chains=config["rbm"]["flow_chains"],
        epochs=config["rbm"]["epochs"],
        seed=config["seed"],
        budget=config["memory_budget_mib"],
        backend=config["backend"],
    shell:
        "rgml rbm flow --samples {input} --n-hidden {params.n_hidden} --l2 {params.l2} --steps {params.steps}"
        " --chains {params.chains} --epochs {params.epochs} --seed {params.seed}"
        " --memory-budget-mib {params.budget} --backend {params.backend} --out {output} 2> {log}"


rule rbm_block:
    input:
        f"results/samples/ising2d/L{max(config['ising2d']['sizes'])}.zarr",
    output:
        directory("results/rbm/ising2d/block_b{b}_T{T}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_block_b{b}_T{T}.log",
    benchmark:
        "results/benchmarks/rbm_block_b{b}_T{T}.tsv"
    params:
        temperature=lambda wildcards: repr(config_temperature(wildcards.T)),
        epochs=config["rbm"]["epochs"],
        seed=config["seed"],
    shell:
        "rgml rbm block --samples {input} --temperature {params.temperature} --b {wildcards.b}"
        " --epochs {params.epochs} --seed {params.seed} --out {output} 2> {log}"


rule rbm_mapping1d:
    output:
        directory("results/rbm/ising1d/mapping.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_mapping1d.log",
    benchmark:
        "results/benchmarks/rbm_mapping1d.tsv"
    params:
        couplings=floats_arg(config["ising1d"]["couplings"]),
        ring_size=config["rbm"]["ring_size"],
        epochs=config["rbm"]["epochs"],
        seed=config["seed"],
    shell:
        "rgml rbm mapping1d --couplings {params.couplings} --ring-size {params.ring_size}"
        " --epochs {params.epochs} --seed {params.seed} --out {output} 2> {log}"


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
        locality=report(
            "results/figures/rbm_locality.png", caption="../report/rbm_locality.rst", category="3. RBM"
        ),
        generated=report(
            "results/figures/rbm_generated.png", caption="../report/rbm_generated.rst", category="3. RBM"
        ),
        flow=report("results/figures/rbm_flow.png", caption="../report/rbm_flow.rst", category="3. RBM"),
        mapping=report(
            "results/figures/rbm_mapping1d.png", caption="../report/rbm_mapping1d.rst", category="3. RBM"
        ),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/rbm_table.log",
    benchmark:
        "results/benchmarks/rbm_table.tsv"
    shell:
        "rgml rbm table {input.models} --stack {input.stack} --locality {input.locality} --flow {input.flow}"
        " --mapping {input.mapping} --table {output.table} --flow-table {output.flow_table} --receptive-fields {output.fields}"
        " --locality-figure {output.locality} --generated {output.generated} --flow-figure {output.flow}"
        " --mapping1d {output.mapping} 2> {log}"
