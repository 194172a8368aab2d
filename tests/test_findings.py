"""README's findings are generated from the full study's verdict table, never written past it."""

from __future__ import annotations

import csv

from conftest import REPO
from rnnadd.claims import RESULT_COLUMNS
from rnnadd.findings import END, START, findings_markdown, main, read_rows


def test_readme_findings_are_what_the_verdict_table_says(monkeypatch):
    """The block between the markers is exactly what docs/verdicts.csv gives (run
    `python -m rnnadd.findings` after updating docs/verdicts.csv from a full study)."""
    monkeypatch.chdir(REPO)
    assert main(["--check"]) == 0


def test_every_claim_of_the_table_appears_once_under_its_own_verdict():
    rows = read_rows(REPO / "docs" / "verdicts.csv")
    block = findings_markdown(rows, "docs/verdicts.csv")
    for row in rows:
        assert block.count(f"({row['id']}: ") == 1, row["id"]
        # The heading above the claim's line is its verdict.
        before = block[:block.index(f"({row['id']}: ")]
        heading = before[before.rindex("- *"):].split("*")[1]
        assert heading.lower() == row["verdict"], (row["id"], heading)


def test_a_changed_verdict_changes_the_findings(tmp_path):
    source = REPO / "docs" / "verdicts.csv"
    with open(source, newline="") as handle:
        rows = list(csv.DictReader(handle))
    flipped = next(row for row in rows if row["verdict"] == "holds")
    flipped["verdict"] = "inconclusive"
    changed = tmp_path / "verdicts.csv"
    with open(changed, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    readme = tmp_path / "README.md"
    readme.write_text((REPO / "README.md").read_text())
    assert main(["--claims", str(changed), "--readme", str(readme), "--check"]) == 1
    assert main(["--claims", str(changed), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert START in text and END in text
    inconclusive = text[text.index("- *Inconclusive*"):]
    assert f"({flipped['id']}: " in inconclusive
