# Figures are drawn from the aggregate tables, each by its kind (rnnadd.study.kinds);
# only drawing options are params here, so changing them redraws without
# retraining or re-aggregating. Each PNG is an item of the report
# (`snakemake --report`), under its kind, captioned from the params: what it
# shows (the kind's caption), its settings and a link to the verdicts on the
# claims about it (report.smk). No claim is a param: a changed claim or verdict
# never redraws a figure.
from rnnadd.ops.drawing_jobs import JSONParam


rule figure:
    input:
        paths.AGGREGATE,
    output:
        png=report(
            paths.FIGURE_PNG,
            # One caption per rule: figure.rst places the kind's own caption (params.caption.what).
            caption="../report/figure.rst",
            category="2. Figures",
            subcategory=lambda w: STUDY.experiments[w.name].kind,
            labels=lambda w: figure_labels(w.name, "figure"),
        ),
        pdf=paths.FIGURE_PDF,
    log:
        paths.log("figure", "{name}"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    params:
        # Mappings reach the command as one JSON word each ({params.plot:jsonq}), and the
        # report's caption (figure.rst) as the mappings they are (rnnadd.ops.drawing_jobs.JSONParam).
        plot=lambda w: JSONParam(plot_params(w)),
        layout=lambda w: JSONParam(STUDY.experiments[w.name].layout()),
        kind=lambda w: STUDY.experiments[w.name].kind,
        caption=lambda w: figure_caption(STUDY.experiments[w.name], STUDY, config),
    # A command, not a `script:` (see aggregate.smk); it hands the job to the server (server.smk).
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/plot.py" --kind {params.kind:q} --layout {params.layout:jsonq}'
        " --plot {params.plot:jsonq} --table {input:q} --png {output.png:q} --pdf {output.pdf:q} --log {log:q}"


# One target rule per figure: `snakemake --cores 8 fig05_maxlen`.
for _name in STUDY.experiments:

    rule:
        name:
            _name
        input:
            figure_files(_name),
            intermediates([_name]),
        localrule: True
