# Helpers of the rules in workflow/rules/report.smk (snakemake --lint keeps functions apart from rules).


def made_by_file():
    return paths.REPORT_MADE_BY


def figure_claims_file(name):
    return paths.REPORT_FIGURE_CLAIMS.format(name=name)


def claims_in_words(name):
    return [{"id": claim["id"], "section": claim["section"], "claim": claim["claim"]} for claim in claims_about(name)]


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
