"""Train one (settings, seed) run into a metrics CSV and a timing file; see `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnnadd.cli import main  # noqa: E402

sys.exit(main(["train", *sys.argv[1:]]))
