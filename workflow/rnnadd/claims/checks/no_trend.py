"""`no_trend`: the effect of one experiment against another (paired by seed, at each of
several numeric levels) does not change along those levels, within a margin: the
report's "the guess is not clearly right" about a trend (c10d: that the carried state
matters more the deeper the network)."""

from __future__ import annotations

import math

from rnnadd.analyses.stats import one_sample
from rnnadd.claims.base import ClaimReader, SeedValues, cell_key, cell_name
from rnnadd.claims.metrics import difference_bounds, worst_value
from rnnadd.claims.shared import MarginTest


class NoTrend(MarginTest):
    name = "no_trend"
    required = {"other": "another experiment with the same levels, e.g. the second plot of a figure",
                "levels": "two or more numeric levels, e.g. [1, 2, 3, 4] layers",
                "metric": "what is compared (a metric of both per-seed tables)"}

    def load(self, read: ClaimReader) -> dict:
        metric = read.metric()
        other = read.other_experiment("other")
        other.metric()
        levels = read.levels(minimum=2)
        for i, level in enumerate(read.entry["levels"]):
            other.cell(f"levels[{i}]", level)
        if other.experiment.axes != read.experiment.axes or len(read.experiment.axes) != 1:
            raise read.error("other", f"{other.experiment.name} must sweep the one axis {read.experiment.name} "
                                      f"sweeps ({', '.join(read.experiment.axes)})")
        try:
            positions = [float(level[0]) for level in levels]
        except ValueError:
            raise read.error("levels", "must be numbers (where the levels lie on their axis)") from None
        if len(set(positions)) != len(positions):
            raise read.error("levels", "must be distinct numbers")
        return {"metric": metric, **self.read_margin(read, metric), "other": other.experiment.name,
                "levels": levels, "positions": positions}

    def judge(self, claim: dict, values: SeedValues):
        metric, other_name = claim["metric"], claim["other"]
        other = values.experiment(other_name)
        xs = claim["positions"]
        span = max(xs) - min(xs)
        x_mean = sum(xs) / len(xs)
        sxx = sum((x - x_mean) ** 2 for x in xs)
        seeds = sorted(values.seeds(metric) & other.seeds(metric))
        changes = {}
        for seed in seeds:
            effects = []
            for level in claim["levels"]:
                here = _or_worst(values.of(metric, level).get(seed, math.nan), metric, claim, claim["experiment"],
                                 level)
                there = _or_worst(other.of(metric, level).get(seed, math.nan), metric, claim, other_name, level)
                effects.append(here - there)
            # The least-squares slope of the effect along the levels, times their span: the
            # fitted change of the effect from the first level to the last.
            effect_mean = sum(effects) / len(effects)
            slope = sum((x - x_mean) * (e - effect_mean) for x, e in zip(xs, effects)) / sxx
            changes[seed] = slope * span
        low, high = difference_bounds(metric)
        first, last = cell_name(claim["levels"][0]), cell_name(claim["levels"][-1])
        comparison = one_sample(f"fitted change of ({claim['experiment']} minus {other_name}) from {first} to {last}",
                                changes, bounds=(2 * low, 2 * high))
        return self.judge_comparisons(claim, [comparison],
                                      f"({claim['experiment']} minus {other_name}) without a trend from {first} "
                                      f"to {last}")


def _or_worst(value: float, metric: str, claim: dict, table: str, level) -> float:
    """A missing or non-finite value is the metric's worst value; without one, nan (not judged)."""
    if math.isfinite(value):
        return value
    worst = worst_value(metric, claim.get("caps", {}).get(table), cell_key(level))
    return math.nan if worst is None else worst


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 115
TEST = NoTrend()
