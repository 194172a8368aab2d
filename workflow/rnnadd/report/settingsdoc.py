"""The settings' definition (rnnadd.core.settings) written out: the config schema's settings part
and the settings table of docs/config.md.

    python -m rnnadd.report.settingsdoc          # rewrite both from the definition
    python -m rnnadd.report.settingsdoc --check  # exit 1, naming the file, if either is out of date

Each is the text between its two marker lines; the rest of the file is kept.
tests/test_run_names.py checks both are up to date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rnnadd.core.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
# The page with the settings table (it was README.md; the name is kept for callers).
README = ROOT / "docs" / "config.md"

SCHEMA_MARKERS = ("  # -- settings: generated from rnnadd/core/settings.py by `python -m rnnadd.report.settingsdoc`; "
                  "edit it there --",
                  "  # -- end of the generated settings --")
README_MARKERS = ("<!-- settings table: generated from workflow/rnnadd/core/settings.py by "
                  "`python -m rnnadd.report.settingsdoc`; edit it there -->",
                  "<!-- end of the settings table -->")


def _default_text(value) -> str:
    return json.dumps(list(value)) if isinstance(value, tuple) else str(value)


def settings_schema() -> dict:
    """The JSON schema of a mapping of settings, and of one setting's name (a swept axis)."""
    properties = {}
    for s in SETTINGS:
        properties[s.name] = {**s.domain.schema(),
                              "description": f"{s.doc}; default {_default_text(s.default)}"}
    return {"settings": {"type": "object", "additionalProperties": False, "properties": properties},
            "setting_name": {"enum": [s.name for s in SETTINGS]}}


_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


def _flow(value) -> str:
    """A value in YAML's one-line flow style (JSON-compatible, bare words where safe)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _BARE.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def schema_block() -> str:
    """The lines between the schema's markers (under `definitions:`)."""
    schema = settings_schema()
    settings = schema["settings"]
    lines = ["  settings:", f"    type: {settings['type']}", "    additionalProperties: false", "    properties:"]
    lines += [f"      {name}: {_flow(rule)}" for name, rule in settings["properties"].items()]
    lines += ["  setting_name:", f"    enum: {_flow(schema['setting_name']['enum'])}"]
    return "\n".join(lines) + "\n"


def readme_table() -> str:
    """The lines between the README's markers: one row per setting."""
    lines = ["| setting | meaning | allowed | default |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | {s.doc} | {s.domain.text()} | {_default_text(s.default)} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


def _between(text: str, markers: tuple[str, str], path: Path) -> tuple[int, int]:
    begin, end = (text.find(marker + "\n") for marker in markers)
    if begin < 0 or end < begin:
        raise SystemExit(f"{path}: lacks the marker lines {markers[0]!r} and {markers[1]!r}")
    return begin + len(markers[0]) + 1, end


def generated_part(path: Path, markers) -> str:
    text = path.read_text()
    start, stop = _between(text, markers, path)
    return text[start:stop]


def targets() -> list[tuple[Path, tuple[str, str], str]]:
    return [(SCHEMA, SCHEMA_MARKERS, schema_block()), (README, README_MARKERS, readme_table())]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnadd.report.settingsdoc", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, markers, wanted in targets():
        text = path.read_text()
        start, stop = _between(text, markers, path)
        if text[start:stop] == wanted:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text[:start] + wanted + text[stop:])
            print(f"rewrote the settings in {path}")
    if args.check and stale:
        print("out of date (run `python -m rnnadd.report.settingsdoc`): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
