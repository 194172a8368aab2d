"""`snakemake --report` on the smoke preset: one HTML report with the verdict table
first, every figure on a page with its settings and verdicts, and figure titles
that carry the effective settings."""

from __future__ import annotations

import base64
import csv
import json
import re
import zipfile

import pytest

from conftest import SMOKE, snakemake
from test_pipeline import FIGURES


@pytest.fixture(scope="module")
def report(smoke_run):
    snakemake(smoke_run, "--cores", "1", *SMOKE, "--report", "results/report.html")
    return (smoke_run / "results" / "report.html").read_text()


def claim_ids(smoke_run) -> list[str]:
    with open(smoke_run / "results" / "claims.csv", newline="") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


def test_front_page_names_the_preset_and_shows_the_verdict_table(report, smoke_run):
    front = re.search(r'var workflow_desc = "(.*?)";\n', report, re.S).group(1)
    assert "SMOKE PRESET" in front and "seeds 0, 1" in front
    assert "steps 30" in front  # the settings the preset forces
    # The verdict table is on the front page itself, one row per claim, in order.
    ids = claim_ids(smoke_run)
    positions = [front.index(f"<td>{claim_id}</td>") for claim_id in ids]
    assert positions == sorted(positions) and len(ids) >= 13
    assert front.index("Verdicts") < front.index("How to read it")


def test_report_holds_the_claims_table_first_and_a_page_per_figure(report, smoke_run):
    assert "claims.html" in report and "1. Verdicts" in report and "2. Figures" in report
    for name in FIGURES:
        assert f"{name}.html" in report, name
    # The verdicts page is embedded whole (base64): every claim is in it.
    blobs = re.findall(r'data:text/html;charset=utf8;filename=claims\.html;base64,([A-Za-z0-9+/=]+)', report)
    assert blobs
    claims_page = base64.b64decode(blobs[0]).decode()
    for claim_id in claim_ids(smoke_run):
        assert claim_id in claims_page


def test_each_figure_page_embeds_its_figure_settings_and_verdicts(smoke_run):
    pages = smoke_run / "results" / "report" / "figures"
    verdicts = {}
    with open(smoke_run / "results" / "claims.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            verdicts.setdefault(row["experiment"], []).append(row)
    for name in FIGURES:
        page = (pages / f"{name}.html").read_text()
        png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
        assert png == (smoke_run / "results" / "figures" / f"{name}.png").read_bytes()
        settings = json.loads((pages / f"{name}.json").read_text())
        for swept in settings["swept"]:
            assert f"<th>{swept['axis']} (swept)</th><td>{swept['levels']}</td>" in page
        assert "<th>seeds</th><td>0, 1</td>" in page and "SMOKE PRESET" in page
        for row in verdicts.get(name, []):
            assert row["id"] in page and f"<b>{row['verdict']}</b>" in page
    # A heatmap page explains its threshold and cap from the config.
    heatmap = (pages / "heatmap_layers_hidden.html").read_text()
    assert "reached 0.99" in heatmap and "(30, the cap)" in heatmap


def test_figure_subtitles_carry_the_effective_settings(smoke_run):
    settings = json.loads((smoke_run / "results" / "report" / "figures" / "fig02_hidden_maxlen50.json").read_text())
    # The title says MAXLEN 50; the preset trains at maxlen 8 for 30 steps, and says so.
    assert "MAXLEN 50" in settings["title"]
    assert settings["subtitle"].startswith("SMOKE PRESET: maxlen 8,") and "steps 30" in settings["subtitle"]


def test_report_zip_builds(smoke_run, report):
    snakemake(smoke_run, "--cores", "1", *SMOKE, "--report", "results/report.zip")
    names = zipfile.ZipFile(smoke_run / "results" / "report.zip").namelist()
    assert any(n.endswith("/claims.html") for n in names)
    assert sum(n.endswith(".html") and "/data/raw/" in n for n in names) >= len(FIGURES) + 1
