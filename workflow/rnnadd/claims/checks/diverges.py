"""`diverges`: the loss of at least a share of seeds (the rate) became non-finite."""

from __future__ import annotations

from rnnadd.claims.base import ClaimReader
from rnnadd.claims.shared import CountTest


class Diverges(CountTest):
    name = "diverges"
    required = {"levels": "the levels whose seeds are claimed to diverge"}
    optional = {"rate": "the share of seeds claimed to diverge (above 0, below 1), instead of 0.5"}
    rate = 0.5
    rate_reason = ("\"the gradients explode\" says a setting cannot be trained at: a run is at least as "
                   "likely to blow up as not, so at least half the seeds diverge")

    def load(self, read: ClaimReader) -> dict:
        return {"metric": "diverged", "levels": read.levels(), "rate": self.read_rate(read)}

    def count(self, claim, seeds, values, level) -> int:
        return sum(1 for v in seeds.values() if v == 1)

    def what(self, claim) -> str:
        return "seeds whose loss became non-finite"


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 60
TEST = Diverges()
