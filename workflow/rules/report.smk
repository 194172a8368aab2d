# One page per figure for `snakemake --report`: the figure, its settings
# (generated from the config) and the verdicts of the claims about it.


def figure_description(name):
    return figure_page(STUDY.experiments[name], STUDY, config, claims_about(name))


def figure_page_file(name):
    return f"{RESULTS}/report/figures/{name}.html"


# What a figure's page says about its settings, from the config. A file rather
# than the page job's params, so the report shows short readable params.
rule figure_settings:
    output:
        f"{RESULTS}/report/figures/{{name}}.json",
    params:
        page_json=lambda w: shlex.quote(json.dumps(figure_description(w.name), sort_keys=True)),
    localrule: True
    log:
        f"{RESULTS}/logs/figure_settings/{{name}}.log",
    shell:
        '"{PYTHON}" {SCRIPTS}/verdicts.py settings --json {params.page_json} --out {output} > {log} 2>&1'



rule figure_page:
    input:
        png=f"{RESULTS}/figures/{{name}}.png",
        settings=f"{RESULTS}/report/figures/{{name}}.json",
        claims=lambda w: claims_file(w.name) if claims_about(w.name) else [],
    output:
        report(
            f"{RESULTS}/report/figures/{{name}}.html",
            caption="../report/figure.rst",
            category="2. Figures",
            labels={"figure": "{name}"},
        ),
    params:
        title=lambda w: STUDY.experiments[w.name].title,
        settings=lambda w: figure_description(w.name)["subtitle"],
        claims=lambda w: "; ".join(f"{c['id']} (report {c['section']})" for c in claims_about(w.name)) or "none",
        claims_option=lambda w: f"--claims {claims_file(w.name)}" if claims_about(w.name) else "",
    log:
        f"{RESULTS}/logs/figure_page/{{name}}.log",
    localrule: True
    shell:
        '"{PYTHON}" {SCRIPTS}/verdicts.py page --png {input.png} --settings {input.settings}'
        " {params.claims_option} --out {output} > {log} 2>&1"
