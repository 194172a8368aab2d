"""What the kinds' figures share: the Agg backend, axis words from the config's labels,
colours and markers, bands, titles, and saving PNG and PDF atomically.

Each figure itself is drawn by its kind (rnnadd.study.kinds.<kind>.figure). Plot
options only change how a table is drawn, never what was computed.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from rnnadd.core.io import atomic_path

__all__ = ["MARKERS", "axis_names", "band", "colors", "identical_lines", "legend_below", "line_style", "lines",
           "plt", "save_figure", "suptitle"]

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def axis_names(labels: dict, axis: str) -> tuple[str, dict]:
    """(the axis's name, {value as text: its words}) from the config's ``labels``."""
    entry = labels.get(axis) or {}
    return entry.get("name", axis), {str(k): v for k, v in (entry.get("values") or {}).items()}


def save_figure(figure, paths: dict) -> None:
    """Write the figure to each path (format -> path), atomically; PDFs without a date, so reproducible."""
    for fmt, path in paths.items():
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format=fmt, dpi=150, metadata={"CreationDate": None} if fmt == "pdf" else None)
    plt.close(figure)


def colors() -> list:
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def lines(table: pd.DataFrame, prefix: str):
    """(label, rows sorted by x) per line, in config order, for metrics named prefix<x>."""
    rows = table[table["metric"].str.fullmatch(rf"{prefix}\d+")]
    for label, series in rows.groupby("label0", sort=False):
        yield str(label), series.sort_values("x")


def band(ax, series, color, n_seeds, clip=(0.0, 1.0)) -> None:
    """The 95% interval around a line, when there is more than one seed."""
    if n_seeds > 1:
        ax.fill_between(series["x"], series["ci95_low"].clip(*clip), series["ci95_high"].clip(*clip),
                        color=color, alpha=0.18, lw=0)


def suptitle(figure, title: str, n_seeds: int, extra: str = "", mark: str = "band") -> None:
    band_text = f"{mark}: 95% confidence interval (Student t)" if n_seeds > 1 else "single seed"
    # The title's own lines (title, then the settings subtitle) are wrapped one by one.
    # Each line wrapped to the figure's width (about 13 characters an inch at fontsize 10, measured).
    width = min(110, int(figure.get_figwidth() * 13))
    wrapped = "\n".join(part for line in title.split("\n") for part in textwrap.wrap(line, width))
    figure.suptitle(f"{wrapped}\nmean over {n_seeds} seed{'s' if n_seeds > 1 else ''}; {band_text}{extra}",
                    fontsize=10)


def identical_lines(table: pd.DataFrame) -> dict:
    """{label: the earlier label whose every mean it repeats, or None}: two modes that compute
    the same network (not passed, all-zeros) give one line, which must stay visible twice."""
    import numpy as np

    seen: dict = {}
    same: dict = {}
    for label, rows in table.groupby("label0", sort=False):
        key = rows.sort_values(["metric", "x"] if "x" in rows else ["metric"])
        values = key["mean"].to_numpy(dtype=float)
        same[str(label)] = next((other for other, earlier in seen.items()
                                 if len(earlier) == len(values) and np.array_equal(earlier, values, equal_nan=True)),
                                None)
        seen[str(label)] = values
    return same


def line_style(index: int, color, same_as: str | None, **style) -> dict:
    """A line's style; a repeat of an earlier line is dotted with large hollow markers over it."""
    base = {"color": color, "lw": 1.6, "marker": MARKERS[index % len(MARKERS)], "ms": 3.5, **style}
    if same_as:
        base.update(ls=(0, (1.5, 2.5)), lw=2.2, ms=8, fillstyle="none", mew=1.4)
    return base


def legend_below(figure, ax, title: str) -> None:
    """The axis's legend below the panels, off the data (the figure needs a constrained layout)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    widest = max(len(label) for label in labels)
    columns = max(1, min(len(handles), 120 // (widest + 8)))
    figure.legend(handles, labels, title=title, loc="outside lower center", ncols=columns,
                  fontsize=8, title_fontsize=9, frameon=False)
