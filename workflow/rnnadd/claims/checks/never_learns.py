"""`never_learns`: at least a share of seeds (the rate) never reached an accuracy threshold."""

from __future__ import annotations

from rnnadd.analyses.stats import short_number
from rnnadd.claims.base import ClaimReader
from rnnadd.claims.shared import CountTest


class NeverLearns(CountTest):
    name = "never_learns"
    required = {"levels": "the levels whose seeds are claimed never to learn",
                "threshold": "an exact-match accuracy (above 0, at most 1) that the seeds do not reach"}
    optional = {"rate": "the share of seeds claimed never to reach it (above 0, below 1), instead of 0.5"}
    rate = 0.5
    rate_reason = ("\"is not learned\" describes what a typical run does, as the report's mean of 5 runs "
                   "(or its single run) did: at least half the seeds never get there")

    def load(self, read: ClaimReader) -> dict:
        threshold = read.at_most_one("threshold", read.number("threshold", positive=True))
        return {"threshold": threshold, "metric": "max_accuracy", "levels": read.levels(),
                "rate": self.read_rate(read)}

    def count(self, claim, seeds, values, level) -> int:
        return sum(1 for v in seeds.values() if not v >= claim["threshold"])

    def what(self, claim) -> str:
        return f"seeds whose exact-match accuracy never reached {short_number(claim.get('threshold', 0))}"


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 70
TEST = NeverLearns()
