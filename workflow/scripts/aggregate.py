"""Snakemake entry: one experiment's summary table and per-seed table, by its kind's aggregate."""

import sys
from pathlib import Path

from rnnadd.logs import logged

params, output = snakemake.params, snakemake.output
try:
    with logged(snakemake.log[0]):
        from rnnadd.kinds import KINDS
        from rnnadd.settings import Settings

        runs = {run: Settings.from_dict(values) for run, values in params.runs.items()}
        files = dict(zip(params.jobs, snakemake.input))
        KINDS[params.layout["kind"]].aggregate(params.layout, params.seeds, runs,
                                               lambda run, seed: files[f"{run}/{seed}"],
                                               output.table, output.seeds)
except BaseException:
    # Snakemake removes the failed table; a figure drawn from it before must
    # not stay behind as if it were still backed by the data.
    for figure in params.figures:
        if Path(figure).exists():
            Path(figure).unlink()
            print(f"removed {figure}: its data no longer checks out", file=sys.stderr)
    raise
