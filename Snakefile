# RNN addition study: datasets -> training (one job per run and seed) ->
# aggregates (one per figure) -> figures; analyses of the trained models
# (one job per run and seed, reading its checkpoint) -> aggregates -> figures;
# verdicts on the report's claims. `.venv/bin/snakemake --cores all` builds all;
# `.venv/bin/snakemake --cores all fig05_maxlen` builds one figure and what it
# needs; `.venv/bin/snakemake --cores all claims` the verdicts.

configfile: "config.yaml"


# `snakemake --report results/report.html`: this front page, the verdicts, one page per figure.
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
include: "workflow/rules/cluster.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        intermediates(list(STUDY.experiments)),
        rules.claims.input,
        [figure_page_file(name) for name in STUDY.experiments],
