"""`best`: every other level of the experiment is clearly behind one of the named levels."""

from __future__ import annotations

import math

from rnnadd.analyses.stats import FAILS, HOLDS, Side, best_verdicts, combine
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
        verdict = combine(group_verdicts)
        return self.judgement(claim, pairs, verdict, compared, p_value=self.p_value(groups, verdict))

    @staticmethod
    def p_value(groups, verdict: str) -> float:
        """As the verdict is given: holds needs every group (the largest group p), a group holds
        on any named level (Holm within it: its smallest p times their number); does not hold
        rests on any group (Holm over the groups), a group failing on all its named levels."""
        if not groups:
            return math.nan
        rule = Side()
        holds = max(min(1.0, len(g) * min(rule.p_value(c, HOLDS) for c in g)) for g in groups)
        fails = min(1.0, len(groups) * min(max(rule.p_value(c, FAILS) for c in g) for g in groups))
        return holds if verdict == HOLDS else fails if verdict == FAILS else min(holds, fails)


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 40
TEST = Best()
