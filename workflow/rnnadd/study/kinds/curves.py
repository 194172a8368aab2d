"""curves: loss and accuracy against the training step, one line per value of one swept axis.

Reads each (run, seed)'s metrics CSV. Summary table: one row per (line,
metric, step) with the mean over seeds, standard deviation, 95% interval
(Student t) and how many seeds were finite and diverged. Per-seed table: each
seed's curve summarized into CURVE_METRICS and, per accuracy threshold, the
first step that reached it.
"""

from __future__ import annotations

import math
import textwrap

from rnnadd.analyses.seedtable import threshold_name
from rnnadd.study.kinds.base import METRICS, THRESHOLD, Kind

# Accuracy levels at which the first step is recorded for every curve and
# heatmap cell, besides the experiment's own threshold.
THRESHOLDS = (0.5, 0.9, 0.95, 0.99, 1.0)
# Metrics of a training curve, one number per seed.  A diverged seed counts
# as accuracy 0 from the evaluation where its loss became non-finite.
CURVE_METRICS = {
    "auc_accuracy": "mean exact-match accuracy over all evaluations (area under the accuracy curve)",
    "final_accuracy": "exact-match accuracy at the last evaluation",
    "max_accuracy": "highest exact-match accuracy at any evaluation",
    "auc_loss": "mean training loss over the evaluations after step 0 (area under the loss curve)",
    "final_loss": "training loss at the last evaluation",
    "final_test_loss": "test loss at the last evaluation",
    "early_loss": "mean training loss over the evaluations in the first fifth of the run (0 < step <= steps/5)",
    "late_loss": "mean training loss over the evaluations in the second half of the run (step > steps/2)",
    "diverged": "1 if the loss became non-finite, else 0",
}
# Per seed, on a common axis for lines that differ in MAXLEN or batch: a step
# of MAXLEN 50 carries (50+1)/(5+1) = 8.5 times the digit targets of a step of
# MAXLEN 5, so "learned in fewer steps" may just be "saw more digits".
DIGIT_TARGET_METRICS = {
    "digit_auc_accuracy": ("mean exact-match accuracy over the digit targets seen (steps x batch x "
                           "(maxlen+1)), from 0 to the fewest digit targets any line of the experiment "
                           "sees by its last evaluation (accuracy interpolated between evaluations)"),
}
THRESHOLD_METRICS = {
    "first_step": "first evaluated step with exact-match accuracy >= {t} (the run length if never)",
    "reached": "1 if exact-match accuracy reached {t}, else 0",
}
# The columns the summary table's rows average, per step.
SUMMARIZED = ("loss", "test_loss", "accuracy", "digit_accuracy")


def curve_thresholds(layout: dict) -> list[float]:
    return sorted({*THRESHOLDS, float(layout.get("threshold", 1.0))})


def window_loss(frame, low: float, high: float) -> float:
    """Mean training loss over the evaluations with low < step <= high; nan when the seed
    diverged (its loss has no finite mean) or no evaluation falls in the window."""
    import numpy as np

    steps = frame["step"].to_numpy(dtype=float)
    losses = frame["loss"].to_numpy(dtype=float)[(steps > low) & (steps <= high)]
    if int(frame["diverged"].iloc[-1]) or not losses.size or not np.isfinite(losses).all():
        return math.nan
    return float(losses.mean())


def curve_seed_metrics(frame, thresholds, steps: int | None = None) -> dict:
    """One seed's curve summarized into the metrics of Curves.metric_names.

    steps: the run's length (its last evaluated step unless given), which sets
    the windows of early_loss and late_loss."""
    import numpy as np

    from rnnadd.analyses.aggregate import accuracy_after_divergence, first_step_at

    accuracy = accuracy_after_divergence(frame)
    steps = int(frame["step"].iloc[-1]) if steps is None else steps
    losses = frame["loss"].to_numpy(dtype=float)[1:]  # step 0 has no training loss
    diverged = int(frame["diverged"].iloc[-1])
    out = {
        "auc_accuracy": float(accuracy.mean()),
        "final_accuracy": float(accuracy[-1]),
        "max_accuracy": float(accuracy.max()),
        # A diverged seed has no loss to average: nan, left out of comparisons.
        "auc_loss": float(losses.mean()) if losses.size and np.isfinite(losses).all() else math.nan,
        "final_loss": float(frame["loss"].iloc[-1]) if not diverged else math.nan,
        "final_test_loss": float(frame["test_loss"].iloc[-1]) if not diverged else math.nan,
        # Phases of the loss curve: the report's "falls fastest early" and "converges first late".
        "early_loss": window_loss(frame, 0, steps / 5),
        "late_loss": window_loss(frame, steps / 2, math.inf),
        "diverged": float(diverged),
    }
    for threshold in thresholds:
        step, reached = first_step_at(frame, threshold)
        name = threshold_name(threshold)
        out[f"first_step_{name}"] = float(step)
        out[f"reached_{name}"] = float(reached)
    return out


