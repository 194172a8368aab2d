"""Every statistic of the study, without numpy, so light jobs (claims, report pages) start fast.

- intervals: `mean_interval` (the mean and its 95% Student-t interval), `t975`;
- comparisons: `paired` (per-seed differences of two levels), `one_sample`
  (the values of one level), `Comparison` (a mean, its interval, how many seeds);
- verdicts: `side_verdict` / `below_verdict` (the interval on the claimed side
  of a line), `margin_verdict` (inside a margin), `count_verdict` (seeds
  counted: where an interval for a count would go);
- combining: `verdicts_of` (a claim's comparisons judged as one family),
  `combine` (all comparisons of a claim), `combine_any_of` (a claim that holds
  when each group has one comparison that holds);
- numbers as the tables show them: `short_number`.

A claim test (rnnadd.claims) builds its comparisons and verdicts only through
these functions, so a change of the rule (a multiplicity correction over a
claim's comparisons, an interval for a count of seeds) is made here, once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOLDS, FAILS, OPEN = "holds", "does not hold", "inconclusive"

# Two-sided 95% Student-t quantiles by degrees of freedom; 1.96 beyond 30.
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(n: int) -> float:
    """The t quantile for a 95% interval of a mean of n values (n - 1 degrees of freedom)."""
    return _T975[n - 2] if 2 <= n <= 31 else 1.96


def mean_interval(values) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of the mean; the interval is nan for fewer than 2 values."""
    values = list(values)
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t975(n) * math.sqrt(variance) / math.sqrt(n)
    return mean, mean - half, mean + half


def short_number(value, missing: str = "nan") -> str:
    """A number as the verdict tables and texts show it: 3 significant digits, whole
    numbers from 1000 on, `missing` for a missing value (nan or None).

    (Files keep exact values: rnnadd.seedtable.format_number.)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if value == 0:
        return "0"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


# -- comparisons -------------------------------------------------------------------


@dataclass
class Comparison:
    """Mean of per-seed differences (or values) and its 95% Student-t interval."""
    what: str
    mean: float
    low: float
    high: float
    n: int
    left_out: int = 0

    def text(self) -> str:
        interval = (f"95% CI {short_number(self.low)} to {short_number(self.high)}" if self.n >= 2
                    else "no interval with fewer than 2 seeds")
        note = f", {self.left_out} seed(s) without a finite value left out" if self.left_out else ""
        return f"{self.what}: {short_number(self.mean)} ({interval}; {self.n} seeds{note})"

    def negated(self) -> Comparison:
        """The same comparison seen from the other side (mean and interval times -1)."""
        return Comparison(self.what, -self.mean, -self.high, -self.low, self.n, self.left_out)


def paired(what: str, a: dict, b: dict, sign: float = 1.0) -> Comparison:
    """sign * (a - b) seed by seed ({seed: value} each), over the seeds where both are finite."""
    seeds = sorted(set(a) | set(b))
    diffs = [sign * (a[s] - b[s]) for s in seeds
             if s in a and s in b and math.isfinite(a[s]) and math.isfinite(b[s])]
    mean, low, high = mean_interval(diffs)
    return Comparison(what, mean, low, high, len(diffs), len(seeds) - len(diffs))


def one_sample(what: str, values: dict) -> Comparison:
    """The mean of one level's finite values ({seed: value}) and its interval."""
    finite = [v for v in values.values() if math.isfinite(v)]
    mean, low, high = mean_interval(finite)
    return Comparison(what, mean, low, high, len(finite), len(values) - len(finite))


# -- verdicts ----------------------------------------------------------------------


def side_verdict(c: Comparison, at: float = 0.0, closed: bool = False) -> str:
    """The claimed side is above `at` (strictly, unless closed)."""
    if c.n < 2 or math.isnan(c.low):
        return OPEN
    if c.low > at or (closed and c.low >= at):
        return HOLDS
    if c.high < at:
        return FAILS
    return OPEN


def below_verdict(c: Comparison, at: float, closed: bool = False) -> str:
    """The claimed side is below `at` (strictly, unless closed)."""
    return side_verdict(c.negated(), -at, closed)


def margin_verdict(c: Comparison, margin: float) -> str:
    """Holds inside [-margin, margin], does not hold entirely outside it."""
    if c.n < 2 or math.isnan(c.low):
        return OPEN
    if -margin <= c.low and c.high <= margin:
        return HOLDS
    if c.low > margin or c.high < -margin:
        return FAILS
    return OPEN


def count_verdict(yes: int, n: int) -> str:
    """Seeds counted: holds when every one of n does, does not hold when none does."""
    if n and yes == n:
        return HOLDS
    if yes == 0:
        return FAILS
    return OPEN


# -- combining ---------------------------------------------------------------------


def verdicts_of(comparisons, rule) -> list[str]:
    """The verdict of each of one claim's comparisons under `rule` (a Comparison ->
    verdict function, e.g. side_verdict).  Every claim test judges its comparisons
    here, as one family: today each on its own 95% interval; a correction over a
    claim's comparisons (Holm) belongs here."""
    return [rule(c) for c in comparisons]


def combine(verdicts) -> str:
    """All must hold; any that does not hold decides; otherwise inconclusive."""
    verdicts = list(verdicts)
    if verdicts and all(v == HOLDS for v in verdicts):
        return HOLDS
    if any(v == FAILS for v in verdicts):
        return FAILS
    return OPEN


def combine_any_of(groups) -> str:
    """Holds when every group has a verdict that holds; does not hold when some group's
    verdicts all do not hold; otherwise inconclusive (groups: lists of verdicts)."""
    groups = list(groups)
    if groups and all(any(v == HOLDS for v in group) for group in groups):
        return HOLDS
    if any(all(v == FAILS for v in group) for group in groups):
        return FAILS
    return OPEN
