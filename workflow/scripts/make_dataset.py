"""Write one dataset (training stream and test set); see `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnnadd.cli import main  # noqa: E402

sys.exit(main(["make-dataset", *sys.argv[1:]]))