def cell_steps(cell: dict, frame) -> int:
    """The run's length: its last evaluated step (training evaluates at the last step)."""
    steps = cell.get("eval_steps")
    return int(steps[-1]) if steps else int(frame["step"].iloc[-1])


def digit_targets_per_step(settings) -> int:
    """Digit targets of one training step: every position of every sum of the batch."""
    return settings.batch * (settings.maxlen + 1)


def digit_auc_accuracy(frame, per_step: int, budget: float) -> float:
    """Mean accuracy over digit targets 0 .. budget (trapezoids between evaluations)."""
    import numpy as np

    from rnnadd.analyses.aggregate import accuracy_after_divergence

    targets = frame["step"].to_numpy(dtype=float) * per_step
    accuracy = accuracy_after_divergence(frame)
    if budget <= 0:
        return float(accuracy[0])
    inside = targets < budget
    x = np.append(targets[inside], budget)
    y = np.append(accuracy[inside], np.interp(budget, targets, accuracy))
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2) / budget)


class Curves(Kind):
    name = "curves"
    axes = (1,)
    reads = METRICS
    # Read (each seed records first_step_<t> at it), but the figure does not show it.
    options = (THRESHOLD,)
    inert_options = ("threshold",)
    entry = "a legend entry"
    unused_plot_options = ("cmap",)
    lower_is_better_prefixes = ("auc_loss", "final_loss", "final_test_loss", "early_loss", "late_loss", "first_step_",
                                "diverged")

    def metric_names(self, layout: dict, runs: dict) -> list[str]:
        names = list(CURVE_METRICS)
        for threshold in curve_thresholds(layout):
            names += [f"{prefix}_{threshold_name(threshold)}" for prefix in THRESHOLD_METRICS]
        return names + list(DIGIT_TARGET_METRICS)

    def describe_metric(self, metric: str) -> str | None:
        if metric in CURVE_METRICS:
            return CURVE_METRICS[metric]
        if metric in DIGIT_TARGET_METRICS:
            return DIGIT_TARGET_METRICS[metric]
        prefix, _, threshold = metric.rpartition("_")
        if prefix in THRESHOLD_METRICS:
            return THRESHOLD_METRICS[prefix].format(t=threshold)
        return None

    # -- aggregate -------------------------------------------------------------------

    def aggregate(self, layout, seeds, runs, path_of, table_path, seeds_path) -> None:
        from rnnadd.analyses.aggregate import write_aggregate
        from rnnadd.analyses.seedtable import write_seed_table

        write_aggregate(self.summary(layout, seeds, path_of), table_path)
        write_seed_table(self.seed_rows(layout, seeds, path_of, runs), seeds_path)

    def read_frames(self, cell: dict, seeds, path_of) -> list:
        from rnnadd.analyses.aggregate import read_metrics

        return [read_metrics(path_of(cell["run"], seed), cell.get("eval_steps")) for seed in seeds]

    def summary(self, layout: dict, seeds, path_of):
        import numpy as np
        import pandas as pd

        from rnnadd.analyses.aggregate import MetricsError, level_columns, summarize
        from rnnadd.core.io import rerun_hint

        rows = []
        for cell in layout["cells"]:
            frames = self.read_frames(cell, seeds, path_of)
            base = {**level_columns(cell), "run": cell["run"], "n_seeds": len(seeds)}
            step_index = frames[0]["step"]
            for frame, seed in zip(frames, seeds):
                if not frame["step"].equals(step_index):
                    path = path_of(cell["run"], seed)
                    raise MetricsError(f"{path}: its steps differ from seed {seeds[0]}'s; {rerun_hint(path)}")
            diverged = np.stack([f["diverged"].to_numpy() for f in frames])
            for metric in SUMMARIZED:
                values = np.stack([f[metric].to_numpy(dtype=float) for f in frames])
                for column, step in enumerate(step_index):
                    rows.append({**base, "metric": metric, "step": int(step),
                                 "n_diverged": int(diverged[:, column].sum()),
                                 **summarize(values[:, column])})
        return pd.DataFrame(rows)

    def seed_rows(self, layout: dict, seeds, path_of, runs: dict) -> list[dict]:
        """The per-seed table (seedtable.SEED_COLUMNS): one row per line or cell, seed and metric.

        ``runs`` (run id -> Settings) gives each line's digit targets per step.
        """
        thresholds = curve_thresholds(layout)
        frames = {cell["run"]: self.read_frames(cell, seeds, path_of) for cell in layout["cells"]}
        per_step = {cell["run"]: digit_targets_per_step(runs[cell["run"]]) for cell in layout["cells"]}
        # The common budget: the fewest digit targets any line has seen at its last evaluation.
        budget = min(float(frame["step"].iloc[-1]) * per_step[run]
                     for run, run_frames in frames.items() for frame in run_frames)
        rows = []
        for cell in layout["cells"]:
            labels = [level["label"] for level in cell["levels"]] + ["", ""]
            for seed, frame in zip(seeds, frames[cell["run"]]):
                metrics = curve_seed_metrics(frame, thresholds, cell_steps(cell, frame))
                metrics["digit_auc_accuracy"] = digit_auc_accuracy(frame, per_step[cell["run"]], budget)
                for metric, value in metrics.items():
                    rows.append({"label0": labels[0], "label1": labels[1], "run": cell["run"],
                                 "seed": seed, "metric": metric, "value": value})
        return rows

    def read_table(self, path, layout: dict):
        from rnnadd.analyses.aggregate import check_aggregate, read_aggregate

        rows = sum(len(SUMMARIZED) * len(cell["eval_steps"]) for cell in layout["cells"])
        return check_aggregate(read_aggregate(path), path, layout, ["step"], rows)

    # -- figure ----------------------------------------------------------------------

    def figure(self, table, plot: dict, paths: dict) -> None:
        from rnnadd.analyses.plotting import save_figure

        # The subtitle rides on the title's second line: curves_figure prints it as given.
        save_figure(curves_figure(table, f"{plot['title']}\n{plot['subtitle']}", plot["labels"],
                                  plot["options"]), paths)


