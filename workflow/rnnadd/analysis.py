"""Analyses of trained models (length, positions, probe): per-seed files and tables.

Each analysis job reads one (run, seed) checkpoint and writes a small CSV of
``metric,value`` rows, with the metric names of the per-seed table:

``length``     ``accuracy_len<L>``, ``digit_accuracy_len<L>`` per test length L
``positions``  ``error_pos<k>`` per position (0 = least significant), ``final_accuracy``
``probe``      ``probe_layer<k>`` per layer (k from 1), ``probe_input_baseline``

The aggregate of an experiment writes the per-seed table
(``label0, label1, run, seed, metric, value``) and a summary: mean, standard
deviation and 95% interval over seeds per line and metric.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .aggregate import MetricsError, summarize
from .io import rerun_hint, write_text
from .metrics import format_value
from .seedtable import SEED_COLUMNS, analysis_metrics

def metrics_to_csv(metrics: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("metric", "value"))
    for name, value in metrics.items():
        writer.writerow((name, format_value(float(value))))
    return buffer.getvalue()




def read_metrics_csv(path, expected: list[str]) -> dict:
    """One job's ``metric,value`` file, checked whole; errors name the file."""
    path = Path(path)
    hint = rerun_hint(path)
    try:
        frame = pd.read_csv(path, dtype={"metric": str}, keep_default_na=False,
                            na_values={"value": ["nan"]})
    except FileNotFoundError:
        raise MetricsError(f"{path}: analysis file does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise MetricsError(f"{path}: not a readable analysis CSV ({error}); {hint}") from None
    if list(frame.columns) != ["metric", "value"]:
        raise MetricsError(f"{path}: columns are {list(frame.columns)}, expected ['metric', 'value']; {hint}")
    if list(frame["metric"]) != list(expected):
        raise MetricsError(f"{path}: holds metrics {list(frame['metric'])[:4]}..., "
                           f"expected {list(expected)[:4]}... ({len(expected)}); {hint}")
    if not pd.api.types.is_numeric_dtype(frame["value"]):
        raise MetricsError(f"{path}: column 'value' holds values that are not numbers; {hint}")
    return dict(zip(frame["metric"], frame["value"].astype(float)))


# -- jobs: one (run, seed) each -------------------------------------------------

def _load(checkpoint_path, run: str):
    from .checkpoint import CheckpointError, load_checkpoint

    checkpoint = load_checkpoint(checkpoint_path)
    if run is not None and checkpoint.settings.run_id() != run:
        raise CheckpointError(
            f"{checkpoint_path}: holds run {checkpoint.settings.run_id()}, not {run}; "
            f"{rerun_hint(checkpoint_path)}")
    return checkpoint


def length_metrics(checkpoint, lengths, examples: int) -> dict:
    from .evaluation import evaluate_lengths

    scores = evaluate_lengths(checkpoint.model, checkpoint.settings, checkpoint.state, lengths, examples)
    out = {f"accuracy_len{L}": scores[L]["accuracy"] for L in lengths}
    out.update({f"digit_accuracy_len{L}": scores[L]["digit_accuracy"] for L in lengths})
    return out


def positions_metrics(checkpoint, test_set) -> dict:
    """Error rate per position on the run's own test set, as its last evaluation saw it."""
    from .evaluation import evaluate_set

    score = evaluate_set(checkpoint.model, checkpoint.settings, checkpoint.state, test_set)
    out = {f"error_pos{k}": 1.0 - acc for k, acc in enumerate(score["position_accuracy"])}
    out["final_accuracy"] = score["accuracy"]
    return out


def probe_metrics(checkpoint, examples: int) -> dict:
    from .probe import probe_model

    return probe_model(checkpoint.model, checkpoint.settings, checkpoint.state, examples)


def run_job(kind: str, checkpoint_path, run: str, out_path, *, test_lengths=(), examples=0,
            test_path=None) -> dict:
    import torch

    from .data import load_set

    torch.set_num_threads(1)
    checkpoint = _load(checkpoint_path, run)
    if kind == "length":
        metrics = length_metrics(checkpoint, list(test_lengths), examples)
    elif kind == "positions":
        metrics = positions_metrics(checkpoint, load_set(test_path, checkpoint.settings.maxlen))
    elif kind == "probe":
        metrics = probe_metrics(checkpoint, examples)
    else:
        raise ValueError(f"kind: not an analysis kind ({kind!r})")
    assert list(metrics) == analysis_metrics(kind, checkpoint.settings, test_lengths)
    write_text(out_path, metrics_to_csv(metrics))
    return metrics


# -- aggregate ------------------------------------------------------------------

def aggregate_analysis(layout: dict, seeds: list[int], runs: dict, path_of) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary, per-seed table) of an analysis experiment.

    ``runs`` maps run id -> Settings; ``path_of(run, seed)`` gives the job's CSV.
    """
    kind = layout["kind"]
    seed_rows, summary_rows = [], []
    for cell in layout["cells"]:
        levels = cell["levels"]
        labels = {"label0": levels[0]["label"], "label1": levels[1]["label"] if len(levels) > 1 else ""}
        settings = runs[cell["run"]]
        expected = analysis_metrics(kind, settings, layout.get("test_lengths", ()))
        per_seed = [read_metrics_csv(path_of(cell["run"], seed), expected) for seed in seeds]
        for seed, values in zip(seeds, per_seed):
            seed_rows += [{**labels, "run": cell["run"], "seed": seed, "metric": m, "value": v}
                          for m, v in values.items()]
        axes = {f"axis{i}": lv["axis"] for i, lv in enumerate(levels)}
        for metric in expected:
            values = np.array([v[metric] for v in per_seed], dtype=float)
            summary_rows.append({**axes, **labels, "run": cell["run"], "train_maxlen": settings.maxlen,
                                 "metric": metric, "x": _metric_x(metric), "n_seeds": len(seeds),
                                 **summarize(values)})
    seeds_table = pd.DataFrame(seed_rows, columns=list(SEED_COLUMNS))
    return pd.DataFrame(summary_rows), seeds_table


def _metric_x(metric: str) -> float:
    """The number a metric is plotted against: test length, position or layer."""
    match = re.search(r"(\d+)$", metric)
    return float(match.group(1)) if match else math.nan


def write_tables(summary: pd.DataFrame, seeds_table: pd.DataFrame, summary_path, seeds_path) -> None:
    write_text(seeds_path, seeds_table.to_csv(index=False, lineterminator="\n", na_rep="nan"))
    write_text(summary_path, summary.to_csv(index=False, lineterminator="\n"))
