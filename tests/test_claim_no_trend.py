"""The no_trend test's own cases (judged by tests/test_claims.py), and that it reads the trend
of the effect, not its size: a large effect that is the same at every level has no trend."""

import pytest

from rnnadd.claims import judge_all


def table(values: dict) -> list[dict]:
    """{level label: [auc_accuracy per seed]} -> per-seed rows of a one-axis experiment."""
    return [{"label0": label, "label1": "", "run": f"run_{label}", "seed": seed, "metric": "auc_accuracy",
             "value": value} for label, seeds in values.items() for seed, value in enumerate(seeds)]


BASE = {"1": [0.80, 0.82, 0.79, 0.81, 0.80], "2": [0.70, 0.72, 0.71, 0.69, 0.70],
        "3": [0.60, 0.61, 0.62, 0.60, 0.59], "4": [0.50, 0.52, 0.51, 0.50, 0.49]}


def shifted(by) -> dict:
    """BASE plus by[i] at the i-th level (per seed, with a little seed-to-seed noise)."""
    noise = [0.001, -0.002, 0.0, 0.002, -0.001]
    return {label: [v + by[i] + n for v, n in zip(seeds, noise)] for i, (label, seeds) in enumerate(BASE.items())}


KEYS = dict(metric="auc_accuracy", margin=0.02, levels=[["1", ""], ["2", ""], ["3", ""], ["4", ""]], other="e2",
            positions=[1.0, 2.0, 3.0, 4.0])
VERDICT_CASES = [
    ("no_trend", table(shifted([0.1, 0.1, 0.1, 0.1])), {**KEYS, "others": {"e2": table(BASE)}}, "holds"),
    ("no_trend", table(shifted([0.0, 0.05, 0.1, 0.15])), {**KEYS, "others": {"e2": table(BASE)}}, "does not hold"),
    # Each seed with a trend of its own (0.005 per level on average, spread 0.02 per level).
    ("no_trend", table({k: [v + t * (i - 1.5) for v, t in zip(s, [0.0, 0.02, -0.02, 0.015, -0.01])]
                        for i, (k, s) in enumerate(shifted([0.0, 0.005, 0.01, 0.015]).items())}),
     {**KEYS, "others": {"e2": table(BASE)}}, "inconclusive"),
]


def claim(**keys) -> dict:
    return {"id": "c", "section": "1", "claim": "a claim", "experiment": "e", "test": "no_trend", "axes": ["x"],
            "lower_is_better": False, **keys}


def test_a_large_effect_without_a_trend_holds_and_the_estimate_is_the_fitted_change():
    keys = {k: v for k, v in KEYS.items()}
    flat = judge_all([claim(**keys)], table(shifted([0.1, 0.1, 0.1, 0.1])), {"e2": table(BASE)}, pilot=None)[0]
    assert flat["verdict"] == "holds" and abs(flat["estimate"]) < 0.005
    rising = judge_all([claim(**keys)], table(shifted([0.0, 0.05, 0.1, 0.15])), {"e2": table(BASE)}, pilot=None)[0]
    assert rising["estimate"] == pytest.approx(0.15, abs=0.005)  # slope 0.05 per level over a span of 3
