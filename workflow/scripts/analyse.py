"""One analysis (length, positions, probe, ...) of one (run, seed) checkpoint; see `--help`.

When the workflow's server runs (rnnadd.trainserver), the job runs in a child
of it, which has torch imported already; otherwise here, in this process. The
results are the same bytes either way.
"""

import sys

from rnnadd.trainserver import relay, run_task  # standard library only: no torch yet

code = relay(sys.argv[1:], task="analyse")
sys.exit(code if code is not None else run_task("analyse", sys.argv[1:]))
