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
from rnnadd.claims.verdicts import GROUP_NAMES, tally
from rnnadd.report.describe import preset_label
from rnnadd.study.plan import load_study

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
    groups = [f"{name}: {len(members)} claims, {tally(members)}"
              for group, name in GROUP_NAMES.items() if (members := [r for r in rows if r["group"] == group])]
    assert "; ".join(groups) + "." in words, words
    # "not testable here" is shown only in the groups that have such a claim.
    assert sum("not testable here" in line for line in groups) == sum(
        any(r["verdict"] == "not testable here" for r in rows if r["group"] == group) for group in GROUP_NAMES)
    # No generated table on it: it links to the verdict table, its own item.
    assert "<table" not in front and "showResultInfo('results/report/claims.html')" in front
    assert len(words.split()) < 220


def test_verdict_table_is_its_own_item_with_every_claim(report, smoke_run):
    results = embedded(report, "results")
    item = results["results/report/claims.html"]
    assert embedded(report, "categories")["1. Verdicts"] == {"Other": ["results/report/claims.html"]}
    rows = verdict_rows(smoke_run)
    # Short labels, numbers only: the menu lists them in one row, which must fit the window (issue 26).
    assert item["labels"]["claims"] == str(len(rows)) and set(item["labels"]) == {"claims", *GROUP_NAMES}
    assert len(" ".join(item["labels"].values())) < 60, item["labels"]
    table_text = text_of(base64.b64decode(item["data_uri"].split("base64,", 1)[1]).decode())
    for group, name in GROUP_NAMES.items():  # the counts per group are on the table's page
        members = [r for r in rows if r["group"] == group]
        if members:
            assert f"{name}: {len(members)} claims, {tally(members)}" in table_text
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


def test_figure_titles_and_subtitles_carry_the_effective_settings(report):
    results = embedded(report, "results")
    params = results["results/figures/fig02_hidden_maxlen50.png"]["job_properties"]["params"]
    # The full study's title says MAXLEN 50; the preset trains at maxlen 8 for 30 steps, and its
    # title and subtitle say so.
    assert "MAXLEN 50" not in params
    assert ("'title': 'Loss and exact-match accuracy over training by hidden_mode (carry / default / zero): "
            "trained at MAXLEN 8, RNN, relu, 2 layers, lr 0.01, 30 steps'") in params
    assert "'subtitle': 'SMOKE PRESET: maxlen 8," in params and "steps 30" in params
    # The caption's first line is the figure's title (figure.rst); the claims listed below it
    # keep the full study's words (the verdict page beside it says so).
    caption = results["results/figures/chains_cells.png"]["caption"]
    title = text_of(re.search(r"<strong>(.*?)</strong>", caption).group(1))
    assert title.startswith("Carry chains of K = 1 and 5 positions in 19-digit operands by cell"), title
    assert "999-digit" not in title and "MAXLEN 10" not in title


# What the full study's titles say that the smoke preset's runs are not (tests/smoke.yaml).
FULL_STUDY_NUMBERS = ("MAXLEN 10", "MAXLEN 50", "999-digit", "1 to 4 layers", "MAXLEN 5 and 50", "1000")


def test_every_verdict_page_says_the_preset_and_is_titled_from_the_settings_run(smoke_run):
    """Each figure's claims-and-verdicts page of a smoke build opens with the preset's label,
    and its title is made from the settings run, never the full study's (issue 26)."""
    import yaml

    from conftest import REPO

    full = load_study(yaml.safe_load((REPO / "config.yaml").read_text())).experiments
    smoke = yaml.safe_load((smoke_run / "tests" / "smoke.yaml").read_text())
    label = preset_label({**yaml.safe_load((smoke_run / "config.yaml").read_text()), **smoke})
    assert label.startswith("SMOKE preset: tiny settings, not the study's verdicts (forced on every run: steps 30,")
    pages = sorted((smoke_run / "results" / "report" / "claims").glob("*.claims.html"))
    assert {page.name.removesuffix(".claims.html") for page in pages} == {
        row["experiment"] for row in verdict_rows(smoke_run)} and len(pages) >= 20
    for page in pages:
        text = page.read_text()
        title = html.unescape(re.search(r"<title>(.*?)</title>", text).group(1))
        heading = text_of(re.search(r"<h1>(.*?)</h1>", text).group(1))
        banner = text_of(re.search(r'<p class="made-by preset">(.*?)</p>', text).group(1))
        assert banner.startswith(label + ". The claims keep the words of the full study's settings"), banner
        assert title.startswith("SMOKE preset: claims about "), page.name
        assert text.index('class="made-by preset"') < text.index("<h1>")  # the first thing on the page
        for words in (title, heading):
            assert not [n for n in FULL_STUDY_NUMBERS if n in words], (page.name, words)
        assert full[page.name.removesuffix(".claims.html")].title not in html.unescape(text)
    chains = text_of((smoke_run / "results" / "report" / "claims" / "chains_cells.claims.html").read_text())
    assert "Claims about: Carry chains of K = 1 and 5 positions in 19-digit operands by cell" in chains
    assert "trained at MAXLEN 5, 2 layers, hidden state carry, lr 0.001, 30 steps" in chains


