"""Train one (settings, seed) run into a metrics CSV and a timing file; see `--help`.

When the workflow's training server runs (rnnadd.trainserver), the job is
trained in a child of it, which has torch imported already; otherwise here,
in this process. The results are the same bytes either way.
"""

import sys

from rnnadd.trainserver import relay  # standard library only: no torch yet

code = relay(sys.argv[1:])
if code is not None:
    sys.exit(code)

from rnnadd.cli import main  # noqa: E402  (only when no server trained it: torch is imported here)

sys.exit(main(["train", *sys.argv[1:]]))
