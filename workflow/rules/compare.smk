# Comparison of the block rules: information kept about the environment (same estimator and
# geometry for every rule), fixed points and exponents side by side, figures.


rule compare_mi:
    input:
        samples=samples_at(config["rsmi"]["size"], nearest_tc()),
        rsmi_rule=learned_store("rsmi", nearest_tc()),
        rbm_rule=learned_store("rbm", nearest_tc()),
    output:
        report(
            "results/tables/rule_information.csv",
            caption="../report/rule_information.rst",
            category="5. Comparison",
        ),
    log:
        "results/logs/compare_mi.log",
    benchmark:
        "results/benchmarks/compare_mi.tsv"
    conda:
        "../envs/rgml.yaml"
    resources:
        **fixed(estimate.rsmi_fit(config, config["rsmi"]["size"])),
    params:
        options=cli("compare mi", temperature=nearest_tc()),
    shell:
        "rgml compare mi --samples {input.samples} {params.options} --rsmi-rule {input.rsmi_rule}"
        " --rbm-rule {input.rbm_rule} --table {output} 2> {log}"


rule compare_summary:
    input:
        exponents="results/tables/exponents.csv",
        flows="results/tables/rg_flow_ising2d.csv",
        information="results/tables/rule_information.csv",
        ring_flow="results/tables/rg_flow_ising1d.csv",
        rbm_mapping="results/rbm/ising1d/mapping.zarr",
        rsmi_ring=f"results/rsmi/ising1d/ring_b{config['rg']['ring_b']}.zarr",
        samples=f"results/samples/ising2d/L{max(SIZES)}.zarr",
        rg_stores=rg_stores(all_rules(), [max(SIZES)]),
        rsmi_filters=[learned_store("rsmi", t) for t in comparison_temperatures()],
        rbm_filters=[learned_store("rbm", t) for t in comparison_temperatures()],
    output:
        table=report(
            "results/tables/comparison.csv", caption="../report/comparison_table.rst", category="5. Comparison"
        ),
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
        " --rsmi-filters {input.rsmi_filters} --rbm-filters {input.rbm_filters} --table {output.table}"
        " --flows-figure {output.flows} --exponents-figure {output.exponents}"
        " --snapshots-figure {output.snapshots} --ring-figure {output.ring}"
        " --filters-figure {output.filters} 2> {log}"
