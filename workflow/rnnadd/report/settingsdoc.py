"""The definitions written out: the config schema's parts that the code defines and the
settings table of docs/config.md.

- the schema's settings and docs/config.md's table, from the settings' definition (rnnadd.core.settings);
- the schema's experiment keys that kinds read (each kind's options, with the kinds that read it),
  from the kinds' registry (rnnadd.study.kinds: the modules of rnnadd/study/kinds/);
- the schema's claim keys (the keys every claim has, `group` and `test` among them, then each
  test's keys, with the tests that take it), from the claims' engine and registry
  (rnnadd.claims.registry: the modules of rnnadd/claims/checks/).

    python -m rnnadd.report.settingsdoc          # rewrite them from the definitions
    python -m rnnadd.report.settingsdoc --check  # exit 1, naming the file, if any is out of date

Each is the text between its two marker lines; the rest of the file is kept.
tests/test_run_names.py checks they are up to date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rnnadd.claims.base import KEY_SCHEMAS
from rnnadd.claims.engine import COMMON_KEYS, GROUPS
from rnnadd.claims.registry import TESTS
from rnnadd.core.settings import SETTINGS
from rnnadd.study.kinds import KINDS, METRICS, all_options

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
# The page with the settings table (it was README.md; the name is kept for callers).
README = ROOT / "docs" / "config.md"

SCHEMA_MARKERS = ("  # -- settings: generated from rnnadd/core/settings.py by `python -m rnnadd.report.settingsdoc`; "
                  "edit it there --",
                  "  # -- end of the generated settings --")
METRICS_KINDS_MARKERS = ("      # -- options of the kinds that read training metrics: generated from "
                         "rnnadd/study/kinds/ by `python -m rnnadd.report.settingsdoc`; edit them there --",
                         "      # -- end of the generated options --")
ANALYSIS_KINDS_MARKERS = ("      # -- options of the kinds that analyse trained models: generated from "
                          "rnnadd/study/kinds/ by `python -m rnnadd.report.settingsdoc`; edit them there --",
                          "      # -- end of the generated options --")
CLAIMS_MARKERS = ("      # -- claim tests: generated from rnnadd/claims/checks/ by "
                  "`python -m rnnadd.report.settingsdoc`; edit them there --",
                  "      # -- end of the generated claim tests --")
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


def _words(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def kinds_schema(metrics: bool) -> dict:
    """The options read by some kind that reads the training metrics (metrics=True), or only by kinds
    that analyse the trained models (metrics=False), each once, with the kinds that read it."""
    readers_from_metrics = [kind for kind in KINDS.values() if kind.reads == METRICS]
    properties = {}
    for option in all_options():
        from_metrics = any(option in kind.options for kind in readers_from_metrics)
        if from_metrics != metrics:
            continue
        if not option.schema:
            raise SystemExit(f"the kind option {option.key!r} has no schema: give its Option a schema=")
        readers = [name for name, kind in KINDS.items() if option in kind.options]
        schema = dict(option.schema)
        schema["description"] = "; ".join(filter(None, [schema.get("description"), f"read by {_words(readers)}"]))
        properties[option.key] = schema
    return properties


def claims_schema() -> dict:
    """The claim's keys: those every claim has (`group` and `test` from the engine and the registry), then
    each test's keys with the tests that take it (KEY_SCHEMAS, or a test's own `schemas`)."""
    common = {"section": {"type": "string", "description": "where the report says it"},
              "claim": {"type": "string", "description": "the claim in one sentence"},
              "group": {"enum": list(GROUPS), "description": "whose claim: "
                        + "; ".join(f"{name}, {words}" for name, words in GROUPS.items())},
              "experiment": {"type": "string"},
              "test": {"enum": list(TESTS)}}
    properties = {key: common[key] for key in COMMON_KEYS}
    users: dict[str, list[str]] = {key: [] for key in KEY_SCHEMAS}
    for name, test in TESTS.items():
        for key in {**test.required, **test.optional}:
            users.setdefault(key, []).append(name)
    for key, names in users.items():
        if not names:
            continue
        owners = [TESTS[name] for name in names if key in TESTS[name].schemas]
        schema = owners[0].schemas[key] if owners else KEY_SCHEMAS.get(key)
        if schema is None:
            raise SystemExit(f"rnnadd/claims/checks/{names[0]}.py: the key {key!r} has no schema; give it in the "
                             f"test's `schemas` (rnnadd.claims.base.ClaimTest)")
        schema = dict(schema)
        schema["description"] = "; ".join(filter(None, [schema.get("description"), f"tests: {', '.join(names)}"]))
        properties[key] = schema
    return properties


def _properties_block(properties: dict) -> str:
    return "".join(f"      {name}: {_flow(rule)}\n" for name, rule in properties.items())


def readme_table() -> str:
    """The lines between the README's markers: one row per setting."""
    lines = ["| setting | meaning | allowed | default |", "|---|---|---|---|"]
    lines += [f"| `{s.name}` | {s.doc} | {s.domain.text()} | {_default_text(s.default)} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


def _between(text: str, markers: tuple[str, str], path: Path) -> tuple[int, int]:
    begin = text.find(markers[0] + "\n")
    end = text.find(markers[1] + "\n", begin + 1) if begin >= 0 else -1
    if begin < 0 or end < begin:
        raise SystemExit(f"{path}: lacks the marker lines {markers[0]!r} and {markers[1]!r}")
    return begin + len(markers[0]) + 1, end


def generated_part(path: Path, markers) -> str:
    text = path.read_text()
    start, stop = _between(text, markers, path)
    return text[start:stop]


def targets() -> list[tuple[Path, tuple[str, str], str]]:
    return [(SCHEMA, SCHEMA_MARKERS, schema_block()),
            (SCHEMA, METRICS_KINDS_MARKERS, _properties_block(kinds_schema(metrics=True))),
            (SCHEMA, ANALYSIS_KINDS_MARKERS, _properties_block(kinds_schema(metrics=False))),
            (SCHEMA, CLAIMS_MARKERS, _properties_block(claims_schema())),
            (README, README_MARKERS, readme_table())]


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
            print(f"rewrote the part after {markers[0].strip()!r} in {path}")
    if args.check and stale:
        print("out of date (run `python -m rnnadd.report.settingsdoc`): " + ", ".join(map(str, dict.fromkeys(stale))),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
