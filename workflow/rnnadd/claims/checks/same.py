"""`same`: every pair of levels differs by less than a margin (paired, seed by seed)."""

from __future__ import annotations

from rnnadd.claims.base import ClaimReader, SeedValues, cell_name
from rnnadd.claims.shared import MarginTest, compare


class Same(MarginTest):
    name = "same"
    required = {"levels": "at least 2 levels claimed alike",
                "metric": "what is compared (a metric of the per-seed table)"}

    def load(self, read: ClaimReader) -> dict:
        metric = read.metric()
        return {"metric": metric, **self.read_margin(read, metric), "levels": read.levels(minimum=2)}

    def judge(self, claim: dict, values: SeedValues):
        levels = claim["levels"]
        comparisons = [compare(claim, f"{cell_name(a)} minus {cell_name(b)}", values, a, values, b)
                       for i, a in enumerate(levels) for b in levels[i + 1:]]
        return self.judge_comparisons(claim, comparisons, " = ".join(cell_name(k) for k in levels))


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 20
TEST = Same()
