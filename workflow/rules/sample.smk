# Monte Carlo sampling of the 2D torus, one job per temperature writing one store per size, so that
# changing a temperature resamples only that temperature (and every size shares one process start); the
# per-size store every whole-grid job reads is merged from them. Exact sampling of the 1D ring, and the
# thermodynamics check against exact results.


rule sample_ising2d:
    output:
        [directory(TEMPERATURE_STORE.format(L=L, T="{T}")) for L in SAMPLED_SIZES],
    log:
        "results/logs/sample_ising2d_T{T}.log",
    benchmark:
        "results/benchmarks/sample_ising2d_T{T}.tsv"
    # Every 2D analysis waits for the merged stores: sample first, so the rest of the sweep fills both cores.
    priority: 10
    conda:
        "../envs/rgml.yaml"
    threads: estimate.sampling_threads(config)
    resources:
        **fixed(estimate.sampling(config)),
        gpu=gpus(),
    params:
        options=lambda wildcards, threads: cli(
            "sample ising2d",
            size=SAMPLED_SIZES,
            temperatures=[temperature_of(wildcards)],
            threads=threads,
        ),
    shell:
        "rgml sample ising2d {params.options} --out {output} 2> {log}"


rule merge_ising2d:
    input:
        lambda wildcards: [samples_at(wildcards.L, t) for t in TEMPERATURES],
    output:
        directory("results/samples/ising2d/L{L}.zarr"),
    log:
        "results/logs/merge_ising2d_L{L}.log",
    benchmark:
        "results/benchmarks/merge_ising2d_L{L}.tsv"
    priority: 10
    conda:
        "../envs/rgml.yaml"
    resources:
        **per_size(estimate.merging),
    shell:
        "rgml sample merge {input} --out {output} 2> {log}"


rule sample_ising1d:
    output:
        directory("results/samples/ising1d/N{N}.zarr"),
    log:
        "results/logs/sample_ising1d_N{N}.log",
    benchmark:
        "results/benchmarks/sample_ising1d_N{N}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("sample ising1d"),
    shell:
        "rgml sample ising1d {params.options} --out {output} 2> {log}"


rule thermodynamics_ising2d:
    input:
        sample_stores(SAMPLED_SIZES),
    output:
        table=report(
            "results/tables/thermodynamics_ising2d.csv",
            caption="../report/thermodynamics_table.rst",
            category="1. Sampling",
        ),
        figure=report(
            "results/figures/thermodynamics_ising2d.png",
            caption="../report/thermodynamics.rst",
            category="1. Sampling",
        ),
    log:
        "results/logs/thermodynamics_ising2d.log",
    benchmark:
        "results/benchmarks/thermodynamics_ising2d.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.whole_grid(config, max(SAMPLED_SIZES))),
    shell:
        "rgml thermo {input} --table {output.table} --figure {output.figure} 2> {log}"
