# `snakemake --report`, the catalog's way: the report items are the results
# themselves, each with a caption (workflow/report/*.rst) filled from its job's
# params: the verdict table (1. Verdicts, claims.smk), and every figure
# (2. Figures, under its kind, figures.smk) with, beside it, the verdicts on
# the claims about it (rule figure_claims). The front page is
# workflow/report/workflow.rst.

from rnnadd.report.describe import preset_label


# Which config made results/: written by every full build, read by `--report`.
rule results_config:
    output:
        made_by_file(),
    log:
        paths.log("results_config", "results_config"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    params:
        made_by=shlex.quote(json.dumps({"preset": PRESET}, sort_keys=True)),
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/verdicts.py" made-by --json {params.made_by} --out {output} > {log} 2>&1'


# Beside each figure with claims: the claims about it, their numbers and verdicts, and
# under each claim its metric seed by seed (an SVG strip, drawn in plain Python by this
# light job). Its own item, from the judge step's table, so that the figure's params
# hold no claim.
rule figure_claims:
    input:
        claims=claims_file("{name}"),
        spec=paths.CLAIMS_SPEC,
        seeds=lambda w: seed_tables_read(w.name),
    output:
        report(
            figure_claims_file("{name}"),
            caption="../report/figure_claims.rst",
            category="2. Figures",
            subcategory=lambda w: STUDY.experiments[w.name].kind,
            labels=lambda w: figure_labels(w.name, "claims and verdicts"),
        ),
    log:
        paths.log("figure_claims", "{name}"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    params:
        # The figure's own title (a preset's made from the settings it ran), and which config
        # made the verdicts: the page's first line, so a preset's never pass for the study's.
        title=lambda w: figure_title(STUDY.experiments[w.name], config, STUDY),
        title_arg=lambda w: shlex.quote(figure_title(STUDY.experiments[w.name], config, STUDY)),
        made_by=preset_label(config),
        made_by_arg=shlex.quote(preset_label(config)),
        # Read by this item's caption and by its figure's (figure.rst), never the figure's params.
        claims=lambda w: claims_in_words(w.name),
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/verdicts.py" page --title {params.title_arg} --preset {params.made_by_arg}'
        " --claims {input.claims}"
        " --spec {input.spec} --seeds {input.seeds} --out {output} > {log} 2>&1"
