# Self-learning Monte Carlo of the plaquette Ising model (review §II; Liu, Qi, Meng & Fu 2017):
# per size, the effective-model fit and local Metropolis against SLMC, then an SLMC-only Binder
# scan near Tc; the tables compare them (src/rgml/slmc).


rule slmc_run:
    output:
        store=directory("results/slmc/L{L}.zarr"),
        timing="results/slmc/timing_L{L}.csv",
    log:
        "results/logs/slmc_run_L{L}.log",
    benchmark:
        "results/benchmarks/slmc_run_L{L}.tsv"
    # Long and independent of the 2D chain: start it early, not at the end of the sweep.
    priority: 5
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=lambda wildcards: cli("slmc run", size=int(wildcards.L)),
    shell:
        "rgml slmc run {params.options} --out {output.store} --timing {output.timing} 2> {log}"


rule slmc_binder:
    input:
        "results/slmc/L{L}.zarr",
    output:
        store=directory("results/slmc/binder_L{L}.zarr"),
        timing="results/slmc/binder_timing_L{L}.csv",
    log:
        "results/logs/slmc_binder_L{L}.log",
    benchmark:
        "results/benchmarks/slmc_binder_L{L}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("slmc binder"),
    shell:
        "rgml slmc binder --model {input} {params.options} --out {output.store} --timing {output.timing} 2> {log}"


rule slmc_table:
    input:
        runs=expand("results/slmc/L{L}.zarr", L=config["slmc"]["sizes"]),
        run_timings=expand("results/slmc/timing_L{L}.csv", L=config["slmc"]["sizes"]),
        scans=expand("results/slmc/binder_L{L}.zarr", L=config["slmc"]["sizes"]),
        scan_timings=expand("results/slmc/binder_timing_L{L}.csv", L=config["slmc"]["sizes"]),
    output:
        runs=report("results/tables/slmc_runs.csv", caption="../report/slmc_runs_table.rst", category="7. SLMC"),
        couplings=report(
            "results/tables/slmc_couplings.csv", caption="../report/slmc_couplings_table.rst", category="7. SLMC"
        ),
        agreement=report(
            "results/tables/slmc_agreement.csv", caption="../report/slmc_agreement_table.rst", category="7. SLMC"
        ),
        speedup=report(
            "results/tables/slmc_speedup.csv", caption="../report/slmc_speedup_table.rst", category="7. SLMC"
        ),
        tc=report("results/tables/slmc_tc.csv", caption="../report/slmc_tc_table.rst", category="7. SLMC"),
        figure=report("results/figures/slmc.png", caption="../report/slmc.rst", category="7. SLMC"),
    log:
        "results/logs/slmc_table.log",
    benchmark:
        "results/benchmarks/slmc_table.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    params:
        options=cli("slmc table"),
    shell:
        "rgml slmc table --runs {input.runs} --run-timings {input.run_timings} --scans {input.scans}"
        " --scan-timings {input.scan_timings} {params.options} --runs-table {output.runs}"
        " --couplings-table {output.couplings} --agreement-table {output.agreement} --speedup-table {output.speedup}"
        " --tc-table {output.tc} --figure {output.figure} 2> {log}"
