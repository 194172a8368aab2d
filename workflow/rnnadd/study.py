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
import math
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
# Long enough for any sensible name, short enough that the temporary file
# `.<name>.csv.<pid>.partial` stays far below the 255 bytes of a file name.
MAX_NAME_LENGTH = 64
# Seeds feed numpy's and torch's generators (the latter adds an offset).
MAX_SEED = 2**32 - 1


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
    """A swept value as legends and tables show it: short, and one-to-one.

    `:g` keeps six digits, so 0.001000111 and 0.001000112 would print alike;
    then the exact shortest form is used instead.
    """
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
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
    # Judged on the values themselves (0.001000111 and 0.001000112 differ),
    # and on the labels, which must tell the legend's entries apart.
    for index, level in enumerate(levels):
        for position, earlier in enumerate(levels[:index]):
            if level.label == earlier.label:
                raise StudyError(f"{where}: value {level.label!r} appears twice")
            if level.changes == earlier.changes:
                raise StudyError(f"{where}[{index}]: sets the same as {axis}[{position}] "
                                 f"({earlier.label!r}); each value of an axis must differ")
    return levels


def load_study(config: dict, reserved_names=frozenset()) -> Study:
    """Expand a config mapping into runs and experiments, or raise StudyError.

    reserved_names: names an experiment may not take (an experiment becomes a
    workflow rule of its own name; rnnadd.workflowconfig reads the rules' names).
    """
    seeds = config.get("seeds")
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED
                       for s in seeds)):
        raise StudyError(f"seeds: must be a non-empty list of integers from 0 to {MAX_SEED} "
                         f"(got {seeds!r})")
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
        if len(name) > MAX_NAME_LENGTH:
            raise StudyError(f"experiments.{name}: name is {len(name)} characters long; "
                             f"at most {MAX_NAME_LENGTH} are allowed")
        if name in reserved_names:
            raise StudyError(f"experiments.{name}: this name is taken by a workflow rule; "
                             f"reserved names are {', '.join(sorted(reserved_names))}")
        experiments[name] = _expand(name, entry, defaults, override, runs, warnings)
    _check_override(experiments_config, override, warnings)
    _check_labels(config.get("labels") or {}, experiments, warnings)
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
    _check_overridden_in_experiment(where, fixed, axes, level_lists, warnings)

    cells = []
    inert_reported = set()
    milestones_reported = False
    by_run: dict[str, tuple] = {}  # run -> (label, settings as written, with override) of its first cell
    for combination in itertools.product(*level_lists):
        values = {**defaults, **fixed}
        for level in combination:
            values.update(level.changes)
        label = ", ".join(f"{lv.axis}={lv.label}" for lv in combination)
        try:
            # As written, like the defaults: an override (a quick preset)
            # must not hide a bad value that the full study would reject.
            written = Settings.from_dict(values, where=f"{where} ({label})")
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
        late = [m for m in settings.lr_milestones if m >= settings.steps]
        if late and not milestones_reported:
            milestones_reported = True
            warnings.append(f"{where} ({label}).lr_milestones: milestone {late[0]} is not below steps "
                            f"({settings.steps}), so it never changes the learning rate of a step")
        forced = settings
        settings = canonical(settings)
        run = settings.run_id()
        _check_collapse(where, kind, run, label, written, forced, override, by_run)
        runs[run] = settings
        cells.append(Cell(tuple(combination), run, settings.eval_steps()))

    threshold = entry.get("threshold", 1.0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not math.isfinite(threshold) or not 0 < threshold <= 1:
        raise StudyError(f"{where}.threshold: must be a number above 0 and at most 1 (got {threshold!r})")
    if "threshold" in entry and kind != "heatmap":
        warnings.append(f"{where}.threshold: has no effect, only heatmaps use a threshold")
    options = dict(entry.get("plot") or {})
    _check_plot_options(where, kind, options, warnings)
    return Experiment(name, kind, axes, cells, title=entry.get("title", name),
                      caption=entry.get("caption", ""), threshold=threshold,
                      options=options,
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



def _check_overridden_in_experiment(where, fixed, axes, level_lists, warnings) -> None:
    """Warn about values the experiment gives and then overrides itself."""
    for key in fixed:
        overriding = [f"{lv.axis}={lv.label}" for levels in level_lists for lv in levels if key in lv.changes]
        if overriding:
            total = sum(len(levels) for levels in level_lists if any(key in lv.changes for lv in levels))
            warnings.append(f"{where}.set.{key}: overridden by the sweep for {len(overriding)} of its "
                            f"{total} values ({', '.join(overriding[:3])}{', ...' if len(overriding) > 3 else ''})")
    for position, levels in enumerate(level_lists):
        for index, level in enumerate(levels):
            for key in level.changes:
                if key in axes and key != level.axis:
                    later = axes.index(key) > position
                    warnings.append(
                        f"{where}.sweep.{level.axis}[{index}].set.{key}: {key} is also an axis of this "
                        + ("figure, whose values override it" if later
                           else "figure; this group overrides that axis's values"))


def _check_collapse(where, kind, run, label, written, forced, override, by_run) -> None:
    """Two lines (or cells) that are one run mislead, unless an inert setting is why."""
    if run not in by_run:
        by_run[run] = (label, written, forced)
        return
    first_label, first_written, first_forced = by_run[run]
    if forced != first_forced:
        return  # they differ only in settings without effect: warned about already
    entry = "a legend entry" if kind == "curves" else "a heatmap cell"
    if written != first_written:
        keys = [k for k in override if getattr(written, k) != getattr(first_written, k)]
        cause = ", ".join(f"override.{k} ({override[k]!r})" for k in keys)
        raise StudyError(f"{where}: ({first_label}) and ({label}) are one run because {cause} "
                         f"replaces the swept value; {entry} would have no run of its own")
    raise StudyError(f"{where}: ({first_label}) and ({label}) have the same settings, so are one run; "
                     f"{entry} would have no run of its own")


def _check_plot_options(where, kind, options, warnings) -> None:
    ymax = options.get("loss_ymax")
    if ymax is not None and (isinstance(ymax, bool) or not isinstance(ymax, (int, float))
                             or not math.isfinite(ymax) or ymax <= 0):
        raise StudyError(f"{where}.plot.loss_ymax: must be a finite number above 0 (got {ymax!r})")
    if "cmap" in options:
        from matplotlib import colormaps  # only when a colormap is named: it costs a third of a second

        if options["cmap"] not in colormaps:
            raise StudyError(f"{where}.plot.cmap: unknown colormap {options['cmap']!r}; "
                             "see matplotlib's list, e.g. viridis, magma, cividis, Blues")
    unused = {"curves": "cmap", "heatmap": "loss_ymax"}.get(kind)
    if unused in options:
        warnings.append(f"{where}.plot.{unused}: has no effect on a {kind} figure")


def _check_override(experiments_config, override, warnings) -> None:
    """One warning per `override` key that replaces values the experiments set."""
    for key in override:
        replaced = []
        for name, entry in experiments_config.items():
            levels = [lv for values in (entry.get("sweep") or {}).values() for lv in values]
            given = key in (entry.get("set") or {}) or key in (entry.get("sweep") or {}) or any(
                isinstance(lv, dict) and key in (lv.get("set") or {}) for lv in levels)
            if given:
                replaced.append(name)
        if replaced:
            warnings.append(f"override.{key}: replaces the value that {len(replaced)} experiment"
                            f"{'s' if len(replaced) > 1 else ''} set ({', '.join(replaced[:4])}"
                            f"{', ...' if len(replaced) > 4 else ''})")


def _check_labels(labels, experiments, warnings) -> None:
    """Words for an axis or value that no figure draws are likely a typo."""
    shown: dict[str, set] = {}
    for experiment in experiments.values():
        for cell in experiment.cells:
            for level in cell.levels:
                shown.setdefault(level.axis, set()).add(level.label)
    for axis, entry in labels.items():
        if axis not in shown:
            warnings.append(f"labels.{axis}: no figure sweeps {axis}, so these words are never shown")
            continue
        for value in (entry or {}).get("values") or {}:
            if str(value) not in shown[axis]:
                warnings.append(f"labels.{axis}.values.{value}: no figure has this value of {axis}")


def _why_inert(key: str, settings: Settings) -> str:
    if key == "nonlinearity":
        return f"cell is {settings.cell}, only rnn has a nonlinearity setting"
    if key == "lr_gamma":
        return "there are no lr_milestones"
    if settings.cell == "none":
        return "cell is none: there is no recurrent layer"
    return f"hidden_mode is {settings.hidden_mode}, the initial state is only drawn in carry mode"
