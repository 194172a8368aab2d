"""`snakemake --report` on the smoke preset, built the catalog's way: a short front
page (which config made it, the verdict counts, a link to the verdict table),
the verdict table as its own item, and every figure as an item under its kind
with a caption (what it shows, its settings, the claims about it) and, beside
it, the verdicts on those claims. A headless browser checks that the report
opens at its heading; a report whose config did not make the results is refused."""

from __future__ import annotations

import base64
import csv
import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_pipeline import FIGURES

from conftest import SMOKE, snakemake
from rnnadd.claims.verdicts import GROUP_NAMES

CHROMIUM = "/usr/bin/chromium"
WINDOW = (1400, 1000)


@pytest.fixture(scope="module")
def reported(smoke_run, tmp_path_factory) -> Path:
    """A copy of the smoke study with its HTML report (the shared build stays read-only)."""
    folder = tmp_path_factory.mktemp("reported") / "study"
    shutil.copytree(smoke_run, folder, symlinks=True)
    snakemake(folder, "--cores", "1", *SMOKE, "--report", "results/report.html")
    return folder


@pytest.fixture(scope="module")
def report(reported) -> str:
    return (reported / "results" / "report.html").read_text()


def embedded(report: str, variable: str) -> dict:
    """One of the report's data objects (`var results = {...};`)."""
    return json.loads(re.search(rf"^\s*var {variable} = (\{{.*\}});$", report, re.M).group(1))


def front_page(report: str) -> str:
    return json.loads(re.search(r'var workflow_desc = (".*?");\n', report, re.S).group(1))


