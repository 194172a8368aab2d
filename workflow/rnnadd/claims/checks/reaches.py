"""`reaches`: at least a share of seeds (the rate) reached an accuracy threshold by a given step."""

from __future__ import annotations

from rnnadd.analyses.seedtable import threshold_name
from rnnadd.analyses.stats import short_number
from rnnadd.claims.base import ClaimReader
from rnnadd.claims.shared import CountTest


class Reaches(CountTest):
    name = "reaches"
    required = {"levels": "the levels whose seeds are claimed to get there",
                "threshold": "an exact-match accuracy whose first step the experiment records",
                "by": "a step (an integer of at least 0) by which the seeds reached the threshold"}
    optional = {"rate": "the share of seeds claimed to get there (above 0, below 1), instead of 0.5"}
    rate = 0.5
    rate_reason = ("\"reaches 1.0 within 200 steps\" describes what a typical run does, as the report's "
                   "single run (or mean of 5) showed: at least half the seeds get there")

    def load(self, read: ClaimReader) -> dict:
        threshold = read.number("threshold", positive=True)
        step_metric = f"first_step_{threshold_name(threshold)}"
        if step_metric not in read.metrics:
            offered = [m.removeprefix("first_step_") for m in read.metrics if m.startswith("first_step_")]
            raise read.error("threshold", f"{read.experiment.name} records the first step at accuracy "
                                          f"{', '.join(offered)} only (got {read.entry['threshold']!r})")
        read.at_most_one("threshold", threshold)
        return {"threshold": threshold, "metric": step_metric, "by": read.step("by"), "levels": read.levels(),
                "rate": self.read_rate(read)}

    def count(self, claim, seeds, values, level) -> int:
        # The run length stands in for "never reached", so first_step <= by alone is not enough.
        reached = values.of(f"reached_{threshold_name(claim['threshold'])}", level)
        return sum(1 for s, v in seeds.items() if reached.get(s) == 1 and v <= claim["by"])

    def what(self, claim) -> str:
        return f"seeds at exact-match accuracy {short_number(claim.get('threshold', 0))} by step {claim.get('by')}"


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 80
TEST = Reaches()
