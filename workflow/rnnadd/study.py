"""From a study config (defaults, seeds, experiments) to the runs it needs.

A figure is data: an experiment entry gives its kind (``curves`` or
``heatmap``, or an analysis of the trained models: ``length``, ``positions``,
``probe``), the settings it changes (``set``) and the axes it sweeps
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

# Kind -> how many axes it may sweep.
KINDS = {"curves": (1,), "heatmap": (2,), "length": (1,), "positions": (1, 2), "probe": (1,)}
# Kinds that read the trained models (checkpoints) instead of the metric CSVs.
ANALYSIS_KINDS = ("length", "positions", "probe")
# Sums per test length (length) and per fit / score set (probe), unless `examples` says.
DEFAULT_EXAMPLES = {"length": 1000, "probe": 1000}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Rule names of the workflow; an experiment becomes a rule of its own name.
RESERVED_NAMES = {"all", "make_dataset", "run_settings", "train", "aggregate",
                  "curves_figure", "heatmap_figure", "length_eval", "positions_eval",
                  "probe_eval", "analysis_aggregate", "length_figure", "positions_figure",
                  "probe_figure"}


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
    test_lengths: list = field(default_factory=list)  # length: sorted, distinct
    examples: int = 0  # length, probe: sums per test set

    def runs(self) -> list[str]:
        return sorted({cell.run for cell in self.cells})

    def analysis_set(self) -> str:
        """Names what an analysis job computes besides its (run, seed): its test sums.

        Part of the job's output path, so adding a test length makes new
        jobs (one per run and seed) and leaves the old files alone.
        """
        if self.kind == "length":
            return length_set_id(self.test_lengths, self.examples)
        if self.kind == "probe":
            return f"n{self.examples}"
        return ""

    def layout(self) -> dict:
        """Everything the aggregate needs: which run stands for which line or cell."""
        layout = {
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
        if self.kind in ANALYSIS_KINDS:
            layout.update(test_lengths=list(self.test_lengths), examples=self.examples)
        return layout


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


def length_set_id(lengths, examples: int) -> str:
    """``n1000_len10-20-50``: the fixed test sums of a length experiment."""
    return f"n{examples}_len" + "-".join(str(length) for length in sorted(lengths))


def parse_length_set(text: str) -> tuple[list[int], int]:
    """The inverse of ``length_set_id``."""
    match = re.fullmatch(r"n(\d+)_len(\d+(?:-\d+)*)", text)
    if not match:
        raise ValueError(f"{text!r} is not a length test set name like n1000_len10-20-50")
    return [int(x) for x in match.group(2).split("-")], int(match.group(1))


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
    if not isinstance(sweep, dict) or len(sweep) not in KINDS[kind]:
        counts = " or ".join(str(n) for n in KINDS[kind])
        raise StudyError(
            f"{where}.sweep: a {kind} figure sweeps exactly {counts} "
            f"ax{'is' if KINDS[kind] == (1,) else 'es'} (got {len(sweep) if isinstance(sweep, dict) else sweep!r})")
    test_lengths, examples = _analysis_options(where, kind, entry)
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
        if kind == "probe" and settings.cell == "none":
            source = ("set.cell" if "cell" in fixed else
                      next((f"sweep.{lv.axis}" for lv in combination if "cell" in lv.changes), None))
            key = f"{where}.{source}" if source else f"{where} (defaults.cell)"
            raise StudyError(f"{key}: a probe reads the recurrent layers' hidden state; "
                             f"cell none has no recurrent layer ({label})")
        settings = canonical(settings)
        run = settings.run_id()
        runs[run] = settings
        cells.append(Cell(tuple(combination), run, settings.eval_steps()))

    threshold = entry.get("threshold", 1.0)
    return Experiment(name, kind, axes, cells, title=entry.get("title", name),
                      caption=entry.get("caption", ""), threshold=threshold,
                      options=dict(entry.get("plot") or {}),
                      test_lengths=test_lengths, examples=examples)


def _analysis_options(where: str, kind: str, entry: dict) -> tuple[list[int], int]:
    """``test_lengths`` (length kind) and ``examples`` (length, probe), checked."""
    lengths = entry.get("test_lengths")
    if kind != "length":
        if lengths is not None:
            raise StudyError(f"{where}.test_lengths: only a length figure has test lengths "
                             f"(this one is {kind})")
        lengths = []
    else:
        if lengths is None:
            raise StudyError(f"{where}.test_lengths: a length figure needs a non-empty list of "
                             "test lengths (operands of length-1 digits), e.g. [10, 100, 1000]")
        if not isinstance(lengths, list) or not lengths:
            raise StudyError(f"{where}.test_lengths: must be a non-empty list of integers of at "
                             f"least 2 (got {lengths!r})")
        for index, length in enumerate(lengths):
            if isinstance(length, bool) or not isinstance(length, int) or length < 2:
                raise StudyError(f"{where}.test_lengths[{index}]: must be an integer of at least 2 "
                                 f"(operands of length-1 digits; got {length!r})")
        if len(set(lengths)) != len(lengths):
            raise StudyError(f"{where}.test_lengths: {sorted(lengths)} repeats a length")
        lengths = sorted(lengths)
    examples = entry.get("examples")
    if kind not in DEFAULT_EXAMPLES:
        if examples is not None:
            raise StudyError(f"{where}.examples: only length and probe figures draw their own "
                             f"sums (this one is {kind})")
        return lengths, 0
    if examples is None:
        return lengths, DEFAULT_EXAMPLES[kind]
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise StudyError(f"{where}.examples: must be an integer of at least 1 (got {examples!r})")
    return lengths, examples


def _why_inert(key: str, settings: Settings) -> str:
    if key == "nonlinearity":
        return f"cell is {settings.cell}, only rnn has a nonlinearity setting"
    if key == "lr_gamma":
        return "there are no lr_milestones"
    if settings.cell == "none":
        return "cell is none: there is no recurrent layer"
    return f"hidden_mode is {settings.hidden_mode}, the initial state is only drawn in carry mode"
