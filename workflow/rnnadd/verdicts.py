"""The verdict table as Markdown (results/claims.md, README) and HTML (the report's
verdict table), and the report's table of the claims about one figure."""

from __future__ import annotations

import html

from .stats import short_number

SYMBOL = {"holds": "holds", "does not hold": "does not hold", "inconclusive": "inconclusive"}
COLOUR = {"holds": "#d9f2d9", "does not hold": "#f8d7d7", "inconclusive": "#fff2cc"}


def versions() -> str:
    """The versions that matter for the numbers (read from the installed packages, not imported)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"Python {platform.python_version()}"]
    for package in ("torch", "numpy", "snakemake"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


def numbers(row: dict) -> str:
    """The claim's deciding number in words: a count, or a mean with its 95% interval."""
    if row["count"]:
        return f"{row['count']} seeds"
    text = short_number(row["estimate"], missing="")
    if row["ci95_low"] == row["ci95_low"]:  # not nan
        text += f" [{short_number(row['ci95_low'], missing='')}, {short_number(row['ci95_high'], missing='')}]"
    elif row["n_seeds"] < 2:
        text += " (no interval: fewer than 2 seeds)"
    if row["margin"] == row["margin"]:
        text += f", margin ±{short_number(row['margin'], missing='')}"
    return text


def tally(rows) -> str:
    counts = {verdict: sum(1 for r in rows if r["verdict"] == verdict) for verdict in SYMBOL}
    return ", ".join(f"{n} {verdict}" for verdict, n in counts.items())


def claims_markdown(rows, preset: dict, made_with: str) -> str:
    lines = [
        "# Verdicts on the report's claims",
        "",
        f"Made by `.venv/bin/snakemake --cores all claims` from the {preset['line']}. {made_with}.",
        "Rule and metrics: docs/claims.md. Numbers: the mean paired difference (claimed better level "
        "first, signed so that positive is the claimed direction) with its 95% Student-t interval, "
        "or a count of seeds.",
        "",
        f"{len(rows)} claims: {tally(rows)}.",
        "",
        "| id | report | claim | metric | numbers | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [row["id"], row["section"], row["claim"], row["metric"], numbers(row), f"**{row['verdict']}**"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", "## What was measured", ""]
    for row in rows:
        lines.append(f"- **{row['id']}** ({row['experiment']}, {row['test']}: {row['compared']}): "
                     f"{row['measured']}")
    return "\n".join(lines) + "\n"


STYLE = """<style>
body{font-family:sans-serif;margin:1em;max-width:75em}
table{border-collapse:collapse;font-size:90%;width:100%}
td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}td{overflow-wrap:anywhere}
th{background:#eee;text-align:left}.small{font-size:85%;color:#333}
td.claim{min-width:14em;width:22%}td.small{width:28%}td.verdict{overflow-wrap:normal}
</style>"""


def _verdict_cell(verdict: str) -> str:
    return f'<td class="verdict" style="background:{COLOUR.get(verdict, "#fff")}"><b>{html.escape(verdict)}</b></td>'


def _claim_rows(rows, with_experiment=True) -> str:
    out = []
    for row in rows:
        cells = [f"<td>{html.escape(row['id'])}</td>", f"<td>{html.escape(row['section'])}</td>",
                 f'<td class="claim">{html.escape(row["claim"])}</td>']
        if with_experiment:
            cells.append(f"<td>{html.escape(row['experiment'])}</td>")
        cells += [f"<td>{html.escape(row['metric'])}</td>", f"<td>{html.escape(numbers(row))}</td>"]
        out.append("<tr>" + "".join(cells) + _verdict_cell(row["verdict"])
                   + f'<td class="small">{html.escape(row["measured"])}</td></tr>')
    return "\n".join(out)


RULE = ("<p class=\"small\">Comparisons are paired seed by seed: the mean of the per-seed differences "
        "(positive: the claimed direction) and its 95% Student-t interval. <i>holds</i>: the interval "
        "lies entirely on the claimed side (inside the margin for a 'same' claim); <i>does not hold</i>: "
        "entirely on the other side (outside the margin); <i>inconclusive</i>: otherwise, and always "
        "with fewer than 2 seeds. Counting claims hold when every seed does, and do not hold when "
        "none does.</p>\n")


def claims_fragment(rows, preset: dict, made_with: str) -> str:
    """The verdict table as an HTML fragment, with what made it and the rule."""
    head = ("<tr><th>id</th><th>report</th><th>claim</th><th>figure</th><th>metric</th>"
            "<th>numbers</th><th>verdict</th><th>what was measured</th></tr>")
    return (f"<p>{html.escape(preset['line'])}. {html.escape(made_with)}. "
            f"{len(rows)} claims: {html.escape(tally(rows))}.</p>\n{RULE}"
            f"<table>\n{head}\n{_claim_rows(rows)}\n</table>\n")


def claims_html(rows, preset: dict, made_with: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Verdicts</title>{STYLE}</head><body>\n"
            f"<h1>Verdicts on the report's claims</h1>\n{claims_fragment(rows, preset, made_with)}"
            "</body></html>\n")


def figure_claims_html(title: str, rows) -> str:
    """The report's item beside a figure: the claims about it, each with its numbers and verdict."""
    head = ("<tr><th>id</th><th>report</th><th>claim</th><th>metric</th><th>numbers</th>"
            "<th>verdict</th><th>what was measured</th></tr>")
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Claims: {html.escape(title)}</title>"
            f"{STYLE}</head><body>\n<h1>Claims about: {html.escape(title)}</h1>\n"
            f"<p>{len(rows)} claims: {html.escape(tally(rows))}.</p>\n{RULE}"
            f"<table>\n{head}\n{_claim_rows(rows, with_experiment=False)}\n</table>\n</body></html>\n")


# -- the jobs (workflow/scripts/verdicts.py) --


def judge_file(claims: list[dict], seeds_path, out_path) -> None:
    """Verdicts on the claims about one experiment, from its per-seed table."""
    from .claims import judge_all, write_results
    from .seedtable import read_seed_table

    write_results(judge_all(claims, read_seed_table(seeds_path)), out_path)


def write_tables(claim_files, order: list[str], preset: dict, paths: dict) -> None:
    """Gather every claim's verdict: claims.csv, claims.md and the report's verdict table."""
    from .claims import read_results, write_results
    from .io import write_text

    by_id = {row["id"]: row for path in claim_files for row in read_results(path)}
    rows = [by_id[claim_id] for claim_id in order]
    made_with = versions()
    write_results(rows, paths["csv"])
    write_text(paths["md"], claims_markdown(rows, preset, made_with))
    write_text(paths["html"], claims_html(rows, preset, made_with))


def write_figure_claims(title: str, claims_path, out_path) -> None:
    from .claims import read_results
    from .io import write_text

    write_text(out_path, figure_claims_html(title, read_results(claims_path)))
