"""Figures of the analysis kinds, from their summary tables (see rnnadd.analysis).

length     exact-match and digit accuracy against test length (log x), the
           training length marked, 95% bands over seeds
positions  error rate per digit position, least significant first; one panel
           per level of a second axis, if any
probe      probe accuracy per recurrent layer, one line per level, next to
           the baseline that reads the carry from the input digits alone
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .plotting import _names, _save  # noqa: E402


def _lines(table: pd.DataFrame, prefix: str):
    """(label, rows sorted by x) per line, in config order, for metrics named prefix<x>."""
    rows = table[table["metric"].str.fullmatch(rf"{prefix}\d+")]
    for label, series in rows.groupby("label0", sort=False):
        yield str(label), series.sort_values("x")


def _band(ax, series, color, n_seeds, clip=(0.0, 1.0)):
    if n_seeds > 1:
        ax.fill_between(series["x"], series["ci95_low"].clip(*clip), series["ci95_high"].clip(*clip),
                        color=color, alpha=0.18, lw=0)


def _suptitle(figure, title: str, n_seeds: int, extra: str = "", mark: str = "band") -> None:
    band = f"{mark}: 95% confidence interval (Student t)" if n_seeds > 1 else "single seed"
    # The title's own lines (title, then the settings subtitle) are wrapped one by one.
    wrapped = "\n".join(part for line in title.split("\n") for part in textwrap.wrap(line, 110))
    figure.suptitle(f"{wrapped}\nmean over {n_seeds} seed{'s' if n_seeds > 1 else ''}; {band}{extra}",
                    fontsize=10)


def _colors():
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def plot_length(table: pd.DataFrame, title: str, labels: dict, options: dict, paths: dict) -> None:
    axis_name, value_names = _names(labels, table["axis0"].iloc[0])
    n_seeds = int(table["n_seeds"].max())
    figure, (exact_ax, digit_ax) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    colors = _colors()
    for ax, prefix in ((exact_ax, "accuracy_len"), (digit_ax, "digit_accuracy_len")):
        for index, (label, series) in enumerate(_lines(table, prefix)):
            color = colors[index % len(colors)]
            ax.plot(series["x"], series["mean"], "-o", ms=3.5, color=color, lw=1.6,
                    label=value_names.get(label, label))
            _band(ax, series, color, n_seeds)
        for maxlen in sorted(set(table["train_maxlen"])):
            ax.axvline(maxlen, color="0.4", ls=":", lw=1.3,
                       label=f"training MAXLEN ({maxlen}: operands up to {maxlen - 1} digits)")
        ax.set_xscale("log")
        lengths = sorted(set(table["x"].dropna().astype(int)))
        ax.set_xticks(lengths, [str(x) for x in lengths])
        ax.minorticks_off()
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("test length L (operands of exactly L-1 digits)")
        ax.grid(alpha=0.3, which="both")
    exact_ax.set_title("exact-match accuracy (every digit of the sum right)")
    exact_ax.set_ylabel("fraction of test sums")
    digit_ax.set_title("digit accuracy")
    digit_ax.set_ylabel("fraction of sum digits right")
    exact_ax.legend(title=axis_name, fontsize=8, title_fontsize=9, loc="best")
    _suptitle(figure, title, n_seeds)
    _save(figure, paths)


def plot_positions(table: pd.DataFrame, title: str, labels: dict, options: dict, paths: dict) -> None:
    two_axes = "axis1" in table and table["axis1"].notna().any()
    line_axis = table["axis1"].iloc[0] if two_axes else table["axis0"].iloc[0]
    line_name, line_values = _names(labels, line_axis)
    n_seeds = int(table["n_seeds"].max())
    if two_axes:
        panel_name, panel_values = _names(labels, table["axis0"].iloc[0])
        panels = list(dict.fromkeys(table["label0"].astype(str)))
    else:
        panels = [None]
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels) + 0.5, 4.2),
                                constrained_layout=True, squeeze=False)
    colors = _colors()
    for ax, panel in zip(axes[0], panels):
        part = table if panel is None else table[table["label0"].astype(str) == panel]
        if two_axes:
            part = part.assign(label0=part["label1"])
            ax.set_title(f"{panel_name}: {panel_values.get(panel, panel)}", fontsize=9)
        for index, (label, series) in enumerate(_lines(part, "error_pos")):
            color = colors[index % len(colors)]
            final = part[(part["label0"] == label) & (part["metric"] == "final_accuracy")]["mean"]
            name = line_values.get(label, label)
            if len(final):
                name += f" (exact match {final.iloc[0]:.3f})"
            ax.plot(series["x"], series["mean"], "-o", ms=3, color=color, lw=1.5, label=name)
            _band(ax, series, color, n_seeds)
        ax.set_xlabel("digit position of the sum (0 = least significant)")
        ax.set_ylabel("error rate at that position")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(title=line_name, fontsize=7, title_fontsize=8, loc="upper left")
    _suptitle(figure, title, n_seeds, "; after the last training step, on the run's test set")
    _save(figure, paths)


def plot_probe(table: pd.DataFrame, title: str, labels: dict, options: dict, paths: dict) -> None:
    axis_name, value_names = _names(labels, table["axis0"].iloc[0])
    n_seeds = int(table["n_seeds"].max())
    figure, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    colors = _colors()
    for index, (label, series) in enumerate(_lines(table, "probe_layer")):
        color = colors[index % len(colors)]
        ax.plot(series["x"], series["mean"], "-o", color=color, lw=1.6, ms=5,
                label=value_names.get(label, label))
        if n_seeds > 1:
            ax.errorbar(series["x"], series["mean"],
                        yerr=[series["mean"] - series["ci95_low"].clip(0, 1),
                              series["ci95_high"].clip(0, 1) - series["mean"]],
                        fmt="none", ecolor=color, capsize=3, lw=1)
    baseline = table[table["metric"] == "probe_input_baseline"]["mean"]
    ax.axhline(float(np.mean(baseline)), color="0.3", ls="--", lw=1.3,
               label=f"baseline: input digits of the position only ({np.mean(baseline):.3f})")
    layers = sorted(set(table.loc[table["metric"].str.startswith("probe_layer"), "x"].astype(int)))
    ax.set_xticks(layers)
    ax.set_xlabel("recurrent layer probed (1 = nearest the input)")
    ax.set_ylabel("probe accuracy on held-out sums")
    ax.set_title("linear probe (logistic regression) for the carry out of each digit position",
                 fontsize=9)
    low = min(0.5, float(table["ci95_low"].min()) - 0.02) if len(table) else 0.5
    ax.set_ylim(max(0.0, low), 1.005)
    ax.grid(alpha=0.3)
    ax.legend(title=axis_name, fontsize=8, title_fontsize=9, loc="lower left")
    _suptitle(figure, title, n_seeds, mark="bars")
    _save(figure, paths)


PLOTTERS = {"length": plot_length, "positions": plot_positions, "probe": plot_probe}
