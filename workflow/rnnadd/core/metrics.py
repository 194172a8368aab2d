"""The per-seed metrics CSV: its columns and an exact, stable text form."""

from __future__ import annotations

import csv
import io

COLUMNS = ("step", "loss", "test_loss", "accuracy", "digit_accuracy", "lr", "diverged")


def format_value(value) -> str:
    """Shortest exact text for a number, so equal runs give equal bytes."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rows_to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([format_value(row[c]) for c in COLUMNS])
    return buffer.getvalue()
