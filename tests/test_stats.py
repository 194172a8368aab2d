"""The statistics of rnnadd.analyses.stats: the distributions are scipy.stats', so these check
that they are asked the right question (degrees of freedom, sides, parameters) against
published values and against scipy's own tests, and that the Snakefile's imports do not pay
for scipy."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest
import scipy.stats

from conftest import REPO
from rnnadd.analyses import stats

# -- distributions -----------------------------------------------------------------------------


@pytest.mark.parametrize("p, df, expected", [
    (0.975, 1, 12.706204736174694), (0.975, 2, 4.302652729749462), (0.975, 4, 2.7764451051977934),
    (0.975, 10, 2.2281388519862744), (0.975, 30, 2.0422724563012378), (0.995, 4, 4.604094871349992),
    (0.9995, 9, 4.780912585931218), (0.025, 4, -2.7764451051977943),
])
def test_t_quantiles_match_exact_values(p, df, expected):
    # Reference values: the root of the t distribution function, in mpmath at 30 digits.
    assert stats.t_quantile(p, df) == pytest.approx(expected, rel=1e-13)


def test_t975_is_the_quantile_of_n_minus_1_degrees_of_freedom():
    assert stats.t975(5) == stats.t_quantile(0.975, 4)
    assert math.isnan(stats.t975(1))  # one value: no interval
    assert math.isnan(stats.t_quantile(0.975, 0))


@pytest.mark.parametrize("yes, n, low, high", [
    (3, 10, 0.06673951117773447, 0.6524528500599972),  # R: binom.test(3, 10)$conf.int
    (1, 5, 0.005050763379468, 0.716417936118089),
    (5, 5, 0.025 ** (1 / 5), 1.0),
    (0, 5, 0.0, 1 - 0.025 ** (1 / 5)),
    (17, 20, 0.6210732, 0.9679291),
])
def test_clopper_pearson_matches_known_intervals(yes, n, low, high):
    got = stats.clopper_pearson(yes, n)
    assert got == (pytest.approx(low, rel=1e-6, abs=1e-12), pytest.approx(high, rel=1e-6))
    # Its ends are where the binomial tails are 2.5%: the definition.
    if yes:
        assert stats.binomial_at_least(yes, n, got[0]) == pytest.approx(0.025, rel=1e-9)
    if yes < n:
        assert stats.binomial_at_most(yes, n, got[1]) == pytest.approx(0.025, rel=1e-9)


def test_clopper_pearson_is_scipys_exact_binomial_interval():
    for n in (1, 2, 5, 13, 40):
        for yes in range(n + 1):
            for alpha in (0.05, 0.01, 0.05 / 3):
                # (binomtest finds the ends by root-finding on the binomial tails: 8 digits or more.)
                exact = scipy.stats.binomtest(yes, n).proportion_ci(1 - alpha, method="exact")
                assert stats.clopper_pearson(yes, n, alpha) == (pytest.approx(exact.low, rel=1e-7, abs=1e-15),
                                                                pytest.approx(exact.high, rel=1e-7))
    assert stats.clopper_pearson(0, 0) == (0.0, 1.0)


def test_binomial_tails_are_exact_sums():
    for n, p in ((7, 0.3), (20, 0.9)):
        for k in range(-1, n + 2):
            exact = math.fsum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(max(0, k + 1)))
            assert stats.binomial_at_most(k, n, p) == pytest.approx(min(1.0, exact), rel=1e-12, abs=1e-15)
            assert stats.binomial_at_least(k + 1, n, p) == pytest.approx(1 - min(1.0, exact), rel=1e-9, abs=1e-15)


# -- intervals and comparisons against scipy's t tests -------------------------------------------


def test_mean_interval_is_students_t_interval():
    values = [0.31, 0.35, 0.29, 0.4, 0.33]
    mean, low, high = stats.mean_interval(values)
    expected = scipy.stats.ttest_1samp(values, 0).confidence_interval(0.95)
    assert (low, high) == (pytest.approx(expected.low, rel=1e-12), pytest.approx(expected.high, rel=1e-12))
    assert mean == pytest.approx(sum(values) / 5, rel=1e-15)
    assert math.isnan(stats.mean_interval([1.0])[1]) and math.isnan(stats.mean_interval([])[0])


def test_paired_comparison_is_scipys_paired_t_test_at_every_level():
    rng = random.Random(3)
    a = {seed: rng.gauss(0.6, 0.1) for seed in range(7)}
    b = {seed: rng.gauss(0.5, 0.1) for seed in range(7)}
    comparison = stats.paired("a - b", a, b)
    seeds = sorted(a)
    test = scipy.stats.ttest_rel([a[s] for s in seeds], [b[s] for s in seeds])
    assert comparison.n == 7 and comparison.mean == pytest.approx(sum(a[s] - b[s] for s in seeds) / 7, rel=1e-12)
    for alpha in (0.05, 0.05 / 2, 0.05 / 5, 0.001):  # the levels Holm's steps judge at
        expected = test.confidence_interval(1 - alpha)
        assert comparison.interval(alpha) == (pytest.approx(expected.low, rel=1e-11),
                                              pytest.approx(expected.high, rel=1e-11))
    # The p that orders a family for Holm: twice the one-sided p of the side claimed.
    for rule, alternative in ((stats.Side(0.0), "greater"), (stats.Below(0.0), "less")):
        one_sided = scipy.stats.ttest_rel([a[s] for s in seeds], [b[s] for s in seeds], alternative=alternative)
        assert rule.p_value(comparison, stats.HOLDS) == pytest.approx(min(1.0, 2 * one_sided.pvalue), rel=1e-9)


def test_one_sample_p_values_are_scipys_one_sample_t_test():
    values = {seed: v for seed, v in enumerate([0.91, 0.95, 0.88, 0.97, 0.93, 0.9])}
    comparison = stats.one_sample("accuracy", values)
    line = 0.9
    test = scipy.stats.ttest_1samp(list(values.values()), line, alternative="greater")
    assert stats.Side(line).p_value(comparison, stats.HOLDS) == pytest.approx(2 * test.pvalue, rel=1e-9)


def test_at_least_rate_p_value_is_the_exact_binomial_test():
    share = stats.Share("learned", 9, 10)
    exact = scipy.stats.binomtest(9, 10, 0.6, alternative="greater").pvalue
    assert stats.AtLeastRate(0.6).p_value(share, stats.HOLDS) == pytest.approx(2 * exact, rel=1e-12)
    below = scipy.stats.binomtest(2, 10, 0.6, alternative="less").pvalue
    assert stats.AtLeastRate(0.6).p_value(stats.Share("learned", 2, 10), stats.FAILS) == pytest.approx(
        2 * below, rel=1e-12)


# -- power ------------------------------------------------------------------------------------


@pytest.mark.parametrize("effect, n, power", [(0.5, 34, 0.8078), (0.8, 15, 0.8213), (1.0, 10, 0.8031),
                                              (0.5, 33, 0.7954), (1.0, 9, 0.7480)])
def test_t_test_power_matches_published_values(effect, n, power):
    # One-sample t test, two-sided 0.05 (= one-sided 0.025), power from G*Power 3 / R's power.t.test.
    assert stats.t_test_power(effect, 1.0, n) == pytest.approx(power, abs=5e-4)


def test_noncentral_t_agrees_with_a_simulation():
    # Its arguments mean what they say: T = (Z + ncp) / sqrt(V / df), V ~ chi-square(df).
    rng = random.Random(1)
    df, ncp, c = 6, 1.3, 2.0
    hits = 0
    for _ in range(40000):
        z = rng.gauss(0, 1) + ncp
        v = rng.gammavariate(df / 2, 2.0)
        hits += z / math.sqrt(v / df) > c
    assert stats.noncentral_t_sf(c, df, ncp) == pytest.approx(hits / 40000, abs=0.01)
    assert stats.noncentral_t_sf(c, df, 0.0) == pytest.approx(1 - stats.t_cdf(c, df), rel=1e-12)
    assert math.isnan(stats.noncentral_t_sf(c, 0, ncp))


# -- import cost ------------------------------------------------------------------------------


def test_the_snakefiles_imports_do_not_import_scipy():
    # The Snakefile imports the claims (and the statistics) to read the config; scipy.stats
    # is imported at the first distribution asked for, not by every Snakemake start.
    code = ("import sys; import rnnadd.ops.workflowconfig, rnnadd.claims, rnnadd.analyses.stats as s; "
            "assert 'scipy' not in sys.modules, 'imported scipy'; "
            "s.t975(3); assert 'scipy.stats' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env={"PYTHONPATH": str(REPO / "workflow"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
