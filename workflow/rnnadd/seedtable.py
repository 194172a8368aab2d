"""The per-seed table every experiment writes: one number per (line or cell, seed, metric).

``results/aggregate/<name>.seeds.csv`` has the columns of SEED_COLUMNS.  Claims
are judged from these tables only, so a claim can be made about any metric of
any kind of experiment.  Which metrics a kind writes is a registry
(KIND_METRICS: kind -> function(layout) -> metric names), which a new kind
extends with one entry; the config check uses it to refuse a claim about a
metric that will not exist, before any job runs.

Plain Python (csv, math): the claims job reads these tables without pandas.
"""

from __future__ import annotations

import csv
import io
import math
import re

from .errors import UserError
from .io import rerun_hint, write_text

SEED_COLUMNS = ("label0", "label1", "run", "seed", "metric", "value")

# Accuracy levels at which the first step is recorded for every curve and
# heatmap cell, besides the experiment's own heatmap threshold.
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
    "diverged": "1 if the loss became non-finite, else 0",
}
THRESHOLD_METRICS = {
    "first_step": "first evaluated step with exact-match accuracy >= {t} (the run length if never)",
    "reached": "1 if exact-match accuracy reached {t}, else 0",
}


def threshold_name(threshold: float) -> str:
    """0.99 -> '0.99', 1.0 -> '1': the suffix of first_step_<t> and reached_<t>."""
    return f"{float(threshold):g}"


def curve_thresholds(layout: dict) -> list[float]:
    return sorted({*THRESHOLDS, float(layout.get("threshold", 1.0))})


def curve_metric_names(layout: dict) -> list[str]:
    names = list(CURVE_METRICS)
    for threshold in curve_thresholds(layout):
        names += [f"{prefix}_{threshold_name(threshold)}" for prefix in THRESHOLD_METRICS]
    return names


def analysis_metrics(kind: str, settings, test_lengths=()) -> list[str]:
    """The metrics one analysis job writes for a run with these settings."""
    if kind == "length":
        return ([f"accuracy_len{L}" for L in test_lengths]
                + [f"digit_accuracy_len{L}" for L in test_lengths])
    if kind == "positions":
        return [f"error_pos{k}" for k in range(settings.maxlen + 1)] + ["final_accuracy"]
    if kind == "probe":
        return [f"probe_layer{k}" for k in range(1, settings.layers + 1)] + ["probe_input_baseline"]
    raise ValueError(f"kind: not an analysis kind ({kind!r})")


def _analysis_metric_names(layout: dict, runs: dict) -> list[str]:
    """Every metric some line of the experiment has (lines may differ in maxlen or layers)."""
    names: dict[str, None] = {}
    for cell in layout["cells"]:
        for name in analysis_metrics(layout["kind"], runs[cell["run"]], layout.get("test_lengths", ())):
            names[name] = None
    return list(names)


# kind -> function(layout, runs) -> the metric names its per-seed table holds
# (runs: run id -> Settings, for kinds whose metrics depend on a run's size).
KIND_METRICS = {
    "curves": lambda layout, runs: curve_metric_names(layout),
    "heatmap": lambda layout, runs: curve_metric_names(layout),
    "length": _analysis_metric_names,
    "positions": _analysis_metric_names,
    "probe": _analysis_metric_names,
}

# Metrics for which a smaller value is better; every other metric is better
# when larger (accuracies, reached_<t>, probe accuracies).  `better`,
# `ordered` and `best` claims read their direction from here.
LOWER_IS_BETTER_PREFIXES = ("auc_loss", "final_loss", "final_test_loss", "first_step_", "diverged",
                            "error_pos")


def lower_is_better(metric: str) -> bool:
    return metric.startswith(LOWER_IS_BETTER_PREFIXES)


def metric_names(layout: dict, runs: dict) -> list[str]:
    return KIND_METRICS[layout["kind"]](layout, runs)


ANALYSIS_METRICS = (
    (re.compile(r"accuracy_len(\d+)$"), "exact-match accuracy on fixed sums of operands of {n-1} digits "
                                        "(trained model, no retraining)"),
    (re.compile(r"digit_accuracy_len(\d+)$"), "fraction of sum digits right on operands of {n-1} digits"),
    (re.compile(r"error_pos(\d+)$"), "error rate at digit position {n} (0 = least significant) on the "
                                      "test set, end of training"),
    (re.compile(r"probe_layer(\d+)$"), "held-out accuracy of a linear probe reading the carry bit from "
                                        "layer {n}'s hidden state"),
    (re.compile(r"probe_input_baseline$"), "held-out accuracy of a linear probe reading the carry bit "
                                           "from the two input digits alone"),
)


def describe_metric(metric: str) -> str:
    if metric in CURVE_METRICS:
        return CURVE_METRICS[metric]
    for pattern, text in ANALYSIS_METRICS:
        match = pattern.match(metric)
        if match:
            n = int(match.group(1)) if match.groups() else 0
            return text.replace("{n-1}", str(n - 1)).replace("{n}", str(n))
    prefix, _, threshold = metric.rpartition("_")
    if prefix in THRESHOLD_METRICS:
        return THRESHOLD_METRICS[prefix].format(t=threshold)
    return metric.replace("_", " ")


def format_number(value) -> str:
    """Shortest exact text for a float (repr), 'nan' for a missing value."""
    value = float(value)
    return "nan" if math.isnan(value) else repr(value)


def write_seed_table(rows, path) -> None:
    """rows: dicts with the keys of SEED_COLUMNS; written atomically, same rows give same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for row in rows:
        writer.writerow([row.get("label0", ""), row.get("label1", ""), row["run"], int(row["seed"]),
                         row["metric"], format_number(row["value"])])
    write_text(path, buffer.getvalue())


class SeedTableError(UserError):
    """A per-seed table is missing or damaged; the message names the file."""


def read_seed_table(path) -> list[dict]:
    """Rows with label0, label1, run and metric as text, seed as int and value as float."""
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != SEED_COLUMNS:
                raise SeedTableError(f"{path}: columns are {reader.fieldnames}, expected {list(SEED_COLUMNS)}; "
                                     f"{rerun_hint(path)}")
            rows = []
            for line, row in enumerate(reader, start=2):
                try:
                    rows.append({**row, "seed": int(row["seed"]), "value": float(row["value"])})
                except (TypeError, ValueError):
                    raise SeedTableError(f"{path}, line {line}: seed or value is not a number; "
                                         f"{rerun_hint(path)}") from None
    except FileNotFoundError:
        raise SeedTableError(f"{path}: per-seed table does not exist") from None
    return rows
