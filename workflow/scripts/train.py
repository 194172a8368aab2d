"""Train one (settings, seed) run into a metrics CSV and a timing file; see `--help`.

When the workflow's training server runs (rnnadd.ops.trainserver), the job is
trained in a child of it, which has torch imported already; otherwise here,
in this process. The results are the same bytes either way.

The workflow's job: Snakemake owns its outputs (it removes them before the job,
or keeps a failed job's with --keep-incomplete), so a file left there is
replaced (--force) instead of refused as a user's file would be. The check
that each output can be written still runs first, before any training.
"""

import sys

from rnnadd.ops.trainserver import run_served_or_here  # standard library only: no torch yet

sys.exit(run_served_or_here("train", ["--force", *sys.argv[1:]]))
