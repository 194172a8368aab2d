"""Write a run's settings file from JSON, after checking them (light: no torch)."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import yaml  # noqa: E402

from rnnadd.io import write_text  # noqa: E402
from rnnadd.settings import Settings  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--json", required=True, help="the run's settings as a JSON object")
parser.add_argument("--out", required=True)
args = parser.parse_args()
settings = Settings.from_dict(json.loads(args.json))
write_text(args.out, yaml.safe_dump(settings.as_dict(), sort_keys=True))
