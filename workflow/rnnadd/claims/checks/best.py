"""`best`: every other level of the experiment is clearly behind one of the named levels."""

from __future__ import annotations

from rnnadd.analyses.stats import Side, best_verdicts, combine
from rnnadd.claims.base import ClaimReader, SeedValues, cell_name
from rnnadd.claims.shared import SideTest


class Best(SideTest):
    name = "best"
    required = {"levels": "the levels (cells) claimed best; one of them must beat each other level",
                "metric": "what is compared (a metric of the per-seed table)"}

    def load(self, read: ClaimReader) -> dict:
        return {"metric": read.metric(), "levels": read.levels()}

    def judge(self, claim: dict, values: SeedValues):
        named = [tuple(k) for k in claim["levels"]]
        others = sorted(values.cells(claim["metric"]) - set(named))
        # Per other level, its comparison with each named level.
        groups = [self.comparisons(claim, values, [(list(a), list(o)) for a in named]) for o in others]
        # Holds when every other level is clearly behind one of the named ones (Holm over the
        # named ones: any one decides); does not hold when some level is clearly ahead of all
        # of them (Holm over the other levels: any one decides).
        group_verdicts, member_verdicts = best_verdicts(groups, Side())
        pairs = [(c, v) for g, vs in zip(groups, member_verdicts) for c, v in zip(g, vs)]
        compared = f"{' or '.join(cell_name(k) for k in claim['levels'])} vs each of {len(others)} others"
        return self.judgement(claim, pairs, combine(group_verdicts), compared)


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 40
TEST = Best()
