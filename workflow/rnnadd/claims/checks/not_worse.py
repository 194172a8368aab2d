"""`not_worse`: level a is not behind any level b by more than the metric's margin (paired,
seed by seed): the hedged form of `better` ("may be better", "also very fast").

Holds when every difference's 95% interval lies above -margin (a is at worst a margin
behind); does not hold when one lies entirely below -margin (a is clearly more than a
margin behind), with Holm over the comparisons as for `better`.
"""

from __future__ import annotations

from rnnadd.analyses.stats import Side, combine, short_number, verdicts_of
from rnnadd.claims.base import ClaimReader, SeedValues, cell_name
from rnnadd.claims.shared import MarginTest, SideTest, summary_of


class NotWorse(SideTest):
    name = "not_worse"
    required = {"a": "the level claimed not worse",
                "b": "the level, or a list of levels, that a is claimed not worse than",
                "metric": "what is compared (a metric of the per-seed table)"}
    optional = MarginTest.optional

    def load(self, read: ClaimReader) -> dict:
        metric = read.metric()
        fields = {"metric": metric, **MarginTest.read_margin(read, metric), "a": read.cell("a")}
        others = read.entry["b"] if isinstance(read.entry["b"], list) else [read.entry["b"]]
        fields["b"] = [read.cell("b", level) for level in others]
        if fields["a"] in fields["b"]:
            raise read.error("b", f"compares {read.entry['a']!r} with itself")
        return fields

    def judge(self, claim: dict, values: SeedValues):
        rule = Side(at=-claim["margin"])
        comparisons = self.comparisons(claim, values, [(claim["a"], b) for b in claim["b"]])
        pairs = list(zip(comparisons, verdicts_of(comparisons, rule)))
        compared = f"{cell_name(claim['a'])} not worse than {', '.join(cell_name(b) for b in claim['b'])}"
        direction = "lower is better" if claim.get("lower_is_better") else "higher is better"
        summary = (f"{summary_of(claim['metric'])} ({direction}); paired differences, positive when the "
                   f"claimed level is ahead; not worse when above -{short_number(claim['margin'])} "
                   f"({claim.get('margin_reason', '')})")
        return self.judgement(claim, pairs, combine(v for _, v in pairs), compared, rule=rule, summary=summary)


# Where messages and the schema list this test (rnnadd.claims.registry).
ORDER = 140
TEST = NotWorse()
