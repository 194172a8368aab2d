"""`diverges`: every seed's loss became non-finite."""

from __future__ import annotations

from ..base import ClaimReader
from ..shared import CountTest


class Diverges(CountTest):
    name = "diverges"
    required = {"levels": "the levels whose seeds are claimed to diverge"}

    def load(self, read: ClaimReader) -> dict:
        return {"metric": "diverged", "levels": read.levels()}

    def count(self, claim, seeds, values, level) -> int:
        return sum(1 for v in seeds.values() if v == 1)

    def what(self, claim) -> str:
        return "seeds whose loss became non-finite"
