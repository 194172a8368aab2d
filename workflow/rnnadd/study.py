"""From a study config (defaults, seeds, experiments) to the runs it needs.

A figure is data: an experiment entry gives its kind (``curves`` or
``heatmap``), the settings it changes (``set``) and the axes it sweeps
(``sweep``).  Every line or cell becomes one run, identified by its
effective settings, so a run that several figures need is trained once.

This module checks what a JSON schema cannot: that swept keys are settings,
that every resulting run is valid, the number of axes per kind, and settings
that would have no effect where they are set.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from .settings import FIELD_NAMES, Settings, SettingsError

KINDS = {"curves": 1, "heatmap": 2}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Rule names of the workflow; an experiment becomes a rule of its own name.
RESERVED_NAMES = {"all", "make_dataset", "run_settings", "train", "aggregate",
                  "curves_figure", "heatmap_figure", "judge_claims", "claims_table", "claims",
                  "figure_page", "figure_settings"}


class StudyError(ValueError):
    """The study config is inconsistent; the message names the key."""


@dataclass(frozen=True)
class Level:
    """One value of an axis: what the reader sees, and the settings it changes."""
    axis: str
    label: str
    value: Any
    changes: dict


@dataclass
class Cell:
    levels: tuple  # one Level per axis
    run: str
    eval_steps: list  # the steps its metrics CSVs must hold


@dataclass
class Experiment:
    name: str
    kind: str
    axes: list
    cells: list
    title: str = ""
    caption: str = ""
    threshold: float = 1.0
    options: dict = field(default_factory=dict)

    def runs(self) -> list[str]:
        return sorted({cell.run for cell in self.cells})

    def layout(self) -> dict:
        """Everything the aggregate needs: which run stands for which line or cell."""
        return {
            "name": self.name,
            "kind": self.kind,
            "axes": list(self.axes),
            "threshold": self.threshold,
            "cells": [
                {"run": cell.run,
                 "eval_steps": cell.eval_steps,
                 "levels": [{"axis": lv.axis, "label": lv.label, "value": _plain(lv.value)}
                            for lv in cell.levels]}
                for cell in self.cells
            ],
        }


@dataclass
class Study:
    seeds: list
    runs: dict  # run id -> canonical Settings
    experiments: dict  # name -> Experiment
    warnings: list

    def dataset_ids(self) -> set[str]:
        return {settings.dataset_id(seed) for settings in self.runs.values() for seed in self.seeds}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def canonical(settings: Settings) -> Settings:
    """The run's settings with inert ones reset to the defaults (one file per run)."""
    defaults = Settings().as_dict()
    values = settings.as_dict()
    for key in settings.inert_keys():
        values[key] = defaults[key]
    return Settings.from_dict(values)


