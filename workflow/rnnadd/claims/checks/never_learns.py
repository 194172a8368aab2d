"""`never_learns`: no seed's accuracy ever reached a threshold."""

from __future__ import annotations

from ...stats import short_number
from ..base import ClaimReader
from ..shared import CountTest


class NeverLearns(CountTest):
    name = "never_learns"
    required = {"levels": "the levels whose seeds are claimed never to learn",
                "threshold": "an exact-match accuracy (above 0, at most 1) that no seed reaches"}

    def load(self, read: ClaimReader) -> dict:
        threshold = read.at_most_one("threshold", read.number("threshold", positive=True))
        return {"threshold": threshold, "metric": "max_accuracy", "levels": read.levels()}

    def count(self, claim, seeds, values, level) -> int:
        return sum(1 for v in seeds.values() if not v >= claim["threshold"])

    def what(self, claim) -> str:
        return f"seeds whose exact-match accuracy never reached {short_number(claim.get('threshold', 0))}"