def _same_curves(a, b) -> bool:
    columns = ["metric", "step", "mean", "ci95_low", "ci95_high"]
    return len(a) == len(b) and a[columns].reset_index(drop=True).equals(b[columns].reset_index(drop=True))


def curves_figure(table, title: str, labels: dict, options: dict):
    """Loss and accuracy against the step, one line per swept value, one legend below both panels.

    A line equal to an earlier one (two modes that train the same network) is
    drawn dotted with hollow markers over it and says so in the legend, so both
    stay visible. The loss axis spans the lines that did not diverge; a
    diverged line is clipped to it (▲ where it is above), dashed, without a
    loss band, with a cross and a vertical mark where it diverged on both panels.
    """
    import matplotlib.ticker
    import numpy as np

    from rnnadd.analyses.plotting import MARKERS, axis_names, colors, plt

    axis = table["axis0"].iloc[0]
    axis_name, value_names = axis_names(labels, axis)
    n_seeds = int(table["n_seeds"].max())
    lines = []
    for label, series in table.groupby("label0", sort=False):
        final = series[series["metric"] == "accuracy"].iloc[-1]
        lines.append({"name": value_names.get(str(label), str(label)), "series": series,
                      "diverged": int(final["n_diverged"]), "seeds": int(final["n_seeds"])})
    for index, line in enumerate(lines):
        line["same_as"] = next((other["name"] for other in lines[:index]
                                if _same_curves(other["series"], line["series"])), None)

    def finite_losses(selected):
        values = []
        for line in selected:
            rows = line["series"][line["series"]["metric"] == "loss"]
            values += [v for v in rows["mean"] if math.isfinite(v) and v > 0]
        return values

    steady = [line for line in lines if not line["diverged"]]
    in_range = finite_losses(steady) or finite_losses(lines)
    loss_limits = None
    if in_range:
        top = min(max(in_range), float(options.get("loss_ymax", 30.0))) * 1.3
        loss_limits = (max(min(in_range) * 0.8, 1e-6), top)

    figure, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4.2 + 0.22 * len(lines)), layout="constrained")
    palette = colors()
    handles = []
    for index, line in enumerate(lines):
        color = palette[index % len(palette)]
        series, diverged = line["series"], line["diverged"]
        name = line["name"]
        if diverged:
            name += f" (diverged, {diverged}/{line['seeds']} seeds)"
        if line["same_as"]:
            name += f" — identical to {line['same_as']}"
        style = {"color": color, "lw": 1.6, "marker": MARKERS[index % len(MARKERS)], "ms": 4}
        if line["same_as"]:
            style.update(ls=(0, (1.5, 2.5)), lw=2.2, ms=8, fillstyle="none", mew=1.4)
        elif diverged:
            style.update(ls="--")
        for ax, metric in ((loss_ax, "loss"), (acc_ax, "accuracy")):
            rows = series[(series["metric"] == metric) & np.isfinite(series["mean"])]
            mean, low, high = rows["mean"], rows["ci95_low"], rows["ci95_high"]
            if metric == "accuracy":
                low, high = low.clip(0, 1), high.clip(0, 1)
            elif loss_limits:
                # An exploding loss runs just under the top edge, marked ▲, instead of leaving the panel.
                ceiling = loss_limits[1] / 1.06
                above = rows["step"][mean > ceiling]
                mean, low, high = (v.clip(loss_limits[0], ceiling) for v in (mean, low, high))
                ax.plot(above, [ceiling] * len(above), marker="^", color=color, ms=7, ls="none")
            handle, = ax.plot(rows["step"], mean, label=name, markevery=max(1, len(rows) // 12), **style)
            # A diverged line's loss band mixes exploding and sane seeds: it would only fill the panel.
            if n_seeds > 1 and not line["same_as"] and not (diverged and metric == "loss"):
                ax.fill_between(rows["step"], low, high, color=color, alpha=0.18, lw=0)
            if diverged:
                first = series[(series["metric"] == metric) & (series["n_diverged"] > 0)]["step"].min()
                # On the line at that step (the seeds still finite), else its last point before.
                upto = mean[rows["step"] <= first]
                y = upto.iloc[-1] if len(upto) else (loss_limits[1] if metric == "loss" and loss_limits else 1.0)
                ax.axvline(first, color=color, lw=0.8, ls=":", alpha=0.8)
                ax.plot([first], [y], marker="x", color=color, ms=10, mew=2.4, ls="none", clip_on=False, zorder=5)
        handles.append(handle)
    loss_ax.set_yscale("log")
    if loss_limits:
        loss_ax.set_ylim(*loss_limits)
        if loss_limits[1] / loss_limits[0] < 10:
            # Within one decade the log axis has no labelled tick; label plainly.
            plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}")
            loss_ax.yaxis.set_major_formatter(plain)
            loss_ax.yaxis.set_minor_formatter(plain)
    loss_ax.set_title("training loss (mean since the previous evaluation)")
    loss_ax.set_ylabel("cross-entropy per digit")
    acc_ax.set_title("exact-match accuracy on the test set")
    acc_ax.set_ylabel("fraction of sums with every digit right")
    acc_ax.set_ylim(-0.02, 1.02)
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    band = "band: 95% confidence interval (Student t)" if n_seeds > 1 else "single seed"
    # Below both panels: a legend inside an axes always covers some curve.
    widest = max(len(handle.get_label()) for handle in handles)
    columns = max(1, min(len(handles), 120 // (widest + 8)))
    figure.legend(handles=handles, title=axis_name, loc="outside lower center", ncols=columns,
                  fontsize=8, title_fontsize=9, frameon=False)
    marks = "; × and dotted vertical line: where a line diverged (non-finite loss); ▲: loss above the scale" if any(
        line["diverged"] for line in lines) else ""
    # Each line wrapped to the figure's width (about 13 characters an inch at this size), so
    # no subtitle runs past the edges.
    width = int(figure.get_figwidth() * 13)
    wrapped = "\n".join(part for line in title.split("\n") for part in textwrap.wrap(line, width))
    figure.suptitle(f"{wrapped}\nmean over {n_seeds} seed{'s' if n_seeds > 1 else ''}; {band}{marks}", fontsize=10)
    return figure


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 10
KIND = Curves()
