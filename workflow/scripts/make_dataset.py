"""Write one dataset (training stream and test set); see `--help`.

The workflow's job: Snakemake owns its outputs (it removes them before the job,
or keeps a failed job's with --keep-incomplete), so a file left there is
replaced (--force) instead of refused as a user's file would be. The check
that each output can be written still runs first.
"""

import sys

from rnnadd.ops.cli import main

sys.exit(main(["make-dataset", "--force", *sys.argv[1:]]))
