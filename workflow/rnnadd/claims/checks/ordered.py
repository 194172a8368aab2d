"""`ordered`: each level is better than the next (paired, seed by seed)."""

from __future__ import annotations

from rnnadd.analyses.stats import Side, combine, verdicts_of
from rnnadd.claims.base import ClaimReader, SeedValues, cell_name
from rnnadd.claims.shared import SideTest


class Ordered(SideTest):
    name = "ordered"
    required = {"levels": "at least 2 levels, the best first",
                "metric": "what is compared (a metric of the per-seed table)"}

    def load(self, read: ClaimReader) -> dict:
        return {"metric": read.metric(), "levels": read.levels(minimum=2)}

    def judge(self, claim: dict, values: SeedValues):
        levels = claim["levels"]
        comparisons = self.comparisons(claim, values, list(zip(levels, levels[1:])))
        pairs = list(zip(comparisons, verdicts_of(comparisons, Side())))
        return self.judgement(claim, pairs, combine(v for _, v in pairs), " > ".join(cell_name(k) for k in levels))


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 30
TEST = Ordered()
