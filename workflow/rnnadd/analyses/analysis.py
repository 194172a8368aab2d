"""What the kinds that analyse trained models share (kinds.base.CheckpointKind).

Each job reads one (run, seed) checkpoint and writes a small CSV of
``metric,value`` rows, with the metric names of the per-seed table (the
kind's ``run_metrics``). The aggregate of an experiment writes the per-seed
table (``label0, label1, run, seed, metric, value``) and a summary: mean,
standard deviation and 95% interval over seeds per line and metric.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from rnnadd.analyses.aggregate import MetricsError, summarize
from rnnadd.analyses.seedtable import SEED_COLUMNS
from rnnadd.core import paths
from rnnadd.core.io import rerun_hint, write_text
from rnnadd.core.metrics import format_value


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

# seed<N>.pt: the seed a checkpoint's path says it holds.
SEED_OF_CHECKPOINT = re.compile(re.escape(paths.CHECKPOINT_FILE).replace(r"\{seed\}", r"(\d+)"))

def load_run_checkpoint(checkpoint_path, run: str):
    """The checkpoint, checked to be the run's and its path's seed; errors name the file and the remedy."""
    from rnnadd.core.checkpoint import CheckpointError, load_checkpoint

    named = SEED_OF_CHECKPOINT.fullmatch(Path(checkpoint_path).name)
    checkpoint = load_checkpoint(checkpoint_path, run=run, seed=int(named.group(1)) if named else None)
    if run is not None and checkpoint.settings.run_id() != run:
        raise CheckpointError(
            f"{checkpoint_path}: holds run {checkpoint.settings.run_id()}, not {run}; "
            f"{rerun_hint(checkpoint_path)}")
    return checkpoint


def run_job(kind, checkpoint_path, run: str, out_path, *, test_lengths=(), examples=0,
            test_path=None, part: str | None = None) -> dict:
    """One analysis job: the kind (a kinds.base.CheckpointKind) measures the checkpoint; its metrics go to out_path.

    The keywords are the job's params (analysis.smk, from the kind's
    job_options): the test lengths and sums a kind draws, where it draws any;
    ``test_path`` is the run's own test set, for a kind that reads_test_set;
    ``part`` the job's path part (default: read from ``out_path``,
    results/analysis/<kind>/<part>/<run>/seed<N>.csv), whose job_options add
    what a kind reads besides lengths and sums (the chains kind's operand
    length): the rule's params stay as they were, so no finished job reruns.
    """
    import torch

    torch.set_num_threads(1)
    options = {"test_lengths": list(test_lengths), "examples": examples}
    if part is None:
        folders = Path(out_path).parents
        part = folders[1].name if len(folders) > 2 and folders[2].name == kind.name else ""
    if part.strip("/"):
        options = {**options, **kind.job_options(part.strip("/"))}
    checkpoint = load_run_checkpoint(checkpoint_path, run)
    metrics = kind.measure(checkpoint, options, test_path)
    assert list(metrics) == kind.run_metrics(checkpoint.settings, options)
    write_text(out_path, metrics_to_csv(metrics))
    return metrics


# -- aggregate ------------------------------------------------------------------

def aggregate_analysis(kind, layout: dict, seeds: list[int], runs: dict, path_of) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary, per-seed table) of an experiment of a checkpoint kind.

    ``runs`` maps run id -> Settings; ``path_of(run, seed)`` gives the job's CSV.
    """
    seed_rows, summary_rows = [], []
    for cell in layout["cells"]:
        levels = cell["levels"]
        labels = {"label0": levels[0]["label"], "label1": levels[1]["label"] if len(levels) > 1 else ""}
        settings = runs[cell["run"]]
        expected = kind.run_metrics(settings, layout)
        per_seed = [read_metrics_csv(path_of(cell["run"], seed), expected) for seed in seeds]
        for seed, values in zip(seeds, per_seed):
            seed_rows += [{**labels, "run": cell["run"], "seed": seed, "metric": m, "value": v}
                          for m, v in values.items()]
        axes = {f"axis{i}": lv["axis"] for i, lv in enumerate(levels)}
        for metric in expected:
            values = np.array([v[metric] for v in per_seed], dtype=float)
            summary_rows.append({**axes, **labels, "run": cell["run"], "train_maxlen": settings.maxlen,
                                 "metric": metric, "x": metric_x(metric), "n_seeds": len(seeds),
                                 **summarize(values)})
    seeds_table = pd.DataFrame(seed_rows, columns=list(SEED_COLUMNS))
    return pd.DataFrame(summary_rows), seeds_table


def metric_x(metric: str) -> float:
    """The number a metric is plotted against: test length, position or layer."""
    match = re.search(r"(\d+)$", metric)
    return float(match.group(1)) if match else math.nan


def write_tables(summary: pd.DataFrame, seeds_table: pd.DataFrame, summary_path, seeds_path) -> None:
    write_text(seeds_path, seeds_table.to_csv(index=False, lineterminator="\n", na_rep="nan"))
    write_text(summary_path, summary.to_csv(index=False, lineterminator="\n"))
