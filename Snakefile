# RNN addition study: datasets -> training (one job per run and seed) ->
# aggregates (one per figure) -> figures.  `snakemake --cores 8` builds all;
# `snakemake --cores 8 fig05_maxlen` builds one figure and what it needs.

configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/verify.smk"


rule all:
    default_target: True
    input:
        all_figures(),
        intermediates(list(STUDY.experiments)),
