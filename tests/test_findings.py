"""The findings are generated from the full study's verdict table, never written past it: README's
short summary and docs/results.md's full list."""

from __future__ import annotations

import csv

from conftest import REPO
from rnnadd.claims import RESULT_COLUMNS
from rnnadd.claims.stability import read_verdicts
from rnnadd.report.findings import (
    END,
    END_SUMMARY,
    START,
    START_SUMMARY,
    findings_markdown,
    main,
    read_rows,
    summary_markdown,
)


def test_readme_and_results_findings_are_what_the_verdict_table_says(monkeypatch):
    """Both blocks are exactly what docs/verdicts.csv gives (run `python -m rnnadd.report.findings`
    after updating docs/verdicts.csv from a full study)."""
    monkeypatch.chdir(REPO)
    assert main(["--check"]) == 0
    assert START_SUMMARY in (REPO / "README.md").read_text()
    assert START in (REPO / "docs" / "results.md").read_text()


def pages(tmp_path) -> list[str]:
    """Copies of README.md and docs/results.md, as --readme and --results arguments."""
    readme, results = tmp_path / "README.md", tmp_path / "results.md"
    readme.write_text((REPO / "README.md").read_text())
    results.write_text((REPO / "docs" / "results.md").read_text())
    return ["--readme", str(readme), "--results", str(results)]


def test_the_summary_counts_as_the_full_list_and_names_only_decided_report_claims():
    rows = read_rows(REPO / "docs" / "verdicts.csv")
    stability = read_verdicts(REPO / "docs" / "stability.csv")
    summary = summary_markdown(rows, "docs/verdicts.csv", stability, "docs/stability.csv")
    full = findings_markdown(rows, "docs/verdicts.csv", stability, "docs/stability.csv")
    assert summary.splitlines()[2] == full.splitlines()[2]  # "From docs/verdicts.csv: N claims, ..."
    assert summary.startswith(START_SUMMARY) and summary.endswith(END_SUMMARY)
    assert len(summary.splitlines()) < len(full.splitlines()) / 3
    for row in rows:
        named = f"- {row['claim']} ({row['id'].split('_')[0]})"
        # A claim the second float path did not judge keeps its verdict (shown_verdict).
        decided = row["verdict"] in ("holds", "does not hold") and \
            stability.get(row["id"], row).get("second_verdict", row["verdict"]) == row["verdict"]
        assert (named in summary) == (row["group"] == "report" and decided), row["id"]


def test_every_claim_of_the_table_appears_once_under_its_own_verdict():
    rows = read_rows(REPO / "docs" / "verdicts.csv")
    block = findings_markdown(rows, "docs/verdicts.csv")
    for row in rows:
        assert block.count(f"({row['id']}: ") == 1, row["id"]
        # The heading above the claim's line is its verdict.
        before = block[:block.index(f"({row['id']}: ")]
        heading = before[before.rindex("- *"):].split("*")[1]
        assert heading.lower() == row["verdict"], (row["id"], heading)


def test_a_changed_verdict_changes_both_pages(tmp_path):
    source = REPO / "docs" / "verdicts.csv"
    with open(source, newline="") as handle:
        rows = list(csv.DictReader(handle))
    stability = read_verdicts(REPO / "docs" / "stability.csv")
    flipped = next(row for row in rows if row["verdict"] == "holds" and row["group"] == "report"
                   and stability[row["id"]]["second_verdict"] == "holds")
    flipped["verdict"] = "inconclusive"
    changed = tmp_path / "verdicts.csv"
    with open(changed, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    arguments = ["--claims", str(changed), "--stability", "none", *pages(tmp_path)]
    assert main(["--claims", str(source), *arguments[2:]]) == 0  # both pages as the table gives them
    assert main(["--claims", str(source), *arguments[2:], "--check"]) == 0
    assert main([*arguments, "--check"]) == 1
    assert main(arguments) == 0
    assert main([*arguments, "--check"]) == 0
    results = (tmp_path / "results.md").read_text()
    assert START in results and END in results
    inconclusive = results[results.index("- *Inconclusive*"):]
    assert f"({flipped['id']}: " in inconclusive
    readme = (tmp_path / "README.md").read_text()
    summary = readme[readme.index(START_SUMMARY):readme.index(END_SUMMARY)]
    assert f"({flipped['id'].split('_')[0]})" not in summary
    # Only the blocks changed: the hand-written parts around them are kept.
    assert readme.split(START_SUMMARY)[0] == (REPO / "README.md").read_text().split(START_SUMMARY)[0]
    assert results.split(END)[1] == (REPO / "docs" / "results.md").read_text().split(END)[1]


def test_a_page_without_its_markers_is_named(tmp_path, capsys):
    arguments = pages(tmp_path)
    (tmp_path / "results.md").write_text("# results, no markers\n")
    assert main(["--claims", str(REPO / "docs" / "verdicts.csv"), *arguments]) == 2
    err = capsys.readouterr().err
    assert "results.md has no findings markers" in err and START in err


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
    code = main(["--claims", str(REPO / "docs" / "verdicts.csv"), *pages(tmp_path),
                 "--stability", str(tmp_path / "nope.csv")])
    assert code == 2
    assert "--stability" in capsys.readouterr().err
