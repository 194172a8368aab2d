"""Write one dataset (training stream and test set); see `--help`."""

import sys

from rnnadd.ops.cli import main

sys.exit(main(["make-dataset", *sys.argv[1:]]))
