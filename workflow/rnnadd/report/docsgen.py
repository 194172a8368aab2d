"""The parts of README.md and docs/*.md that restate a registry or a definition, written from it.

A list of kinds, of claim tests and their keys, of the result columns or of the
claim margins is never typed by hand: each is a block between two marker lines,

    <!-- generated: NAME, by `python -m rnnadd.report.docsgen` from SOURCE; do not edit by hand -->
    ...
    <!-- end of generated: NAME -->

written here from the registry or file that defines it. The rest of each page
is kept as it is.

    python -m rnnadd.report.docsgen          # rewrite every block
    python -m rnnadd.report.docsgen --check  # exit 1, naming the page and the block, if one is stale

tests/test_docs.py checks every block is current. After adding a kind
(rnnadd.study.kinds) or a claim test (rnnadd.claims.registry), or changing
`claim_margins:` in config.yaml, run it once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
COMMAND = "python -m rnnadd.report.docsgen"


def _first_sentence(module_name: str, name: str) -> str:
    """A registered module's docstring, first paragraph, with its leading "`name`: " or "name: " dropped."""
    doc = (sys.modules[module_name].__doc__ or "").strip()
    text = " ".join(doc.split("\n\n")[0].split())
    for prefix in (f"`{name}`: ", f"{name}: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def kinds_list(root: Path = ROOT) -> str:
    """README: one line per kind of experiment, in registry order."""
    from rnnadd.study.kinds import KINDS

    return "\n".join(f"- `{name}`: {_first_sentence(type(kind).__module__, name)}"
                     for name, kind in KINDS.items()) + "\n"


def kinds_table(root: Path = ROOT) -> str:
    """docs/config.md: each kind, what it shows and the keys of an experiment entry it reads."""
    from rnnadd.study.kinds import CHECKPOINT, KINDS

    lines = ["| `kind:` | what the figure shows | reads | its own keys |", "|---|---|---|---|"]
    for name, kind in KINDS.items():
        keys = [option.key for option in kind.options if option.key not in kind.inert_options]
        reads = "each (run, seed)'s checkpoint, one job each" if kind.reads == CHECKPOINT else "the metrics CSVs"
        lines.append(f"| `{name}` | {_first_sentence(type(kind).__module__, name)} | {reads} | "
                     f"{', '.join(f'`{key}`' for key in keys) or '(none)'} |")
    return "\n".join(lines) + "\n"


def claim_tests_table(root: Path = ROOT) -> str:
    """docs/claims.md: each claim test, its keys (optional ones in brackets) and when it holds."""
    from rnnadd.claims.registry import TESTS

    lines = ["| test | keys | holds when |", "|---|---|---|"]
    for name, test in TESTS.items():
        keys = ", ".join(f"`{key}`" for key in test.required)
        if test.optional:
            keys += " (optional: " + ", ".join(f"`{key}`" for key in test.optional) + ")"
        lines.append(f"| `{name}` | {keys} | {_first_sentence(type(test).__module__, name)} |")
    return "\n".join(lines) + "\n"


def claim_rates_table(root: Path = ROOT) -> str:
    """docs/claims.md: the default rate of each counting test, with the reason its class gives."""
    from rnnadd.claims.registry import TESTS

    lines = ["| test | default rate | why |", "|---|---|---|"]
    lines += [f"| `{name}` | {test.rate} | {test.rate_reason} |"
              for name, test in TESTS.items() if getattr(test, "rate_reason", None)]
    return "\n".join(lines) + "\n"


def result_columns(root: Path = ROOT) -> str:
    """docs/claims.md: the columns of results/claims.csv, in order."""
    from rnnadd.claims.engine import RESULT_COLUMNS

    return ", ".join(f"`{column}`" for column in RESULT_COLUMNS) + "\n"


def claim_margins_table(root: Path = ROOT) -> str:
    """docs/claims.md: config.yaml's claim_margins, metric by metric, with their reasons."""
    import yaml

    margins = yaml.safe_load((root / "config.yaml").read_text()).get("claim_margins") or {}
    lines = ["| metric | margin | why |", "|---|---|---|"]
    lines += [f"| `{metric}` | {entry['margin']} | {entry['reason']} |" for metric, entry in margins.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Block:
    name: str
    page: str            # relative to the repository root
    source: str          # what it is written from, as the marker says
    make: Callable[[Path], str]  # given the repository root

    @property
    def markers(self) -> tuple[str, str]:
        return (f"<!-- generated: {self.name}, by `{COMMAND}` from {self.source}; do not edit by hand -->",
                f"<!-- end of generated: {self.name} -->")


BLOCKS = (
    Block("kinds", "README.md", "rnnadd.study.kinds", kinds_list),
    Block("kinds-table", "docs/config.md", "rnnadd.study.kinds", kinds_table),
    Block("claim-tests", "docs/claims.md", "rnnadd.claims.registry", claim_tests_table),
    Block("claim-rates", "docs/claims.md", "rnnadd.claims.registry", claim_rates_table),
    Block("claim-margins", "docs/claims.md", "config.yaml claim_margins", claim_margins_table),
    Block("result-columns", "docs/claims.md", "rnnadd.claims.engine.RESULT_COLUMNS", result_columns),
)


class MissingMarkers(ValueError):
    """A page lacks a block's marker lines (the message names both)."""


def replace(text: str, block: Block, body: str, page: str) -> str:
    """`text` with the lines between the block's markers replaced by `body`."""
    start, end = block.markers
    begin, stop = text.find(start + "\n"), text.find(end)
    if begin < 0 or stop < begin:
        raise MissingMarkers(f"{page}: lacks the marker lines of the generated block {block.name!r}: "
                             f"{start!r} and {end!r}")
    return text[:begin + len(start) + 1] + body + text[stop:]


def rendered(root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """{page: (its text now, its text with every block written)}."""
    pages: dict[str, tuple[str, str]] = {}
    for block in BLOCKS:
        now, new = pages.get(block.page) or ((root / block.page).read_text(),) * 2
        pages[block.page] = (now, replace(new, block, block.make(root), block.page))
    return pages


def stale(root: Path = ROOT) -> list[str]:
    """'page: block' for every block whose text is not what it would be written as."""
    found = []
    for block in BLOCKS:
        text = (root / block.page).read_text()
        if replace(text, block, block.make(root), block.page) != text:
            found.append(f"{block.page}: {block.name}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if any block is out of date; write nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository folder (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            out_of_date = stale(args.root)
            for entry in out_of_date:
                print(f"{entry}: out of date; run .venv/bin/{COMMAND}", file=sys.stderr)
            return 1 if out_of_date else 0
        for page, (now, new) in rendered(args.root).items():
            if new != now:
                (args.root / page).write_text(new)
                print(f"rewrote the generated parts of {page}")
    except (MissingMarkers, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
