"""What tests of one family share; each test's own file says what differs.

- SideTest (better, ordered, best): paired differences, signed so that positive
  is the claimed direction, judged against 0.
- MarginTest (same, no_interaction, same_as): paired differences judged against ±margin.
- MeanTest (at_least, at_most): the mean of one level judged against a value.
- CountTest (diverges, never_learns, reaches): seeds counted, judged against a rate.

Every comparison is built by `compare` / `sample` here, which apply the worst-value
rule of rnnadd.claims.metrics and keep intervals in the metric's range.
"""

from __future__ import annotations

import math

from rnnadd.analyses.stats import (
    FAILS,
    HOLDS,
    AtLeastRate,
    Comparison,
    Inside,
    Share,
    Side,
    alpha_now,
    combine,
    one_sample,
    paired,
    percent,
    seeds_to_decide,
    short_number,
    verdicts_of,
)
from rnnadd.claims.base import ClaimReader, ClaimTest, Judgement, SeedValues, cell_key, cell_name
from rnnadd.claims.metrics import difference_bounds, value_bounds, worst_value
from rnnadd.study.kinds import describe_metric


def listed(pairs) -> list[str]:
    """Every comparison with its verdict, as the table's 'what was measured' lists them."""
    return [c.text() + f" [{v}{'; ' + c.note if c.note else ''}]" for c, v in pairs]


def compare(claim: dict, what: str, a_values: SeedValues, a_cell, b_values: SeedValues, b_cell,
            sign: float = 1.0, a_experiment: str = "", b_experiment: str = "") -> Comparison:
    """sign * (a - b) on the claim's metric, seed by seed, over every seed either table has;
    a missing or non-finite value is the metric's worst value, or leaves the comparison unjudged.
    Two experiments (each with its own seeds) are paired on the seeds both have."""
    metric = claim["metric"]
    caps = claim.get("caps", {})
    a, b = a_values.of(metric, a_cell), b_values.of(metric, b_cell)
    seeds = (a_values.seeds(metric) | b_values.seeds(metric) if a_values is b_values
             else a_values.seeds(metric) & b_values.seeds(metric))
    return paired(what, a, b, sign,
                  worst_a=worst_value(metric, caps.get(a_experiment or claim["experiment"]), cell_key(a_cell)),
                  worst_b=worst_value(metric, caps.get(b_experiment or claim["experiment"]), cell_key(b_cell)),
                  seeds=seeds, bounds=difference_bounds(metric))


def sample(claim: dict, what: str, values: SeedValues, cell) -> Comparison:
    """The values of one cell on the claim's metric, with the worst-value rule and the metric's range."""
    metric = claim["metric"]
    return one_sample(what, values.of(metric, cell),
                      worst=worst_value(metric, claim.get("caps", {}).get(claim["experiment"]), cell_key(cell)),
                      seeds=values.seeds(metric), bounds=value_bounds(metric))


def claim_p(items, rule, verdict: str) -> float:
    """The p-value of a claim's verdict, on the scale of its two-sided intervals (a verdict is given
    at p below their alpha, half of it each way), from rule.p_value of each comparison:

    - holds needs every comparison (intersection-union): the largest p;
    - does not hold rests on any one (Holm): the smallest p times their number;
    - inconclusive: the smaller of the two, how near it came to either.
    """
    items = list(items)
    if not items:
        return math.nan
    holds = max(rule.p_value(item, HOLDS) for item in items)
    fails = min(1.0, len(items) * min(rule.p_value(item, FAILS) for item in items))
    return holds if verdict == HOLDS else fails if verdict == FAILS else min(holds, fails)


def summary_of(metric: str) -> str:
    return f"{describe_metric(metric)}"


class SideTest(ClaimTest):
    """The claimed better level is ahead, seed by seed."""

    def comparisons(self, claim: dict, values: SeedValues, pairs_of) -> list[Comparison]:
        """(a, b) cells -> comparisons of `a ahead of b` on the claim's metric (positive: a is ahead)."""
        sign = -1.0 if claim.get("lower_is_better") else 1.0
        return [compare(claim, f"{cell_name(a)} ahead of {cell_name(b)}", values, a, values, b, sign)
                for a, b in pairs_of]

    def judgement(self, claim: dict, pairs, verdict: str, compared: str, rule=None, summary: str = "",
                  p_value: float | None = None) -> Judgement:
        """The judgement of paired comparisons (rule: Side() unless given)."""
        rule = rule or Side()
        direction = "lower is better" if claim.get("lower_is_better") else "higher is better"
        shown = self.deciding(pairs, verdict) if pairs else None
        return Judgement(verdict, compared,
                         summary=summary or (f"{summary_of(claim['metric'])} ({direction}); paired differences, "
                                             "positive when the claimed better level is ahead"),
                         details=listed(pairs), shown=shown,
                         power_seeds=seeds_to_decide([c for c, _ in pairs], [v for _, v in pairs], shown, rule),
                         p_value=claim_p([c for c, _ in pairs], rule, verdict) if p_value is None else p_value)

    @staticmethod
    def deciding(pairs, verdict: str) -> Comparison:
        """The comparison to show for a combined verdict: the first that decided it."""
        for comparison, v in pairs:
            if v == verdict and verdict != HOLDS:
                return comparison
        # All hold (or none decides): the weakest, the one whose interval comes nearest the line.
        return min(pairs, key=lambda p: p[0].low if not math.isnan(p[0].low) else -math.inf)[0]


