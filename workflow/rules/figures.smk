# Figures are drawn from the aggregate tables, each by its kind (rnnadd.kinds);
# only drawing options are params here, so changing them redraws without
# retraining or re-aggregating. The report shows each figure on its page
# (report.smk), with settings and verdicts.


def plot_params(wildcards):
    experiment = STUDY.experiments[wildcards.name]
    return {
        "title": experiment.title,
        # The effective settings, so a preset's figure never passes for the full study's.
        "subtitle": subtitle(experiment, STUDY, config),
        "options": experiment.options,
        "labels": config.get("labels", {}),
    }


rule figure:
    input:
        f"{RESULTS}/aggregate/{{name}}.csv",
    output:
        png=f"{RESULTS}/figures/{{name}}.png",
        pdf=f"{RESULTS}/figures/{{name}}.pdf",
    params:
        plot=plot_params,
        layout=lambda w: STUDY.experiments[w.name].layout(),
        kind=lambda w: STUDY.experiments[w.name].kind,
    log:
        f"{RESULTS}/logs/figure/{{name}}.log",
    localrule: True
    script:
        "../scripts/plot.py"


# One target rule per figure: `snakemake --cores 8 fig05_maxlen`.
for _name in STUDY.experiments:

    rule:
        name:
            _name
        input:
            figure_files(_name),
            intermediates([_name]),
        localrule: True
