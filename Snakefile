# RNN addition study: datasets -> training (one job per run and seed) ->
# aggregates (one per figure) -> figures; analyses of the trained models
# (one job per run and seed, reading its checkpoint) -> aggregates -> figures;
# verdicts on the report's claims. `.venv/bin/snakemake --cores all` builds all;
# `.venv/bin/snakemake --cores all fig05_maxlen` builds one figure and what it
# needs; `.venv/bin/snakemake --cores all claims` the verdicts.


configfile: "config.yaml"


# `snakemake --report results/report.html`: this front page, the verdict table,
# every figure with its caption and, beside it, the verdicts on the claims about it.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/verify.smk"
include: "workflow/rules/stability.smk"
include: "workflow/rules/server.smk"
include: "workflow/rules/cluster.smk"


rule all:
    default_target: True
    input:
        # First: `--report` checks, on this item, that this config made results/ (report.smk).
        rules.claims_table.output.html,
        all_figures(),
        intermediates(list(STUDY.experiments)),
        rules.claims.input,
        report_files(),


# Last, when every rule exists: a mistyped target gets the nearest name, in one line.
check_targets()
