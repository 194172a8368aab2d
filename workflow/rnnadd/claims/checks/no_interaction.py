"""`no_interaction`: on a two-axis experiment, the effect of a minus b (values of one
axis) is the same, within a margin, at every level of the other axis."""

from __future__ import annotations

from ..base import ClaimReader, SeedValues
from ..shared import MarginTest


class NoInteraction(MarginTest):
    name = "no_interaction"
    required = {"a": "a value of one axis, e.g. {hidden_mode: carry}",
                "b": "another value of the same axis",
                "metric": "what is compared (a metric of the per-seed table)",
                "margin": "a positive number: the largest difference between effects that counts as the same"}

    def load(self, read: ClaimReader) -> dict:
        fields = {"metric": read.metric(), "margin": read.number("margin", positive=True)}
        experiment = read.experiment
        if len(experiment.axes) != 2:
            raise read.error("test", f"no_interaction needs a two-axis (heatmap) experiment; "
                                     f"{experiment.name} has one axis")
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

        effects = {}
        for across in claim["across"]:
            a_values = values.of(metric, cell(across, claim["a"]))
            b_values = values.of(metric, cell(across, claim["b"]))
            effects[across] = {s: a_values[s] - b_values[s] for s in a_values if s in b_values}
        levels = claim["across"]
        seed_pairs = [(f"effect at {first} minus effect at {second}", effects[first], effects[second])
                      for i, first in enumerate(levels) for second in levels[i + 1:]]
        compared = f"({claim['a']} minus {claim['b']}) alike across {claim['axes'][1 - axis]}"
        return self.judgement(claim, self.comparisons(claim, seed_pairs), compared)
