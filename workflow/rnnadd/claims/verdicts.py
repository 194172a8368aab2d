"""The verdict table as Markdown (results/claims.md, README) and HTML (the report's
verdict table), and the report's table of the claims about one figure."""

from __future__ import annotations

import html

from rnnadd.analyses.stats import MAX_SEEDS_ESTIMATE, STAGE_ALPHA, VERDICTS, percent, short_number
from rnnadd.claims.engine import PILOT_SEEDS
from rnnadd.core.libraries import versions_text as versions

COLOUR = {"holds": "#d9f2d9", "does not hold": "#f8d7d7", "inconclusive": "#fff2cc", "not testable here": "#e8e8e8"}
# The groups in the order the counts are given (rnnadd.claims.GROUPS says what each means).
GROUP_NAMES = {"report": "the report's claims", "own": "this study's own claims",
               "construction": "true by construction (checks, not evidence)"}


def _known(value) -> bool:
    return value == value  # not nan


def numbers(row: dict) -> str:
    """The claim's deciding number in words: a count against its rate, or a mean (and median)
    with its interval (at ci_level), the margin and the smallest margin at which it would hold; then
    the verdict's p (and its adjusted p)."""
    if row["verdict"] == "not testable here":
        return ""
    if row["count"]:
        text = f"{row['count']} seeds"
        if _known(row["rate"]):
            text += (f" (claimed: at least {short_number(row['rate'])}; {level_text(row)} CP "
                     f"[{short_number(row['ci_low'], missing='')}, {short_number(row['ci_high'], missing='')}])")
        return text + p_text(row)
    text = short_number(row["estimate"], missing="")
    if _known(row["median"]) and row["n_seeds"] >= 2:
        text += f" (median {short_number(row['median'])})"
    if _known(row["ci_low"]):
        text += f" [{short_number(row['ci_low'], missing='')}, {short_number(row['ci_high'], missing='')}]"
    elif row["n_seeds"] < 2:
        text += " (no interval: fewer than 2 seeds)"
    if _known(row["margin"]):
        text += f", margin ±{short_number(row['margin'], missing='')}"
        if _known(row["holds_within"]):
            text += f"; holds from ±{short_number(row['holds_within'])}"
    return text + p_text(row)


def level_text(row: dict) -> str:
    """'97.5%': the level of the row's interval."""
    return percent(row["ci_level"]) if _known(row.get("ci_level", float("nan"))) else "95%"


def stage_text(row: dict) -> str:
    """Which look gave the verdict: 'pilot' (the first five seeds) or 'added seeds' (those after them, alone)."""
    return {"pilot": "pilot", "confirmatory": "added seeds"}.get(row.get("stage", ""), "")


def p_text(row: dict) -> str:
    """'; p 0.003' (and the Benjamini-Hochberg adjusted p across the claim's group, where adjusted)."""
    p = row.get("p_value", float("nan"))
    if not isinstance(p, float) or not _known(p):
        return ""
    text = f"; p {short_number(p)}"
    adjusted = row.get("p_adjusted", float("nan"))
    return text + (f", BH {short_number(adjusted)}" if isinstance(adjusted, float) and _known(adjusted) else "")


def adjusted_text(row: dict) -> str:
    """The verdict after Benjamini-Hochberg across its group, where that changes it."""
    after = row.get("adjusted_verdict", "")
    return f"{after} after BH" if after and after != row["verdict"] else ""


def power_text(row: dict) -> str:
    """Seeds for 80% power at the observed effect, as the tables show it (an estimate from this study)."""
    value = row.get("power_seeds", float("nan"))
    if not _known(value):
        return ""
    return f"> {MAX_SEEDS_ESTIMATE}" if value == float("inf") else f"{value:.0f}"


def pilot_text(row: dict) -> str:
    """The pilot's verdict where it differs from the final one, else 'same'; and, where the
    verdict comes from the seeds added after the pilot (judged alone), that it does."""
    pilot = row.get("pilot_verdict", "")
    text = "" if not pilot else "same" if pilot == row["verdict"] else pilot
    return f"{text}; verdict from the added seeds" if row.get("stage") == "confirmatory" else text


STAGE_LEVEL = percent(1 - STAGE_ALPHA)
STAGES_NOTE = (f"Two looks, each at {STAGE_LEVEL}: a claim is judged on each experiment's first {PILOT_SEEDS} "
               f"seeds (the pilot); where that leaves it open and seeds were added after the pilot, on those "
               f"added seeds alone. The two looks together keep the chance of a false verdict on either side "
               f"at or below {STAGE_ALPHA:g} (docs/claims.md, Confirmatory seeds).")
