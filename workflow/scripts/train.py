"""Train one (settings, seed) run into a metrics CSV and a timing file; see `--help`.

When the workflow's training server runs (rnnadd.ops.trainserver), the job is
trained in a child of it, which has torch imported already; otherwise here,
in this process. The results are the same bytes either way.
"""

import sys

from rnnadd.ops.trainserver import run_served_or_here  # standard library only: no torch yet

sys.exit(run_served_or_here("train", sys.argv[1:]))
