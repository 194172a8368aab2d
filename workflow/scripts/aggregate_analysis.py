"""Snakemake entry: one analysis experiment's per-seed table and summary."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.logs import logged  # noqa: E402

with logged(snakemake.log[0]):  # noqa: F821
    from rnnadd.analysis import aggregate_analysis, write_tables
    from rnnadd.settings import Settings

    params, output = snakemake.params, snakemake.output  # noqa: F821
    runs = {run: Settings.from_dict(values) for run, values in params.runs.items()}
    files = dict(zip(params.jobs, snakemake.input))  # noqa: F821
    summary, seeds = aggregate_analysis(params.layout, params.seeds, runs,
                                        lambda run, seed: files[f"{run}/{seed}"])
    write_tables(summary, seeds, output.summary, output.seeds)
