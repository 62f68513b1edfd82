# Comparison of the block rules: information kept about the environment (same estimator and
# geometry for every rule), fixed points and exponents side by side, figures.


rule compare_mi:
    input:
        samples=lambda wildcards: mi_samples(int(wildcards.b)),
        rsmi_rule=lambda wildcards: learned_store("rsmi", nearest_tc(), int(wildcards.b)),
        rbm_rule=lambda wildcards: learned_store("rbm", nearest_tc(), int(wildcards.b)),
    output:
        "results/compare/information_b{b}.csv",
    log:
        "results/logs/compare_mi_b{b}.log",
    benchmark:
        "results/benchmarks/compare_mi_b{b}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.rsmi_fit(config, config["rsmi"]["size"])),
    params:
        options=lambda wildcards: cli("compare mi", temperature=nearest_tc(), b=int(wildcards.b)),
    shell:
        "rgml compare mi --samples {input.samples} {params.options} --rsmi-rule {input.rsmi_rule}"
        " --rbm-rule {input.rbm_rule} --table {output} 2> {log}"


rule compare_rules:
    input:
        stores=lambda wildcards: rg_stores(all_rules(), b=int(wildcards.b)),
        information="results/compare/information_b{b}.csv",
        samples=lambda wildcards: mi_samples(int(wildcards.b)),
        rsmi_rule=lambda wildcards: learned_store("rsmi", nearest_tc(), int(wildcards.b)),
        rbm_rule=lambda wildcards: learned_store("rbm", nearest_tc(), int(wildcards.b)),
    output:
        verdicts="results/compare/verdicts_b{b}.csv",
        levels="results/compare/levels_b{b}.csv",
        ratios="results/compare/ratios_b{b}.csv",
    log:
        "results/logs/compare_rules_b{b}.log",
    benchmark:
        "results/benchmarks/compare_rules_b{b}.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.analysis(config)),
    params:
        options=lambda wildcards: cli("compare rules", temperature=nearest_tc(), b=int(wildcards.b)),
    shell:
        "rgml compare rules {input.stores} --information {input.information} --samples {input.samples}"
        " {params.options} --rsmi-rule {input.rsmi_rule} --rbm-rule {input.rbm_rule}"
        " --verdicts {output.verdicts} --levels {output.levels} --ratios {output.ratios} 2> {log}"


rule compare_table:
    input:
        verdicts=expand("results/compare/verdicts_b{b}.csv", b=BLOCK_SIZES),
        levels=expand("results/compare/levels_b{b}.csv", b=BLOCK_SIZES),
        ratios=expand("results/compare/ratios_b{b}.csv", b=BLOCK_SIZES),
        information=expand("results/compare/information_b{b}.csv", b=BLOCK_SIZES),
    output:
        table=report(
            "results/tables/comparison.csv", caption="../report/comparison_table.rst", category="5. Comparison"
        ),
        levels=report(
            "results/tables/comparison_levels.csv",
            caption="../report/comparison_levels_table.rst",
            category="5. Comparison",
        ),
        ratios=report(
            "results/tables/correlation_ratios.csv",
            caption="../report/correlation_ratios_table.rst",
            category="5. Comparison",
        ),
        information=report(
            "results/tables/rule_information.csv",
            caption="../report/rule_information.rst",
            category="5. Comparison",
        ),
        figure=report(
            "results/figures/compare_by_block.png",
            caption="../report/compare_by_block.rst",
            category="5. Comparison",
        ),
        ratios_figure=report(
            "results/figures/correlation_ratios.png",
            caption="../report/correlation_ratios.rst",
            category="5. Comparison",
        ),
    log:
        "results/logs/compare_table.log",
    benchmark:
        "results/benchmarks/compare_table.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.small(config)),
    shell:
        "rgml compare table --verdicts {input.verdicts} --levels {input.levels} --ratios {input.ratios}"
        " --information {input.information} --table {output.table} --levels-table {output.levels}"
        " --ratios-table {output.ratios} --information-table {output.information} --figure {output.figure}"
        " --ratios-figure {output.ratios_figure} 2> {log}"


