"""What the kinds that read training curves share: metrics CSVs read and checked, seeds summarized.

A training run writes one metrics CSV per seed (rnnadd.core.metrics.COLUMNS).
Every kind's aggregate averages seeds with ``summarize`` (mean, standard
deviation, 95% interval, Student t), and writes its summary table with
``write_aggregate``; figures read it back with ``read_aggregate`` and
``check_aggregate``. ``first_step_at`` is the one definition of "the first
step at a threshold", used by the heatmap figure and the per-seed table alike.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from rnnadd.analyses.stats import t975
from rnnadd.core.errors import UserError
from rnnadd.core.io import rerun_hint, write_text
from rnnadd.core.metrics import COLUMNS
from rnnadd.core.provenance import check_unchanged


class MetricsError(UserError):
    """A per-seed metrics file is missing, truncated or edited."""


def read_metrics(path, expected_steps=None) -> pd.DataFrame:
    """Read one seed's CSV and check it is whole; errors name the file."""
    path = Path(path)
    hint = rerun_hint(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise MetricsError(f"{path}: metrics file does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise MetricsError(f"{path}: not a readable metrics CSV ({error}); {hint}") from None
    if tuple(frame.columns) != COLUMNS:
        raise MetricsError(f"{path}: columns are {list(frame.columns)}, expected {list(COLUMNS)}; {hint}")
    if frame.empty:
        raise MetricsError(f"{path}: has no rows; {hint}")
    text_columns = [c for c in COLUMNS if not pd.api.types.is_numeric_dtype(frame[c])]
    if text_columns:
        raise MetricsError(f"{path}: column {text_columns[0]!r} holds values that are not numbers; {hint}")
    if frame[["step", "accuracy", "diverged"]].isna().any().any():
        raise MetricsError(f"{path}: has empty step, accuracy or diverged values; {hint}")
    steps = frame["step"].to_numpy()
    if steps[0] != 0 or not np.all(np.diff(steps) > 0):
        raise MetricsError(f"{path}: steps do not start at 0 and increase; {hint}")
    if expected_steps is not None and list(steps) != list(expected_steps):
        raise MetricsError(f"{path}: holds steps {steps[0]}..{steps[-1]} ({len(steps)} rows), "
                           f"expected {expected_steps[0]}..{expected_steps[-1]} "
                           f"({len(expected_steps)} rows); {hint}")
    # Last: a file whose rows or columns are wrong is named for that. A tidy hand edit (a
    # value changed) differs from the checksum its training job recorded beside it.
    check_unchanged(path)
    return frame


def summarize(values: np.ndarray) -> dict:
    """Mean, standard deviation and 95% CI over the finite values."""
    finite = values[np.isfinite(values)]
    n = finite.size
    mean = float(finite.mean()) if n else math.nan
    std = float(finite.std(ddof=1)) if n > 1 else (0.0 if n == 1 else math.nan)
    half = t975(n) * std / math.sqrt(n) if n > 1 else 0.0 if n == 1 else math.nan
    return {"n_finite": n, "mean": mean, "std": std,
            "ci95_low": mean - half, "ci95_high": mean + half}


def accuracy_after_divergence(frame: pd.DataFrame) -> np.ndarray:
    """Exact-match accuracy per evaluation, 0 from the first row marked diverged."""
    accuracy = frame["accuracy"].to_numpy(dtype=float).copy()
    accuracy[frame["diverged"].to_numpy() > 0] = 0.0
    return accuracy


def first_step_at(frame: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    """(first evaluated step with exact-match accuracy >= threshold, whether there was one).

    A seed that never got there counts as the run length (its last step). From
    the row where its loss became non-finite on, a seed's accuracy counts as 0
    (accuracy_after_divergence): a diverged model reaches no threshold.
    """
    steps = frame["step"].to_numpy()
    hits = np.flatnonzero(accuracy_after_divergence(frame) >= threshold)
    if hits.size:
        return int(steps[hits[0]]), True
    return int(steps[-1]), False


def level_columns(cell: dict) -> dict:
    """axis<i> and label<i> of a layout cell: the columns that name a line or cell in a table."""
    out = {}
    for index, level in enumerate(cell["levels"]):
        out[f"axis{index}"] = level["axis"]
        out[f"label{index}"] = level["label"]
    return out


def write_aggregate(frame: pd.DataFrame, path) -> None:
    write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def read_aggregate(path) -> pd.DataFrame:
    """Read a summary table; errors name the file."""
    path = Path(path)
    try:
        return pd.read_csv(path, keep_default_na=True)
    except FileNotFoundError:
        raise MetricsError(f"{path}: aggregate table does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0]
        raise MetricsError(f"{path}: not a readable aggregate table ({first}); {rerun_hint(path)}") from None


def check_aggregate(frame: pd.DataFrame, path, layout: dict, columns: list[str], rows: int) -> pd.DataFrame:
    """Check a summary table against its experiment's layout, so a truncated or edited one is never drawn.

    Every row has run, metric, seed counts, mean and interval, a label per
    axis and the kind's own ``columns``; there are ``rows`` rows; every run of
    the experiment is present.
    """
    path = Path(path)
    hint = rerun_hint(path)
    needed = ["run", "metric", "n_seeds", "n_diverged", "mean", "ci95_low", "ci95_high"]
    needed += [f"label{i}" for i in range(len(layout["axes"]))] + list(columns)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise MetricsError(f"{path}: column {missing[0]!r} is missing (truncated or edited?); {hint}")
    if len(frame) != rows:
        raise MetricsError(f"{path}: has {len(frame)} rows, expected {rows} (truncated or edited?); {hint}")
    runs = {cell["run"] for cell in layout["cells"]}
    if set(frame["run"]) != runs:
        raise MetricsError(f"{path}: its runs are not those of the experiment (made for another "
                           f"config, or edited?); {hint}")
    key_columns = [c for c in needed if c not in ("mean", "ci95_low", "ci95_high")]
    if frame[key_columns].isna().any().any():
        raise MetricsError(f"{path}: has empty values where every row needs one (truncated?); {hint}")
    return frame
