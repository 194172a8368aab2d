"""`no_interaction`: on a two-axis experiment, the effect of a minus b (values of one
axis) is the same, within a margin, at every level of the other axis."""

from __future__ import annotations

import math

from rnnadd.analyses.stats import paired
from rnnadd.claims.base import ClaimReader, SeedValues, cell_key
from rnnadd.claims.metrics import difference_bounds, worst_value
from rnnadd.claims.shared import MarginTest


class NoInteraction(MarginTest):
    name = "no_interaction"
    required = {"a": "a value of one axis, e.g. {hidden_mode: carry}",
                "b": "another value of the same axis",
                "metric": "what is compared (a metric of the per-seed table)"}

    def load(self, read: ClaimReader) -> dict:
        metric = read.metric()
        experiment = read.experiment
        if len(experiment.axes) != 2:
            raise read.error("test", f"no_interaction needs a two-axis (heatmap) experiment; "
                                     f"{experiment.name} has one axis")
        fields = {"metric": metric, **self.read_margin(read, metric)}
        a_axis, a = read.axis_value("a")
        b_axis, b = read.axis_value("b")
        if a_axis != b_axis or a == b:
            raise read.error("b", "must be another value on the same axis as a")
        fields.update(axis=a_axis, a=a, b=b, across=read.labels(1 - a_axis))
        return fields

    def judge(self, claim: dict, values: SeedValues):
        metric, axis = claim["metric"], claim["axis"]

        def cell(across, label):
            return [label, across] if axis == 0 else [across, label]

        # Per seed, the effect a - b at each level of the other axis; a missing or non-finite
        # value is the metric's worst value (an effect without one is not judged: nan).
        seeds = values.seeds(metric)
        caps = claim.get("caps", {}).get(claim["experiment"])
        effects = {}
        for across in claim["across"]:
            effects[across] = {}
            a_cell, b_cell = cell(across, claim["a"]), cell(across, claim["b"])
            a_values, b_values = values.of(metric, a_cell), values.of(metric, b_cell)
            for s in seeds:
                a = _or_worst(a_values.get(s, math.nan), worst_value(metric, caps, cell_key(a_cell)))
                b = _or_worst(b_values.get(s, math.nan), worst_value(metric, caps, cell_key(b_cell)))
                effects[across][s] = a - b
        levels = claim["across"]
        low, high = difference_bounds(metric)
        comparisons = [paired(f"effect at {first} minus effect at {second}", effects[first], effects[second],
                              seeds=seeds, bounds=(2 * low, 2 * high))
                       for i, first in enumerate(levels) for second in levels[i + 1:]]
        compared = f"({claim['a']} minus {claim['b']}) alike across {claim['axes'][1 - axis]}"
        return self.judge_comparisons(claim, comparisons, compared)


def _or_worst(value: float, worst) -> float:
    if math.isfinite(value):
        return value
    return math.nan if worst is None else worst


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 50
TEST = NoInteraction()
