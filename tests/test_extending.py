"""docs/extending.md's examples, executed: a new figure, a new kind and a new claim test, taken from the
page's marked code blocks, added to a temporary copy of the workflow, built with the smoke preset by the
real Snakemake; then the suite's registry, schema and job-count tests run on that copy and stay green.
So the page's examples cannot rot, and adding what it shows never breaks the suite."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from conftest import REPO, copy_workflow, snakemake
from rnnadd.core import paths

PAGE = REPO / "docs" / "extending.md"
# `<!-- example: <name> <where> -->` then a fenced block; <where> is `config` (merged into config.yaml),
# `file=<path>` (the block is that file).
MARKER = "<!-- example:"
EXAMPLE = re.compile(r"^<!-- example: (\w+) (config|file=\S+) -->\n```\w*\n(.*?)^```$", re.M | re.S)
# What the copy needs to run the suite's own tests, besides the workflow.
SUITE = ("tests", "pyproject.toml", "README.md", "docs")


def examples() -> list[tuple[str, str, str]]:
    """(example name, where it goes, text) of each marked block of the page, in order."""
    text = PAGE.read_text()
    found = [(m.group(1), m.group(2), m.group(3)) for m in EXAMPLE.finditer(text)]
    markers = re.findall(rf"^{re.escape(MARKER)}", text, re.M)
    assert len(found) == len(markers), f"{PAGE}: a `{MARKER}` line is not followed by a fenced block"
    return found


def test_the_page_gives_a_figure_a_kind_and_a_claim_test():
    found = examples()
    assert {name for name, _, _ in found} == {"figure", "kind", "claim"}
    files = {where.removeprefix("file=") for _, where, _ in found if where.startswith("file=")}
    # A kind is its module, its caption beside it and its test; a claim test is its module and its test.
    assert files == {"workflow/rnnadd/study/kinds/final.py", "workflow/rnnadd/study/kinds/final.rst",
                     "tests/test_kind_final.py", "workflow/rnnadd/claims/checks/solves.py",
                     "tests/test_claim_solves.py"}
    # The figure is a config entry and nothing else.
    assert [where for name, where, _ in found if name == "figure"] == ["config"]
    figure = yaml.safe_load(next(text for name, _, text in found if name == "figure"))
    assert list(figure["experiments"]) == ["fig10_lr_maxlen10"]


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """A Python command in the copy, importing the copy's own rnnadd."""
    env = {**os.environ, "PYTHONPATH": str(root / "workflow")}
    result = subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, timeout=900, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}\n"
                             f"{result.stderr[-4000:]}")
    return result


@pytest.mark.snakemake
def test_the_pages_examples_build_and_the_suite_stays_green(tmp_path):
    root = copy_workflow(tmp_path / "study")
    for name in SUITE:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, root / name)
    config = yaml.safe_load((root / "config.yaml").read_text())
    added, figures, claims = [], [], {}
    for _, where, text in examples():
        if where == "config":
            entries = yaml.safe_load(text)
            figures += list(entries.get("experiments", {}))
            claims.update(entries.get("claims", {}))
            update_config(config, entries)
        elif where.startswith("file="):
            path = root / where.removeprefix("file=")
            assert not path.exists(), f"{path} exists already: the example would replace it"
            path.write_text(text)
            added.append(str(path.relative_to(root)))
        else:
            raise AssertionError(f"an example block the test cannot apply: {where}")
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    # The examples' code passes the project's linter as it stands.
    run(root, "-m", "ruff", "check", *[path for path in added if path.endswith(".py")])

    # The new claim key makes the schema stale; the generator says so, then rewrites it.
    stale = run(root, "-m", "rnnadd.report.settingsdoc", "--check", check=False)
    assert stale.returncode == 1 and "config.schema.yaml" in stale.stderr
    run(root, "-m", "rnnadd.report.settingsdoc")
    run(root, "-m", "rnnadd.report.settingsdoc", "--check")
    # The docs' table of claim tests, too, is written from the registry.
    run(root, "-m", "rnnadd.report.docsgen")
    assert "| `solves` |" in (root / "docs" / "claims.md").read_text()
    schema = yaml.safe_load((root / "workflow" / "schemas" / "config.schema.yaml").read_text())
    claim = schema["definitions"]["claim"]["properties"]
    assert "solves" in claim["test"]["enum"] and claim["accuracy"]["maximum"] == 1

    # Built with the smoke preset: the new figures, and the verdicts on the new claims (only those).
    assert figures == ["fig10_lr_maxlen10", "final_layers"] and claims
    verdicts = sorted({paths.CLAIMS.format(name=claim["experiment"]) for claim in claims.values()})
    snakemake(root, "--cores", "2", "--configfile=tests/smoke.yaml", *figures, *verdicts)
    for figure in figures:
        assert (root / paths.FIGURE_PNG.format(name=figure)).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert (root / paths.FIGURE_PDF.format(name=figure)).read_bytes().startswith(b"%PDF")
    rows = {}
    for path in verdicts:
        with open(root / path, newline="") as handle:
            rows.update({row["id"]: row for row in csv.DictReader(handle)})
    for claim_id, claim in claims.items():
        assert rows[claim_id]["test"] == claim["test"]
        assert rows[claim_id]["verdict"] in ("holds", "does not hold", "inconclusive")
    assert "solves" in {claim["test"] for claim in claims.values()}

    # The suite's own tests, on the copy: the registries (kinds, claim tests and their cases, including
    # the examples' own test files), the generated schema, and the job counts planned from the config
    # against the real dry run of the whole study.
    run(root, "-m", "pytest", "-q", "-m", "not snakemake", "tests/test_kinds.py", "tests/test_claims.py",
        "tests/test_run_names.py", "tests/test_kind_final.py", "tests/test_claim_solves.py")
    run(root, "-m", "pytest", "-q",
        "tests/test_pipeline.py::test_full_config_dry_run_plans_every_figure_and_trains_shared_runs_once")
