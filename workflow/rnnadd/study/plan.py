"""From a study config (defaults, seeds, experiments) to the runs it needs.

A figure is data: an experiment entry gives its kind (one of rnnadd.study.kinds:
``curves`` or ``heatmap``, or an analysis of the trained models: ``length``,
``positions``, ``probe``), the settings it changes (``set``), the axes it
sweeps (``sweep``) and its kind's own options.  Every line or cell becomes one run, identified by its
effective settings, so a run that several figures need is trained once.

This module checks what a JSON schema cannot: that swept keys are settings,
that every resulting run is valid, the number of axes per kind, the kind's
options (checked by the kind), and settings that would have no effect where
they are set.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from rnnadd.core.errors import UserError
from rnnadd.core.settings import DOMAINS, FIELD_NAMES, Settings, SettingsError
from rnnadd.study.kinds import KINDS, OptionError, read_options

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Long enough for any sensible name, short enough that the temporary file
# `.<name>.csv.<pid>.partial` stays far below the 255 bytes of a file name.
MAX_NAME_LENGTH = 64
# Seeds feed numpy's and torch's generators (the latter adds an offset).
MAX_SEED = 2**32 - 1


class StudyError(UserError):
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
    options: dict = field(default_factory=dict)  # plot options: drawing only
    kind_options: dict = field(default_factory=dict)  # the kind's own options, checked, with defaults
    seeds: list = field(default_factory=list)  # its own (`seeds:` in its entry), else the study's

    def runs(self) -> list[str]:
        return sorted({cell.run for cell in self.cells})

    def layout(self) -> dict:
        """Everything the aggregate needs: which run stands for which line or cell, and the kind's options."""
        return {
            "name": self.name,
            "kind": self.kind,
            "axes": list(self.axes),
            **self.kind_options,
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
    seeds: list  # the top-level `seeds`: every experiment's unless it sets its own
    runs: dict  # run id -> canonical Settings
    experiments: dict  # name -> Experiment
    warnings: list

    def run_seeds(self, run: str) -> list[int]:
        """Every seed some experiment needs of the run: the union, so a shared run trains each once."""
        return sorted({seed for experiment in self.experiments.values() if run in experiment.runs()
                       for seed in experiment.seeds})

    def dataset_ids(self) -> set[str]:
        return {settings.dataset_id(seed) for run, settings in self.runs.items() for seed in self.run_seeds(run)}


def _seed_list(where: str, seeds) -> list[int]:
    """A list of distinct seeds from 0 to MAX_SEED, or a StudyError naming `where`."""
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED
                       for s in seeds)):
        raise StudyError(f"{where}: must be a non-empty list of integers from 0 to {MAX_SEED} "
                         f"(got {seeds!r})")
    if len(set(seeds)) != len(seeds):
        raise StudyError(f"{where}: must be distinct (got {seeds!r})")
    return list(seeds)


