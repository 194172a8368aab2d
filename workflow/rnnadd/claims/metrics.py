"""What a claim may assume about a metric: the range its values lie in (for intervals that
stay in range) and the worst value, which stands in for a seed whose value is missing or
not finite (a diverged seed's loss), so that no seed silently leaves a comparison.

The table is written out in docs/claims.md ("A missing or diverged seed").  A metric of a
new kind that matches no row is unbounded and has no worst value: a missing value makes
its comparison inconclusive, which is the safe default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnnadd.study.kinds import lower_is_better

CAP = "cap"  # the worst value of a first step: the last evaluated step of the cell (never reached)


@dataclass(frozen=True)
class MetricRule:
    prefixes: tuple  # metric names, or prefixes of them
    bounds: tuple  # (low, high) of one seed's value
    worst: object  # a number, CAP, or None: no worst value (the comparison is not judged)
    why: str


RULES = (
    MetricRule(("auc_accuracy", "final_accuracy", "max_accuracy", "accuracy_len", "digit_accuracy_len",
                "probe_", "reached_", "chain_accuracy_k", "nocarry_accuracy_k", "paired_chain_accuracy_k",
                "untrained_", "digits_", "digit_auc_"), (0.0, 1.0), 0.0,
               "an accuracy or a share in [0, 1], higher is better: a missing seed scores 0 (a diverged "
               "seed already counts as accuracy 0 from the step its loss became non-finite)"),
    MetricRule(("error_pos", "diverged"), (0.0, 1.0), 1.0,
               "a rate in [0, 1], lower is better: a missing seed counts 1"),
    MetricRule(("first_step_",), (0.0, math.inf), CAP,
               "steps to a threshold: a missing seed counts as never reaching it, the cell's last "
               "evaluated step (as a seed that never reached it already does)"),
    MetricRule(("auc_loss", "final_loss", "final_test_loss", "early_loss", "late_loss"), (0.0, math.inf), None,
               "a loss: a diverged seed's loss is not finite and has no worst number that an average could "
               "use, so a comparison with such a seed is inconclusive"),
)
UNKNOWN = MetricRule((), (-math.inf, math.inf), None, "no rule: a missing value makes the comparison inconclusive")


def rule_of(metric: str) -> MetricRule:
    for rule in RULES:
        if metric.startswith(rule.prefixes):
            if rule.worst not in (None, CAP):
                expected = 1.0 if lower_is_better(metric) else 0.0
                assert rule.worst == expected, f"{metric}: worst value disagrees with its direction"
            return rule
    return UNKNOWN


def worst_value(metric: str, caps: dict | None = None, key: str = ""):
    """The number that stands in for a missing or non-finite value of one cell, or None."""
    worst = rule_of(metric).worst
    if worst == CAP:
        return (caps or {}).get(key)
    return worst


def difference_bounds(metric: str) -> tuple:
    """The range of a paired difference of two values of the metric."""
    low, high = rule_of(metric).bounds
    return low - high, high - low


def value_bounds(metric: str) -> tuple:
    return rule_of(metric).bounds
