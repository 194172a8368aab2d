"""`same_as`: each named level gives the same, within a margin, in the claim's experiment
and in another experiment (paired by seed): two plots of the report compared."""

from __future__ import annotations

from rnnadd.claims.base import ClaimReader, SeedValues, cell_name
from rnnadd.claims.shared import MarginTest, compare


class SameAs(MarginTest):
    name = "same_as"
    required = {"other": "another experiment with the same levels, e.g. the second plot of a figure",
                "levels": "the levels compared, each with itself in the other experiment",
                "metric": "what is compared (a metric of both per-seed tables)"}

    def load(self, read: ClaimReader) -> dict:
        metric = read.metric()
        other = read.other_experiment("other")
        other.metric()
        levels = read.levels()
        for i, level in enumerate(read.entry["levels"]):
            other.cell(f"levels[{i}]", level)
        if other.experiment.axes != read.experiment.axes:
            raise read.error("other", f"{other.experiment.name} sweeps {', '.join(other.experiment.axes)}, "
                                      f"not {', '.join(read.experiment.axes)} as {read.experiment.name} does")
        return {"metric": metric, **self.read_margin(read, metric), "other": other.experiment.name,
                "levels": levels}

    def judge(self, claim: dict, values: SeedValues):
        other = values.experiment(claim["other"])
        comparisons = [compare(claim, f"{cell_name(level)}: {claim['experiment']} minus {claim['other']}",
                               values, level, other, level, b_experiment=claim["other"])
                       for level in claim["levels"]]
        return self.judge_comparisons(claim, comparisons,
                                      f"{claim['experiment']} = {claim['other']} at "
                                      f"{', '.join(cell_name(k) for k in claim['levels'])}")


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 110
TEST = SameAs()
