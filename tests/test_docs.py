"""README and docs/: short, linked, and every restated list or number generated or checked.

A list of kinds, claim tests, result columns or margins is a generated block
(rnnadd.report.docsgen); the findings are generated from docs/verdicts.csv
(rnnadd.report.findings, tests/test_findings.py); the settings table from the
settings' definition (rnnadd.report.settingsdoc). Here: each block is current, a
stale or missing one is caught, and README states no count or time of its own.
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from conftest import REPO
from rnnadd.report import docsgen, settingsdoc
from rnnadd.report.findings import END, END_SUMMARY, START, START_SUMMARY

README = REPO / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")
GENERATED = re.compile(r"<!-- (generated: |findings|settings table).*?<!-- (end of generated|findings[^>]*end|end of "
                       r"the settings)[^>]*-->", re.S)


def readme_lines() -> list[str]:
    return README.read_text().splitlines()


def hand_written(text: str) -> str:
    """The text with every generated block cut out."""
    return GENERATED.sub("", text)


def test_readme_is_at_most_150_lines():
    assert len(readme_lines()) <= 150, f"README.md has {len(readme_lines())} lines; move detail to docs/"


def test_every_page_the_readme_links_to_exists():
    links = [link for link in LINK.findall(README.read_text()) if "://" not in link]
    assert links, "README links to no page"
    for link in links:
        target = link.split("#")[0]
        assert (REPO / target).exists(), f"README.md links to {link}, which does not exist"
    assert any(link.startswith("docs/") for link in links)


def test_readme_links_to_no_shared_path():
    text = README.read_text()
    assert "../shared" not in text
    assert not any(link.startswith(("../", "/")) for link in LINK.findall(text))


def test_every_generated_block_is_current():
    """`python -m rnnadd.report.docsgen` wrote them; run it after adding a kind or a claim test."""
    assert docsgen.stale() == []
    for path, markers, wanted in settingsdoc.targets():
        assert settingsdoc.generated_part(path, markers) == wanted, f"{path}: run python -m rnnadd.report.settingsdoc"


def test_generated_blocks_sit_where_the_docs_say():
    pages = {block.page for block in docsgen.BLOCKS}
    assert "README.md" in pages and "docs/claims.md" in pages
    readme = README.read_text()
    assert START_SUMMARY in readme and END_SUMMARY in readme and START not in readme
    results = (REPO / "docs" / "results.md").read_text()
    assert START in results and END in results
    assert settingsdoc.README == REPO / "docs" / "config.md"


def test_the_lists_come_from_the_registries():
    from rnnadd.claims.engine import RESULT_COLUMNS
    from rnnadd.claims.registry import TESTS
    from rnnadd.study.kinds import KINDS

    readme = README.read_text()
    claims = (REPO / "docs" / "claims.md").read_text()
    config = (REPO / "docs" / "config.md").read_text()
    for name in KINDS:
        assert f"- `{name}`: " in readme and f"| `{name}` |" in config, name
    for name, test in TESTS.items():
        row = next(line for line in claims.splitlines() if line.startswith(f"| `{name}` |"))
        assert all(f"`{key}`" in row.split("|")[2] for key in test.required), name
    assert ", ".join(f"`{column}`" for column in RESULT_COLUMNS) in claims


@pytest.fixture
def copy(tmp_path):
    """The pages docsgen writes, and config.yaml, in a temporary repository folder."""
    for page in {block.page for block in docsgen.BLOCKS} | {"config.yaml"}:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / page, tmp_path / page)
    return tmp_path


def test_a_stale_block_is_named_and_rewritten(copy, capsys):
    page = copy / "docs" / "claims.md"
    block = next(b for b in docsgen.BLOCKS if b.name == "claim-tests")
    page.write_text(docsgen.replace(page.read_text(), block, "| test | keys | holds when |\n", "docs/claims.md"))
    assert docsgen.main(["--check", "--root", str(copy)]) == 1
    assert "docs/claims.md: claim-tests: out of date" in capsys.readouterr().err
    assert docsgen.main(["--root", str(copy)]) == 0
    assert docsgen.main(["--check", "--root", str(copy)]) == 0
    assert page.read_text() == (REPO / "docs" / "claims.md").read_text()


def test_a_new_claim_test_or_margin_makes_the_docs_stale(copy, monkeypatch):
    from rnnadd.claims import registry
    from rnnadd.claims.checks.better import Better

    class Faster(Better):
        name = "faster"

    monkeypatch.setitem(registry.TESTS, "faster", Faster())
    assert "docs/claims.md: claim-tests" in docsgen.stale(copy)
    assert "| `faster` | `a`, `b`, `metric` |" in docsgen.claim_tests_table()
    monkeypatch.delitem(registry.TESTS, "faster")
    config = copy / "config.yaml"
    study = yaml.safe_load(config.read_text())
    metric = next(iter(study["claim_margins"]))
    study["claim_margins"][metric]["margin"] *= 2
    config.write_text(yaml.safe_dump(study, sort_keys=False))
    assert docsgen.stale(copy) == ["docs/claims.md: claim-margins"]


def test_a_page_without_its_markers_is_one_line_naming_it(copy, capsys):
    (copy / "README.md").write_text("# no markers here\n")
    assert docsgen.main(["--check", "--root", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "README.md" in err and "kinds" in err


def test_readme_states_no_count_or_time_of_its_own():
    """Counts that a user's own figure would change, and measured times, live in generated
    blocks or in docs/performance.md's dated records, never in README's prose."""
    text = hand_written(README.read_text())
    counts = re.findall(r"\b\d[\d,]*\s+(?:training\s+|distinct\s+|analysis\s+)?"
                        r"(?:jobs?|runs?|claims?|seeds?|figures?|submissions?|checkpoints?|tests?|verdicts?)\b", text)
    assert not counts, counts
    times = re.findall(r"\b\d+(?:\.\d+)?\s*(?:min|minutes?|s|seconds?|h|hours?|GB|MB)\b", text)
    assert not times, times


def test_every_performance_record_says_when_and_at_which_commit():
    text = (REPO / "docs" / "performance.md").read_text()
    sections = re.split(r"\n## ", text)[1:]
    assert sections
    for section in sections:
        title = section.splitlines()[0]
        assert re.search(r"\b20\d\d-\d\d-\d\d\b", section), f"performance.md, {title}: no date"
        assert re.search(r"\bcommit [0-9a-f]{7}\b", section), f"performance.md, {title}: no commit"
    rows = [line for line in text.split("\n## ")[1].splitlines() if line.startswith("| `make")]
    assert rows and all(re.search(r"20\d\d-\d\d-\d\d", row) or "Not timed" in row for row in rows)


def test_the_puzzle_pages_verdicts_are_those_of_the_verdict_table():
    """docs/puzzle.md quotes the puzzle's verdicts and estimates by hand: each must match docs/verdicts.csv."""
    from rnnadd.report.findings import read_rows

    rows = {row["id"].split("_")[0]: row for row in read_rows(REPO / "docs" / "verdicts.csv")}
    quoted = [line.split("|")[1:4] for line in (REPO / "docs" / "puzzle.md").read_text().splitlines()
              if re.match(r"\| c\d+[a-z]?: ", line)]
    assert len(quoted) >= 3
    for claim, verdict, numbers in quoted:
        claim = claim.split(":")[0].strip()
        assert rows[claim]["verdict"] == verdict.split("(")[0].strip(), claim
        estimate = numbers.split("[")[0].strip()
        decimals = len(estimate.split(".")[1]) if "." in estimate else 0
        assert round(float(rows[claim]["estimate"]), decimals) == pytest.approx(float(estimate)), claim


def test_the_digit_budget_the_docs_give_is_the_codes():
    from rnnadd.analyses.chains import CHAIN_DIGIT_BUDGET

    given = re.findall(r"(?:over|at most)\s+(\d{1,3}(?:,\d{3})+) digits", (REPO / "docs" / "models.md").read_text())
    assert len(given) == 2 and set(given) == {f"{CHAIN_DIGIT_BUDGET:,}"}
