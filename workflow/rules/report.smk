# `snakemake --report`, the catalog's way: the report items are the results
# themselves, each with a caption (workflow/report/*.rst) filled from its job's
# params: the verdict table (1. Verdicts, claims.smk), and every figure
# (2. Figures, under its kind, figures.smk) with, beside it, the verdicts on
# the claims about it (rule figure_claims). The front page is
# workflow/report/workflow.rst.


def made_by_file():
    return paths.REPORT_MADE_BY


def figure_claims_file(name):
    return paths.REPORT_FIGURE_CLAIMS.format(name=name)


def report_files():
    """What the report shows beyond the figures and the verdict table: targets of `rule all`."""
    return [made_by_file()] + [figure_claims_file(name) for name in experiments_with_claims()]


# Which config made results/: written by every full build, read by `--report`.
rule results_config:
    output:
        made_by_file(),
    log:
        paths.log("results_config", "results_config"),
    localrule: True
    params:
        made_by=shlex.quote(json.dumps({"preset": PRESET}, sort_keys=True)),
    shell:
        '"{PYTHON}" {SCRIPTS}/verdicts.py made-by --json {params.made_by} --out {output} > {log} 2>&1'


_MADE_BY_CHECKED = []


def _config_words(preset, other):
    """A config in words: its name and, beside another of the same name, the settings that differ."""
    differ = [
        f"{key} {preset[key] if key == 'override' else ', '.join(map(str, preset[key]))}"
        for key in ("seeds", "override")
        if preset["name"] == other["name"] and preset[key] != other[key]
    ]
    return f"the {preset['name']}" + (f" with {'; '.join(differ)}" if differ else "")


def check_results_made_by_this_config():
    """Refuse, in one line, a report whose config did not make the results it would show.

    Called while `--report` builds (from the report items' labels, which only a
    report reads), before any item is added: a report built without the smoke
    config over smoke results would otherwise call them the full study's.
    """
    if _MADE_BY_CHECKED:
        return
    path = Path(made_by_file())
    remedy = (
        "give --report the --configfile of the run that made them (make smoke's is tests/smoke.yaml), "
        "or run this config first"
    )
    if not path.is_file():
        problem = f"{path} is missing, so nothing says which config made the results"
        remedy = "run the workflow with this config first (.venv/bin/snakemake --cores all, same --configfile)"
    else:
        made = json.loads(path.read_text())
        if made["preset"] == PRESET:
            _MADE_BY_CHECKED.append(True)
            return
        problem = (
            f"{paths.RESULTS}/ were made by {_config_words(made['preset'], PRESET)}, "
            f"not by this config ({_config_words(PRESET, made['preset'])})"
        )
    # One line and a failed exit, as in cluster.smk; an exception here would add a traceback.
    logger.error(f"Report refused: {problem}; {remedy}.")
    sys.exit(1)


def verdict_labels(claims_csv):
    """The verdict table's labels: its counts per group of claims (the front page prints them)."""
    from rnnadd.claims import read_results
    from rnnadd.verdicts import tally_by_group

    check_results_made_by_this_config()
    rows = read_results(claims_csv)
    return {"claims": str(len(rows)), "counts": "; ".join(tally_by_group(rows))}


def figure_labels(name, item):
    """Labels of a figure and of the verdicts beside it (read only by `--report`, so it checks there too)."""
    check_results_made_by_this_config()
    return {"figure": name, "item": item}


def claims_in_words(name):
    return [{"id": claim["id"], "section": claim["section"], "claim": claim["claim"]} for claim in claims_about(name)]


# Beside each figure with claims: the claims about it, their numbers and verdicts.
# Its own item, from the judge step's table, so that the figure's params hold no claim.
rule figure_claims:
    input:
        claims_file("{name}"),
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
    params:
        title=lambda w: STUDY.experiments[w.name].title,
        title_arg=lambda w: shlex.quote(STUDY.experiments[w.name].title),
        # Read by this item's caption and by its figure's (figure.rst), never the figure's params.
        claims=lambda w: claims_in_words(w.name),
    shell:
        '"{PYTHON}" {SCRIPTS}/verdicts.py page --title {params.title_arg} --claims {input} --out {output} > {log} 2>&1'
