"""Snakemake entry: average one experiment's per-seed metrics into a tidy CSV,
and summarize each seed into the per-seed table that claims are judged from."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.aggregate import aggregate, seed_rows, write_aggregate  # noqa: E402
from rnnadd.logs import logged  # noqa: E402
from rnnadd.seedtable import write_seed_table  # noqa: E402

params = snakemake.params  # noqa: F821


def metrics_path(run, seed):
    return Path(params.runs_dir) / run / f"seed{seed}.csv"


try:
    with logged(snakemake.log[0]):  # noqa: F821
        write_aggregate(aggregate(params.layout, params.seeds, metrics_path), snakemake.output.table)  # noqa: F821
        write_seed_table(seed_rows(params.layout, params.seeds, metrics_path), snakemake.output.seeds)  # noqa: F821
except BaseException:
    # Snakemake removes the failed table; a figure drawn from it before must
    # not stay behind as if it were still backed by the data.
    for figure in params.figures:
        if Path(figure).exists():
            Path(figure).unlink()
            print(f"removed {figure}: its data no longer checks out", file=sys.stderr)
    raise