def describe(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _levels(name: str, axis: str, values) -> list[Level]:
    where = f"experiments.{name}.sweep.{axis}"
    if axis not in FIELD_NAMES:
        raise StudyError(f"{where}: {axis!r} is not a setting; settings are: {', '.join(FIELD_NAMES)}")
    if not isinstance(values, list) or not values:
        raise StudyError(f"{where}: must be a non-empty list of values")
    levels = []
    for index, value in enumerate(values):
        if isinstance(value, dict):
            extra = set(value) - {"label", "set"}
            if extra or "set" not in value or "label" not in value:
                raise StudyError(
                    f"{where}[{index}]: a level given as a mapping needs exactly 'label' and 'set'"
                    + (f", not {sorted(extra)[0]!r}" if extra else ""))
            if not isinstance(value["set"], dict):
                raise StudyError(f"{where}[{index}].set: must be a mapping of settings")
            levels.append(Level(axis, str(value["label"]), str(value["label"]), dict(value["set"])))
        else:
            levels.append(Level(axis, describe(value), value, {axis: value}))
    labels = [level.label for level in levels]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise StudyError(f"{where}: value {duplicates[0]!r} appears twice")
    return levels


def load_study(config: dict) -> Study:
    """Expand a config mapping into runs and experiments, or raise StudyError."""
    seeds = config.get("seeds")
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise StudyError(f"seeds: must be a non-empty list of non-negative integers (got {seeds!r})")
    if len(set(seeds)) != len(seeds):
        raise StudyError(f"seeds: must be distinct (got {seeds!r})")

    defaults = config.get("defaults") or {}
    override = config.get("override") or {}
    try:
        Settings.from_dict(defaults, where="defaults")
        Settings.from_dict({**defaults, **override}, where="override")
    except SettingsError as error:
        raise StudyError(str(error)) from None

    experiments_config = config.get("experiments") or {}
    if not experiments_config:
        raise StudyError("experiments: the study needs at least one experiment")
    runs: dict[str, Settings] = {}
    experiments: dict[str, Experiment] = {}
    warnings: list[str] = []
    for name, entry in experiments_config.items():
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise StudyError(
                f"experiments: name {name!r} is not allowed; use lower-case letters, digits and _, "
                "starting with a letter")
        if name in RESERVED_NAMES:
            raise StudyError(f"experiments.{name}: this name is taken by a workflow rule; "
                             f"reserved names are {', '.join(sorted(RESERVED_NAMES))}")
        experiments[name] = _expand(name, entry, defaults, override, runs, warnings)
    return Study(list(seeds), runs, experiments, warnings)


def _expand(name, entry, defaults, override, runs, warnings) -> Experiment:
    where = f"experiments.{name}"
    if not isinstance(entry, dict):
        raise StudyError(f"{where}: must be a mapping with kind, set and sweep")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise StudyError(f"{where}.kind: must be one of {', '.join(KINDS)} (got {kind!r})")
    fixed = entry.get("set") or {}
    sweep = entry.get("sweep") or {}
    if not isinstance(sweep, dict) or len(sweep) != KINDS[kind]:
        raise StudyError(
            f"{where}.sweep: a {kind} figure sweeps exactly {KINDS[kind]} "
            f"ax{'is' if KINDS[kind] == 1 else 'es'} (got {len(sweep) if isinstance(sweep, dict) else sweep!r})")
    for key in fixed:
        if key not in FIELD_NAMES:
            raise StudyError(f"{where}.set: {key!r} is not a setting; settings are: {', '.join(FIELD_NAMES)}")
    axes = list(sweep)
    level_lists = [_levels(name, axis, values) for axis, values in sweep.items()]

    cells = []
    inert_reported = set()
    for combination in itertools.product(*level_lists):
        values = {**defaults, **fixed}
        for level in combination:
            values.update(level.changes)
        label = ", ".join(f"{lv.axis}={lv.label}" for lv in combination)
        try:
            # As written, like the defaults: an override (a quick preset)
            # must not hide a bad value that the full study would reject.
            Settings.from_dict(values, where=f"{where} ({label})")
            settings = Settings.from_dict({**values, **override}, where=f"{where} ({label})")
        except SettingsError as error:
            raise StudyError(str(error)) from None
        chosen = set(fixed) | {key for level in combination for key in level.changes}
        for key in sorted(chosen & set(settings.inert_keys())):
            if key not in inert_reported:
                inert_reported.add(key)
                warnings.append(
                    f"{where}: setting {key!r} has no effect here ({_why_inert(key, settings)}); "
                    "runs that differ only in it are the same run, trained once")
        settings = canonical(settings)
        run = settings.run_id()
        runs[run] = settings
        cells.append(Cell(tuple(combination), run, settings.eval_steps()))

    threshold = entry.get("threshold", 1.0)
    return Experiment(name, kind, axes, cells, title=entry.get("title", name),
                      caption=entry.get("caption", ""), threshold=threshold,
                      options=dict(entry.get("plot") or {}))


def _why_inert(key: str, settings: Settings) -> str:
    if key == "nonlinearity":
        return f"cell is {settings.cell}, only rnn has a nonlinearity setting"
    if key == "lr_gamma":
        return "there are no lr_milestones"
    if settings.cell == "none":
        return "cell is none: there is no recurrent layer"
    return f"hidden_mode is {settings.hidden_mode}, the initial state is only drawn in carry mode"
