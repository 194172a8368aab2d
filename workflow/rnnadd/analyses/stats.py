"""Every statistic of the study; the distributions are scipy.stats'.

- distributions (scipy.stats): `incomplete_beta` (regularised: beta.cdf),
  `beta_quantile` (beta.ppf), `t_cdf`, `t_quantile`, `t975` (t), binomial
  tails (binom), `normal_cdf` (norm), `noncentral_t_sf` (nct);
- intervals: `mean_interval` (Student t), `clopper_pearson` (a share of seeds);
- comparisons: `paired` (per-seed differences of two levels), `one_sample`
  (the values of one level), `Comparison` (a mean, its interval at any level,
  the median, how many seeds), `Share` (seeds counted);
- verdict rules: `Side` / `Below` (the interval on the claimed side of a line),
  `Inside` (inside ±margin), `AtLeastRate` (a share of seeds against a rate);
- a claim's comparisons as one family: `verdicts_of` (Holm over the
  comparisons any one of which decides), `best_verdicts` (one of several named
  levels ahead of each other level), `combine`;
- power, as estimates from this study: `t_test_power` (the noncentral t),
  `seeds_for_power` (a side claim at the observed effect), `equivalence_power`
  and `seeds_for_equivalence` (a margin claim, by a small seeded simulation),
  `seeds_needed` (one comparison under its claim's rule);
- numbers as the tables show them: `short_number`.

The family-wise alpha is FAMILY_ALPHA (0.05): a single comparison is judged
on its two-sided 95% interval, and a verdict that rests on any one of k
comparisons is protected by Holm's step-down correction over those k.  A claim
test (rnnadd.claims) builds its comparisons and verdicts only through these
functions, so the rule is written here, once (docs/claims.md explains it).

scipy.stats is imported at the first distribution asked for, not with this
module: the Snakefile imports the claims (and so this module) to read the
config, and most of its imports never judge anything.
"""

from __future__ import annotations

import contextvars
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

HOLDS, FAILS, OPEN = "holds", "does not hold", "inconclusive"
UNTESTABLE = "not testable here"
VERDICTS = (HOLDS, FAILS, OPEN, UNTESTABLE)

# The chance of a wrong verdict that a claim may take, whatever the number of
# its comparisons: 0.05, so one comparison is judged on its 95% interval.
FAMILY_ALPHA = 0.05
# The two-stage design (docs/claims.md, "Confirmatory seeds") looks at a claim twice: on
# the pilot's seeds, then, if the pilot left it open, on the seeds added after the pilot
# alone. Each look gets half of FAMILY_ALPHA (Bonferroni), so the two together keep a
# claim's chance of a false verdict on either side at or below FAMILY_ALPHA / 2. Fixed
# by this rule before any seed was added under it; the simulation is tests/test_stages.py.
STAGE_ALPHA = FAMILY_ALPHA / 2
_ALPHA = contextvars.ContextVar("rnnadd_alpha", default=FAMILY_ALPHA)


def alpha_now() -> float:
    """The alpha every interval, verdict and power estimate uses unless given one: FAMILY_ALPHA,
    or the level of the enclosing `judged_at`."""
    return _ALPHA.get()


@contextmanager
def judged_at(alpha: float):
    """Judge (intervals, verdicts, power) at `alpha` inside the block: the stages of the design."""
    token = _ALPHA.set(alpha)
    try:
        yield
    finally:
        _ALPHA.reset(token)


# -- distributions -------------------------------------------------------------------


def _distributions():
    """scipy.stats, imported on first use (see the module's docstring)."""
    import scipy.stats

    return scipy.stats


def incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for 0 <= x <= 1 and a, b > 0."""
    return float(_distributions().beta.cdf(x, a, b))


def beta_quantile(p: float, a: float, b: float) -> float:
    """x with I_x(a, b) = p (the inverse of incomplete_beta)."""
    return float(_distributions().beta.ppf(p, a, b))


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with df degrees of freedom."""
    return float(_distributions().t.cdf(t, df))


@cache
def t_quantile(p: float, df: float) -> float:
    """t with P(T <= t) = p; nan without a degree of freedom."""
    if not df > 0:
        return math.nan
    return float(_distributions().t.ppf(p, df))


def t975(n: int) -> float:
    """The t quantile for a 95% interval of a mean of n values (n - 1 degrees of freedom)."""
    return t_quantile(0.975, n - 1)