def experiment_seeds(name: str, entry: dict, study_seeds: list, max_seeds) -> list[int]:
    """An experiment's seeds: its own `seeds` (a count n: seeds 0..n-1; or a list), else the
    study's; then at most `max_seeds` of them (the first), which a quick preset sets."""
    where = f"experiments.{name}.seeds"
    given = entry.get("seeds") if isinstance(entry, dict) else None
    if given is None:
        seeds = list(study_seeds)
    elif isinstance(given, int) and not isinstance(given, bool):
        if not 1 <= given <= MAX_SEED:
            raise StudyError(f"{where}: a count of seeds must be at least 1 (got {given!r}); "
                             "or give a list of seeds")
        seeds = list(range(given))
    elif isinstance(given, list):
        seeds = _seed_list(where, given)
    else:
        raise StudyError(f"{where}: must be a count of seeds (n: seeds 0 to n-1) or a non-empty list "
                         f"of integers from 0 to {MAX_SEED} (got {given!r})")
    return seeds[:max_seeds] if max_seeds is not None else seeds


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
    workflow rule of its own name; rnnadd.ops.workflowconfig reads the rules' names).
    """
    seeds = _seed_list("seeds", config.get("seeds"))
    max_seeds = config.get("max_seeds")
    if max_seeds is not None and (isinstance(max_seeds, bool) or not isinstance(max_seeds, int) or max_seeds < 1):
        raise StudyError(f"max_seeds: must be an integer of at least 1 (got {max_seeds!r})")

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
        experiments[name] = _expand(name, entry, defaults, override, runs, warnings, max_seeds is not None)
        experiments[name].seeds = experiment_seeds(name, entry, seeds, max_seeds)
    # A quick preset (max_seeds) overrides settings and drops sweep values on
    # purpose: warning about that would tell the user nothing they can act on.
    quick = max_seeds is not None
    if not quick:
        _check_override(experiments_config, override, warnings)
    _check_labels(config.get("labels") or {}, experiments, warnings, quick)
    return Study(list(seeds), runs, experiments, warnings)


def _expand(name, entry, defaults, override, runs, warnings, quick: bool = False) -> Experiment:
    where = f"experiments.{name}"
    if not isinstance(entry, dict):
        raise StudyError(f"{where}: must be a mapping with kind, set and sweep")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise StudyError(f"{where}.kind: must be one of {', '.join(KINDS)} (got {kind!r})")
    spec = KINDS[kind]
    fixed = entry.get("set") or {}
    sweep = entry.get("sweep") or {}
    if not isinstance(sweep, dict) or len(sweep) not in spec.axes:
        counts = " or ".join(str(n) for n in spec.axes)
        raise StudyError(
            f"{where}.sweep: a {kind} figure sweeps exactly {counts} "
            f"ax{'is' if spec.axes == (1,) else 'es'} (got {len(sweep) if isinstance(sweep, dict) else sweep!r})")
    try:
        kind_options = read_options(spec, where, entry, warnings)
    except OptionError as error:
        raise StudyError(str(error)) from None
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
        try:
            spec.check_run(where, label, settings, fixed, combination, kind_options)
        except OptionError as error:
            raise StudyError(str(error)) from None
        late = [m for m in settings.lr_milestones if m >= settings.steps]
        if late and not milestones_reported:
            milestones_reported = True
            warnings.append(f"{where} ({label}).lr_milestones: milestone {late[0]} is not below steps "
                            f"({settings.steps}), so it never changes the learning rate of a step")
        forced = settings
        settings = canonical(settings)
        run = settings.run_id()
        _check_collapse(where, spec.entry, run, label, written, forced, override, by_run, warnings, quick)
        runs[run] = settings
        cells.append(Cell(tuple(combination), run, settings.eval_steps()))

    options = dict(entry.get("plot") or {})
    try:
        spec.check_plot_options(where, options, warnings)
    except OptionError as error:
        raise StudyError(str(error)) from None
    return Experiment(name, kind, axes, cells, title=entry.get("title", name),
                      caption=entry.get("caption", ""), options=options, kind_options=kind_options)


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


def _check_collapse(where, entry, run, label, written, forced, override, by_run, warnings,
                    quick: bool = False) -> None:
    """Two lines (or cells) that are one run mislead, unless an inert setting is why. Under a
    quick preset, whose override collapses a sweep on purpose, they are drawn as one run with
    the second marked identical, and a warning says so: the preset never blocks a target."""
    if run not in by_run:
        by_run[run] = (label, written, forced)
        return
    first_label, first_written, first_forced = by_run[run]
    if forced != first_forced:
        return  # they differ only in settings without effect: warned about already
    if written != first_written:
        keys = [k for k in override if getattr(written, k) != getattr(first_written, k)]
        cause = ", ".join(f"override.{k} ({override[k]!r})" for k in keys)
        if quick:
            warnings.append(f"{where}: ({first_label}) and ({label}) are one run under this quick preset, "
                            f"because {cause} replaces the swept value; the figure draws them as one "
                            f"line, the second marked identical (the full study keeps them apart)")
            return
        raise StudyError(f"{where}: ({first_label}) and ({label}) are one run because {cause} "
                         f"replaces the swept value; {entry} would have no run of its own")
    raise StudyError(f"{where}: ({first_label}) and ({label}) have the same settings, so are one run; "
                     f"{entry} would have no run of its own")


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


def _check_labels(labels, experiments, warnings, quick: bool = False) -> None:
    """Words for an axis or value that no figure draws are likely a typo. Under a quick
    preset, which drops values on purpose, only a value that the axis can never take is."""
    shown: dict[str, set] = {}
    for experiment in experiments.values():
        for cell in experiment.cells:
            for level in cell.levels:
                shown.setdefault(level.axis, set()).add(level.label)
    for axis, entry in labels.items():
        if axis not in shown:
            warnings.append(f"labels.{axis}: no figure sweeps {axis}, so these words are never shown")
            continue
        choices = getattr(DOMAINS.get(axis), "values", None)
        for value in (entry or {}).get("values") or {}:
            if str(value) in shown[axis] or (quick and (choices is None or value in choices)):
                continue
            warnings.append(f"labels.{axis}.values.{value}: no figure has this value of {axis}")


def _why_inert(key: str, settings: Settings) -> str:
    if key == "nonlinearity":
        return f"cell is {settings.cell}, only rnn has a nonlinearity setting"
    if key == "lr_gamma":
        return "there are no lr_milestones"
    if settings.cell == "none":
        return "cell is none: there is no recurrent layer"
    return f"hidden_mode is {settings.hidden_mode}, the initial state is only drawn in carry mode"
