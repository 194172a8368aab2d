"""Per-seed evidence beside the verdicts: for each claim about an experiment, the
per-seed values of its metric at every level (one dot per seed, a bar at the mean),
so a reader sees the spread that the verdict's interval summarises.

Drawn from the same per-seed tables the verdicts were judged from, two ways: as
a small SVG strip next to each claim on the report's page beside the figure
(``svg_strip``, plain Python, no plotting library, so the light page job draws
it), and on demand as one PNG per experiment (results/claims/<experiment>.png,
one panel per claim; target ``claim_seeds_plots``).
"""

from __future__ import annotations

import math
import textwrap


def claim_panels(claims: list[dict], tables: dict, results: dict) -> list[dict]:
    """What each panel draws: {title, metric, levels: [(name, {seed: value})]}.

    claims: the judging job's claims (rnnadd.claims.load_claims); tables: {experiment:
    per-seed rows}; results: {claim id: result row} for the verdicts in the titles.
    A claim without a metric (not testable) has no panel.
    """
    panels = []
    for claim in claims:
        metric = claim.get("metric")
        if not metric:
            continue
        levels = []
        for table_name in claim.get("tables", [claim["experiment"]]):
            by_cell: dict = {}
            for row in tables.get(table_name, []):
                if row["metric"] == metric:
                    name = " / ".join(label for label in (row["label0"], row["label1"]) if label)
                    by_cell.setdefault(name, {})[row["seed"]] = row["value"]
            prefix = f"{table_name}: " if len(claim.get("tables", [])) > 1 else ""
            levels += [(prefix + name, values) for name, values in by_cell.items()]
        verdict = results.get(claim["id"], {}).get("verdict", "")
        panels.append({"id": claim["id"], "title": f"{claim['id']}" + (f": {verdict}" if verdict else ""),
                       "metric": metric, "levels": levels})
    return panels


def seeds_figure(panels: list[dict], title: str):
    """A strip plot per panel: levels along x, each seed's value as a dot (a non-finite
    value, e.g. a diverged seed's loss, as a cross at the panel's top), the mean as a bar."""
    from rnnadd.analyses.plotting import plt

    count = max(1, len(panels))
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.4 * rows), squeeze=False,
                                layout="constrained")
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes.flat, panels):
        finite = [v for _, values in panel["levels"] for v in values.values() if math.isfinite(v)]
        top = max(finite) if finite else 1.0
        for x, (_, values) in enumerate(panel["levels"]):
            seeds = sorted(values)
            # Spread the dots sideways by seed so equal values stay visible.
            offsets = [(i - (len(seeds) - 1) / 2) * min(0.5 / max(len(seeds), 1), 0.08) for i in range(len(seeds))]
            good = [(x + o, values[s]) for o, s in zip(offsets, seeds) if math.isfinite(values[s])]
            bad = [x + o for o, s in zip(offsets, seeds) if not math.isfinite(values[s])]
            if good:
                ax.plot([p[0] for p in good], [p[1] for p in good], "o", ms=4, alpha=0.75, color="C0")
                mean = sum(p[1] for p in good) / len(good)
                ax.plot([x - 0.3, x + 0.3], [mean, mean], "-", color="black", lw=1.5)
            if bad:
                ax.plot(bad, [top] * len(bad), "x", ms=6, color="C3")
        ax.set_xticks(range(len(panel["levels"])))
        ax.set_xticklabels([name for name, _ in panel["levels"]], rotation=30, ha="right", fontsize=7)
        ax.set_title(panel["title"], fontsize=9)
        ax.set_ylabel(panel["metric"], fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    legend = ("per-seed values of each claim's metric (dots: seeds; bar: mean over finite values; "
              "red x: not finite, e.g. diverged)")
    figure.suptitle(title + "\n" + "\n".join(textwrap.wrap(legend, 55 * columns)), fontsize=9)
    return figure


def write_claim_seeds_plot(claims: list[dict], seeds_paths, results_path, out_path) -> None:
    """The experiment's per-seed figure from its per-seed table (first path), those of
    the other experiments its claims read, and its verdicts (results/claims/<name>.csv)."""
    from pathlib import Path

    from rnnadd.analyses.plotting import save_figure
    from rnnadd.analyses.seedtable import read_seed_table
    from rnnadd.claims import read_results

    tables = {Path(p).name.removesuffix(".seeds.csv"): read_seed_table(p) for p in seeds_paths}
    results = {row["id"]: row for row in read_results(results_path)} if results_path else {}
    name = Path(out_path).name.removesuffix(".png")
    save_figure(seeds_figure(claim_panels(claims, tables, results), name), {"png": out_path})


def svg_strip(panel: dict, width: int = 360, row: int = 22) -> str:
    """One claim's per-seed values as an inline SVG: a row per level, a dot per seed on a
    shared axis, a bar at the mean of the finite values, a red x for a value that is not
    finite (e.g. a diverged seed's loss), the axis's ends printed."""
    import html

    levels = panel["levels"]
    finite = [v for _, values in levels for v in values.values() if math.isfinite(v)]
    if not levels:
        return ""
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high == low:
        low, high = low - 0.5, high + 0.5
    label_w, pad = 120, 8
    plot_w = width - label_w - 2 * pad
    height = row * len(levels) + 22

    def x_of(value: float) -> float:
        return label_w + pad + (value - low) / (high - low) * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="10" role="img" '
             f'aria-label="per-seed values of {html.escape(panel["metric"])}">']
    for index, (name, values) in enumerate(levels):
        y = 11 + index * row
        label = name if len(name) <= 22 else name[:21] + "…"
        parts.append(f'<text x="{label_w - 4}" y="{y + 4}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(f'<line x1="{label_w + pad}" y1="{y}" x2="{label_w + pad + plot_w}" y2="{y}" stroke="#ddd"/>')
        good = [v for v in values.values() if math.isfinite(v)]
        for seed in sorted(values):
            value = values[seed]
            if math.isfinite(value):
                parts.append(f'<circle cx="{x_of(value):.1f}" cy="{y}" r="3" fill="#1f77b4" fill-opacity="0.6">'
                             f'<title>seed {seed}: {value:.4g}</title></circle>')
            else:
                end = label_w + pad + plot_w
                parts.append(f'<text x="{end:.1f}" y="{y + 4}" fill="#d62728" text-anchor="middle">x'
                             f'<title>seed {seed}: {value}</title></text>')
        if good:
            mean = x_of(sum(good) / len(good))
            parts.append(f'<line x1="{mean:.1f}" y1="{y - 7}" x2="{mean:.1f}" y2="{y + 7}" stroke="black" '
                         f'stroke-width="2"/>')
    axis_y = height - 4
    parts.append(f'<text x="{label_w + pad}" y="{axis_y}">{low:.4g}</text>')
    parts.append(f'<text x="{label_w + pad + plot_w}" y="{axis_y}" text-anchor="end">{high:.4g}</text>')
    parts.append(f'<text x="{label_w + pad + plot_w / 2:.0f}" y="{axis_y}" text-anchor="middle" fill="#555">'
                 f'{html.escape(panel["metric"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def strips_by_claim(claims: list[dict], seeds_paths) -> dict:
    """{claim id: its SVG strip} from the per-seed tables its claims read."""
    from pathlib import Path

    from rnnadd.analyses.seedtable import read_seed_table

    tables = {Path(p).name.removesuffix(".seeds.csv"): read_seed_table(p) for p in seeds_paths}
    return {panel["id"]: svg_strip(panel) for panel in claim_panels(claims, tables, {})}
