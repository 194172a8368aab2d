"""Entry point for the light jobs of claims and report pages (plain Python, no numpy
or Snakemake import, so each job starts in a fraction of a second).

  verdicts.py judge --claims @claims/<name>.spec.json --seeds <name>.seeds.csv [<other>.seeds.csv ...]
                    --out claims/<name>.csv
  verdicts.py table --order @claims.spec.json --preset @claims.spec.json [--ledger @claims.spec.json]
                    --csv .. --md .. --html .. claims/*.csv

A JSON value may be given inline or as @FILE (the rules write long ones to a file,
so no log carries a command several KB long); a table spec file holds both
`order` and `preset`.
  verdicts.py page --title TITLE --preset LABEL --claims claims/<name>.csv
                   --out report/claims/<name>.claims.html
  verdicts.py made-by --json JSON --out report/config.json
"""

import argparse
import json
import sys

from rnnadd.claims.verdicts import judge_file, write_figure_claims, write_tables
from rnnadd.core.errors import UserError
from rnnadd.core.io import write_text


def json_value(text: str, key: str | None = None):
    """An inline JSON value, or @FILE: the file's JSON (its `key`, when given and present)."""
    if not text.startswith("@"):
        return json.loads(text)
    with open(text[1:]) as handle:
        value = json.load(handle)
    return value[key] if key is not None and isinstance(value, dict) and key in value else value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    judge = commands.add_parser("judge")
    judge.add_argument("--claims", required=True)
    judge.add_argument("--seeds", required=True, nargs="+",
                       help="the experiment's per-seed table, then those of other experiments its claims read")
    judge.add_argument("--out", required=True)
    table = commands.add_parser("table")
    table.add_argument("--order", required=True)
    table.add_argument("--preset", required=True)
    table.add_argument("--ledger", default="[]", help="the claims ledger's entries (docs/claims-ledger.yaml)")
    for name in ("csv", "md", "html"):
        table.add_argument(f"--{name}", required=True)
    table.add_argument("inputs", nargs="*")
    page = commands.add_parser("page")
    page.add_argument("--title", required=True)
    page.add_argument("--preset", default="",
                      help="which config made the verdicts: the page's first line (describe.preset_label)")
    page.add_argument("--claims", required=True)
    page.add_argument("--spec", help="the claims' spec (@FILE not needed): draws a strip per claim")
    page.add_argument("--seeds", nargs="*", default=[], help="the per-seed tables the claims read")
    page.add_argument("--out", required=True)
    made_by = commands.add_parser("made-by")
    made_by.add_argument("--json", required=True)
    made_by.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "judge":
            claims = json_value(args.claims)
            judge_file(claims, args.seeds, args.out)
            print(f"judged {len(claims)} claims from {args.seeds}")
        elif args.command == "table":
            order = json_value(args.order, "order")
            write_tables(args.inputs, order, json_value(args.preset, "preset"),
                         {"csv": args.csv, "md": args.md, "html": args.html}, json_value(args.ledger, "ledger"))
            print(f"{len(order)} verdicts gathered")
        elif args.command == "made-by":
            write_text(args.out, json.dumps(json.loads(args.json), indent=1, sort_keys=True) + "\n")
        else:
            claims = json_value(f"@{args.spec}") if args.spec else None
            write_figure_claims(args.title, args.claims, args.out, claims, args.seeds, args.preset)
    except UserError as error:  # a damaged table, runs of mixed code: one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
