"""What every claim test is made of: the protocol (`ClaimTest`), the reader that checks
a claim's keys while the config is read (`ClaimReader`), the per-seed values it is
judged from (`SeedValues`) and what a judgement returns (`Judgement`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from rnnadd.analyses.stats import Comparison
from rnnadd.core.errors import UserError
from rnnadd.study.plan import describe


class ClaimError(UserError):
    """A claim in the config is inconsistent with the study; the message names the key."""


# -- reading a claim from the config ------------------------------------------------

_THE_KEYS = object()  # ClaimReader.cell: read the value of the key itself


class ClaimReader:
    """One claim's config entry, read key by key for its test.

    Each method checks one key and returns it in the JSON-ready form the judging
    job reads (levels as labels); a bad value raises a one-line ClaimError that
    names `claims.<id>.<key>`.
    """

    def __init__(self, claim_id: str, entry: dict, experiment, metrics: list[str], study=None,
                 margins: dict | None = None):
        self.claim_id = claim_id
        self.where = f"claims.{claim_id}"
        self.entry = entry
        self.experiment = experiment
        self.metrics = metrics  # the metrics of the experiment's per-seed table
        self.study = study
        self.margins = margins or {}  # metric or prefix* -> {"margin", "reason"} (config `claim_margins`)

    def error(self, key: str, message: str) -> ClaimError:
        return ClaimError(f"{self.where}.{key}: {message}")

    def labels(self, axis: int) -> list[str]:
        """The labels of one axis of the experiment, in the sweep's order."""
        return list(dict.fromkeys(cell.levels[axis].label for cell in self.experiment.cells))

    def metric(self, key: str = "metric") -> str:
        metric = self.entry[key]
        if metric not in self.metrics:
            experiment = self.experiment
            raise self.error(key, f"{metric!r} is not a metric of {experiment.name} (a {experiment.kind} "
                                  f"experiment); its metrics are: {', '.join(self.metrics)}")
        return metric

    def number(self, key: str, positive: bool = False) -> float:
        value = self.entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(key, f"must be a finite number (got {value!r})")
        if positive and value <= 0:
            raise self.error(key, f"must be a positive number (got {value!r})")
        return float(value)

    def share(self, key: str) -> float:
        """A rate of seeds: a number above 0 and below 1 (a rate of 1 could never be shown)."""
        value = self.number(key)
        if not 0 < value < 1:
            raise self.error(key, f"a share of seeds, above 0 and below 1 (got {self.entry[key]!r})")
        return value

    def margin(self, metric: str) -> tuple[float, str]:
        """The claim's margin and its reason: its own (`margin` with `margin_reason`), else the
        config's margin for the metric (`claim_margins`)."""
        if "margin" in self.entry or "margin_reason" in self.entry:
            if "margin_reason" not in self.entry:
                raise self.error("margin", "a claim's own margin needs a margin_reason (why this difference "
                                           f"is the smallest that matters); or leave it out to use "
                                           f"claim_margins.{metric}")
            if "margin" not in self.entry:
                raise self.error("margin_reason", "gives the reason for a margin, but the claim has no margin")
            reason = self.entry["margin_reason"]
            if not isinstance(reason, str) or not reason.strip():
                raise self.error("margin_reason", "must say, in words, why this margin")
            return self.number("margin", positive=True), f"the claim's own margin: {reason.strip()}"
        found = margin_for(metric, self.margins)
        if found is None:
            raise self.error("margin", f"missing; claim_margins has no margin for {metric}, so the claim "
                                       "needs its own margin and margin_reason")
        key, entry = found
        return float(entry["margin"]), f"claim_margins.{key}: {entry['reason']}"

    def other_experiment(self, key: str) -> ClaimReader:
        """Another experiment of the study, named by the key, as a reader of its levels and metrics."""
        from rnnadd.study.kinds import metric_names

        name = self.entry[key]
        study = self.study
        if study is None or name not in study.experiments:
            known = ", ".join(study.experiments) if study is not None else ""
            raise self.error(key, f"{name!r} is not an experiment of the study; experiments are: {known}")
        if name == self.experiment.name:
            raise self.error(key, "must be another experiment than the claim's own")
        other = study.experiments[name]
        return ClaimReader(self.claim_id, self.entry, other, metric_names(other.layout(), study.runs), study,
                           self.margins)

    def caps(self) -> dict:
        """{cell key: the last evaluated step} of every cell: a first step never reached."""
        return {cell_key([lv.label for lv in cell.levels] + [""] * (2 - len(cell.levels))): cell.eval_steps[-1]
                for cell in self.experiment.cells if cell.eval_steps}

    def at_most_one(self, key: str, accuracy: float) -> float:
        """An accuracy read by number(): at most 1."""
        if accuracy > 1:
            raise self.error(key, f"an accuracy, at most 1 (got {self.entry[key]!r})")
        return accuracy

    def step(self, key: str) -> int:
        value = self.entry[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(key, f"must be a step, an integer of at least 0 (got {value!r})")
        return value

    def levels(self, key: str = "levels", minimum: int = 1) -> list[list[str]]:
        """A list of distinct cells of the experiment."""
        levels = self.entry[key]
        if not isinstance(levels, list) or len(levels) < minimum:
            raise self.error(key, f"must be a list of at least {minimum} level{'s' if minimum > 1 else ''} "
                                  f"of {self.experiment.name}")
        cells = [self.cell(f"{key}[{i}]", level) for i, level in enumerate(levels)]
        if len({tuple(c) for c in cells}) != len(cells):
            raise self.error(key, "a level appears twice")
        return cells

    def cell(self, key: str, value=_THE_KEYS) -> list[str]:
        """One cell, [label of axis 0, label of axis 1 or ""]; value defaults to the key's."""
        chosen = self._resolve(key, self.entry[key] if value is _THE_KEYS else value, partial=False)
        return [chosen.get(0, ""), chosen.get(1, "")]

    def axis_value(self, key: str) -> tuple[int, str]:
        """A value on one axis of a two-axis experiment: (axis index, label)."""
        chosen = self._resolve(key, self.entry[key], partial=True)
        return next(iter(chosen.items()))

    def _resolve(self, key: str, value, partial: bool) -> dict:
        """A level reference -> {axis index: label}; on every axis unless partial."""
        experiment = self.experiment
        axes = list(experiment.axes)
        if isinstance(value, dict):
            chosen = {}
            for axis, label in value.items():
                if axis not in axes:
                    raise self.error(key, f"{axis!r} is not an axis of {experiment.name}; "
                                          f"its axes are {', '.join(axes)}")
                chosen[axes.index(axis)] = describe(label)
        elif len(axes) == 1:
            chosen = {0: describe(value)}
        else:
            raise self.error(key, f"{experiment.name} has two axes; name a cell as a mapping "
                                  f"{{{axes[0]}: ..., {axes[1]}: ...}} (got {value!r})")
        if partial:
            if len(chosen) != 1:
                raise self.error(key, f"give exactly one axis of {experiment.name} "
                                      f"({' or '.join(axes)}); the effect is compared across the other")
        elif len(chosen) != len(axes):
            raise self.error(key, f"name a value on every axis of {experiment.name} ({', '.join(axes)})")
        for index, label in chosen.items():
            known = self.labels(index)
            if label not in known:
                raise self.error(key, f"{label!r} is not a level of {experiment.name}.{axes[index]}; "
                                      f"its levels are: {', '.join(repr(x) for x in known)}")
        return chosen


def margin_for(metric: str, margins: dict):
    """(key, {"margin", "reason"}) of claim_margins for a metric: its own key, else the
    longest `prefix*` key it starts with; None if there is none."""
    if metric in margins:
        return metric, margins[metric]
    prefixes = [key for key in margins if key.endswith("*") and metric.startswith(key[:-1])]
    if not prefixes:
        return None
    key = max(prefixes, key=len)
    return key, margins[key]


def check_margins(margins) -> dict:
    """The config's `claim_margins` (metric or prefix* -> {margin, reason}), checked."""
    if margins is None:
        return {}
    if not isinstance(margins, dict):
        raise ClaimError("claim_margins: must be a mapping of metric -> {margin, reason}")
    for key, entry in margins.items():
        where = f"claim_margins.{key}"
        if not isinstance(entry, dict) or set(entry) != {"margin", "reason"}:
            raise ClaimError(f"{where}: must be a mapping with exactly margin and reason")
        margin = entry["margin"]
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin < math.inf:
            raise ClaimError(f"{where}.margin: must be a positive number (got {margin!r})")
        if not isinstance(entry["reason"], str) or not entry["reason"].strip():
            raise ClaimError(f"{where}.reason: must say, in words, why this margin")
    return margins


# -- judging ---------------------------------------------------------------------


def cell_key(cell) -> str:
    """A cell ([label0, label1]) as a JSON key."""
    return f"{cell[0]}\t{cell[1]}"


class SeedValues:
    """An experiment's per-seed table (rnnadd.analyses.seedtable rows) as {seed: value} per metric and cell;
    `others`: the tables of other experiments a claim reads ({name: rows})."""

    def __init__(self, rows, others: dict | None = None):
        self.table: dict = {}
        for row in rows:
            self.table.setdefault((row["metric"], row["label0"], row["label1"]), {})[row["seed"]] = row["value"]
        self.others = {name: SeedValues(other) for name, other in (others or {}).items()}

    def experiment(self, name: str) -> SeedValues:
        """Another experiment's table, given to judge_all."""
        if name not in self.others:
            raise KeyError(f"the per-seed table of {name} was not given to the claims job")
        return self.others[name]

    def seeds(self, metric: str) -> set:
        """Every seed that has the metric in some cell: the seeds every cell should have."""
        return {seed for (m, _, _), values in self.table.items() if m == metric for seed in values}

    def of(self, metric: str, cell) -> dict:
        """{seed: value} of one metric in one cell ([label0, label1]); empty if absent."""
        return self.table.get((metric, cell[0], cell[1]), {})

    def cells(self, metric: str) -> set[tuple[str, str]]:
        """Every cell that has the metric."""
        return {(label0, label1) for (m, label0, label1) in self.table if m == metric}


def cell_name(cell) -> str:
    """A cell as the verdict texts name it: its labels joined by ' / '."""
    return " / ".join(label for label in cell if label != "")


@dataclass
class Judgement:
    """A test's verdict on one claim and what the result row shows of it."""
    verdict: str
    compared: str  # what was compared, in words
    summary: str  # how it was measured
    details: list[str]  # one line per comparison or counted level
    shown: Comparison | None = None  # the comparison whose numbers the row shows
    count: str = ""  # counting tests: "yes/seeds" over every level
    estimate: float = math.nan  # counting tests: the share of seeds
    n_seeds: int = 0
    holds_within: float = math.nan  # margin tests: the smallest margin at which the claim would hold
    power_seeds: float = math.nan  # comparison tests: seeds for 80% power at the observed effect (estimate)
    p_value: float = math.nan  # the verdict's p on its intervals' scale (rnnadd.claims.shared.claim_p)


# The config schema's shape of the keys tests share (`python -m rnnadd.report.settingsdoc` writes
# them, with the tests that read each): a first check before a test's load() reads the key with
# a message naming it. A test with a key of its own gives its shape in its `schemas`.
KEY_SCHEMAS = {
    "metric": {"type": "string", "description": "a metric of the experiment's per-seed table"},
    "a": {"description": "a level (a mapping axis -> value for a heatmap cell)"},
    "b": {"description": "a level, or a list of levels"},
    "than": {"description": "the metric, or a list of metrics, of the same runs that `metric` is better than"},
    "levels": {"type": "array", "minItems": 1},
    "margin": {"type": "number", "exclusiveMinimum": 0, "description": "the claim's own margin, instead of "
                                                                       "claim_margins'"},
    "margin_reason": {"type": "string", "minLength": 1, "description": "why the claim's own margin"},
    "rate": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
             "description": "counting tests: the share of seeds claimed"},
    "other": {"type": "string", "description": "the other experiment"},
    "reason": {"type": "string", "minLength": 1, "description": "why it cannot be tested"},
    "value": {"type": "number"},
    "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "by": {"type": "integer", "minimum": 0},
}


class ClaimTest:
    """One test of the claim vocabulary: a module per test in rnnadd/claims/checks/.

    name: the `test:` value; required / optional: key -> what it means (besides
    section, claim, group, experiment, test); schemas: the JSON schema of each
    of its keys that KEY_SCHEMAS lacks.  load() checks the keys (in a fixed order,
    so the first bad key is the one reported) and returns the claim's fields;
    judge() gives the verdict from the per-seed values.  A field "metric" gets its
    direction ("lower_is_better") from the engine.
    """

    name: ClassVar[str]
    required: ClassVar[dict[str, str]]
    optional: ClassVar[dict[str, str]] = {}
    schemas: ClassVar[dict[str, dict]] = {}

    def load(self, read: ClaimReader) -> dict:
        raise NotImplementedError

    def judge(self, claim: dict, values: SeedValues) -> Judgement:
        raise NotImplementedError
