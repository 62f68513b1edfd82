# RG stage: block-spin coarse-graining, flows T -> T_eff, fixed points, nu (flow slopes
# and MCRG), and the exact 1D decimation flow.


# One job per (L, b) coarse-grains with every rule: one process start instead of four.
rule rg_coarse_grain:
    input:
        samples="results/samples/ising2d/L{L}.zarr",
        models=rule_models,
    output:
        **rg_outputs(),
    log:
        "results/logs/rg_coarse_grain_L{L}_b{b}.log",
    benchmark:
        "results/benchmarks/rg_coarse_grain_L{L}_b{b}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **per_size(estimate.coarse_graining),
        gpu=gpus(),
    params:
        options=lambda wildcards: cli("rg coarse-grain", b=int(wildcards.b)),
        rules=" ".join(all_rules()),
    shell:
        "rgml rg coarse-grain --samples {input.samples} --rule {params.rules} --model {input.models}"
        " {params.options} --out {output} 2> {log}"


rule rg_flow_ising2d:
    input:
        stores=rg_stores(all_rules()),
        samples=sample_stores(),
    output:
        flow=report(
            "results/tables/rg_flow_ising2d.csv",
            caption="../report/rg_flow_table.rst",
            category="2. RG",
        ),
        exponents=report(
            "results/tables/exponents.csv",
            caption="../report/exponents_table.rst",
            category="2. RG",
        ),
        levels=report(
            "results/tables/rg_levels.csv",
            caption="../report/rg_levels_table.rst",
            category="2. RG",
        ),
        flow_figure=report(
            "results/figures/rg_flow_ising2d.png",
            caption="../report/rg_flow_ising2d.rst",
            category="2. RG",
        ),
        snapshots=report(
            "results/figures/blockspin_snapshots.png",
            caption="../report/blockspin_snapshots.rst",
            category="2. RG",
        ),
        mcrg=report(
            "results/figures/mcrg_ising2d.png",
            caption="../report/mcrg_ising2d.rst",
            category="2. RG",
        ),
    log:
        "results/logs/rg_flow_ising2d.log",
    benchmark:
        "results/benchmarks/rg_flow_ising2d.tsv"
    # Every comparison table waits for it: run it as soon as its inputs are there.
    priority: 5
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.analysis(config)),
    params:
        options=cli("rg flow"),
    shell:
        "rgml rg flow {input.stores} --samples {input.samples} {params.options}"
        " --flow-table {output.flow} --exponents-table {output.exponents} --levels-table {output.levels}"
        " --flow-figure {output.flow_figure} --snapshot-figure {output.snapshots}"
        " --mcrg-figure {output.mcrg} 2> {log}"


rule rg_ising1d:
    input:
        RING,
    output:
        table=report(
            "results/tables/rg_flow_ising1d.csv",
            caption="../report/rg_flow_ising1d_table.rst",
            category="2. RG",
        ),
        figure=report(
            "results/figures/rg_flow_ising1d.png",
            caption="../report/rg_flow_ising1d.rst",
            category="2. RG",
        ),
    log:
        "results/logs/rg_ising1d.log",
    benchmark:
        "results/benchmarks/rg_ising1d.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("rg ring"),
    shell:
        "rgml rg ring --samples {input} {params.options} --table {output.table} --figure {output.figure} 2> {log}"
