"""What tests of one family share; each test's own file says what differs.

- SideTest (better, ordered, best): paired differences, signed so that positive
  is the claimed direction, judged against 0.
- MarginTest (same, no_interaction): paired differences judged against ±margin.
- MeanTest (at_least, at_most): the mean of one level judged against a value.
- CountTest (diverges, never_learns, reaches): seeds counted.
"""

from __future__ import annotations

import math

from ..seedtable import describe_metric
from ..stats import (HOLDS, Comparison, combine, count_verdict, margin_verdict, one_sample, paired,
                     short_number, side_verdict, verdicts_of)
from .base import ClaimTest, Judgement, SeedValues, cell_name


def listed(pairs) -> list[str]:
    """Every comparison with its verdict, as the table's 'what was measured' lists them."""
    return [c.text() + f" [{v}]" for c, v in pairs]


class SideTest(ClaimTest):
    """The claimed better level is ahead, seed by seed."""

    def comparisons(self, claim: dict, values: SeedValues, pairs_of) -> list[tuple[Comparison, str]]:
        """(a, b) cells -> (comparison, verdict) of `a ahead of b` on the claim's metric."""
        metric = claim["metric"]
        sign = -1.0 if claim.get("lower_is_better") else 1.0
        comparisons = [paired(f"{cell_name(a)} ahead of {cell_name(b)}", values.of(metric, a), values.of(metric, b),
                              sign) for a, b in pairs_of]
        return list(zip(comparisons, verdicts_of(comparisons, side_verdict)))

    def judgement(self, claim: dict, pairs, verdict: str, compared: str) -> Judgement:
        direction = "lower is better" if claim.get("lower_is_better") else "higher is better"
        return Judgement(verdict, compared,
                         summary=(f"{describe_metric(claim['metric'])} ({direction}); paired differences, "
                                  "positive when the claimed better level is ahead"),
                         details=listed(pairs), shown=self.deciding(pairs, verdict) if pairs else None)

    @staticmethod
    def deciding(pairs, verdict: str) -> Comparison:
        """The comparison to show for a combined verdict: the first that decided it."""
        for comparison, v in pairs:
            if v == verdict and verdict != HOLDS:
                return comparison
        # All hold: the weakest, the one whose interval comes nearest the line.
        return min(pairs, key=lambda p: p[0].low if not math.isnan(p[0].low) else -math.inf)[0]


class MarginTest(ClaimTest):
    """Paired differences inside ±margin."""

    def comparisons(self, claim: dict, seed_pairs) -> list[tuple[Comparison, str]]:
        """(what, {seed: value}, {seed: value}) -> (comparison, verdict) of the first minus the second."""
        comparisons = [paired(what, a, b) for what, a, b in seed_pairs]
        return list(zip(comparisons, verdicts_of(comparisons, lambda c: margin_verdict(c, claim["margin"]))))

    def judgement(self, claim: dict, pairs, compared: str) -> Judgement:
        verdict = combine(v for _, v in pairs)
        # Shown: the first that decided it; when all hold, the one reaching farthest from 0.
        shown = (next((c for c, v in pairs if v == verdict), None) if verdict != HOLDS
                 else max((c for c, _ in pairs), key=lambda c: max(abs(c.low), abs(c.high))))
        return Judgement(verdict, compared,
                         summary=(f"{describe_metric(claim['metric'])}; paired differences, "
                                  f"same when inside ±{short_number(claim['margin'])}"),
                         details=listed(pairs), shown=shown)


class MeanTest(ClaimTest):
    """The mean of each level against a value."""

    word: str  # "at least", "at most"

    def verdict(self, comparison: Comparison, value: float) -> str:
        raise NotImplementedError

    def judge(self, claim: dict, values: SeedValues) -> Judgement:
        metric, value = claim["metric"], claim["value"]
        comparisons = [one_sample(f"mean at {cell_name(level)}", values.of(metric, level))
                       for level in claim["levels"]]
        pairs = list(zip(comparisons, verdicts_of(comparisons, lambda c: self.verdict(c, value))))
        verdict = combine(v for _, v in pairs)
        return Judgement(verdict,
                         compared=f"{', '.join(cell_name(k) for k in claim['levels'])} {self.word} "
                                  f"{short_number(value)}",
                         summary=f"{describe_metric(metric)}; mean over seeds", details=listed(pairs),
                         shown=next((c for c, v in pairs if v == verdict), pairs[0][0]))


class CountTest(ClaimTest):
    """Seeds counted at each level: holds when every seed does, does not hold when none does."""

    def count(self, claim: dict, seeds: dict, values: SeedValues, level) -> int:
        """How many of one level's seeds ({seed: value of the claim's metric}) do."""
        raise NotImplementedError

    def what(self, claim: dict) -> str:
        """What is counted, in words ("seeds whose ...")."""
        raise NotImplementedError

    def judge(self, claim: dict, values: SeedValues) -> Judgement:
        counts = []
        for level in claim["levels"]:
            seeds = values.of(claim["metric"], level)
            counts.append((level, self.count(claim, seeds, values, level), len(seeds)))
        verdicts = [count_verdict(yes, n) for _, yes, n in counts]
        yes_total, n_total = sum(c[1] for c in counts), sum(c[2] for c in counts)
        what = self.what(claim)
        return Judgement(combine(verdicts), compared=", ".join(cell_name(c[0]) for c in counts),
                         summary=f"counted seeds: {what}",
                         details=[f"{cell_name(level)}: {yes} of {n} {what} [{v}]"
                                  for (level, yes, n), v in zip(counts, verdicts)],
                         count=f"{yes_total}/{n_total}", estimate=yes_total / n_total if n_total else math.nan,
                         n_seeds=max((c[2] for c in counts), default=0))
