"""The per-seed table every experiment writes: one number per (line or cell, seed, metric).

``results/aggregate/<name>.seeds.csv`` has the columns of SEED_COLUMNS.  Claims
are judged from these tables only, so a claim can be made about any metric of
any kind of experiment.  Which metrics a kind writes, and in which direction
they are better, is the kind's (rnnadd.study.kinds: metric_names, lower_is_better,
describe_metric); the config check uses it to refuse a claim about a metric
that will not exist, before any job runs.

Plain Python (csv, math): the claims job reads these tables without pandas.
"""

from __future__ import annotations

import csv
import io
import math

from rnnadd.core.errors import UserError
from rnnadd.core.io import rerun_hint, write_text

SEED_COLUMNS = ("label0", "label1", "run", "seed", "metric", "value")


def threshold_name(threshold: float) -> str:
    """0.99 -> '0.99', 1.0 -> '1': the suffix of first_step_<t> and reached_<t>."""
    return f"{float(threshold):g}"


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
