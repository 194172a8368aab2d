"""The kinds of experiment, one module each, found by scanning this folder.

``KINDS`` maps a kind's name (the ``kind:`` of an experiment entry) to its
object, an instance of kinds.base.Kind: the ``KIND`` of the module
``kinds/<name>.py``, whose caption is ``kinds/<name>.rst`` beside it. The
study, the rules and the scripts ask it; nothing else names a kind. A module
may set ``ORDER`` (a number: where messages and the schema list the kind);
one without comes after those with, by name. See docs/extending.md to add one.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from rnnadd.study.kinds.base import CHECKPOINT, METRICS, Kind, Option, OptionError

# Modules of this folder that are not kinds.
NOT_KINDS = ("base",)


def discover(path, package: str) -> dict[str, Kind]:
    """Every <name>.py's KIND of a package (its path and name), by ORDER, then by name; a module that
    is not one refused."""
    modules = []
    for info in pkgutil.iter_modules(path):
        if info.name in NOT_KINDS or info.name.startswith("_"):
            continue
        module = import_module(f"{package}.{info.name}")
        kind = getattr(module, "KIND", None)
        if not isinstance(kind, Kind) or kind.name != info.name:
            raise ImportError(f"{module.__file__}: a kind module defines KIND, an instance of rnnadd."
                              f"study.kinds.base.Kind named {info.name!r} (a helper module's name starts with _)")
        modules.append((getattr(module, "ORDER", float("inf")), info.name, kind))
    return {name: kind for _, name, kind in sorted(modules, key=lambda m: (m[0], m[1]))}


KINDS: dict[str, Kind] = discover(__path__, __name__)
# The kinds' names, in the order messages list them.
NAMES = tuple(KINDS)

__all__ = ["CHECKPOINT", "KINDS", "METRICS", "NAMES", "Kind", "Option", "OptionError", "all_options",
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
