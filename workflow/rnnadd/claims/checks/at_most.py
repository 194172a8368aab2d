"""`at_most`: the mean of a metric is at most a value at each level."""

from __future__ import annotations

from rnnadd.analyses.stats import Below
from rnnadd.claims.base import ClaimReader
from rnnadd.claims.shared import MeanTest


class AtMost(MeanTest):
    name = "at_most"
    word = "at most"
    required = {"levels": "the levels whose mean is claimed",
                "metric": "what is averaged over seeds (a metric of the per-seed table)",
                "value": "the number the mean is claimed to be at most"}

    def load(self, read: ClaimReader) -> dict:
        return {"metric": read.metric(), "value": read.number("value"), "levels": read.levels()}

    def rule(self, value: float):
        return Below(value, closed=True)


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 100
TEST = AtMost()
