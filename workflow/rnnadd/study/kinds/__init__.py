"""The kinds of experiment, one module each, registered in one table.

``KINDS`` maps a kind's name (the ``kind:`` of an experiment entry) to its
object, an instance of kinds.base.Kind. The study, the rules and the scripts
ask it; nothing else names a kind. See docs/extending.md to add one.
"""

from __future__ import annotations

from importlib import import_module

from rnnadd.study.kinds.base import CHECKPOINT, METRICS, Kind, Option, OptionError

# The kinds, in the order messages list them: a new kind is its module's name here.
NAMES = ("curves", "heatmap", "length", "positions", "probe", "chains", "probe_controls")
KINDS: dict[str, Kind] = {name: import_module(f"{__name__}.{name}").KIND for name in NAMES}

__all__ = ["CHECKPOINT", "KINDS", "METRICS", "Kind", "Option", "OptionError", "all_options",
           "describe_metric", "lower_is_better", "metric_names", "read_options"]


def all_options() -> list[Option]:
    """Every option some kind reads, each once, in registry order."""
    return list(dict.fromkeys(option for kind in KINDS.values() for option in kind.options))


def read_options(kind: Kind, where: str, entry: dict, warnings: list) -> dict:
    """The kind's options of an experiment entry, checked; other kinds' options refused or warned about."""
    values = kind.read_options(where, entry, warnings)
    for option in all_options():
        if option not in kind.options:
            kind.refuse_foreign(where, entry, option, warnings)
    return values


# -- what the study's metrics are, asked of the kinds ---------------------------

def metric_names(layout: dict, runs: dict) -> list[str]:
    """Every metric an experiment's per-seed table holds (runs: run id -> Settings)."""
    return KINDS[layout["kind"]].metric_names(layout, runs)


def lower_is_better(metric: str, kind: str | None = None) -> bool:
    """Whether a smaller value of the metric is better (per its kind; without one, as any kind says).

    `better`, `ordered` and `best` claims read their direction from here.
    """
    kinds = [KINDS[kind]] if kind is not None else KINDS.values()
    return any(k.lower_is_better(metric) for k in kinds)


def describe_metric(metric: str, kind: str | None = None) -> str:
    """A metric in words (per its kind; without one, the first kind that knows it)."""
    kinds = [KINDS[kind]] if kind is not None else KINDS.values()
    for k in kinds:
        text = k.describe_metric(metric)
        if text is not None:
            return text
    return metric.replace("_", " ")
