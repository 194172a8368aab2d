"""README's findings are generated from the full study's verdict table, never written past it."""

from __future__ import annotations

import csv

from conftest import REPO
from rnnadd.claims import RESULT_COLUMNS
from rnnadd.claims.stability import read_verdicts
from rnnadd.report.findings import END, START, findings_markdown, main, read_rows


def test_readme_findings_are_what_the_verdict_table_says(monkeypatch):
    """The block between the markers is exactly what docs/verdicts.csv gives (run
    `python -m rnnadd.report.findings` after updating docs/verdicts.csv from a full study)."""
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


def _stability_table(path, rows, changed: dict):
    """A stability table (rnnadd.claims.stability.COLUMNS) for `rows`: every verdict the same on the
    second path, except {claim id: second verdict} in `changed`."""
    from rnnadd.claims.stability import COLUMNS

    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            second = changed.get(row["id"], row["verdict"])
            writer.writerow([row["id"], row["group"], row["experiment"], row["verdict"], second,
                             "yes" if second == row["verdict"] else "no", row["estimate"], "0.5"])


def test_a_verdict_that_changes_with_the_float_path_is_listed_as_not_decided(tmp_path):
    """Prose never says more than a decided verdict: a claim that holds here and not under the
    second float path is taken out of 'Holds', shown with both verdicts, and counted apart."""
    rows = read_rows(REPO / "docs" / "verdicts.csv")
    holding = next(row for row in rows if row["verdict"] == "holds" and row["group"] == "report")
    table = tmp_path / "stability.csv"
    _stability_table(table, rows, {holding["id"]: "inconclusive"})
    block = findings_markdown(rows, "docs/verdicts.csv", read_verdicts(table), "stability.csv")
    line = next(text for text in block.splitlines() if f"({holding['id']}: " in text)
    assert "holds on the study's float path, inconclusive under the second" in line
    before = block[:block.index(line)]
    assert before[before.rindex("- *"):].startswith("- *Not decided: the verdict changes with the float path* (1)")
    holds_before = sum(1 for row in rows if row["verdict"] == "holds")
    assert f"{holds_before - 1} holds" in block.splitlines()[2] and "1 not decided" in block.splitlines()[2]
    assert f"{len(rows) - 1} of {len(rows)} claims keep their verdict; {holding['id']} change" in block

    # All the same on both paths: the lists are those of the table alone.
    _stability_table(table, rows, {})
    same = findings_markdown(rows, "docs/verdicts.csv", read_verdicts(table), "stability.csv")
    alone = findings_markdown(rows, "docs/verdicts.csv")
    assert f"{len(rows)} of {len(rows)} claims keep their verdict." in same
    lines = same.splitlines()
    assert lines[4].startswith("Under a second float path") and lines[5] == ""
    assert "\n".join(lines[:4] + lines[6:]) == alone


def test_a_missing_stability_table_is_named(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text((REPO / "README.md").read_text())
    code = main(["--claims", str(REPO / "docs" / "verdicts.csv"), "--readme", str(readme),
                 "--stability", str(tmp_path / "nope.csv")])
    assert code == 2
    assert "--stability" in capsys.readouterr().err
