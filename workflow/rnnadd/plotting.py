"""Figures from aggregate tables: two-panel curves, and step-to-accuracy heatmaps.

Plot options only change how a table is drawn, never what was computed.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .io import atomic_path  # noqa: E402


def _names(labels: dict, axis: str) -> tuple[str, dict]:
    entry = labels.get(axis) or {}
    return entry.get("name", axis), {str(k): v for k, v in (entry.get("values") or {}).items()}


def _save(figure, paths: dict) -> None:
    for fmt, path in paths.items():
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format=fmt, dpi=150, metadata={"CreationDate": None} if fmt == "pdf" else None)
    plt.close(figure)


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _same_curves(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    columns = ["metric", "step", "mean", "ci95_low", "ci95_high"]
    return len(a) == len(b) and a[columns].reset_index(drop=True).equals(b[columns].reset_index(drop=True))


def plot_curves(table: pd.DataFrame, title: str, labels: dict, options: dict, paths: dict) -> None:
    _save(curves_figure(table, title, labels, options), paths)


def curves_figure(table: pd.DataFrame, title: str, labels: dict, options: dict):
    """Loss and accuracy against the step, one line per swept value, one legend below both panels.

    A line equal to an earlier one (two modes that train the same network) is
    drawn dotted with hollow markers over it and says so in the legend, so both
    stay visible. The loss axis spans the lines that did not diverge; a
    diverged line is clipped to it (▲ where it is above), dashed, without a
    loss band, with a cross and a vertical mark where it diverged on both panels.
    """
    axis = table["axis0"].iloc[0]
    axis_name, value_names = _names(labels, axis)
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
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    handles = []
    for index, line in enumerate(lines):
        color = colors[index % len(colors)]
        series, diverged = line["series"], line["diverged"]
        name = line["name"]
        if diverged:
            name += f" (diverged, {diverged}/{line['seeds']} seeds)"
        if line["same_as"]:
            name += f" — identical to {line['same_as']}"
        style = {"color": color, "lw": 1.6, "marker": _MARKERS[index % len(_MARKERS)], "ms": 4}
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
    figure.suptitle(f"{title}\nmean over {n_seeds} seed{'s' if n_seeds > 1 else ''}; {band}{marks}", fontsize=10)
    return figure


def plot_heatmap(table: pd.DataFrame, title: str, labels: dict, options: dict, paths: dict,
                 subtitle: str = "") -> None:
    """Mean first step at the threshold per cell, its spread over seeds, and the cap, in the figure."""
    row_axis, col_axis = table["axis0"].iloc[0], table["axis1"].iloc[0]
    row_name, row_values = _names(labels, row_axis)
    col_name, col_values = _names(labels, col_axis)
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
    figure, ax = plt.subplots(figsize=(1.55 * len(cols) + 3.2, 0.95 * len(rows) + 2.6), constrained_layout=True)
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
    lines = textwrap.wrap(title, width) + textwrap.wrap(subtitle, int(width * 1.2))
    lines.append(f"threshold {threshold:g}, cap {cap} steps: {at_cap} of {len(table)} cells at the cap")
    lines.append(f"cell: mean first step over {n} seeds, interquartile range, seeds that reached it")
    ax.set_title("\n".join(lines), fontsize=8.5)
    _save(figure, paths)
