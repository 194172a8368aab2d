"""Claims of the report as data, and the rule that gives each a verdict.

A claim (an entry under ``claims:`` in the config) names an experiment, a test
from a small vocabulary and the metric it reads from the experiment's per-seed
table (rnnadd.seedtable).  The verdict rule is documented once, in
docs/claims.md; in short:

- comparisons are paired seed by seed (the runs of one experiment share their
  data and initial weights per seed): the mean of the per-seed differences and
  its 95% Student-t interval decide.  ``holds`` when the interval lies entirely
  on the claimed side (inside the margin for ``same``), ``does not hold`` when
  it lies entirely on the other side (outside the margin), ``inconclusive``
  otherwise, and always with fewer than 2 seeds.
- ``diverges``, ``never_learns`` and ``reaches`` count seeds: holds when every
  seed does, does not hold when none does, inconclusive in between.
- a claim made of several comparisons holds when all hold, does not hold when
  any does not hold, and is inconclusive otherwise.

Plain Python: checked while Snakemake reads the config, judged in a light job.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import UserError
from .io import rerun_hint
from .seedtable import describe_metric, lower_is_better, metric_names, threshold_name
from .stats import mean_interval

HOLDS, FAILS, OPEN = "holds", "does not hold", "inconclusive"

# test -> (keys it needs, keys it may have) besides section, claim, experiment, test.
TESTS = {
    "better": ({"a", "b", "metric"}, set()),
    "same": ({"levels", "metric", "margin"}, set()),
    "ordered": ({"levels", "metric"}, set()),
    "best": ({"levels", "metric"}, set()),
    "no_interaction": ({"a", "b", "metric", "margin"}, set()),
    "diverges": ({"levels"}, set()),
    "never_learns": ({"levels", "threshold"}, set()),
    "reaches": ({"levels", "threshold", "by"}, set()),
    "at_least": ({"levels", "metric", "value"}, set()),
    "at_most": ({"levels", "metric", "value"}, set()),
}
COMMON_KEYS = ("section", "claim", "experiment", "test")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
RESULT_COLUMNS = ("id", "section", "claim", "experiment", "test", "metric", "compared", "estimate",
                  "ci95_low", "ci95_high", "margin", "count", "n_seeds", "verdict", "measured")


class ClaimError(UserError):
    """A claim in the config is inconsistent with the study; the message names the key."""


# -- reading the config ------------------------------------------------------------


def _label(value) -> str:
    """A level as written in a claim, in the form of study.Level.label."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _resolve_level(where: str, value, experiment, partial: bool = False) -> dict:
    """A level reference -> {axis index: label}; complete unless partial."""
    axes = list(experiment.axes)
    known = [list(dict.fromkeys(cell.levels[i].label for cell in experiment.cells)) for i in range(len(axes))]
    if isinstance(value, dict):
        chosen = {}
        for axis, label in value.items():
            if axis not in axes:
                raise ClaimError(f"{where}: {axis!r} is not an axis of {experiment.name}; "
                                 f"its axes are {', '.join(axes)}")
            chosen[axes.index(axis)] = _label(label)
    elif len(axes) == 1:
        chosen = {0: _label(value)}
    else:
        raise ClaimError(f"{where}: {experiment.name} has two axes; name a cell as a mapping "
                         f"{{{axes[0]}: ..., {axes[1]}: ...}} (got {value!r})")
    if partial:
        if len(chosen) != 1:
            raise ClaimError(f"{where}: give exactly one axis of {experiment.name} "
                             f"({' or '.join(axes)}); the effect is compared across the other")
    elif len(chosen) != len(axes):
        raise ClaimError(f"{where}: name a value on every axis of {experiment.name} ({', '.join(axes)})")
    for index, label in chosen.items():
        if label not in known[index]:
            raise ClaimError(f"{where}: {label!r} is not a level of {experiment.name}.{axes[index]}; "
                             f"its levels are: {', '.join(repr(x) for x in known[index])}")
    return chosen


def _cell_key(chosen: dict) -> list:
    return [chosen.get(0, ""), chosen.get(1, "")]


