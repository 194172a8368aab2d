"""Small statistics without numpy, so light jobs (claims, report pages) start fast."""

from __future__ import annotations

import math

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