def text_of(fragment: str) -> str:
    """The words of an HTML fragment: inline tags vanish, others end a word."""
    inline = re.sub(r"</?(strong|em|a|b|i)\b[^>]*>", "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def verdict_rows(smoke_run) -> list[dict]:
    with open(smoke_run / "results" / "claims.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_front_page_is_short_names_the_preset_and_counts_the_verdicts(report, smoke_run):
    front = front_page(report)
    words = text_of(front)
    assert "SMOKE PRESET" in words and "seeds 0, 1" in words
    assert "steps 30" in words  # the settings the preset forces
    assert "the full study" not in words
    rows = verdict_rows(smoke_run)
    # The counts per group (the report's claims, this study's own, checks by construction).
    assert f"Verdicts on {len(rows)} claims, by group:" in words
    for group, name in GROUP_NAMES.items():
        members = [r for r in rows if r["group"] == group]
        holding = sum(r["verdict"] == "holds" for r in members)
        if members:
            assert f"{name}: {len(members)} claims, {holding} holds" in words
    # No generated table on it: it links to the verdict table, its own item.
    assert "<table" not in front and "showResultInfo('results/report/claims.html')" in front
    assert len(words.split()) < 220


def test_verdict_table_is_its_own_item_with_every_claim(report, smoke_run):
    results = embedded(report, "results")
    item = results["results/report/claims.html"]
    assert embedded(report, "categories")["1. Verdicts"] == {"Other": ["results/report/claims.html"]}
    rows = verdict_rows(smoke_run)
    assert item["labels"]["claims"] == str(len(rows))
    table = base64.b64decode(item["data_uri"].split("base64,", 1)[1]).decode()
    positions = [table.index(f"<td>{row['id']}</td>") for row in rows]
    assert positions == sorted(positions) and len(rows) >= 13
    assert "SMOKE PRESET" in text_of(item["caption"])


def test_each_figure_is_an_item_under_its_kind_with_settings_and_its_claims(report, smoke_run):
    results = embedded(report, "results")
    categories = embedded(report, "categories")["2. Figures"]
    rows = verdict_rows(smoke_run)
    layouts = {}
    for name in FIGURES:
        png = f"results/figures/{name}.png"
        item = results[png]
        assert base64.b64decode(item["data_uri"].split("base64,", 1)[1]) == (smoke_run / png).read_bytes()
        assert item["labels"] == {"figure": name, "item": "figure"}
        kind = next(kind for kind, paths in categories.items() if png in paths)
        layouts[name] = kind
        caption = text_of(item["caption"])
        assert "Settings: " in caption and "seeds 0, 1" in caption and "SMOKE PRESET" in caption
        about = [row for row in rows if row["experiment"] == name]
        if about:
            # Ids, sections and sentences in the caption; numbers and verdicts in the item beside it.
            for row in about:
                assert f"{row['id']} (report {row['section']}): {row['claim']}" in caption
            beside = f"results/report/claims/{name}.claims.html"
            assert beside in categories[kind] and results[beside]["labels"]["figure"] == name
            table = base64.b64decode(results[beside]["data_uri"].split("base64,", 1)[1]).decode()
            for row in about:
                assert f"<td>{row['id']}</td>" in table and f"<b>{row['verdict']}</b>" in table
        else:
            assert "No claim of the config is about this figure." in caption
    assert layouts["heatmap_layers_hidden"] == "heatmap" and layouts["fig05_maxlen"] == "curves"
    # A heatmap explains its threshold and cap from the config; a swept axis is named with its levels.
    heatmap = text_of(results["results/figures/heatmap_layers_hidden.png"]["caption"])
    assert "reached 0.99" in heatmap and "(30, the cap)" in heatmap
    assert "swept maxlen 3, 5" in text_of(results["results/figures/fig05_maxlen.png"]["caption"])


def test_figure_subtitles_carry_the_effective_settings(report):
    params = embedded(report, "results")["results/figures/fig02_hidden_maxlen50.png"]["job_properties"]["params"]
    # The title says MAXLEN 50; the preset trains at maxlen 8 for 30 steps, and says so.
    assert "MAXLEN 50" in params
    assert "'subtitle': 'SMOKE PRESET: maxlen 8," in params and "steps 30" in params


def test_report_opens_at_its_heading_in_a_browser(report, smoke_run, tmp_path):
    """Headless Chromium: the front page's title is in the window, nothing lies over it."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: this test needs Chromium (apt-get install chromium; .ci/run does)")
    page = tmp_path / "report.html"
    probe = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var rect = function (el) { var r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  var headings = Array.from(document.querySelectorAll("h1")).map(function (h) {
    return [h.textContent.trim(), rect(h)]; });
  var front = document.querySelector(".prose"), graph = document.querySelector("div#rulegraph");
  document.body.setAttribute("data-layout", JSON.stringify({headings: headings,
    front: front ? rect(front) : null, graph: graph ? rect(graph) : null}));
}, 2000); });
</script>"""
    head, body_end, tail = report.rpartition("</body>")  # the last one: scripts in the report hold others
    page.write_text(head + probe + body_end + tail)
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={WINDOW[0]},{WINDOW[1]}",
               "--virtual-time-budget=5000"]
    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-layout="([^"]*)"', dom.stdout)
    assert found, f"no layout from Chromium (exit {dom.returncode}): {dom.stderr[-2000:]}"
    layout = json.loads(html.unescape(found.group(1)))
    title = [box for text, box in layout["headings"] if text == "An RNN learns to add"]
    assert title, layout["headings"]
    left, top, right, bottom = title[0]
    assert 0 <= top < WINDOW[1], f"the report opens away from its heading: h1 top={top}"
    # The whole front page fits in the window (a taller one is centred and cut off at the top).
    front_left, front_top, front_right, front_bottom = layout["front"]
    assert front_top >= 0 and front_bottom <= WINDOW[1], layout["front"]
    # The rule graph sits beside the front page, not over it.
    assert layout["graph"] is None or layout["graph"][0] >= front_right - 1, layout
    # A screenshot to look at (kept in the test's tmp folder).
    shot = tmp_path / "report.png"
    subprocess.run([*browser, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_a_report_whose_config_did_not_make_the_results_is_refused_in_one_line(reported):
    # After the smoke run, a report without the smoke config would call smoke results the full study's.
    result = snakemake(reported, "--report", "results/wrong.html", check=False)
    assert result.returncode != 0 and not (reported / "results" / "wrong.html").exists()
    said = [line for line in (result.stdout + result.stderr).splitlines() if "Report refused" in line]
    assert said == ["Report refused: results/ were made by the smoke preset, not by this config (the full study); "
                    "give --report the --configfile of the run that made them (make smoke's is tests/smoke.yaml), "
                    "or run this config first."], said
    assert "Missing metadata" not in result.stderr and "Traceback" not in result.stderr


def test_report_zip_builds(reported):
    snakemake(reported, "--cores", "1", *SMOKE, "--report", "results/report.zip")
    names = zipfile.ZipFile(reported / "results" / "report.zip").namelist()
    assert any(n.endswith("/claims.html") for n in names)
    assert sum(n.endswith(".png") and "/data/raw/" in n for n in names) >= len(FIGURES)

