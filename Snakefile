# RNN addition study: datasets -> training (one job per run and seed) ->
# aggregates (one per figure) -> figures, and verdicts on the report's claims.
# `snakemake --cores 8` builds all; `snakemake --cores 8 fig05_maxlen` builds
# one figure and what it needs; `snakemake --cores 8 claims` the verdicts.

configfile: "config.yaml"


# `snakemake --report results/report.html`: this front page, the verdicts, one page per figure.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        rules.claims.input,
        [figure_page_file(name) for name in STUDY.experiments],
