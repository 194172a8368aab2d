# Helpers of the rules in workflow/rules/claims.smk (snakemake --lint keeps functions apart from rules).


def write_json(path, value):
    """A params value as a file (atomically): what rules give a job instead of a long command line."""
    from rnnadd.core.io import write_text

    write_text(path, json.dumps(value, indent=1, sort_keys=True) + "\n")


def claim_seeds_plots():
    return [paths.CLAIM_SEEDS_PLOT.format(name=name) for name in experiments_with_claims()]


def verdict_labels(claims_csv):
    """The verdict table's labels, which the front page prints (workflow/report/workflow.rst):
    how many claims, and per group the counts of each verdict in rnnadd.analyses.stats.VERDICTS
    order ("5 / 0 / 22 / 1"). Short: the report's menu shows every label of an item in one row,
    as wide as its text, and a row wider than the window left the table's panel no width."""
    from rnnadd.claims import read_results
    from rnnadd.claims.verdicts import group_labels

    check_results_made_by_this_config()
    return group_labels(read_results(claims_csv))