POWER_NOTE = (f"Seeds for 80% power: an estimate from this study, the observed mean difference and spread "
              f"taken as the truth; the seeds each comparison still open needs to be decided, either way, "
              f"by a look at {percent(1 - STAGE_ALPHA)} (noncentral t, one-sided {STAGE_ALPHA / 2:g}; a simulation "
              f"for a margin claim); '> {MAX_SEEDS_ESTIMATE}' where no sensible number would. Pilot: the "
              f"verdict on each experiment's first {PILOT_SEEDS} seeds, which chose its seeds; where it was "
              f"open, the verdict is judged on the seeds added after it alone (docs/claims.md, Confirmatory seeds).")


def tally(rows, verdict_of=None, order=VERDICTS) -> str:
    """'N holds, N does not hold, N inconclusive', then any other verdict of `order` that some row
    has; `verdict_of(row)`: the verdict a row is counted under (default its own)."""
    verdict_of = verdict_of or (lambda row: row["verdict"])
    counts = {verdict: sum(1 for r in rows if verdict_of(r) == verdict) for verdict in order}
    return ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n or verdict in VERDICTS[:3])


def tally_by_group(rows, verdict_of=None, order=VERDICTS) -> list[str]:
    """One line per group: how many claims, and their verdicts."""
    lines = []
    for group, words in GROUP_NAMES.items():
        members = [r for r in rows if r.get("group") == group]
        if members:
            lines.append(f"{words}: {len(members)} claims, {tally(members, verdict_of, order)}")
    return lines


MULTIPLICITY_NOTE = (
    f"p: the p-value of the verdict on the scale of the {STAGE_LEVEL} intervals (a verdict is given at "
    f"p < {STAGE_ALPHA:g}): "
    "for holds the largest of its comparisons' p (all must hold), for does not hold the smallest times "
    "their number (Holm), for inconclusive the smaller of the two. BH: the Benjamini-Hochberg adjusted p "
    "across the report's claims and, apart, across the claims this study adds (not the construction "
    f"claims). 'after BH' marks a verdict that would be inconclusive at adjusted p {STAGE_ALPHA:g}; the verdict "
    "itself stays the per-claim rule's.")
LEDGER_NOTE = ("Every change to a claim's words, test, metric, levels, margin, threshold or group made after "
               "numbers it judges existed (docs/claims-ledger.yaml); the 'changed' column names each claim's "
               "entries.")


def adjusted_tally(rows) -> str:
    """The counts per verdict after Benjamini-Hochberg, as `tally` gives them."""
    return tally(rows, verdict_of=lambda row: row.get("adjusted_verdict") or row["verdict"])


def group_labels(rows) -> dict:
    """The verdict table's labels in the report: {"claims": N, <group>: "H / D / I / T"}, the
    counts of each verdict of VERDICTS in each group that has claims. Numbers only: the report's
    menu lists the labels in one row, which must stay narrower than the window."""
    labels = {"claims": str(len(rows))}
    for group in GROUP_NAMES:
        members = [r for r in rows if r.get("group") == group]
        if members:
            labels[group] = " / ".join(str(sum(r["verdict"] == verdict for r in members)) for verdict in VERDICTS)
    return labels