def test_a_verdict_page_names_the_config_that_made_it():
    """Without a build: the full study's page says so plainly; a preset's opens with its label in
    a warning colour and says that its claims keep the full study's words."""
    from rnnadd.claims.verdicts import figure_claims_html

    full = preset_label({"seeds": [0, 1, 2]})
    assert full == "Full study; seeds 0, 1, 2"
    page = figure_claims_html("T", [], label=full)
    assert '<p class="made-by full"><b>Full study; seeds 0, 1, 2</b></p>\n<h1>Claims about: T</h1>' in page
    assert "<title>Full study: claims about T</title>" in page and "keep the words" not in page
    smoke = preset_label({"seeds": [0], "override": {"steps": 30}})
    assert smoke == "SMOKE preset: tiny settings, not the study's verdicts (forced on every run: steps 30; seeds 0)"
    page = figure_claims_html("T <b>", [], label=smoke)
    assert page.index('<p class="made-by preset">') < page.index("<h1>Claims about: T &lt;b&gt;</h1>")
    assert "<title>SMOKE preset: claims about T &lt;b&gt;</title>" in page and "keep the words" in page


def test_verdict_pages_in_the_report_say_the_preset(report):
    results = embedded(report, "results")
    pages = [path for path in results if path.startswith("results/report/claims/")]
    assert len(pages) >= 20
    for path in pages:
        caption = text_of(results[path]["caption"])
        assert caption.startswith("SMOKE preset: tiny settings, not the study's verdicts"), caption
        page = base64.b64decode(results[path]["data_uri"].split("base64,", 1)[1]).decode()
        assert "SMOKE preset: tiny settings" in text_of(page)


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


# The window widths a reader's screen commonly has; the report must show its tables at each.
WIDTHS = (1024, 1280, 1400, 1920)
VERDICTS_ITEM = "results/report/claims.html"


def open_in_report(report: str, item: str, clicks: list[str], row: list[str], width: int, folder: Path,
                   screenshot: Path | None = None) -> dict:
    """Open `item` in the report the way a reader does, in headless Chromium at `width` px: click
    the menu entries `clicks` (by their text), then the eye button of the menu row whose text
    holds every string of `row`. The item's own page (a data: URI in an iframe, out of the report's reach) is
    given a script that posts its title, where its table lies and how many of its rows are in
    view; returns that, with where the iframe and the menu lie: {"step", "frame", "nav", "inner"}."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: this test needs Chromium (apt-get install chromium; .ci/run does)")
    uri = embedded(report, "results")[item]["data_uri"]
    prefix, data = uri.split("base64,", 1)
    inner = """<script>
window.addEventListener("load", function () {
  var table = document.querySelector("table"), box = table.getBoundingClientRect();
  var rows = Array.from(table.querySelectorAll("tr")).filter(function (tr) {
    var b = tr.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.top < window.innerHeight && b.bottom > 0
      && b.left < window.innerWidth && b.right > 0; }).length;
  parent.postMessage({title: document.title, table: [box.left, box.top, box.width, box.height], rows: rows,
                      view: [window.innerWidth, window.innerHeight]}, "*");
});
</script>"""
    page = base64.b64decode(data).decode()
    head, end, tail = page.rpartition("</body>")
    probed = prefix + "base64," + base64.b64encode((head + inner + end + tail).encode()).decode()
    assert report.count(uri) == 1
    outer = f"<script>var CLICKS = {json.dumps(clicks)}, ROW = {json.dumps(row)};</script>" + """<script>
