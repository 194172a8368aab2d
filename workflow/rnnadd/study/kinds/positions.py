"""positions: where the trained models go wrong, digit position by digit position.

One job per (run, seed) reads the checkpoint and scores it on the run's own
test set, as its last evaluation did: ``error_pos<k>`` per position of the sum
(0 = least significant) and ``final_accuracy``. The figure draws the error
rate per position, one panel per level of a second axis, if any.
"""

from __future__ import annotations

import re

from rnnadd.study.kinds.base import CheckpointKind


class Positions(CheckpointKind):
    name = "positions"
    axes = (1, 2)
    reads_test_set = True
    lower_is_better_prefixes = ("error_pos",)

    def run_metrics(self, settings, options: dict) -> list[str]:
        return [f"error_pos{k}" for k in range(settings.maxlen + 1)] + ["final_accuracy"]

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        """Error rate per position on the run's own test set, as its last evaluation saw it."""
        from rnnadd.core.data import load_set
        from rnnadd.core.evaluation import evaluate_set

        test_set = load_set(test_path, checkpoint.settings.maxlen)
        score = evaluate_set(checkpoint.model, checkpoint.settings, checkpoint.state, test_set)
        out = {f"error_pos{k}": 1.0 - acc for k, acc in enumerate(score["position_accuracy"])}
        out["final_accuracy"] = score["accuracy"]
        return out

    def describe_metric(self, metric: str) -> str | None:
        match = re.match(r"error_pos(\d+)$", metric)
        if match:
            return (f"error rate at digit position {int(match.group(1))} (0 = least significant) on the "
                    "test set, end of training")
        if metric == "final_accuracy":  # the run's test set after the last step: its last evaluation
            return "exact-match accuracy at the last evaluation"
        return None

    def figure(self, table, plot: dict, paths: dict) -> None:
        from rnnadd.analyses.plotting import (
            axis_names,
            band,
            colors,
            identical_lines,
            line_style,
            lines,
            plt,
            save_figure,
            suptitle,
        )

        labels = plot["labels"]
        two_axes = "axis1" in table and table["axis1"].notna().any()
        line_axis = table["axis1"].iloc[0] if two_axes else table["axis0"].iloc[0]
        line_name, line_values = axis_names(labels, line_axis)
        n_seeds = int(table["n_seeds"].max())
        if two_axes:
            panel_name, panel_values = axis_names(labels, table["axis0"].iloc[0])
            panels = list(dict.fromkeys(table["label0"].astype(str)))
        else:
            panels = [None]
        figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels) + 0.5, 4.2),
                                    constrained_layout=True, squeeze=False)
        palette = colors()
        for ax, panel in zip(axes[0], panels):
            part = table if panel is None else table[table["label0"].astype(str) == panel]
            if two_axes:
                part = part.assign(label0=part["label1"])
                ax.set_title(f"{panel_name}: {panel_values.get(panel, panel)}", fontsize=9)
            same = identical_lines(part)
            for index, (label, series) in enumerate(lines(part, "error_pos")):
                color = palette[index % len(palette)]
                final = part[(part["label0"] == label) & (part["metric"] == "final_accuracy")]["mean"]
                name = line_values.get(label, label)
                if len(final):
                    name += f" (exact match {final.iloc[0]:.3f})"
                if same.get(label):
                    name += f" — identical to {line_values.get(same[label], same[label])}"
                ax.plot(series["x"], series["mean"], label=name, **line_style(index, color, same.get(label)))
                band(ax, series, color, n_seeds)
            ax.set_xlabel("digit position of the sum (0 = least significant)")
            ax.set_ylabel("error rate at that position")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            # Each panel's own legend (its lines' final accuracies), below it, off the data.
            ax.legend(title=line_name, fontsize=7, title_fontsize=8, loc="upper center",
                      bbox_to_anchor=(0.5, -0.16), frameon=False)
        suptitle(figure, f"{plot['title']}\n{plot['subtitle']}", n_seeds,
                 "; after the last training step, on the run's test set")
        save_figure(figure, paths)


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 40
KIND = Positions()
