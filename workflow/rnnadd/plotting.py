"""Figures from aggregate tables: two-panel curves, and step-to-accuracy heatmaps.

Plot options only change how a table is drawn, never what was computed.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib

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


def plot_curves(table: pd.DataFrame, title: str, labels: dict, options: dict, paths: dict) -> None:
    axis = table["axis0"].iloc[0]
    axis_name, value_names = _names(labels, axis)
    n_seeds = int(table["n_seeds"].max())
    figure, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    finite_losses = []
    for index, (label, series) in enumerate(table.groupby("label0", sort=False)):
        color = colors[index % len(colors)]
        final = series[series["metric"] == "accuracy"].iloc[-1]
        name = value_names.get(str(label), str(label))
        diverged = int(final["n_diverged"])
        if diverged:
            name += f" (diverged, {diverged}/{int(final['n_seeds'])} seeds)"
        for ax, metric in ((loss_ax, "loss"), (acc_ax, "accuracy")):
            rows = series[series["metric"] == metric]
            rows = rows[np.isfinite(rows["mean"])]
            style = "--" if diverged else "-"
            ax.plot(rows["step"], rows["mean"], style, color=color, label=name, lw=1.6)
            if n_seeds > 1:
                low, high = rows["ci95_low"], rows["ci95_high"]
                if metric == "accuracy":
                    low, high = low.clip(0, 1), high.clip(0, 1)
                ax.fill_between(rows["step"], low, high, color=color, alpha=0.18, lw=0)
            if metric == "loss":
                finite_losses += [v for v in rows["mean"] if v > 0]
            if diverged:
                first = series[(series["metric"] == metric) & (series["n_diverged"] > 0)]["step"].min()
                before = rows[rows["step"] < first]
                y = before["mean"].iloc[-1] if len(before) else 1.0
                ax.plot([first], [y], marker="x", color=color, ms=9, mew=2.2)
    loss_ax.set_yscale("log")
    if finite_losses:
        top = min(max(finite_losses), float(options.get("loss_ymax", 30.0)))
        loss_ax.set_ylim(max(min(finite_losses) * 0.8, 1e-6), top * 1.3)
    loss_ax.set_title("training loss (mean since the previous evaluation)")
    loss_ax.set_ylabel("cross-entropy per digit")
    acc_ax.set_title("exact-match accuracy on the test set")
    acc_ax.set_ylabel("fraction of sums with every digit right")
    acc_ax.set_ylim(-0.02, 1.02)
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    band = "band: 95% confidence interval (Student t)" if n_seeds > 1 else "single seed"
    acc_ax.legend(title=axis_name, fontsize=8, title_fontsize=9, loc="lower right")
    figure.suptitle(f"{title}\nmean over {n_seeds} seed{'s' if n_seeds > 1 else ''}; {band}; "
                    "× marks divergence (non-finite loss)", fontsize=10)
    _save(figure, paths)


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
