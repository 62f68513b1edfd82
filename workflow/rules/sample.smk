# Monte Carlo sampling of the 2D torus and exact sampling of the 1D ring, and the
# thermodynamics check against exact results.


if config["ising2d"]["temperatures_per_job"] is None:

    rule sample_ising2d:
        output:
            directory("results/samples/ising2d/L{L}.zarr"),
        conda:
            "../envs/rgml.yaml"
        log:
            "results/logs/sample_ising2d_L{L}.log",
        benchmark:
            "results/benchmarks/sample_ising2d_L{L}.tsv"
        threads: config["threads"]
        resources:
            gpu=gpus(),
        params:
            **sample_params(sharded=False),
        shell:
            SAMPLE_2D_CMD

else:

    rule sample_ising2d_shard:
        output:
            directory("results/samples/ising2d/shards/L{L}/part{part}.zarr"),
        conda:
            "../envs/rgml.yaml"
        log:
            "results/logs/sample_ising2d_L{L}_part{part}.log",
        benchmark:
            "results/benchmarks/sample_ising2d_L{L}_part{part}.tsv"
        threads: config["threads"]
        resources:
            gpu=gpus(),
        params:
            **sample_params(sharded=True),
        shell:
            SAMPLE_2D_CMD

    rule merge_ising2d_shards:
        input:
            lambda wildcards: expand(
                "results/samples/ising2d/shards/L{L}/part{part}.zarr",
                L=wildcards.L,
                part=range(len(temperature_shards())),
            ),
        output:
            directory("results/samples/ising2d/L{L}.zarr"),
        conda:
            "../envs/rgml.yaml"
        log:
            "results/logs/merge_ising2d_L{L}.log",
        benchmark:
            "results/benchmarks/merge_ising2d_L{L}.tsv"
        shell:
            "rgml sample merge {input} --out {output} 2> {log}"


rule sample_ising1d:
    output:
        directory("results/samples/ising1d/N{N}.zarr"),
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/sample_ising1d_N{N}.log",
    benchmark:
        "results/benchmarks/sample_ising1d_N{N}.tsv"
    params:
        couplings=floats_arg(config["ising1d"]["couplings"]),
        samples=config["ising1d"]["samples"],
        seed=config["seed"],
        backend=config["backend"],
    shell:
        "rgml sample ising1d --size {wildcards.N} --couplings {params.couplings}"
        " --samples {params.samples} --seed {params.seed} --backend {params.backend}"
        " --out {output} 2> {log}"


rule thermodynamics_ising2d:
    input:
        expand("results/samples/ising2d/L{L}.zarr", L=config["ising2d"]["sizes"]),
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
    conda:
        "../envs/rgml.yaml"
    log:
        "results/logs/thermodynamics_ising2d.log",
    benchmark:
        "results/benchmarks/thermodynamics_ising2d.tsv"
    shell:
        "rgml thermo {input} --table {output.table} --figure {output.figure} 2> {log}"