class MarginTest(ClaimTest):
    """Paired differences inside ±margin (the config's margin for the metric, or the claim's own)."""

    optional = {"margin": "the claim's own margin, instead of claim_margins' for the metric",
                "margin_reason": "why the claim's own margin (required with it)"}

    @staticmethod
    def read_margin(read: ClaimReader, metric: str) -> dict:
        margin, reason = read.margin(metric)
        return {"margin": margin, "margin_reason": reason}

    def judge_comparisons(self, claim: dict, comparisons: list[Comparison], compared: str) -> Judgement:
        verdicts = verdicts_of(comparisons, Inside(claim["margin"]))
        pairs = list(zip(comparisons, verdicts))
        verdict = combine(verdicts)
        # Shown: the first that decided it; when all hold, the one reaching farthest from 0.
        shown = (next((c for c, v in pairs if v == verdict), comparisons[0]) if verdict != HOLDS
                 else max(comparisons, key=lambda c: max(abs(c.low), abs(c.high))))
        reach = [max(abs(c.low), abs(c.high)) for c in comparisons]
        holds_within = max(reach) if reach and not any(math.isnan(r) for r in reach) else math.nan
        return Judgement(verdict, compared,
                         summary=(f"{summary_of(claim['metric'])}; paired differences, same when inside "
                                  f"±{short_number(claim['margin'])} ({claim.get('margin_reason', '')}); "
                                  f"would hold with any margin from {short_number(holds_within)}"),
                         details=listed(pairs), shown=shown, holds_within=holds_within,
                         power_seeds=seeds_to_decide(comparisons, verdicts, shown, Inside(claim["margin"])),
                         p_value=claim_p(comparisons, Inside(claim["margin"]), verdict))


class MeanTest(ClaimTest):
    """The mean of each level against a value."""

    word: str  # "at least", "at most"

    def rule(self, value: float):
        raise NotImplementedError

    def judge(self, claim: dict, values: SeedValues) -> Judgement:
        metric, value = claim["metric"], claim["value"]
        comparisons = [sample(claim, f"mean at {cell_name(level)}", values, level) for level in claim["levels"]]
        pairs = list(zip(comparisons, verdicts_of(comparisons, self.rule(value))))
        verdict = combine(v for _, v in pairs)
        shown = next((c for c, v in pairs if v == verdict), pairs[0][0])
        low, high = value_bounds(metric)
        kept = "" if (low, high) == (-math.inf, math.inf) else \
            f", interval kept in [{short_number(low)}, {short_number(high)}]"
        return Judgement(verdict,
                         compared=f"{', '.join(cell_name(k) for k in claim['levels'])} {self.word} "
                                  f"{short_number(value)}",
                         summary=f"{summary_of(metric)}; mean over seeds{kept}", details=listed(pairs),
                         shown=shown, power_seeds=seeds_to_decide(comparisons, [v for _, v in pairs], shown,
                                                                  self.rule(value)),
                         p_value=claim_p(comparisons, self.rule(value), verdict))


class CountTest(ClaimTest):
    """Seeds counted at each level, judged on the Clopper-Pearson interval of their share
    against the claim's rate (a class's `rate`, with its `rate_reason`, unless the claim
    gives its own): more seeds make the verdict more decisive."""

    rate: float  # the default share of seeds the claim means
    rate_reason: str  # why, in words (docs/claims.md lists it)

    def read_rate(self, read: ClaimReader) -> float:
        return read.share("rate") if "rate" in read.entry else self.rate

    def count(self, claim: dict, seeds: dict, values: SeedValues, level) -> int:
        """How many of one level's seeds ({seed: value of the claim's metric}) do."""
        raise NotImplementedError

    def what(self, claim: dict) -> str:
        """What is counted, in words ("seeds whose ...")."""
        raise NotImplementedError

    def judge(self, claim: dict, values: SeedValues) -> Judgement:
        rate = claim.get("rate", self.rate)
        expected = values.seeds(claim["metric"])
        shares = []
        for level in claim["levels"]:
            seeds = values.of(claim["metric"], level)
            # A seed the table lacks at this level counts against the claim: it is in n, not in yes.
            n = len(expected | set(seeds))
            shares.append(Share(cell_name(level), self.count(claim, seeds, values, level), n))
        verdicts = verdicts_of(shares, AtLeastRate(rate))
        verdict = combine(verdicts)
        yes_total, n_total = sum(s.yes for s in shares), sum(s.n for s in shares)
        what = self.what(claim)
        shown = next((s for s, v in zip(shares, verdicts) if v == verdict and verdict != HOLDS),
                     min(shares, key=lambda s: s.low))
        return Judgement(verdict, compared=", ".join(s.what for s in shares),
                         summary=(f"counted seeds: {what}; claimed in at least {short_number(rate)} of seeds, "
                                  f"judged on the {percent(1 - alpha_now())} Clopper-Pearson interval of the share"),
                         details=[f"{s.text()} {what} [{v}{'; ' + s.note if s.note else ''}]"
                                  for s, v in zip(shares, verdicts)],
                         shown=shown, count=f"{yes_total}/{n_total}",
                         estimate=yes_total / n_total if n_total else math.nan,
                         n_seeds=max((s.n for s in shares), default=0),
                         p_value=claim_p(shares, AtLeastRate(rate), verdict))
