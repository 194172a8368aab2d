"""Write a run's settings file from JSON, after checking them (light: no torch)."""

import argparse
import json

import yaml

from rnnadd.core.io import write_text
from rnnadd.core.settings import Settings

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--json", required=True, help="the run's settings as a JSON object")
parser.add_argument("--out", required=True)
args = parser.parse_args()
settings = Settings.from_dict(json.loads(args.json))
write_text(args.out, yaml.safe_dump(settings.as_dict(), sort_keys=True))
