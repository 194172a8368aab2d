"""`best`: every other level of the experiment is clearly behind one of the named levels."""

from __future__ import annotations

from ...stats import combine_any_of
from ..base import ClaimReader, SeedValues, cell_name
from ..shared import SideTest


class Best(SideTest):
    name = "best"
    required = {"levels": "the levels (cells) claimed best; one of them must beat each other level",
                "metric": "what is compared (a metric of the per-seed table)"}

    def load(self, read: ClaimReader) -> dict:
        return {"metric": read.metric(), "levels": read.levels()}

    def judge(self, claim: dict, values: SeedValues):
        named = [tuple(k) for k in claim["levels"]]
        others = sorted(values.cells(claim["metric"]) - set(named))
        pairs_of = [(list(a), list(o)) for o in others for a in named]
        pairs = self.comparisons(claim, values, pairs_of)
        # Holds when every other level is clearly behind one of the named ones;
        # does not hold when some level is clearly ahead of all of them.
        per_other: dict = {}
        for (_, other), (_, v) in zip(pairs_of, pairs):
            per_other.setdefault(tuple(other), []).append(v)
        compared = f"{' or '.join(cell_name(k) for k in claim['levels'])} vs each of {len(per_other)} others"
        return self.judgement(claim, pairs, combine_any_of(per_other.values()), compared)