def binomial_at_most(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    return float(_distributions().binom.cdf(k, n, p))


def binomial_at_least(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return float(_distributions().binom.sf(k - 1, n, p))


# -- intervals -------------------------------------------------------------------------


def mean_interval(values) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of the mean; the interval is nan for fewer than 2 values."""
    values = list(values)
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    half = t975(n) * _standard_error(values, mean)
    return mean, mean - half, mean + half


def _standard_error(values, mean) -> float:
    n = len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) / math.sqrt(n)


def clopper_pearson(yes: int, n: int, alpha: float | None = None) -> tuple[float, float]:
    """The exact (Clopper-Pearson) 1 - alpha interval of a share yes/n; (0, 1) for n = 0."""
    alpha = alpha_now() if alpha is None else alpha
    if n == 0:
        return 0.0, 1.0
    low = 0.0 if yes == 0 else beta_quantile(alpha / 2, yes, n - yes + 1)
    high = 1.0 if yes == n else beta_quantile(1 - alpha / 2, yes + 1, n - yes)
    return low, high


def median(values) -> float:
    values = sorted(values)
    n = len(values)
    if n == 0:
        return math.nan
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def short_number(value, missing: str = "nan") -> str:
    """A number as the verdict tables and texts show it: 3 significant digits, whole
    numbers from 1000 on, `missing` for a missing value (nan or None).

    (Files keep exact values: rnnadd.analyses.seedtable.format_number.)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if value == 0:
        return "0"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def percent(level: float) -> str:
    """0.95 -> '95%', 0.99375 -> '99.4%'."""
    return f"{100 * level:.3g}%"


# -- comparisons -------------------------------------------------------------------


@dataclass
class Comparison:
    """Mean of per-seed differences (or values), its Student-t interval and the median.

    low / high: the 95% interval, cut at `bounds` (the range the mean can take:
    a mean of accuracies lies in [0, 1], a difference of two in [-1, 1]; the cut
    loses no coverage).  `filled`: seeds whose missing or non-finite value stood
    in as the metric's worst value; `unjudged`: why no verdict can be given
    (a value with no worst value to stand in), else "".
    """
    what: str
    mean: float
    low: float
    high: float
    n: int
    left_out: int = 0
    median: float = math.nan
    se: float = math.nan
    bounds: tuple = (-math.inf, math.inf)
    filled: list = field(default_factory=list)
    unjudged: str = ""
    note: str = ""  # what Holm's correction did to it, set by verdicts_of

    def interval(self, alpha: float | None = None) -> tuple[float, float]:
        """The two-sided 1 - alpha interval of the mean, cut at the bounds; nan with < 2 seeds."""
        alpha = alpha_now() if alpha is None else alpha
        if self.n < 2 or self.unjudged:
            return math.nan, math.nan
        half = t_quantile(1 - alpha / 2, self.n - 1) * self.se
        lo, hi = self.bounds
        return max(lo, self.mean - half), min(hi, self.mean + half)

    def text(self) -> str:
        if self.unjudged:
            return f"{self.what}: not judged ({self.unjudged})"
        level = percent(1 - alpha_now())
        interval = (f"{level} CI {short_number(self.low)} to {short_number(self.high)}" if self.n >= 2
                    else "no interval with fewer than 2 seeds")
        notes = f", median {short_number(self.median)}" if self.n >= 2 else ""
        if self.filled:
            notes += f", {len(self.filled)} value(s) missing or not finite counted as the worst: " + \
                "; ".join(self.filled)
        if self.left_out:
            notes += f", {self.left_out} seed(s) without a finite value left out"
        return f"{self.what}: {short_number(self.mean)} ({interval}; {self.n} seeds{notes})"

    def negated(self) -> Comparison:
        """The same comparison seen from the other side (mean and interval times -1)."""
        return Comparison(self.what, -self.mean, -self.high, -self.low, self.n, self.left_out, -self.median,
                          self.se, (-self.bounds[1], -self.bounds[0]), self.filled, self.unjudged)


def _sample(what: str, values: list, bounds, filled, unjudged) -> Comparison:
    if unjudged:
        return Comparison(what, math.nan, math.nan, math.nan, len(values), bounds=bounds, filled=filled,
                          unjudged=unjudged)
    n = len(values)
    mean = math.fsum(values) / n if n else math.nan
    comparison = Comparison(what, mean, math.nan, math.nan, n, median=median(values), bounds=bounds,
                            se=_standard_error(values, mean) if n >= 2 else math.nan, filled=filled)
    comparison.low, comparison.high = comparison.interval()
    return comparison


def _with_worst(seed, values: dict, worst, side: str, filled: list):
    """One seed's value; a missing or non-finite one is the worst value, or None if it has none."""
    value = values.get(seed, math.nan)
    if math.isfinite(value):
        return value
    if worst is None:
        return None
    filled.append(f"seed {seed}{side} {'missing' if seed not in values else 'not finite'} -> "
                  f"{short_number(worst)}")
    return worst


def paired(what: str, a: dict, b: dict, sign: float = 1.0, worst_a=None, worst_b=None, seeds=None,
           bounds=(-math.inf, math.inf), leave_out_missing: bool = False) -> Comparison:
    """sign * (a - b) seed by seed ({seed: value} each) over `seeds` (default: the seeds of a or b).

    A seed whose value is missing or not finite on a side counts as that side's
    worst value (worst_a, worst_b); where there is none (None), the comparison is
    not judged.  leave_out_missing keeps the old rule (such a seed left out),
    for the figures' summaries only.
    """
    seeds = sorted(set(a) | set(b)) if seeds is None else sorted(seeds)
    diffs, filled, broken = [], [], []
    for s in seeds:
        if leave_out_missing:
            if s in a and s in b and math.isfinite(a[s]) and math.isfinite(b[s]):
                diffs.append(sign * (a[s] - b[s]))
            continue
        x = _with_worst(s, a, worst_a, " (first)", filled)
        y = _with_worst(s, b, worst_b, " (second)", filled)
        if x is None or y is None:
            broken.append(str(s))
        else:
            diffs.append(sign * (x - y))
    unjudged = (f"seed(s) {', '.join(broken)} without a finite value, and the metric has no worst value "
                f"to stand in" if broken else "")
    comparison = _sample(what, diffs, bounds, filled, unjudged)
    comparison.left_out = len(seeds) - len(diffs) if leave_out_missing else 0
    return comparison


def one_sample(what: str, values: dict, worst=None, seeds=None, bounds=(-math.inf, math.inf)) -> Comparison:
    """The mean of one level's values ({seed: value}) over `seeds`, with the worst-value rule of paired()."""
    seeds = sorted(values) if seeds is None else sorted(seeds)
    kept, filled, broken = [], [], []
    for s in seeds:
        x = _with_worst(s, values, worst, "", filled)
        (broken.append(str(s)) if x is None else kept.append(x))
    unjudged = (f"seed(s) {', '.join(broken)} without a finite value, and the metric has no worst value "
                f"to stand in" if broken else "")
    return _sample(what, kept, bounds, filled, unjudged)


@dataclass
class Share:
    """Seeds counted: yes of n, with its Clopper-Pearson interval."""
    what: str
    yes: int
    n: int

    @property
    def mean(self) -> float:
        return self.yes / self.n if self.n else math.nan

    def interval(self, alpha: float | None = None) -> tuple[float, float]:
        alpha = alpha_now() if alpha is None else alpha
        return clopper_pearson(self.yes, self.n, alpha)

    @property
    def low(self) -> float:
        return self.interval()[0]

    @property
    def high(self) -> float:
        return self.interval()[1]

    note: str = ""
    unjudged: str = ""

    def text(self) -> str:
        low, high = self.interval()
        return (f"{self.what}: {self.yes} of {self.n} ({percent(1 - alpha_now())} Clopper-Pearson "
                f"{short_number(low)} to {short_number(high)})")


# -- verdict rules: one comparison at level 1 - alpha --------------------------------
# verdict(c, alpha) reads the interval; p_value(c, verdict) is the smallest alpha at
# which that verdict would be given, and orders a family for Holm.


def _p_above(c, line: float) -> float:
    """Two-sided-scale p that the mean is above the line (2 x one-sided)."""
    if c.unjudged or c.n < 2 or math.isnan(c.mean):
        return 1.0
    if c.se == 0:
        return 0.0 if c.mean > line else 1.0
    return min(1.0, 2 * (1 - t_cdf((c.mean - line) / c.se, c.n - 1)))


def _p_below(c, line: float) -> float:
    if c.unjudged or c.n < 2 or math.isnan(c.mean):
        return 1.0
    if c.se == 0:
        return 0.0 if c.mean < line else 1.0
    return min(1.0, 2 * t_cdf((c.mean - line) / c.se, c.n - 1))


@dataclass(frozen=True)
class Side:
    """Holds when the interval lies above `at` (at or above, if closed); does not hold when below."""
    at: float = 0.0
    closed: bool = False

    def verdict(self, c, alpha: float | None = None) -> str:
        alpha = alpha_now() if alpha is None else alpha
        low, high = c.interval(alpha)
        if math.isnan(low):
            return OPEN
        if low > self.at or (self.closed and low >= self.at):
            return HOLDS
        return FAILS if high < self.at else OPEN

    def p_value(self, c, verdict: str) -> float:
        return _p_above(c, self.at) if verdict == HOLDS else _p_below(c, self.at)


@dataclass(frozen=True)
class Below:
    """Holds when the interval lies below `at` (at or below, if closed); does not hold when above."""
    at: float
    closed: bool = False

    def verdict(self, c, alpha: float | None = None) -> str:
        alpha = alpha_now() if alpha is None else alpha
        low, high = c.interval(alpha)
        if math.isnan(low):
            return OPEN
        if high < self.at or (self.closed and high <= self.at):
            return HOLDS
        return FAILS if low > self.at else OPEN

    def p_value(self, c, verdict: str) -> float:
        return _p_below(c, self.at) if verdict == HOLDS else _p_above(c, self.at)


@dataclass(frozen=True)
class Inside:
    """Holds when the interval lies inside [-margin, margin]; does not hold when entirely outside."""
    margin: float

    def verdict(self, c, alpha: float | None = None) -> str:
        alpha = alpha_now() if alpha is None else alpha
        low, high = c.interval(alpha)
        if math.isnan(low):
            return OPEN
        if -self.margin <= low and high <= self.margin:
            return HOLDS
        return FAILS if low > self.margin or high < -self.margin else OPEN

    def p_value(self, c, verdict: str) -> float:
        m = self.margin
        if verdict == HOLDS:
            return max(_p_above(c, -m), _p_below(c, m))
        return min(_p_above(c, m), _p_below(c, -m))


@dataclass(frozen=True)
class AtLeastRate:
    """Seeds counted (a Share): holds when the Clopper-Pearson interval's lower end is at or
    above the rate, does not hold when its upper end is below, else inconclusive."""
    rate: float

    def verdict(self, share: Share, alpha: float | None = None) -> str:
        alpha = alpha_now() if alpha is None else alpha
        if share.n == 0:
            return OPEN
        low, high = share.interval(alpha)
        if low >= self.rate:
            return HOLDS
        return FAILS if high < self.rate else OPEN

    def p_value(self, share: Share, verdict: str) -> float:
        if share.n == 0:
            return 1.0
        if verdict == HOLDS:
            return min(1.0, 2 * binomial_at_least(share.yes, share.n, self.rate))
        return min(1.0, 2 * binomial_at_most(share.yes, share.n, self.rate))


# -- a claim's comparisons as one family -----------------------------------------------


def holm(pvalues, alpha: float | None = None) -> list[bool]:
    """Holm's step-down procedure: which of k hypotheses are rejected at family-wise alpha.

    The smallest p is compared with alpha/k, the next with alpha/(k-1), ...; the
    first that is not below its level stops it.
    """
    alpha = alpha_now() if alpha is None else alpha
    pvalues = list(pvalues)
    k = len(pvalues)
    rejected = [False] * k
    for rank, index in enumerate(sorted(range(k), key=lambda i: pvalues[i])):
        if pvalues[index] > alpha / (k - rank):
            break
        rejected[index] = True
    return rejected


def holm_decided(items, rule, verdict: str, alpha: float | None = None) -> list[bool]:
    """Which items (comparisons or shares) give `verdict` under Holm over all of them.

    Holm's order comes from rule.p_value; each step judges the item on its
    1 - alpha/(k - rank) interval with rule.verdict (the interval decides, as
    for a single comparison), and the first that does not give the verdict stops it.
    """
    alpha = alpha_now() if alpha is None else alpha
    items = list(items)
    k = len(items)
    decided = [False] * k
    order = sorted(range(k), key=lambda i: rule.p_value(items[i], verdict))
    for rank, index in enumerate(order):
        level = alpha / (k - rank)
        if rule.verdict(items[index], level) != verdict:
            break
        decided[index] = True
        if k > 1:
            items[index].note = f"{verdict} on its {percent(1 - level)} interval (Holm, {k} comparisons)"
    return decided


def verdicts_of(items, rule, alpha: float | None = None) -> list[str]:
    """The verdicts of one claim's comparisons, which hold together only if all hold.

    `holds` needs every comparison, so each is judged on its own 1 - alpha
    interval (intersection-union: no correction needed).  `does not hold` rests
    on any one of them, so Holm's correction over the k comparisons decides it.
    """
    alpha = alpha_now() if alpha is None else alpha
    items = list(items)
    fails = holm_decided(items, rule, FAILS, alpha)
    verdicts = []
    for item, failed in zip(items, fails):
        alone = rule.verdict(item, alpha)
        if alone == FAILS and not failed:
            item.note = (f"{FAILS} on its own {percent(1 - alpha)} interval, inconclusive after Holm over "
                         f"{len(items)} comparisons")
        verdicts.append(FAILS if failed else HOLDS if alone == HOLDS else OPEN)
    return verdicts


def best_verdicts(groups, rule, alpha: float | None = None) -> tuple[list[str], list[list[str]]]:
    """One of several named levels is ahead of each other level (`best`).

    groups: per other level, its comparisons with each named level.  A group
    holds when any named level is ahead (Holm within the group, since any one
    decides); it does not hold when every named level is behind, and since any
    such group decides the claim, Holm over the groups (a group's p: its largest).
    Returns (group verdicts, per-comparison verdicts).
    """
    alpha = alpha_now() if alpha is None else alpha
    groups = [list(g) for g in groups]
    fails = holm([max(rule.p_value(c, FAILS) for c in g) for g in groups], alpha)
    group_verdicts, member_verdicts = [], []
    for g, failed in zip(groups, fails):
        held = holm_decided(g, rule, HOLDS, alpha)
        verdict = HOLDS if any(held) else FAILS if failed else OPEN
        group_verdicts.append(verdict)
        member_verdicts.append([HOLDS if h else OPEN for h in held] if verdict == HOLDS else [verdict] * len(g))
    return group_verdicts, member_verdicts


def combine(verdicts) -> str:
    """All must hold; any that does not hold decides; otherwise inconclusive."""
    verdicts = list(verdicts)
    if verdicts and all(v == HOLDS for v in verdicts):
        return HOLDS
    if any(v == FAILS for v in verdicts):
        return FAILS
    return OPEN


# -- power: how many seeds a comparison would need -----------------------------------
# Estimates from this study: the observed mean difference and spread taken as the
# truth. A verdict holds when its 95% two-sided interval clears the line, which is a
# one-sided test at POWER_ALPHA; POWER is the chance of that verdict wanted.

POWER = 0.8
POWER_ALPHA = FAMILY_ALPHA / 2  # one-sided 0.025: the 95% interval's side (half of alpha_now() in general)
# Beyond this many seeds the estimate says "more" (inf): no study here would run them.
MAX_SEEDS_ESTIMATE = 1000
# Simulated studies per seed count for an equivalence claim; seeded, so the estimate is repeatable.
EQUIVALENCE_SIMULATIONS = 4000


def normal_cdf(x: float) -> float:
    return float(_distributions().norm.cdf(x))


def noncentral_t_sf(c: float, df: float, ncp: float) -> float:
    """P(T > c) for the noncentral t with df degrees of freedom and noncentrality ncp."""
    if not df > 0:
        return math.nan
    return float(_distributions().nct.sf(c, df, ncp))


def t_test_power(effect: float, sd: float, n: int, alpha: float | None = None) -> float:
    """The chance that n paired seeds show a positive mean (one-sided t test at alpha) when the
    true mean difference is `effect` and its spread across seeds `sd`."""
    alpha = alpha_now() / 2 if alpha is None else alpha  # one side of the interval
    if n < 2 or math.isnan(effect) or math.isnan(sd):
        return math.nan
    if sd == 0:
        return 1.0 if effect > 0 else 0.0
    return noncentral_t_sf(t_quantile(1 - alpha, n - 1), n - 1, effect / sd * math.sqrt(n))


def _smallest_n(power_at, target: float, max_n: int) -> float:
    """The smallest n from 2 to max_n with power_at(n) >= target (power rising with n), else inf."""
    if power_at(max_n) < target:
        return math.inf
    low, high = 2, max_n
    if power_at(low) >= target:
        return float(low)
    while high - low > 1:
        middle = (low + high) // 2
        if power_at(middle) >= target:
            high = middle
        else:
            low = middle
    return float(high)


def seeds_for_power(effect: float, sd: float, power: float = POWER, alpha: float | None = None,
                    max_n: int = MAX_SEEDS_ESTIMATE) -> float:
    """Seeds for a side claim (`better`, `at_least`, ...) to hold with the given power, if the
    observed effect (positive: the claimed side) and spread were the truth; inf when the effect
    is not on the claimed side or needs more than max_n seeds; nan when unknown."""
    if math.isnan(effect) or math.isnan(sd):
        return math.nan
    if effect <= 0:
        return math.inf
    return _smallest_n(lambda n: t_test_power(effect, sd, n, alpha), power, max_n)


def equivalence_power(effect: float, sd: float, margin: float, n: int, alpha: float | None = None,
                      simulations: int = EQUIVALENCE_SIMULATIONS, seed: int = 0) -> float:
    """The chance that the 1 - 2 alpha interval of n paired differences lies inside ±margin,
    by simulation: the mean and the sample variance are drawn from their exact distributions
    (normal differences), `simulations` times, with a seeded generator."""
    alpha = alpha_now() / 2 if alpha is None else alpha  # one side of the interval
    import random

    if n < 2 or math.isnan(effect) or math.isnan(sd):
        return math.nan
    if sd == 0:
        return 1.0 if abs(effect) < margin else 0.0
    rng = random.Random(seed)
    quantile = t_quantile(1 - alpha, n - 1)
    inside = 0
    for _ in range(simulations):
        mean = rng.gauss(effect, sd / math.sqrt(n))
        variance = sd * sd * rng.gammavariate((n - 1) / 2, 2.0) / (n - 1)  # chi-square(n-1) / (n-1)
        half = quantile * math.sqrt(variance / n)
        inside += (mean - half >= -margin) and (mean + half <= margin)
    return inside / simulations


def seeds_for_equivalence(effect: float, sd: float, margin: float, power: float = POWER,
                          alpha: float | None = None, max_n: int = MAX_SEEDS_ESTIMATE) -> float:
    """Seeds for a margin claim (`same`, ...) to hold with the given power at the observed
    difference and spread (simulated); inf when |effect| >= margin or beyond max_n."""
    if math.isnan(effect) or math.isnan(sd):
        return math.nan
    if abs(effect) >= margin:
        return math.inf
    return _smallest_n(lambda n: equivalence_power(effect, sd, margin, n, alpha), power, max_n)


def seeds_needed(comparison, rule) -> float:
    """Seeds for one comparison to be decided, either way, with 80% power under its rule
    (Side, Below, Inside), at its observed mean and spread: a side rule needs the interval
    off the line on the side the mean lies; a margin rule needs it inside the margin when
    the mean is inside, outside when it is outside.  nan for a comparison without a spread
    (unjudged, fewer than 2 seeds); inf when no number of seeds up to MAX_SEEDS_ESTIMATE does."""
    if getattr(comparison, "unjudged", "") or comparison.n < 2 or math.isnan(comparison.se):
        return math.nan
    sd = comparison.se * math.sqrt(comparison.n)
    if isinstance(rule, Inside):
        if abs(comparison.mean) < rule.margin:
            return seeds_for_equivalence(comparison.mean, sd, rule.margin)
        return seeds_for_power(abs(comparison.mean) - rule.margin, sd)
    if isinstance(rule, (Side, Below)):
        return seeds_for_power(abs(comparison.mean - rule.at), sd)
    return math.nan


def seeds_to_decide(items, verdicts, shown, rule) -> float:
    """A claim's seeds for 80% power: the most that any still-open comparison needs; when
    none is open, what the comparison the row shows needs (an estimate from this study)."""
    open_ones = [c for c, v in zip(items, verdicts) if v == OPEN and isinstance(c, Comparison)]
    if open_ones:
        needs = [seeds_needed(c, rule) for c in open_ones]
        return math.nan if any(math.isnan(n) for n in needs) else max(needs)
    return seeds_needed(shown, rule) if isinstance(shown, Comparison) else math.nan