def _number(where: str, value, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ClaimError(f"{where}: must be a finite number (got {value!r})")
    if positive and value <= 0:
        raise ClaimError(f"{where}: must be a positive number (got {value!r})")
    return float(value)


def load_claims(entries, study) -> list[dict]:
    """Check the config's claims against the study; return them in a JSON-ready form.

    Everything a job needs to judge a claim is in its dict (levels as labels,
    the metric's direction), so the judging job never reads the config.
    """
    if entries is None:
        return []
    if not isinstance(entries, dict):
        raise ClaimError("claims: must be a mapping of claim id -> claim")
    claims = []
    for claim_id, entry in entries.items():
        where = f"claims.{claim_id}"
        if not isinstance(claim_id, str) or not ID_PATTERN.match(claim_id):
            raise ClaimError(f"claims: id {claim_id!r} is not allowed; use lower-case letters, digits and _")
        if not isinstance(entry, dict):
            raise ClaimError(f"{where}: must be a mapping with section, claim, experiment and test")
        for key in COMMON_KEYS:
            if key not in entry:
                raise ClaimError(f"{where}.{key}: missing; a claim needs {', '.join(COMMON_KEYS)}")
        test = entry["test"]
        if test not in TESTS:
            raise ClaimError(f"{where}.test: must be one of {', '.join(TESTS)} (got {test!r})")
        needed, optional = TESTS[test]
        for key in sorted(needed):
            if key not in entry:
                raise ClaimError(f"{where}.{key}: missing; a {test} claim needs {', '.join(sorted(needed))}")
        extra = sorted(set(entry) - set(COMMON_KEYS) - needed - optional)
        if extra:
            raise ClaimError(f"{where}.{extra[0]}: not used by a {test} claim, which takes "
                             f"{', '.join(sorted(needed | optional))}")
        name = entry["experiment"]
        if name not in study.experiments:
            raise ClaimError(f"{where}.experiment: {name!r} is not an experiment of the study; "
                             f"experiments are: {', '.join(study.experiments)}")
        experiment = study.experiments[name]
        layout = experiment.layout()
        available = metric_names(layout, study.runs)

        claim = {"id": claim_id, "section": str(entry["section"]), "claim": str(entry["claim"]),
                 "experiment": name, "test": test, "axes": list(experiment.axes)}
        if "metric" in entry:
            metric = entry["metric"]
            if metric not in available:
                raise ClaimError(f"{where}.metric: {metric!r} is not a metric of {name} "
                                 f"(a {experiment.kind} experiment); its metrics are: {', '.join(available)}")
            claim["metric"] = metric
        if "margin" in entry:
            claim["margin"] = _number(f"{where}.margin", entry["margin"], positive=True)
        if "value" in entry:
            claim["value"] = _number(f"{where}.value", entry["value"])
        if "threshold" in entry:
            threshold = _number(f"{where}.threshold", entry["threshold"], positive=True)
            step_metric = f"first_step_{threshold_name(threshold)}"
            if test == "reaches" and step_metric not in available:
                offered = [m.removeprefix("first_step_") for m in available if m.startswith("first_step_")]
                raise ClaimError(f"{where}.threshold: {name} records the first step at accuracy "
                                 f"{', '.join(offered)} only (got {entry['threshold']!r})")
            if threshold > 1:
                raise ClaimError(f"{where}.threshold: an accuracy, at most 1 (got {entry['threshold']!r})")
            claim["threshold"] = threshold
            claim["metric"] = step_metric if test == "reaches" else "max_accuracy"
        if "by" in entry:
            by = entry["by"]
            if isinstance(by, bool) or not isinstance(by, int) or by < 0:
                raise ClaimError(f"{where}.by: must be a step, an integer of at least 0 (got {by!r})")
            claim["by"] = by
        if test == "diverges":
            claim["metric"] = "diverged"

        if "levels" in entry:
            levels = entry["levels"]
            minimum = 2 if test in ("same", "ordered") else 1
            if not isinstance(levels, list) or len(levels) < minimum:
                raise ClaimError(f"{where}.levels: must be a list of at least {minimum} level"
                                 f"{'s' if minimum > 1 else ''} of {name}")
            keys = [_cell_key(_resolve_level(f"{where}.levels[{i}]", level, experiment))
                    for i, level in enumerate(levels)]
            if len({tuple(k) for k in keys}) != len(keys):
                raise ClaimError(f"{where}.levels: a level appears twice")
            claim["levels"] = keys
        if test == "better":
            claim["a"] = _cell_key(_resolve_level(f"{where}.a", entry["a"], experiment))
            others = entry["b"] if isinstance(entry["b"], list) else [entry["b"]]
            claim["b"] = [_cell_key(_resolve_level(f"{where}.b", level, experiment)) for level in others]
            if claim["a"] in claim["b"]:
                raise ClaimError(f"{where}.b: compares {entry['a']!r} with itself")
        if test == "no_interaction":
            if len(experiment.axes) != 2:
                raise ClaimError(f"{where}.test: no_interaction needs a two-axis (heatmap) experiment; "
                                 f"{name} has one axis")
            a = _resolve_level(f"{where}.a", entry["a"], experiment, partial=True)
            b = _resolve_level(f"{where}.b", entry["b"], experiment, partial=True)
            if set(a) != set(b) or a == b:
                raise ClaimError(f"{where}.b: must be another value on the same axis as a")
            axis = next(iter(a))
            other = 1 - axis
            claim["axis"] = axis
            claim["a"], claim["b"] = a[axis], b[axis]
            claim["across"] = list(dict.fromkeys(cell.levels[other].label for cell in experiment.cells))
        if "metric" in claim:
            claim["lower_is_better"] = lower_is_better(claim["metric"])
        claims.append(claim)
    return claims


# -- judging -----------------------------------------------------------------------


@dataclass
class Comparison:
    """Mean of per-seed differences (or values) and its 95% Student-t interval."""
    what: str
    mean: float
    low: float
    high: float
    n: int
    left_out: int = 0

    def text(self) -> str:
        interval = (f"95% CI {_fmt(self.low)} to {_fmt(self.high)}" if self.n >= 2
                    else "no interval with fewer than 2 seeds")
        note = f", {self.left_out} seed(s) without a finite value left out" if self.left_out else ""
        return f"{self.what}: {_fmt(self.mean)} ({interval}; {self.n} seeds{note})"


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    if value == 0:
        return "0"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _paired(what: str, a: dict, b: dict, sign: float = 1.0) -> Comparison:
    """sign * (a - b) seed by seed, over the seeds where both are finite."""
    seeds = sorted(set(a) | set(b))
    diffs = [sign * (a[s] - b[s]) for s in seeds
             if s in a and s in b and math.isfinite(a[s]) and math.isfinite(b[s])]
    mean, low, high = mean_interval(diffs)
    return Comparison(what, mean, low, high, len(diffs), len(seeds) - len(diffs))


def _one_sample(what: str, values: dict) -> Comparison:
    finite = [v for v in values.values() if math.isfinite(v)]
    mean, low, high = mean_interval(finite)
    return Comparison(what, mean, low, high, len(finite), len(values) - len(finite))


def side_verdict(c: Comparison, at: float = 0.0, closed: bool = False) -> str:
    """The claimed side is above `at` (strictly, unless closed)."""
    if c.n < 2 or math.isnan(c.low):
        return OPEN
    if c.low > at or (closed and c.low >= at):
        return HOLDS
    if c.high < at:
        return FAILS
    return OPEN


def margin_verdict(c: Comparison, margin: float) -> str:
    """Holds inside [-margin, margin], does not hold entirely outside it."""
    if c.n < 2 or math.isnan(c.low):
        return OPEN
    if -margin <= c.low and c.high <= margin:
        return HOLDS
    if c.low > margin or c.high < -margin:
        return FAILS
    return OPEN


def combine(verdicts) -> str:
    verdicts = list(verdicts)
    if verdicts and all(v == HOLDS for v in verdicts):
        return HOLDS
    if any(v == FAILS for v in verdicts):
        return FAILS
    return OPEN


def _name(key) -> str:
    return " / ".join(label for label in key if label != "")


def _values(table: dict, metric: str, key) -> dict:
    return table.get((metric, key[0], key[1]), {})


def index_seed_rows(rows) -> dict:
    """(metric, label0, label1) -> {seed: value}."""
    table: dict = {}
    for row in rows:
        table.setdefault((row["metric"], row["label0"], row["label1"]), {})[row["seed"]] = row["value"]
    return table


def _deciding(pairs, verdict):
    """The comparison to show for a combined verdict: the first that decided it."""
    for comparison, v in pairs:
        if v == verdict and verdict != HOLDS:
            return comparison
    # All hold: the weakest, the one whose interval comes nearest the line.
    return min(pairs, key=lambda p: p[0].low if not math.isnan(p[0].low) else -math.inf)[0]


def judge(claim: dict, table: dict) -> dict:
    """One claim, one result row (RESULT_COLUMNS)."""
    test = claim["test"]
    metric = claim.get("metric", "")
    sign = -1.0 if claim.get("lower_is_better") else 1.0
    direction = "lower is better" if sign < 0 else "higher is better"
    row = {"id": claim["id"], "section": claim["section"], "claim": claim["claim"],
           "experiment": claim["experiment"], "test": test, "metric": metric,
           "estimate": math.nan, "ci95_low": math.nan, "ci95_high": math.nan,
           "margin": claim.get("margin", math.nan), "count": "", "n_seeds": 0}
    details = []

    if test in ("better", "ordered", "best"):
        if test == "better":
            pairs_of = [(claim["a"], b) for b in claim["b"]]
        elif test == "ordered":
            pairs_of = list(zip(claim["levels"], claim["levels"][1:]))
        else:
            named = [tuple(k) for k in claim["levels"]]
            others = sorted({(k[1], k[2]) for k in table if k[0] == metric} - set(named))
            pairs_of = [(list(a), list(o)) for o in others for a in named]
        pairs = []
        for a, b in pairs_of:
            c = _paired(f"{_name(a)} ahead of {_name(b)}", _values(table, metric, a), _values(table, metric, b), sign)
            pairs.append((c, side_verdict(c)))
        if test == "best":
            # Holds when every other level is clearly behind one of the named ones;
            # does not hold when some level is clearly ahead of all of them.
            per_other: dict = {}
            for (a, o), (c, v) in zip(pairs_of, pairs):
                per_other.setdefault(tuple(o), []).append((c, v))
            verdict = OPEN
            if per_other and all(any(v == HOLDS for _, v in cs) for cs in per_other.values()):
                verdict = HOLDS
            elif any(all(v == FAILS for _, v in cs) for cs in per_other.values()):
                verdict = FAILS
            compared = f"{' or '.join(_name(k) for k in claim['levels'])} vs each of {len(per_other)} others"
        else:
            verdict = combine(v for _, v in pairs)
            compared = (f"{_name(claim['a'])} vs {', '.join(_name(b) for b in claim['b'])}" if test == "better"
                        else " > ".join(_name(k) for k in claim["levels"]))
        shown = _deciding(pairs, verdict) if pairs else None
        details = [c.text() + f" [{v}]" for c, v in pairs]
        summary = (f"{describe_metric(metric)} ({direction}); paired differences, "
                   "positive when the claimed better level is ahead")
    elif test in ("same", "no_interaction"):
        margin = claim["margin"]
        pairs = []
        if test == "same":
            levels = claim["levels"]
            for i, a in enumerate(levels):
                for b in levels[i + 1:]:
                    c = _paired(f"{_name(a)} minus {_name(b)}", _values(table, metric, a), _values(table, metric, b))
                    pairs.append((c, margin_verdict(c, margin)))
            compared = " = ".join(_name(k) for k in levels)
        else:
            axis = claim["axis"]

            def key(across, label):
                return [label, across] if axis == 0 else [across, label]

            effects = {}
            for across in claim["across"]:
                a_values = _values(table, metric, key(across, claim["a"]))
                b_values = _values(table, metric, key(across, claim["b"]))
                effects[across] = {s: a_values[s] - b_values[s] for s in a_values if s in b_values}
            levels = claim["across"]
            for i, first in enumerate(levels):
                for second in levels[i + 1:]:
                    c = _paired(f"effect at {first} minus effect at {second}", effects[first], effects[second])
                    pairs.append((c, margin_verdict(c, margin)))
            compared = f"({claim['a']} minus {claim['b']}) alike across {claim['axes'][1 - axis]}"
        verdict = combine(v for _, v in pairs)
        shown = (next((c for c, v in pairs if v == verdict), None) if verdict != HOLDS
                 else max((c for c, _ in pairs), key=lambda c: max(abs(c.low), abs(c.high))))
        details = [c.text() + f" [{v}]" for c, v in pairs]
        summary = f"{describe_metric(metric)}; paired differences, same when inside ±{_fmt(margin)}"
    elif test in ("at_least", "at_most"):
        value = claim["value"]
        pairs = []
        for level in claim["levels"]:
            values = _values(table, metric, level)
            c = _one_sample(f"mean at {_name(level)}", values)
            flipped = Comparison(c.what, -c.mean, -c.high, -c.low, c.n, c.left_out)
            v = side_verdict(c, value, closed=True) if test == "at_least" else side_verdict(flipped, -value, closed=True)
            pairs.append((c, v))
        verdict = combine(v for _, v in pairs)
        shown = next((c for c, v in pairs if v == verdict), pairs[0][0])
        details = [c.text() + f" [{v}]" for c, v in pairs]
        word = "at least" if test == "at_least" else "at most"
        compared = f"{', '.join(_name(k) for k in claim['levels'])} {word} {_fmt(value)}"
        summary = f"{describe_metric(metric)}; mean over seeds"
    else:  # counting tests
        counts = []
        for level in claim["levels"]:
            values = _values(table, metric, level)
            if test == "diverges":
                yes = sum(1 for v in values.values() if v == 1)
            elif test == "never_learns":
                yes = sum(1 for v in values.values() if not v >= claim["threshold"])
            else:
                reached = _values(table, f"reached_{threshold_name(claim['threshold'])}", level)
                yes = sum(1 for s, v in values.items() if reached.get(s) == 1 and v <= claim["by"])
            counts.append((level, yes, len(values)))
        verdicts = [HOLDS if n and yes == n else FAILS if yes == 0 else OPEN for _, yes, n in counts]
        verdict = combine(verdicts)
        yes_total, n_total = sum(c[1] for c in counts), sum(c[2] for c in counts)
        row["count"] = f"{yes_total}/{n_total}"
        row["estimate"] = yes_total / n_total if n_total else math.nan
        row["n_seeds"] = max((c[2] for c in counts), default=0)
        what = {"diverges": "seeds whose loss became non-finite",
                "never_learns": f"seeds whose exact-match accuracy never reached {_fmt(claim.get('threshold', 0))}",
                "reaches": (f"seeds at exact-match accuracy {_fmt(claim.get('threshold', 0))} "
                            f"by step {claim.get('by')}")}[test]
        details = [f"{_name(level)}: {yes} of {n} {what} [{v}]" for (level, yes, n), v in zip(counts, verdicts)]
        compared = ", ".join(_name(c[0]) for c in counts)
        summary = f"counted seeds: {what}"
        shown = None

    if shown is not None:
        row.update(estimate=shown.mean, ci95_low=shown.low, ci95_high=shown.high, n_seeds=shown.n)
    row["compared"] = compared
    row["verdict"] = verdict
    row["measured"] = f"{summary}. " + "; ".join(details) + "."
    return row


def judge_all(claims: list[dict], seed_rows) -> list[dict]:
    table = index_seed_rows(seed_rows)
    return [judge(claim, table) for claim in claims]


# -- result tables -----------------------------------------------------------------

_NUMERIC = ("estimate", "ci95_low", "ci95_high", "margin")


def write_results(rows: list[dict], path) -> None:
    """One row per claim (RESULT_COLUMNS), written atomically; same verdicts give same bytes."""
    import csv
    import io

    from .io import write_text
    from .seedtable import format_number

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for row in rows:
        writer.writerow([format_number(row[c]) if c in _NUMERIC else row[c] for c in RESULT_COLUMNS])
    write_text(path, buffer.getvalue())


def read_results(path) -> list[dict]:
    import csv

    from .seedtable import SeedTableError

    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != RESULT_COLUMNS:
            raise SeedTableError(f"{path}: not a claims table (columns {reader.fieldnames}); "
                                 f"{rerun_hint(path)}")
        rows = []
        for row in reader:
            for column in _NUMERIC:
                row[column] = float(row[column])
            row["n_seeds"] = int(row["n_seeds"])
            rows.append(row)
    return rows
