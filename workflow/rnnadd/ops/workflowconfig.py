"""The study's config, loaded and checked exactly as the Snakefile does it, in plain Python.

``common.smk`` calls :func:`load` while the Snakefile is read, before any job
is planned; the tests call the same function, so a refused config or a
warning is judged in milliseconds without starting Snakemake. Everything a
user can get wrong in a config is found here, in this order: the config files
themselves (a key given twice), the schema (one line naming the key), the
study (runs, settings, sweeps), the claims, and, where jobs run on this
machine, runs too big for its memory.

A refusal is one :class:`ConfigError` whose message is the line the user sees.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rnnadd.claims import ClaimError, load_claims
from rnnadd.core.errors import UserError
from rnnadd.core.settings import Settings
from rnnadd.study import resources
from rnnadd.study.configcheck import check_config_files, check_schema, command_line_values
from rnnadd.study.plan import Study, StudyError, load_study

# workflow/rnnadd/ops/workflowconfig.py -> the repository root (Snakefile, workflow/rules).
ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


_DEFAULTS = Settings()


class ConfigError(UserError):
    """The config is refused; the message is the one line the user sees.

    ``warnings`` holds the warnings found before the refusal, which the
    Snakefile prints first, as it does for an accepted config.
    """

    def __init__(self, message: str, warnings: list[str] | None = None):
        super().__init__(f"Invalid configuration: {message}")
        self.warnings = list(warnings or [])


@dataclass
class LoadedConfig:
    study: Study
    claims: list
    # Shown as "Config warning: <message>" before any job is planned.
    warnings: list = field(default_factory=list)
    # run -> where it is first asked for ("experiments.fig05_maxlen (maxlen=3)"), to name it in messages.
    run_where: dict = field(default_factory=dict)


def merge(config: dict, overrides: Mapping) -> None:
    """Merge overrides into config in place as Snakemake does: mappings key by key, anything else replaced."""
    for key, value in overrides.items():
        if isinstance(value, Mapping):
            inner = config.get(key)
            if not isinstance(inner, dict):
                inner = config[key] = {}
            merge(inner, value)
        else:
            config[key] = value


_NAMED_RULE = re.compile(r"^\s*(?:rule|checkpoint)\s+([A-Za-z_]\w*)\s*:", re.M)
# An anonymous rule named by a `name:` directive: a literal, or an f-string
# over the variable of the `for` loop around it (`for _kind in ("length", ...)`).
_NAME_DIRECTIVE = re.compile(r"^\s*(?:rule|checkpoint)\s*:\s*\n\s*name\s*:\s*\n?\s*(f?)(\"[^\"\n]*\"|'[^'\n]*')",
                             re.M)
_FOR_LOOP = re.compile(r"^for\s+(\w+)\s+in\s+(\(.*?\)|\[.*?\])\s*:", re.M | re.S)


def rule_names(root: Path = ROOT) -> frozenset[str]:
    """The names of the workflow's own rules, read from the Snakefile and workflow/rules/*.smk.

    An experiment becomes a target rule of its own name, so these names are
    reserved. Rules named by a variable (the experiments' own target rules)
    are not names of the workflow. tests/test_config_errors.py checks this
    list against the rules Snakemake itself defines.
    """
    names = set()
    for path in [root / "Snakefile", *sorted((root / "workflow" / "rules").glob("*.smk"))]:
        text = path.read_text()
        names.update(_NAMED_RULE.findall(text))
        for match in _NAME_DIRECTIVE.finditer(text):
            is_fstring, literal = match.groups()
            template = ast.literal_eval(literal)
            if not is_fstring:
                names.add(template)
                continue
            loops = [loop for loop in _FOR_LOOP.finditer(text, 0, match.start())]
            if not loops:
                raise ValueError(f"{path}: rule name f{literal} is not inside a `for` loop over literal values")
            variable, values = loops[-1].groups()
            for value in ast.literal_eval(values):
                names.add(template.replace("{" + variable + "}", str(value)))
    return frozenset(names)


def _run_where(study: Study) -> dict:
    where = {}
    for name, experiment in study.experiments.items():
        for cell in experiment.cells:
            where.setdefault(cell.run, f"experiments.{name} ("
                             + ", ".join(f"{lv.axis}={lv.label}" for lv in cell.levels) + ")")
    return where


def too_big_message(what: str, estimate_mb: float, available_mb: float, key: str | None = None) -> str:
    """Why a job is refused on this machine (without the "Invalid configuration: " prefix).

    key: the config key (and its value) that makes the job this big, named in the remedy.
    """
    return (f"{what} needs about {resources.describe_memory(estimate_mb)} of memory (estimate), more than this "
            f"machine's {resources.describe_memory(available_mb)}; make {key or 'it'} smaller, or run it on a "
            "cluster (--profile profiles/slurm)")


def setting_source(config: Mapping, name: str, levels, key: str) -> str:
    """The config key that gives a run of experiment `name` (a cell of `levels`) its `key` setting,
    in the order the study applies them: override, the sweep's levels (the last wins), the
    experiment's `set`, then `defaults` (also where a built-in default is changed)."""
    if key in (config.get("override") or {}):
        return f"override.{key}"
    for level in reversed(levels):
        if key in level.changes:
            if level.changes == {level.axis: level.value} and key == level.axis:
                return f"experiments.{name}.sweep.{key}"
            return f"experiments.{name}.sweep.{level.axis} ({level.label}).set.{key}"
    entry = (config.get("experiments") or {}).get(name) or {}
    if key in (entry.get("set") or {}):
        return f"experiments.{name}.set.{key}"
    return f"defaults.{key}"


def _heaviest(estimate, candidates) -> str | None:
    """Of candidates (name, value, estimate with it put back to its default), the one whose value
    adds most to estimate: "name (value)"; None when putting none back lowers it."""
    best, drop = None, 0.0
    for name, value, lowered in candidates:
        try:
            gain = estimate - lowered()
        except (KeyError, TypeError, ValueError):
            continue
        if gain > drop:
            best, drop = f"{name} ({value})", gain
    return best


def _training_key(config, name, levels, settings) -> str | None:
    values, defaults = settings.as_dict(), _DEFAULTS.as_dict()
    return _heaviest(resources.train_memory_mb(values), [
        (setting_source(config, name, levels, key), values[key],
         lambda key=key: resources.train_memory_mb({**values, key: defaults[key]}))
        for key in values if values[key] != defaults[key]])


def _analysis_key(config, name, levels, kind, settings, options) -> str | None:
    from types import SimpleNamespace

    values, defaults = settings.as_dict(), _DEFAULTS.as_dict()
    option_defaults = {option.key: option.default for option in kind.options}
    entry = (config.get("experiments") or {}).get(name) or {}

    def with_setting(key):
        return kind.job_memory_mb(SimpleNamespace(**{**values, key: defaults[key]}), options)

    def with_option(key):
        default = option_defaults.get(key)
        return kind.job_memory_mb(settings, {**options, key: None if not isinstance(default, (int, float, list))
                                             else default})

    candidates = [(f"experiments.{name}.{key}", options[key], lambda key=key: with_option(key))
                  for key in options if key in entry]
    candidates += [(setting_source(config, name, levels, key), values[key], lambda key=key: with_setting(key))
                   for key in values if values[key] != defaults[key]]
    return _heaviest(kind.job_memory_mb(settings, options), candidates)


def load(config: dict, *, command_line: Mapping | None = None, configfiles=(), schema=SCHEMA,
         reserved_names=None, jobs_run_here: bool = True, memory_mb: float | None = None) -> LoadedConfig:
    """Check the merged config and expand it into the study; raise ConfigError on the first problem.

    config: the config files merged (Snakemake's ``config``); the command-line
        values are merged into it in place, read as YAML in a file would be.
    command_line: the ``--config`` values as Snakemake got them (strings).
    configfiles: the config files, checked for keys given twice.
    reserved_names: names an experiment may not take; the workflow's own rule names by default.
    jobs_run_here: jobs run on this machine (not a cluster): a run too big for
        its memory (``memory_mb``, this machine's by default) is refused now.
    """
    if command_line:
        merge(config, command_line_values(dict(command_line)))
    try:
        check_config_files(configfiles)
        check_schema(config, schema)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if reserved_names is None:
        reserved_names = rule_names()
    try:
        study = load_study(config, reserved_names)
        claims = load_claims(config.get("claims"), study, config.get("claim_margins"))
    except (StudyError, ClaimError) as error:
        raise ConfigError(str(error)) from None
    warnings = study.warnings + resources.check_study(study)
    loaded = LoadedConfig(study, claims, warnings, _run_where(study))
    if jobs_run_here:
        available = resources.machine_memory_mb() if memory_mb is None else memory_mb
        first_cell = {}
        for name, experiment in study.experiments.items():
            for cell in experiment.cells:
                first_cell.setdefault(cell.run, (name, cell.levels))
        for run, settings in study.runs.items():
            estimate = resources.train_memory_mb(settings)
            if estimate > available:
                key = _training_key(config, *first_cell[run], settings)
                raise ConfigError(too_big_message(f"{loaded.run_where[run]}: one training job (run {run})",
                                                  estimate, available, key), warnings)
        from rnnadd.study.kinds import CHECKPOINT, KINDS

        for name, experiment in study.experiments.items():
            kind = KINDS[experiment.kind]
            if kind.reads != CHECKPOINT:
                continue
            for cell in experiment.cells:
                settings = study.runs[cell.run]
                estimate = kind.job_memory_mb(settings, experiment.kind_options)
                if estimate > available:
                    labels = ", ".join(f"{lv.axis}={lv.label}" for lv in cell.levels)
                    key = _analysis_key(config, name, cell.levels, kind, settings, experiment.kind_options)
                    raise ConfigError(too_big_message(f"experiments.{name} ({labels}): one analysis job",
                                                      estimate, available, key), warnings)
    return loaded


def analysis_memory(study: Study):
    """(where, estimated MB) of each analysis job kind and run: the kinds' own estimates."""
    from rnnadd.study.kinds import CHECKPOINT, KINDS

    for name, experiment in study.experiments.items():
        kind = KINDS[experiment.kind]
        if kind.reads != CHECKPOINT:
            continue
        for cell in experiment.cells:
            labels = ", ".join(f"{lv.axis}={lv.label}" for lv in cell.levels)
            yield (f"experiments.{name} ({labels})",
                   kind.job_memory_mb(study.runs[cell.run], experiment.kind_options))
