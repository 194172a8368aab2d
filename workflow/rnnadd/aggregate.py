"""Average per-seed metric CSVs into one tidy table per experiment.

Curves: one row per (line, metric, step) with the mean over seeds, standard
deviation, a 95% confidence interval (Student t) and how many seeds were
finite and diverged.

Heatmaps: one row per cell with the first evaluated step at which exact-match
accuracy reached the threshold (1.0 by default), averaged over seeds, and its
quartiles over seeds.  A seed that never got there counts as the run length
(the last step).

Both kinds also give the per-seed table of rnnadd.seedtable (one number per
line or cell, seed and metric), from which claims are judged.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UserError
from .io import rerun_hint, write_text
from .metrics import COLUMNS
from .seedtable import curve_thresholds, threshold_name
from .stats import t975

METRICS = ("loss", "test_loss", "accuracy", "digit_accuracy")


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


def first_step_reaching(frame: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    """First evaluated step with accuracy >= threshold, else the last step."""
    hits = frame.loc[frame["accuracy"] >= threshold, "step"]
    if len(hits):
        return int(hits.iloc[0]), True
    return int(frame["step"].iloc[-1]), False


def _level_columns(cell: dict) -> dict:
    out = {}
    for index, level in enumerate(cell["levels"]):
        out[f"axis{index}"] = level["axis"]
        out[f"label{index}"] = level["label"]
    return out


def aggregate(layout: dict, seeds: list[int], metrics_path) -> pd.DataFrame:
    """``metrics_path(run, seed)`` gives each seed's CSV path."""
    rows = []
    for cell in layout["cells"]:
        frames = [read_metrics(metrics_path(cell["run"], seed), cell.get("eval_steps"))
                  for seed in seeds]
        base = {**_level_columns(cell), "run": cell["run"], "n_seeds": len(seeds)}
        if layout["kind"] == "heatmap":
            reached = [first_step_reaching(f, layout["threshold"]) for f in frames]
            steps = np.array([step for step, _ in reached], dtype=float)
            q25, median, q75 = np.percentile(steps, [25, 50, 75])
            rows.append({**base, "metric": f"first_step_accuracy_{layout['threshold']:g}",
                         "n_reached": sum(hit for _, hit in reached),
                         "n_diverged": sum(int(f["diverged"].iloc[-1]) for f in frames),
                         "cap": int(frames[0]["step"].iloc[-1]), **summarize(steps),
                         "q25": float(q25), "median": float(median), "q75": float(q75)})
            continue
        step_index = frames[0]["step"]
        for frame, seed in zip(frames, seeds):
            if not frame["step"].equals(step_index):
                path = metrics_path(cell['run'], seed)
                raise MetricsError(f"{path}: its steps differ from seed {seeds[0]}'s; {rerun_hint(path)}")
        diverged = np.stack([f["diverged"].to_numpy() for f in frames])
        for metric in METRICS:
            values = np.stack([f[metric].to_numpy(dtype=float) for f in frames])
            for column, step in enumerate(step_index):
                rows.append({**base, "metric": metric, "step": int(step),
                             "n_diverged": int(diverged[:, column].sum()),
                             **summarize(values[:, column])})
    return pd.DataFrame(rows)


def accuracy_after_divergence(frame: pd.DataFrame) -> np.ndarray:
    """Exact-match accuracy per evaluation, 0 from the first row marked diverged."""
    accuracy = frame["accuracy"].to_numpy(dtype=float).copy()
    accuracy[frame["diverged"].to_numpy() > 0] = 0.0
    return accuracy


def curve_seed_metrics(frame: pd.DataFrame, thresholds) -> dict:
    """One seed's curve summarized into the metrics of seedtable.curve_metric_names."""
    accuracy = accuracy_after_divergence(frame)
    steps = frame["step"].to_numpy()
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
        "diverged": float(diverged),
    }
    for threshold in thresholds:
        hits = np.flatnonzero(accuracy >= threshold)
        name = threshold_name(threshold)
        out[f"first_step_{name}"] = float(steps[hits[0]] if hits.size else steps[-1])
        out[f"reached_{name}"] = float(hits.size > 0)
    return out


def seed_rows(layout: dict, seeds: list[int], metrics_path) -> list[dict]:
    """The per-seed table (seedtable.SEED_COLUMNS) of a curves or heatmap experiment."""
    thresholds = curve_thresholds(layout)
    rows = []
    for cell in layout["cells"]:
        labels = [level["label"] for level in cell["levels"]] + ["", ""]
        for seed in seeds:
            frame = read_metrics(metrics_path(cell["run"], seed), cell.get("eval_steps"))
            for metric, value in curve_seed_metrics(frame, thresholds).items():
                rows.append({"label0": labels[0], "label1": labels[1], "run": cell["run"],
                             "seed": seed, "metric": metric, "value": value})
    return rows


def write_aggregate(frame: pd.DataFrame, path) -> None:
    write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def expected_rows(layout: dict) -> int:
    if layout["kind"] == "heatmap":
        return len(layout["cells"])
    return sum(len(METRICS) * len(cell["eval_steps"]) for cell in layout["cells"])


def read_aggregate(path, layout: dict | None = None) -> pd.DataFrame:
    """Read an aggregate table and check it is whole; errors name the file.

    With the experiment's ``layout``: one row per line, metric and step (or
    per heatmap cell), every run present, and for a heatmap a value in each
    cell, so a truncated or edited table is never drawn.
    """
    path = Path(path)
    hint = rerun_hint(path)
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except FileNotFoundError:
        raise MetricsError(f"{path}: aggregate table does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0]
        raise MetricsError(f"{path}: not a readable aggregate table ({first}); {hint}") from None
    if layout is None:
        return frame
    kind = layout["kind"]
    needed = ["run", "metric", "n_seeds", "n_diverged", "mean", "ci95_low", "ci95_high"]
    needed += [f"label{i}" for i in range(len(layout["axes"]))]
    needed += ["n_reached", "cap"] if kind == "heatmap" else ["step"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise MetricsError(f"{path}: column {missing[0]!r} is missing (truncated or edited?); {hint}")
    if len(frame) != expected_rows(layout):
        raise MetricsError(f"{path}: has {len(frame)} rows, expected {expected_rows(layout)} "
                           f"(truncated or edited?); {hint}")
    runs = {cell["run"] for cell in layout["cells"]}
    if set(frame["run"]) != runs:
        raise MetricsError(f"{path}: its runs are not those of the experiment (made for another "
                           f"config, or edited?); {hint}")
    key_columns = [c for c in needed if c not in ("mean", "ci95_low", "ci95_high")]
    if frame[key_columns].isna().any().any():
        raise MetricsError(f"{path}: has empty values where every row needs one (truncated?); {hint}")
    if kind == "heatmap" and not np.isfinite(frame["mean"].to_numpy(dtype=float)).all():
        bad = frame.loc[~np.isfinite(frame["mean"].to_numpy(dtype=float))].iloc[0]
        raise MetricsError(f"{path}: heatmap cell ({bad['label0']}, {bad['label1']}) has no value; {hint}")
    return frame
