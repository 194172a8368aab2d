# One page per figure for `snakemake --report`: the figure, its settings
# (generated from the config) and the verdicts of the claims about it.


def figure_page_params(wildcards):
    name = wildcards.name
    return figure_page(STUDY.experiments[name], STUDY, config, claims_about(name))


def figure_page_file(name):
    return f"{RESULTS}/report/figures/{name}.html"


rule figure_page:
    input:
        png=f"{RESULTS}/figures/{{name}}.png",
        claims=lambda w: claims_file(w.name) if claims_about(w.name) else [],
    output:
        report(
            f"{RESULTS}/report/figures/{{name}}.html",
            caption="../report/figure.rst",
            category="2. Figures",
            labels={"figure": "{name}"},
        ),
    params:
        page=figure_page_params,
    log:
        f"{RESULTS}/logs/figure_page/{{name}}.log",
    localrule: True
    script:
        "../scripts/figure_page.py"
