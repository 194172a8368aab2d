"""Per-seed evidence beside the verdicts: for each claim about an experiment, the
per-seed values of its metric at every level (one dot per seed, a bar at the mean),
so a reader sees the spread that the verdict's interval summarises.

One PNG per experiment (results/claims/<experiment>.png), one panel per claim that
reads a metric, drawn from the same per-seed tables the verdicts were judged from.
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
        panels.append({"title": f"{claim['id']}" + (f": {verdict}" if verdict else ""),
                       "metric": metric, "levels": levels})
    return panels


def seeds_figure(panels: list[dict], title: str):
    """A strip plot per panel: levels along x, each seed's value as a dot (a non-finite
    value, e.g. a diverged seed's loss, as a cross at the panel's top), the mean as a bar."""
    from .plotting import plt

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

    from .claims import read_results
    from .plotting import save_figure
    from .seedtable import read_seed_table

    tables = {Path(p).name.removesuffix(".seeds.csv"): read_seed_table(p) for p in seeds_paths}
    results = {row["id"]: row for row in read_results(results_path)} if results_path else {}
    name = Path(out_path).name.removesuffix(".png")
    save_figure(seeds_figure(claim_panels(claims, tables, results), name), {"png": out_path})
