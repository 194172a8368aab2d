"""What a job will cost: peak memory and CPU time from its settings.

Each estimate is a sum of simple terms (startup, data held in memory, weights,
arithmetic per training step and per evaluation) with coefficients fitted to
measurements: ``workflow/resources/measured.tsv``, written by
``workflow/scripts/measure_resources.py`` (which also refits them; paste its
coefficients below). tests/test_resources.py checks every measured row is
within a factor of 1.5 of its estimate.
"""

from __future__ import annotations

import csv
import math

from rnnadd.core.settings import Settings

GATES = {"rnn": 1, "gru": 3, "lstm": 4, "none": 0}

# Fitted by `measure_resources.py fit` (see the module docstring).
TRAIN_CPU_S = (2.605, 0.0, 0.000221, 1.153e-10, 0.0)
TRAIN_MEMORY_MB = (321.7, 6.141e-06, 0.0001729, 2.568e-05, 1.196e-05)
DATASET_CPU_S = (0.2719, 3.528e-08)
DATASET_MEMORY_MB = (41.38, 4.902e-06)


def _value(row, key):
    return row[key] if isinstance(row, dict) else getattr(row, key)


def _shape(row):
    maxlen, cell = int(_value(row, "maxlen")), _value(row, "cell")
    layers, hidden, embedding = (int(_value(row, k)) for k in ("layers", "hidden", "embedding"))
    gates = GATES[cell]
    layers = layers if gates else 0
    width = hidden if gates else 2 * embedding  # what the read-out sees
    # Multiply-adds per position and example: recurrent layers, then read-out.
    recurrent = gates * hidden * (2 * embedding + hidden) + max(layers - 1, 0) * gates * hidden * 2 * hidden
    flops = recurrent + 10 * width
    weights = 10 * embedding + recurrent + 11 * width
    return maxlen + 1, layers, gates, hidden, flops, weights


def _evaluations(row) -> int:
    steps, every = int(_value(row, "steps")), int(_value(row, "eval_every"))
    return steps // every + 1 + (steps % every != 0)


def train_cpu_features(row) -> list[float]:
    positions, layers, _, _, flops, weights = _shape(row)
    steps, batch = int(_value(row, "steps")), int(_value(row, "batch"))
    return [1.0,
            steps * batch * positions * flops,                              # training arithmetic
            steps * positions * (layers + 1),                               # per-position overheads
            _evaluations(row) * int(_value(row, "test_size")) * positions * flops,
            steps * weights]                                                # optimiser


def train_memory_features(row) -> list[float]:
    positions, layers, gates, hidden, _, weights = _shape(row)
    batch = int(_value(row, "batch"))
    return [1.0,
            int(_value(row, "train_size")) * positions,  # the stream: uint8 file and a transposed copy
            int(_value(row, "test_size")) * positions,   # the test set, kept as int64
            weights,                                     # weights, gradients, Adam's two moments
            batch * positions * max(layers * gates * hidden, 1)]  # activations kept for backward


def dataset_cpu_features(row) -> list[float]:
    positions = int(_value(row, "maxlen")) + 1
    return [1.0, (int(_value(row, "train_size")) + int(_value(row, "test_size"))) * positions]


def dataset_memory_features(row) -> list[float]:
    positions = int(_value(row, "maxlen")) + 1
    return [1.0, max(int(_value(row, "train_size")), int(_value(row, "test_size"))) * positions]


def _dot(coefficients, features) -> float:
    return sum(c * f for c, f in zip(coefficients, features))


def train_cpu_s(settings: Settings) -> float:
    return _dot(TRAIN_CPU_S, train_cpu_features(settings))


def train_memory_mb(settings: Settings) -> float:
    return _dot(TRAIN_MEMORY_MB, train_memory_features(settings))


def dataset_cpu_s(settings: Settings) -> float:
    return _dot(DATASET_CPU_S, dataset_cpu_features(settings))


def dataset_memory_mb(settings: Settings) -> float:
    return _dot(DATASET_MEMORY_MB, dataset_memory_features(settings))


# Scoring a model on generated sums (`evaluate`, the analyses): torch's start-up
# (TRAIN_MEMORY_MB's constant) plus about 20 bytes per digit of the sums held:
# measured with `python -m rnnadd evaluate --length 1000`, 2000 and 20000
# examples, 326 and 678 MB peak RSS (the evaluation itself runs in chunks).
EVAL_MEMORY_MB_PER_DIGIT = 2.0e-5


def evaluation_memory_mb(examples: int, length: int, extra_bytes_per_digit: float = 0.0) -> float:
    """Peak memory of scoring ``examples`` sums of ``length`` positions (plus extra bytes per digit held)."""
    digits = examples * (length + 1)
    return TRAIN_MEMORY_MB[0] + digits * (EVAL_MEMORY_MB_PER_DIGIT + extra_bytes_per_digit / 2**20)


def machine_memory_mb() -> float:
    """Physical memory of this machine (Linux and macOS)."""
    import os

    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def describe_time(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def describe_memory(mb: float) -> str:
    return f"{mb:.0f} MB" if mb < 1024 else f"{mb / 1024:.1f} GB"


def read_measured(path) -> list[dict]:
    numbers = {"maxlen", "layers", "hidden", "embedding", "batch", "train_size", "test_size",
               "steps", "eval_every"}
    rows = []
    with open(path) as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            for key in numbers:
                row[key] = int(row[key])
            row["cpu_s"], row["max_rss_mb"] = float(row["cpu_s"]), float(row["max_rss_mb"])
            rows.append(row)
    return rows


def slurm_minutes(cpu_s: float, attempt: int) -> int:
    """Runtime to ask for: twice the estimate plus two minutes, more at each retry."""
    return math.ceil((2 + 2 * cpu_s / 60) * attempt)


DAY_S = 86400


def check_study(study) -> list[str]:
    """Warnings for runs estimated to take over a day (per seed)."""
    warnings = []
    for name, experiment in study.experiments.items():
        seen = set()
        for cell in experiment.cells:
            if cell.run in seen:
                continue
            seen.add(cell.run)
            settings = study.runs[cell.run]
            seconds = train_cpu_s(settings) / settings.threads
            if seconds > DAY_S:
                label = ", ".join(f"{lv.axis}={lv.label}" for lv in cell.levels)
                warnings.append(f"experiments.{name} ({label}): one training job is estimated to take "
                                f"{describe_time(seconds)} (and {describe_memory(train_memory_mb(settings))})")
    return warnings