function note(key, value) {
  var all = JSON.parse(document.body.getAttribute("data-probe") || "{}");
  all[key] = value; document.body.setAttribute("data-probe", JSON.stringify(all)); }
function rect(el) { var r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }
window.addEventListener("message", function (event) {
  note("inner", event.data);
  note("frame", rect(document.querySelector("iframe")));
  note("nav", rect(document.querySelector("nav")));
});
function click(i) {
  if (i < CLICKS.length) {
    var entry = Array.from(document.querySelectorAll("nav *")).find(function (el) {
      return el.children.length === 0 && el.textContent.trim() === CLICKS[i]; });
    if (!entry) { note("step", "no menu entry " + CLICKS[i]); return; }
    (entry.closest("a") || entry).click();
  } else {
    var tr = Array.from(document.querySelectorAll("nav table tr")).find(function (tr) {
      return ROW.every(function (text) { return tr.textContent.indexOf(text) >= 0; })
        && tr.querySelector("[role=group] a"); });
    if (!tr) { note("step", "no menu row with " + ROW.join(", ")); return; }
    tr.querySelector("[role=group] a").click();  // the first button: the eye, "show"
    note("step", "opened"); return;
  }
  setTimeout(function () { click(i + 1); }, 300);
}
window.addEventListener("load", function () { setTimeout(function () { click(0); }, 1500); });
</script>"""
    head, end, tail = report.replace(uri, probed).rpartition("</body>")
    path = folder / f"report-{width}.html"
    path.write_text(head + outer + end + tail)
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               f"--window-size={width},{WINDOW[1]}", "--virtual-time-budget=8000"]
    # Seconds on an idle machine; the limit allows for one loaded by other builds.
    dom = subprocess.run([*browser, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=400)
    found = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert found, f"no layout from Chromium (exit {dom.returncode}): {dom.stderr[-2000:]}"
    if screenshot is not None:
        subprocess.run([*browser, f"--screenshot={screenshot}", path.as_uri()], capture_output=True, timeout=400)
    return json.loads(html.unescape(found.group(1)))


def header_pixels(screenshot: Path, box) -> int:
    """Pixels of the tables' header colour (#eee, verdicts.STYLE) inside `box` of a screenshot."""
    from PIL import Image

    left, top, width, height = (round(v) for v in box)
    image = Image.open(screenshot).convert("RGB").crop((left, top, left + width, top + height))
    return sum(n for n, colour in image.getcolors(1 << 24) if colour == (0xEE, 0xEE, 0xEE))


@pytest.mark.parametrize("width", WIDTHS)
def test_verdict_table_shows_at_every_common_window_width(report, tmp_path, width):
    """Headless Chromium at each width: the menu's "1. Verdicts", then the table's eye button; the
    table's panel has room and rows of the table are in view (the menu row of a long label once
    took the whole window, leaving the panel 0 px wide, issue 26)."""
    shot = tmp_path / f"verdicts-{width}.png"
    layout = open_in_report(report, VERDICTS_ITEM, ["1. Verdicts"], [], width, tmp_path, shot)
    assert layout.get("step") == "opened" and "inner" in layout, layout
    frame_left, _, frame_width, frame_height = layout["frame"]
    assert frame_width >= width / 3 and frame_left + frame_width <= width + 1, layout  # beside the menu, in the window
    assert layout["nav"][2] <= width * 2 / 3, layout
    table = layout["inner"]["table"]
    assert table[2] > 0 and table[3] > 0, layout
    assert layout["inner"]["rows"] >= 2, layout  # its header and at least one claim
    # What the reader sees: the table's header row is drawn in the panel.
    assert shot.is_file() and header_pixels(shot, layout["frame"]) > 500, layout


def test_a_smoke_verdict_page_shows_beside_its_figure_with_the_preset(report, tmp_path):
    # Under "chains", the menu's toggle between a figure and its claims starts on the claims.
    layout = open_in_report(report, "results/report/claims/chains_cells.claims.html",
                            ["2. Figures", "chains"], ["chains_cells"], 1400, tmp_path)
    assert layout.get("step") == "opened" and layout["frame"][2] > 400, layout
    assert layout["inner"]["title"].startswith("SMOKE preset: claims about Carry chains of K = 1 and 5"), layout
    assert layout["inner"]["rows"] >= 2, layout


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

