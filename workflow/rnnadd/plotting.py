"""What the kinds' figures share: the Agg backend, axis words from the config's labels,
colours and markers, bands, titles, and saving PNG and PDF atomically.

Each figure itself is drawn by its kind (rnnadd.kinds.<kind>.figure). Plot
options only change how a table is drawn, never what was computed.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from .io import atomic_path

__all__ = ["MARKERS", "axis_names", "band", "colors", "lines", "plt", "save_figure", "suptitle"]

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
    wrapped = "\n".join(part for line in title.split("\n") for part in textwrap.wrap(line, 110))
    figure.suptitle(f"{wrapped}\nmean over {n_seeds} seed{'s' if n_seeds > 1 else ''}; {band_text}{extra}",
                    fontsize=10)
