"""One analysis (length, positions, probe, ...) of one (run, seed) checkpoint; see `--help`.

When the workflow's server runs (rnnadd.ops.trainserver), the job runs in a child
of it, which has torch imported already; otherwise here, in this process. The
results are the same bytes either way.
"""

import sys

from rnnadd.ops.trainserver import run_served_or_here  # standard library only: no torch yet

sys.exit(run_served_or_here("analyse", sys.argv[1:]))
