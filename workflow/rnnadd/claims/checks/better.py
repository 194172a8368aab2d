"""`better`: level a is better than each level b on a metric (paired, seed by seed)."""

from __future__ import annotations

from rnnadd.analyses.stats import Side, combine, verdicts_of
from rnnadd.claims.base import ClaimReader, SeedValues, cell_name
from rnnadd.claims.shared import SideTest


class Better(SideTest):
    name = "better"
    required = {"a": "the level claimed better",
                "b": "the level, or a list of levels, that a is better than",
                "metric": "what is compared (a metric of the per-seed table)"}

    def load(self, read: ClaimReader) -> dict:
        fields = {"metric": read.metric()}
        fields["a"] = read.cell("a")
        others = read.entry["b"] if isinstance(read.entry["b"], list) else [read.entry["b"]]
        fields["b"] = [read.cell("b", level) for level in others]
        if fields["a"] in fields["b"]:
            raise read.error("b", f"compares {read.entry['a']!r} with itself")
        return fields

    def judge(self, claim: dict, values: SeedValues):
        comparisons = self.comparisons(claim, values, [(claim["a"], b) for b in claim["b"]])
        pairs = list(zip(comparisons, verdicts_of(comparisons, Side())))
        compared = f"{cell_name(claim['a'])} vs {', '.join(cell_name(b) for b in claim['b'])}"
        return self.judgement(claim, pairs, combine(v for _, v in pairs), compared)


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 10
TEST = Better()