def claims_markdown(rows, preset: dict, made_with: str, ledger=()) -> str:
    lines = [
        "# Verdicts on the report's claims",
        "",
        f"Made by `.venv/bin/snakemake --cores all claims"
        f"{' --configfile=<the preset>' if preset.get('override') else ''}` from the {preset['line']}. "
        f"{made_with}.",
        "Rule and metrics: docs/claims.md. Numbers: the mean paired difference (claimed better level "
        f"first, signed so that positive is the claimed direction), its median and its {STAGE_LEVEL} "
        "Student-t interval (kept in the metric's range), with the margin of a 'same' claim and the "
        "smallest margin at which it would hold; or a count of seeds against the claimed rate, with its "
        f"{STAGE_LEVEL} Clopper-Pearson interval. A claim that rests on any one of several comparisons "
        f"is judged with Holm's correction (family-wise {STAGE_ALPHA:g} at each look). {STAGES_NOTE}",
        MULTIPLICITY_NOTE,
        POWER_NOTE,
        "",
        f"{len(rows)} claims: {tally(rows)}.",
        "",
        *[f"- {line}." for line in tally_by_group(rows)],
        *([f"- after Benjamini-Hochberg: {adjusted_tally(rows)}."] if any(adjusted_text(r) for r in rows) else []),
        "",
        "| id | group | report | claim | metric | numbers | verdict | after BH | pilot | changed after its numbers "
        "(ledger) | seeds for 80% power (estimate) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [row["id"], row["group"], row["section"], row["claim"], row["metric"], numbers(row),
                 f"**{row['verdict']}**", adjusted_text(row), pilot_text(row), row.get("ledger", ""),
                 power_text(row)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if ledger:
        lines += ["", "## Claims ledger", "", LEDGER_NOTE, ""]
        for entry in ledger:
            lines.append(f"- **{entry['id']}** ({entry['date']}, {entry['commit']}; {', '.join(entry['claims'])}): "
                         f"{entry['changed']}. Verdict before: {entry['verdict_before']}; after: "
                         f"{entry['verdict_after']}. Why: {entry['why']}")
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
td:first-child{min-width:11em}div.strip{margin-top:4px}
p.made-by{padding:4px 8px;border:1px solid #bbb;background:#eee}
p.made-by.preset{background:#fde2c8;border-color:#d9822b}
</style>"""


def _verdict_cell(verdict: str, row: dict | None = None) -> str:
    """The verdict; under it, the verdict after Benjamini-Hochberg where that differs, and the
    claim's ledger entries (changes made after numbers it judges existed)."""
    extra = ""
    if row is not None:
        if adjusted_text(row):
            extra += f'<div class="small">{html.escape(adjusted_text(row))}</div>'
        if row.get("ledger"):
            extra += f'<div class="small">changed after its numbers: {html.escape(row["ledger"])}</div>'
    return (f'<td class="verdict" style="background:{COLOUR.get(verdict, "#fff")}"><b>{html.escape(verdict)}</b>'
            f"{extra}</td>")


def _claim_rows(rows, with_experiment=True, strips=None) -> str:
    out = []
    for row in rows:
        strip = (strips or {}).get(row["id"], "")
        claim = html.escape(row["claim"]) + (f'<div class="strip">{strip}</div>' if strip else "")
        cells = [f"<td>{html.escape(row['id'])}</td>", f"<td>{html.escape(row['group'])}</td>",
                 f"<td>{html.escape(row['section'])}</td>", f'<td class="claim">{claim}</td>']
        if with_experiment:
            cells.append(f"<td>{html.escape(row['experiment'])}</td>")
        cells += [f"<td>{html.escape(row['metric'])}</td>", f"<td>{html.escape(numbers(row))}</td>"]
        out.append("<tr>" + "".join(cells) + _verdict_cell(row["verdict"], row)
                   + f"<td>{html.escape(pilot_text(row))}</td><td>{html.escape(power_text(row))}</td>"
                   + f'<td class="small">{html.escape(row["measured"])}</td></tr>')
    return "\n".join(out)


RULE = ("<p class=\"small\">Comparisons are paired seed by seed: the mean (and median) of the per-seed "
        f"differences (positive: the claimed direction) and its {STAGE_LEVEL} Student-t interval, kept in the "
        "metric's range. <i>holds</i>: the interval lies entirely on the claimed side (inside the "
        "margin for a 'same' claim); <i>does not hold</i>: entirely on the other side (outside the "
        "margin), with Holm's correction when any one of several comparisons would decide it; "
        "<i>inconclusive</i>: otherwise, and always with fewer than 2 seeds. Counting claims state a "
        f"share of seeds and hold when the {STAGE_LEVEL} Clopper-Pearson interval of the share lies at or above "
        "it, do not hold when it lies below. A missing or diverged seed counts as the metric's worst "
        "value, or makes a loss comparison inconclusive. <i>group</i>: the report's claim, this "
        f"study's own, or true by construction (docs/claims.md). {html.escape(STAGES_NOTE)} "
        f"{html.escape(POWER_NOTE)}</p>\n")
# The columns of a claim's row (_claim_rows), with or without the figure's name.
COLUMNS = ("id", "group", "report", "claim", "figure", "metric", "numbers", "verdict", "pilot",
           "seeds for 80% power (estimate)", "what was measured")


def _head(with_experiment=True) -> str:
    return "<tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS if with_experiment or c != "figure") + "</tr>"


def claims_fragment(rows, preset: dict, made_with: str) -> str:
    """The verdict table as an HTML fragment, with what made it, the counts per group and the rule."""
    groups = "".join(f"<li>{html.escape(line)}</li>" for line in tally_by_group(rows))
    return (f"<p>{html.escape(preset['line'])}. {html.escape(made_with)}. "
            f"{len(rows)} claims: {html.escape(tally(rows))}.</p>\n<ul>{groups}</ul>\n{RULE}"
            f"<table>\n{_head()}\n{_claim_rows(rows)}\n</table>\n")


def claims_html(rows, preset: dict, made_with: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Verdicts</title>{STYLE}</head><body>\n"
            f"<h1>Verdicts on the report's claims</h1>\n{claims_fragment(rows, preset, made_with)}"
            "</body></html>\n")


STRIP_NOTE = ("<p class=\"small\">Under each claim, its metric seed by seed at every level it compares: "
              "a dot per seed (hover for its value), a black bar at the mean of the finite values, a red x "
              "for a value that is not finite (a diverged seed's loss); the axis runs from the lowest to the "
              "highest value shown.</p>\n")


def figure_claims_html(title: str, rows, strips=None, label: str = "") -> str:
    """The report's item beside a figure: which config made it (``label``, rnnadd.report.
    describe.preset_label), the claims about the figure, each with its numbers, verdict and
    (``strips``: claim id -> SVG) its per-seed values."""
    made_by = label.split(":")[0].split(";")[0]
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(made_by + ': ' if made_by else '')}claims about {html.escape(title)}</title>"
            f"{STYLE}</head><body>\n{_preset_banner(label)}<h1>Claims about: {html.escape(title)}</h1>\n"
            f"<p>{len(rows)} claims: {html.escape(tally(rows))}.</p>\n{RULE}{STRIP_NOTE if strips else ''}"
            f"<table>\n{_head(with_experiment=False)}\n{_claim_rows(rows, with_experiment=False, strips=strips)}"
            "\n</table>\n</body></html>\n")


def _preset_banner(label: str) -> str:
    """The page's first line: which config made its verdicts (a preset's in a warning colour)."""
    if not label:
        return ""
    if label.startswith("Full study"):
        return f'<p class="made-by full"><b>{html.escape(label)}</b></p>\n'
    return (f'<p class="made-by preset"><b>{html.escape(label)}</b>. {PRESET_NOTE}</p>\n')


PRESET_NOTE = ("The claims keep the words of the full study's settings (its MAXLEN, lengths and steps); "
               "here they are judged on this preset's runs, and <i>what was measured</i> says on which.")


# -- the jobs (workflow/scripts/verdicts.py) --


def judge_file(claims: list[dict], seeds_paths, out_path) -> None:
    """Verdicts on the claims about one experiment, from its per-seed table (the first path)
    and those of the other experiments its claims read (`<name>.seeds.csv`)."""
    from pathlib import Path

    from rnnadd.analyses.seedtable import read_seed_table
    from rnnadd.claims import judge_all, write_results

    if isinstance(seeds_paths, (str, Path)):
        seeds_paths = [seeds_paths]
    own, *others = seeds_paths
    own_rows = read_seed_table(own)
    other_rows = {Path(path).name.removesuffix(".seeds.csv"): read_seed_table(path) for path in others}
    check_runs_agree([own_rows, *other_rows.values()], out_path)
    write_results(judge_all(claims, own_rows, other_rows), out_path)


def check_runs_agree(tables, what) -> None:
    """Refuse verdicts drawn from per-seed tables whose runs more than one code fingerprint computed
    (rnnadd.core.provenance): tables of several experiments can mix what each one alone does not."""
    from rnnadd.core.provenance import check_one_fingerprint

    check_one_fingerprint([(row["run"], row["seed"]) for rows in tables for row in rows], str(what))


def write_tables(claim_files, order: list[str], preset: dict, paths: dict, ledger=()) -> None:
    """Gather every claim's verdict: claims.csv, claims.md and the report's verdict table, with
    the adjustment for multiplicity across each group and each claim's ledger entries."""
    from rnnadd.claims import read_results, write_results
    from rnnadd.claims.engine import adjust_for_multiplicity
    from rnnadd.core.io import write_text

    by_id = {row["id"]: row for path in claim_files for row in read_results(path)}
    rows = adjust_for_multiplicity([by_id[claim_id] for claim_id in order])
    for row in rows:
        row["ledger"] = "; ".join(f"{e['id']} ({e['date']}): {e['changed']}"
                                  for e in ledger if row["id"] in e["claims"])
    made_with = versions()
    write_results(rows, paths["csv"])
    write_text(paths["md"], claims_markdown(rows, preset, made_with, ledger))
    write_text(paths["html"], claims_html(rows, preset, made_with))


def write_figure_claims(title: str, claims_path, out_path, claims=None, seeds_paths=(), label: str = "") -> None:
    """The page beside a figure; with the claims and their per-seed tables, a strip per claim;
    ``label``: which config made it (rnnadd.report.describe.preset_label)."""
    from rnnadd.claims import read_results
    from rnnadd.claims.claimplot import strips_by_claim
    from rnnadd.core.io import write_text

    if seeds_paths:
        from rnnadd.analyses.seedtable import read_seed_table

        check_runs_agree([read_seed_table(path) for path in seeds_paths], out_path)
    strips = strips_by_claim(claims, seeds_paths) if claims and seeds_paths else None
    write_text(out_path, figure_claims_html(title, read_results(claims_path), strips, label))
