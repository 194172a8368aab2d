"""The not_worse test's own cases (judged by tests/test_claims.py), and that it is the hedged
`better`: a level a little behind, within the margin, is not worse but not better."""

from rnnadd.claims import judge_all


def table(values: dict) -> list[dict]:
    """{level label: [auc_accuracy per seed]} -> per-seed rows of a one-axis experiment."""
    return [{"label0": label, "label1": "", "run": f"run_{label}", "seed": seed, "metric": "auc_accuracy",
             "value": value} for label, seeds in values.items() for seed, value in enumerate(seeds)]


LEVELS = {"a": [0.80, 0.82, 0.79, 0.81, 0.80], "slightly_ahead": [0.81, 0.83, 0.80, 0.82, 0.81],
          "far_ahead": [0.95, 0.96, 0.94, 0.95, 0.96], "noisy": [0.70, 0.95, 0.65, 0.99, 0.75]}
KEYS = dict(metric="auc_accuracy", margin=0.02, a=["a", ""])
VERDICT_CASES = [
    ("not_worse", table(LEVELS), {**KEYS, "b": [["slightly_ahead", ""]]}, "holds"),
    ("not_worse", table(LEVELS), {**KEYS, "b": [["far_ahead", ""]]}, "does not hold"),
    ("not_worse", table(LEVELS), {**KEYS, "b": [["noisy", ""]]}, "inconclusive"),
]


def claim(test: str, **keys) -> dict:
    return {"id": "c", "section": "1", "claim": "a claim", "experiment": "e", "test": test, "axes": ["x"],
            "lower_is_better": False, **keys}


def test_a_level_a_little_behind_is_not_worse_but_not_better():
    rows = table(LEVELS)
    hedged = judge_all([claim("not_worse", **KEYS, b=[["slightly_ahead", ""]])], rows, pilot=None)[0]
    strong = judge_all([claim("better", metric="auc_accuracy", a=["a", ""], b=[["slightly_ahead", ""]])], rows,
                       pilot=None)[0]
    assert hedged["verdict"] == "holds" and strong["verdict"] == "does not hold"
    assert hedged["p_value"] < 0.05 and "not worse when above -0.02" in hedged["measured"]
