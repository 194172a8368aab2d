"""`not_testable`: a claim of the report that this study cannot test; its row says why."""

from __future__ import annotations

from rnnadd.analyses.stats import UNTESTABLE
from rnnadd.claims.base import ClaimReader, ClaimTest, Judgement, SeedValues


class NotTestable(ClaimTest):
    name = "not_testable"
    required = {"reason": "why this study cannot test the claim (and what would)"}

    def load(self, read: ClaimReader) -> dict:
        reason = read.entry["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise read.error("reason", "must say, in words, why the claim cannot be tested")
        return {"reason": reason.strip()}

    def judge(self, claim: dict, values: SeedValues) -> Judgement:
        return Judgement(UNTESTABLE, compared="not measured", summary=claim["reason"], details=[])


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 120
TEST = NotTestable()
