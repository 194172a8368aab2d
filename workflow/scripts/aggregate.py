"""One experiment's summary table and per-seed table, by its kind's aggregate; see `--help`.

The command of the `aggregate` rule (workflow/rules/aggregate.smk): its arguments are the job's
plain values (paths, seeds, JSON). When the workflow's server runs (rnnadd.ops.trainserver), the
job runs in a child of it, which has pandas imported already; otherwise here, in this process:
the same function on the same values (rnnadd.ops.drawing_jobs), the same bytes either way.
"""

import sys

from rnnadd.ops.trainserver import run_served_or_here  # standard library only: no pandas yet

sys.exit(run_served_or_here("aggregate", sys.argv[1:]))
