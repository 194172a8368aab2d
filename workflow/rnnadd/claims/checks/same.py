"""`same`: every pair of levels differs by less than a margin (paired, seed by seed)."""

from __future__ import annotations

from ..base import ClaimReader, SeedValues, cell_name
from ..shared import MarginTest


class Same(MarginTest):
    name = "same"
    required = {"levels": "at least 2 levels claimed alike",
                "metric": "what is compared (a metric of the per-seed table)",
                "margin": "a positive number: the largest difference that counts as the same"}

    def load(self, read: ClaimReader) -> dict:
        return {"metric": read.metric(), "margin": read.number("margin", positive=True),
                "levels": read.levels(minimum=2)}

    def judge(self, claim: dict, values: SeedValues):
        metric, levels = claim["metric"], claim["levels"]
        seed_pairs = [(f"{cell_name(a)} minus {cell_name(b)}", values.of(metric, a), values.of(metric, b))
                      for i, a in enumerate(levels) for b in levels[i + 1:]]
        return self.judgement(claim, self.comparisons(claim, seed_pairs), " = ".join(cell_name(k) for k in levels))
