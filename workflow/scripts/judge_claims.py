"""Snakemake entry: judge the claims about one experiment from its per-seed table."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.claims import judge_all, write_results  # noqa: E402
from rnnadd.logs import logged  # noqa: E402
from rnnadd.seedtable import read_seed_table  # noqa: E402

with logged(snakemake.log[0]):  # noqa: F821
    rows = judge_all(snakemake.params.claims, read_seed_table(snakemake.input[0]))  # noqa: F821
    write_results(rows, snakemake.output[0])  # noqa: F821
