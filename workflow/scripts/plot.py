"""Draw one figure (PNG and PDF) from its summary table, by its kind; see `--help`.

The command of the `figure` rule (workflow/rules/figures.smk): its arguments are the job's plain
values (paths, the kind, JSON). When the workflow's server runs (rnnadd.ops.trainserver), the job
runs in a child of it, which has matplotlib imported already; otherwise here, in this process:
the same function on the same values (rnnadd.ops.drawing_jobs), the same bytes either way.
"""

import sys

from rnnadd.ops.trainserver import run_served_or_here  # standard library only: no matplotlib yet

sys.exit(run_served_or_here("figure", sys.argv[1:]))
