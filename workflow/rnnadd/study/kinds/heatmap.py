"""heatmap: per cell of two swept axes, the first step at which accuracy reached a threshold.

Reads each (run, seed)'s metrics CSV, as curves do, and writes the same
per-seed table. Summary table: one row per cell with the first evaluated step
at which exact-match accuracy reached the threshold (1.0 by default; a seed
that never got there counts as the run length, its last step), averaged over
seeds, and its quartiles over seeds. The step is aggregate.first_step_at, the
one definition the per-seed table's first_step_<t> uses too.
"""

from __future__ import annotations

import math
import textwrap

from rnnadd.study.kinds.curves import Curves


class Heatmap(Curves):
    name = "heatmap"
    axes = (2,)
    inert_options = ()
    entry = "a heatmap cell"
    unused_plot_options = ("loss_ymax",)

    def summary(self, layout: dict, seeds, path_of):
        import numpy as np
        import pandas as pd

        from rnnadd.analyses.aggregate import first_step_at, level_columns, summarize

        rows = []
        for cell in layout["cells"]:
            frames = self.read_frames(cell, seeds, path_of)
            base = {**level_columns(cell), "run": cell["run"], "n_seeds": len(seeds)}
            reached = [first_step_at(frame, layout["threshold"]) for frame in frames]
            steps = np.array([step for step, _ in reached], dtype=float)
            q25, median, q75 = np.percentile(steps, [25, 50, 75])
            rows.append({**base, "metric": f"first_step_accuracy_{layout['threshold']:g}",
                         "n_reached": sum(hit for _, hit in reached),
                         "n_diverged": sum(int(f["diverged"].iloc[-1]) for f in frames),
                         "cap": int(frames[0]["step"].iloc[-1]), **summarize(steps),
                         "q25": float(q25), "median": float(median), "q75": float(q75)})
        return pd.DataFrame(rows)

    def read_table(self, path, layout: dict):
        import numpy as np

        from rnnadd.analyses.aggregate import MetricsError, check_aggregate, read_aggregate
        from rnnadd.core.io import rerun_hint

        frame = check_aggregate(read_aggregate(path), path, layout, ["n_reached", "cap"], len(layout["cells"]))
        finite = np.isfinite(frame["mean"].to_numpy(dtype=float))
        if not finite.all():
            bad = frame.loc[~finite].iloc[0]
            raise MetricsError(f"{path}: heatmap cell ({bad['label0']}, {bad['label1']}) has no value; "
                               f"{rerun_hint(path)}")
        return frame

    def figure(self, table, plot: dict, paths: dict) -> None:
        """Mean first step at the threshold per cell, its spread over seeds, and the cap, in the figure."""
        import numpy as np

        from rnnadd.analyses.plotting import axis_names, plt, save_figure

        labels, options = plot["labels"], plot["options"]
        row_axis, col_axis = table["axis0"].iloc[0], table["axis1"].iloc[0]
        row_name, row_values = axis_names(labels, row_axis)
        col_name, col_values = axis_names(labels, col_axis)
        rows = list(dict.fromkeys(table["label0"].astype(str)))
        cols = list(dict.fromkeys(table["label1"].astype(str)))
        grid = np.full((len(rows), len(cols)), np.nan)
        text = [["" for _ in cols] for _ in rows]
        cap = int(table["cap"].max())
        for _, cell in table.iterrows():
            i, j = rows.index(str(cell["label0"])), cols.index(str(cell["label1"]))
            grid[i, j] = cell["mean"]
            note = f"{cell['mean']:.0f}"
            if cell["n_seeds"] > 1:
                note += f"\nIQR {cell['q25']:.0f}–{cell['q75']:.0f}"
            note += f"\n{int(cell['n_reached'])}/{int(cell['n_seeds'])} reached"
            if cell["n_diverged"]:
                note += f"\n{int(cell['n_diverged'])} div."
            text[i][j] = note
        figure, ax = plt.subplots(figsize=(1.55 * len(cols) + 3.2, 0.95 * len(rows) + 2.6),
                                  constrained_layout=True)
        image = ax.imshow(grid, cmap=options.get("cmap", "viridis"), vmin=0, vmax=cap, aspect="auto")
        for i in range(len(rows)):
            for j in range(len(cols)):
                value = grid[i, j]
                dark = math.isfinite(value) and value < 0.55 * cap
                ax.text(j, i, text[i][j], ha="center", va="center", fontsize=7.5,
                        color="white" if dark else "black")
        ax.set_xticks(range(len(cols)), [col_values.get(c, c) for c in cols])
        ax.set_yticks(range(len(rows)), [row_values.get(r, r) for r in rows])
        ax.set_xlabel(col_name)
        ax.set_ylabel(row_name)
        threshold = float(table["metric"].iloc[0].rsplit("_", 1)[-1])
        at_cap = int((table["n_reached"] == 0).sum())
        figure.colorbar(image, ax=ax, label=f"first step with exact-match accuracy ≥ {threshold:g}\n"
                                            f"(mean over seeds; cap {cap} = never reached)")
        n = int(table["n_seeds"].max())
        width = max(50, int(11 * len(cols) + 20))
        lines = textwrap.wrap(plot["title"], width) + textwrap.wrap(plot["subtitle"], int(width * 1.2))
        lines.append(f"threshold {threshold:g}, cap {cap} steps: {at_cap} of {len(table)} cells at the cap")
        lines.append(f"cell: mean first step over {n} seeds, interquartile range, seeds that reached it")
        ax.set_title("\n".join(lines), fontsize=8.5)
        save_figure(figure, paths)

    def caption_values(self, experiment, fixed: dict) -> dict:
        every = fixed.get("eval_every", "")
        return {"every": every, "every2": 2 * every if isinstance(every, int) else "",
                "threshold": f"{experiment.kind_options['threshold']:g}",
                "cap": fixed.get("steps", "the last step")}


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 20
KIND = Heatmap()
