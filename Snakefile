# RNN addition study: datasets -> training (one job per run and seed) ->
# aggregates (one per figure) -> figures; analyses of the trained models
# (one job per run and seed, reading its checkpoint) -> aggregates -> figures.
# `.venv/bin/snakemake --cores all` builds all;
# `.venv/bin/snakemake --cores all fig05_maxlen` builds one figure and what it needs.

configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/verify.smk"
include: "workflow/rules/cluster.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        intermediates(list(STUDY.experiments)),