rule compare_norm_scan:
    input:
        samples=[
            f"results/samples/ising2d/L{config['compare']['norm_size']}.zarr",
            f"results/samples/ising2d/L{config['compare']['norm_size'] // config['rg']['b']}.zarr",
        ],
        mi_samples=mi_samples(config["rg"]["b"]),
        rsmi_rule=learned_store("rsmi", nearest_tc()),
    output:
        table=report("results/tables/norm_scan.csv", caption="../report/norm_scan_table.rst", category="5. Comparison"),
        levels=report(
            "results/tables/norm_scan_levels.csv",
            caption="../report/norm_scan_levels_table.rst",
            category="5. Comparison",
        ),
        figure=report("results/figures/norm_scan.png", caption="../report/norm_scan.rst", category="5. Comparison"),
    log:
        "results/logs/compare_norm_scan.log",
    benchmark:
        "results/benchmarks/compare_norm_scan.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.whole_grid(config, config["compare"]["norm_size"])),
    params:
        options=cli("compare norm-scan", temperature=nearest_tc()),
    shell:
        "rgml compare norm-scan --samples {input.samples} --mi-samples {input.mi_samples} {params.options}"
        " --rsmi-rule {input.rsmi_rule} --table {output.table} --levels-table {output.levels}"
        " --figure {output.figure} 2> {log}"


rule compare_summary:
    input:
        exponents="results/tables/exponents.csv",
        flows="results/tables/rg_flow_ising2d.csv",
        information=f"results/compare/information_b{config['rg']['b']}.csv",
        ring_flow="results/tables/rg_flow_ising1d.csv",
        rbm_mapping="results/rbm/ising1d/mapping.zarr",
        rsmi_ring=f"results/rsmi/ising1d/ring_b{config['rg']['ring_b']}.zarr",
        samples=f"results/samples/ising2d/L{learned_size(config['rg']['b'])}.zarr",
        rg_stores=rg_stores(all_rules(), [learned_size(config["rg"]["b"])]),
        rsmi_filters=[learned_store("rsmi", t) for t in comparison_temperatures()],
        rbm_filters=[learned_store("rbm", t) for t in comparison_temperatures()],
    output:
        flows=report(
            "results/figures/compare_flows.png",
            caption="../report/compare_flows.rst",
            category="5. Comparison",
        ),
        exponents=report(
            "results/figures/compare_exponents.png",
            caption="../report/compare_exponents.rst",
            category="5. Comparison",
        ),
        snapshots=report(
            "results/figures/compare_snapshots.png",
            caption="../report/compare_snapshots.rst",
            category="5. Comparison",
        ),
        ring=report(
            "results/figures/compare_ising1d.png",
            caption="../report/compare_ising1d.rst",
            category="5. Comparison",
        ),
        filters=report(
            "results/figures/compare_filters.png",
            caption="../report/compare_filters.rst",
            category="5. Comparison",
        ),
    log:
        "results/logs/compare_summary.log",
    benchmark:
        "results/benchmarks/compare_summary.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.whole_grid(config, max(SIZES))),
    shell:
        "rgml compare summary --exponents {input.exponents} --flows {input.flows}"
        " --information {input.information} --ring-flow {input.ring_flow} --rbm-mapping {input.rbm_mapping}"
        " --rsmi-ring {input.rsmi_ring} --samples {input.samples} --rg-stores {input.rg_stores}"
        " --rsmi-filters {input.rsmi_filters} --rbm-filters {input.rbm_filters}"
        " --flows-figure {output.flows} --exponents-figure {output.exponents}"
        " --snapshots-figure {output.snapshots} --ring-figure {output.ring}"
        " --filters-figure {output.filters} 2> {log}"
