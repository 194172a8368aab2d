"""`better_than`: at each level, one metric is better than each of some other metrics of the
same runs, seed by seed (a probed layer against its controls: the same seed's untrained
network, the input digits).

`better` compares levels on one metric; here the controls are metrics of the same cell, so
each comparison pairs a seed's value of `metric` with the same seed's value of a metric of
`than`. Every comparison must hold (one-sided intervals above 0, Holm over the claim's
comparisons, as `better`).
"""

from __future__ import annotations

from rnnadd.analyses.stats import Side, combine, paired, verdicts_of
from rnnadd.claims.base import ClaimReader, SeedValues, cell_key, cell_name
from rnnadd.claims.metrics import difference_bounds, worst_value
from rnnadd.claims.shared import SideTest
from rnnadd.study.kinds import lower_is_better


class BetterThan(SideTest):
    name = "better_than"
    required = {"levels": "the levels (runs) at which the metric is claimed better",
                "metric": "the metric claimed better (a metric of the per-seed table)",
                "than": "the metric, or a list of metrics, of the same runs that it is better than"}

    def load(self, read: ClaimReader) -> dict:
        fields = {"metric": read.metric(), "levels": read.levels()}
        others = read.entry["than"] if isinstance(read.entry["than"], list) else [read.entry["than"]]
        fields["than"] = [self._metric(read, f"than[{i}]", m) for i, m in enumerate(others)]
        if fields["metric"] in fields["than"]:
            raise read.error("than", f"compares {fields['metric']!r} with itself")
        if any(lower_is_better(m) != lower_is_better(fields["metric"]) for m in fields["than"]):
            raise read.error("than", "compares metrics of opposite directions")
        return fields

    @staticmethod
    def _metric(read: ClaimReader, key: str, metric) -> str:
        if metric not in read.metrics:
            experiment = read.experiment
            raise read.error(key, f"{metric!r} is not a metric of {experiment.name} (a {experiment.kind} "
                                  f"experiment); its metrics are: {', '.join(read.metrics)}")
        return metric

    def judge(self, claim: dict, values: SeedValues):
        sign = -1.0 if claim.get("lower_is_better") else 1.0
        metric = claim["metric"]
        comparisons = []
        for cell in claim["levels"]:
            for other in claim["than"]:
                comparisons.append(paired(
                    f"{cell_name(cell)}: {metric} ahead of {other}", values.of(metric, cell),
                    values.of(other, cell), sign, worst_a=worst_value(metric, None, cell_key(cell)),
                    worst_b=worst_value(other, None, cell_key(cell)),
                    seeds=values.seeds(metric) | values.seeds(other), bounds=difference_bounds(metric)))
        pairs = list(zip(comparisons, verdicts_of(comparisons, Side())))
        compared = (f"{metric} vs {', '.join(claim['than'])} at "
                    f"{', '.join(cell_name(c) for c in claim['levels'])}")
        return self.judgement(claim, pairs, combine(v for _, v in pairs), compared)


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 130
TEST = BetterThan()
