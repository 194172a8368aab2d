"""Claims: the verdict rule on hand-made per-seed tables, the config checks, and the
`claims` target on the smoke preset with the real Snakemake."""

from __future__ import annotations

import csv
import math
import re

import pytest
import yaml
from snakemake.utils import update_config

from conftest import REPO, SMOKE, snakemake
from rnnadd.claims import TESTS, ClaimError, judge_all, load_claims
from rnnadd.seedtable import read_seed_table, write_seed_table
from rnnadd.study import load_study

# -- hand-made tables ------------------------------------------------------------------


def table(values: dict, metric: str = "auc_accuracy") -> list[dict]:
    """{level label: [value per seed]} -> per-seed rows of a one-axis experiment."""
    return [{"label0": label, "label1": "", "run": f"run_{label}", "seed": seed, "metric": metric, "value": v}
            for label, seeds in values.items() for seed, v in enumerate(seeds)]


def claim(test: str, **keys) -> dict:
    base = {"id": "c", "section": "1", "claim": "a claim", "experiment": "e", "test": test, "axes": ["x"],
            "metric": "auc_accuracy", "lower_is_better": False}
    return {**base, **keys}


def verdict(test: str, rows, **keys) -> dict:
    return judge_all([claim(test, **keys)], rows)[0]


A_WINS = {"a": [0.9, 0.8, 0.85, 0.95, 0.9], "b": [0.5, 0.45, 0.55, 0.6, 0.5]}


def test_clear_win_holds_with_the_paired_interval_on_the_claimed_side():
    result = verdict("better", table(A_WINS), a=["a", ""], b=[["b", ""]])
    assert result["verdict"] == "holds"
    assert result["estimate"] == pytest.approx(0.36)  # mean of the paired differences
    assert 0 < result["ci95_low"] < 0.36 < result["ci95_high"]
    assert result["n_seeds"] == 5


def test_clear_loss_does_not_hold():
    result = verdict("better", table(A_WINS), a=["b", ""], b=[["a", ""]])
    assert result["verdict"] == "does not hold"
    assert result["ci95_high"] < 0


def test_lower_is_better_metrics_flip_the_claimed_side():
    rows = table({"fast": [100, 150, 100, 200, 150], "slow": [400, 500, 450, 500, 500]}, "first_step_0.99")
    result = verdict("better", rows, a=["fast", ""], b=[["slow", ""]], metric="first_step_0.99",
                     lower_is_better=True)
    assert result["verdict"] == "holds" and result["estimate"] == pytest.approx(330)


def test_overlapping_seeds_are_inconclusive():
    rows = table({"a": [0.6, 0.4, 0.7, 0.3, 0.5], "b": [0.5, 0.5, 0.5, 0.5, 0.5]})
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]])
    assert result["verdict"] == "inconclusive"
    assert result["ci95_low"] < 0 < result["ci95_high"]


def test_pairing_by_seed_decides_where_unpaired_intervals_overlap():
    # Seeds differ a lot from each other, but a beats b by 0.05 on every seed.
    base = [0.2, 0.9, 0.4, 0.7, 0.5]
    rows = table({"a": [v + 0.05 + 0.001 * i for i, v in enumerate(base)], "b": base})
    assert verdict("better", rows, a=["a", ""], b=[["b", ""]])["verdict"] == "holds"


def test_same_inside_the_margin_holds_and_outside_does_not():
    rows = table({"a": [0.80, 0.82, 0.79, 0.81, 0.80], "b": [0.79, 0.83, 0.79, 0.80, 0.81],
                  "far": [0.50, 0.52, 0.49, 0.51, 0.50], "near_edge": [0.76, 0.75, 0.75, 0.77, 0.74]})
    inside = verdict("same", rows, levels=[["a", ""], ["b", ""]], margin=0.05)
    assert inside["verdict"] == "holds"
    assert -0.05 <= inside["ci95_low"] and inside["ci95_high"] <= 0.05
    outside = verdict("same", rows, levels=[["a", ""], ["far", ""]], margin=0.05)
    assert outside["verdict"] == "does not hold" and outside["ci95_low"] > 0.05
    assert verdict("same", rows, levels=[["a", ""], ["far", ""]], margin=0.35)["verdict"] == "holds"
    straddling = verdict("same", rows, levels=[["a", ""], ["near_edge", ""]], margin=0.05)
    assert straddling["verdict"] == "inconclusive"
    assert straddling["ci95_low"] < 0.05 < straddling["ci95_high"]
    # One pair outside makes a three-level "same" claim fail.
    assert verdict("same", rows, levels=[["a", ""], ["b", ""], ["far", ""]], margin=0.05)["verdict"] == \
        "does not hold"


def test_identical_runs_are_the_same_even_with_a_tiny_margin():
    rows = table({"default": [0.3, 0.5, 0.4], "zero": [0.3, 0.5, 0.4]})
    result = verdict("same", rows, levels=[["default", ""], ["zero", ""]], margin=1e-9)
    assert result["verdict"] == "holds" and result["estimate"] == 0


def test_divergence_is_counted_seed_by_seed():
    rows = table({"0.5": [1, 1, 1, 1, 1], "0.1": [1, 0, 1, 1, 0], "0.01": [0, 0, 0, 0, 0]}, "diverged")
    results = judge_all([claim("diverges", metric="diverged", levels=[[lv, ""]]) for lv in ("0.5", "0.1", "0.01")],
                        rows)
    assert [(r["count"], r["verdict"]) for r in results] == \
        [("5/5", "holds"), ("3/5", "inconclusive"), ("0/5", "does not hold")]


def test_never_learns_and_reaches_count_seeds():
    rows = table({"a": [0.1, 0.2, 0.05]}, "max_accuracy")
    assert verdict("never_learns", rows, metric="max_accuracy", levels=[["a", ""]], threshold=0.5)["verdict"] == "holds"
    assert verdict("never_learns", rows, metric="max_accuracy", levels=[["a", ""]], threshold=0.15)["verdict"] == \
        "inconclusive"
    rows = table({"a": [100, 300, 500]}, "first_step_0.99") + table({"a": [1, 1, 0]}, "reached_0.99")
    reach = dict(metric="first_step_0.99", levels=[["a", ""]], threshold=0.99)
    assert verdict("reaches", rows, by=300, **reach)["count"] == "2/3"
    assert verdict("reaches", rows, by=300, **reach)["verdict"] == "inconclusive"
    assert verdict("reaches", rows, by=50, **reach)["verdict"] == "does not hold"
    # The cap (500, never reached) does not count as reaching it by step 500.
    assert verdict("reaches", rows, by=500, **reach)["count"] == "2/3"


def test_two_seeds_give_a_wide_but_real_interval():
    rows = table({"a": [0.9, 0.8], "b": [0.5, 0.45]})
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]])
    # t(0.975, 1 df) = 12.706: the differences 0.40 and 0.35 give 0.375 +- 0.318.
    assert result["n_seeds"] == 2
    assert result["ci95_low"] == pytest.approx(0.375 - 12.706 * 0.025 * math.sqrt(2) / math.sqrt(2), rel=1e-3)
    assert result["verdict"] == "holds"
    noisy = table({"a": [0.9, 0.5], "b": [0.5, 0.45]})
    assert verdict("better", noisy, a=["a", ""], b=[["b", ""]])["verdict"] == "inconclusive"


def test_one_seed_is_always_inconclusive_for_comparisons_but_counts_still_count():
    rows = table({"a": [0.9], "b": [0.1]})
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]])
    assert result["verdict"] == "inconclusive" and result["n_seeds"] == 1
    assert math.isnan(result["ci95_low"]) and result["estimate"] == pytest.approx(0.8)
    assert "fewer than 2 seeds" in result["measured"]
    assert verdict("same", rows, levels=[["a", ""], ["b", ""]], margin=0.01)["verdict"] == "inconclusive"
    one = table({"0.5": [1]}, "diverged")
    assert verdict("diverges", one, metric="diverged", levels=[["0.5", ""]])["verdict"] == "holds"


def test_nan_values_are_left_out_and_never_crash():
    rows = table({"a": [0.1, math.nan, 0.12, 0.11], "b": [0.3, 0.2, math.nan, 0.31]}, "auc_loss")
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]], metric="auc_loss", lower_is_better=True)
    assert result["n_seeds"] == 2 and "2 seed(s) without a finite value left out" in result["measured"]
    assert result["verdict"] in ("holds", "inconclusive", "does not hold")
    all_nan = table({"a": [math.nan] * 3, "b": [math.nan] * 3}, "auc_loss")
    assert verdict("better", all_nan, a=["a", ""], b=[["b", ""]], metric="auc_loss")["verdict"] == "inconclusive"


def test_ordered_holds_only_when_every_neighbour_pair_holds():
    rows = table({"1": [0.9, 0.92, 0.88], "2": [0.7, 0.72, 0.69], "3": [0.5, 0.52, 0.49]})
    levels = [["1", ""], ["2", ""], ["3", ""]]
    assert verdict("ordered", rows, levels=levels)["verdict"] == "holds"
    assert verdict("ordered", rows, levels=[levels[0], levels[2], levels[1]])["verdict"] == "does not hold"


def test_best_and_no_interaction_on_a_two_axis_table():
    def cell(l0, l1, values, metric="first_step_0.99"):
        return [{"label0": l0, "label1": l1, "run": f"{l0}{l1}", "seed": s, "metric": metric, "value": v}
                for s, v in enumerate(values)]

    rows = (cell("1", "carry", [100, 110, 105]) + cell("1", "zero", [150, 160, 150])
            + cell("2", "carry", [200, 205, 210]) + cell("2", "zero", [250, 260, 255]))
    base = dict(metric="first_step_0.99", lower_is_better=True, axes=["layers", "hidden_mode"])
    best = verdict("best", rows, levels=[["1", "carry"]], **base)
    assert best["verdict"] == "holds"
    assert verdict("best", rows, levels=[["2", "zero"]], **base)["verdict"] == "does not hold"
    # carry - zero is -50 at both depths: no interaction within 20 steps.
    same_effect = verdict("no_interaction", rows, a="carry", b="zero", axis=1, across=["1", "2"],
                          margin=20, **base)
    assert same_effect["verdict"] == "holds"
    rows += cell("3", "carry", [300, 300, 310]) + cell("3", "zero", [500, 520, 510])
    interacting = verdict("no_interaction", rows, a="carry", b="zero", axis=1, across=["1", "2", "3"],
                          margin=20, **base)
    assert interacting["verdict"] == "does not hold"


def test_at_least_and_at_most_use_the_interval_of_the_mean():
    rows = table({"a": [0.99, 1.0, 0.98, 1.0]})
    assert verdict("at_least", rows, levels=[["a", ""]], value=0.9)["verdict"] == "holds"
    assert verdict("at_most", rows, levels=[["a", ""]], value=0.9)["verdict"] == "does not hold"
    assert verdict("at_least", rows, levels=[["a", ""]], value=0.99)["verdict"] == "inconclusive"


# Every test of the vocabulary on hand-built per-seed rows, once per verdict.
# (test, {level: [value per seed]}, metric, the claim's own keys, verdict)
AHEAD = {"a": [0.9, 0.8, 0.85, 0.95, 0.9], "b": [0.5, 0.45, 0.55, 0.6, 0.5],
         "noisy": [0.6, 0.4, 0.7, 0.3, 0.5], "flat": [0.5, 0.5, 0.5, 0.5, 0.5]}
HIGH = {"a": [0.99, 1.0, 0.98, 1.0]}
ONE, TWO, THREE = ["1", ""], ["2", ""], ["3", ""]
ORDER = {"1": [0.9, 0.92, 0.88], "2": [0.7, 0.72, 0.69], "3": [0.5, 0.52, 0.49], "3b": [0.95, 0.4, 0.7]}
SAME = {"a": [0.80, 0.82, 0.79, 0.81, 0.80], "b": [0.79, 0.83, 0.79, 0.80, 0.81],
        "far": [0.50, 0.52, 0.49, 0.51, 0.50], "edge": [0.76, 0.75, 0.75, 0.77, 0.74]}
DIVERGED = {"all": [1, 1, 1], "some": [1, 0, 1], "none": [0, 0, 0]}
MAX_ACC = {"low": [0.1, 0.2, 0.05], "mixed": [0.1, 0.9, 0.3], "high": [0.9, 0.95, 0.99]}


def heatmap(effects: dict, metric: str = "auc_accuracy") -> list[dict]:
    """{depth: (carry values, zero values)} -> rows of a two-axis (layers x hidden_mode) experiment."""
    return [{"label0": depth, "label1": mode, "run": f"{depth}{mode}", "seed": s, "metric": metric, "value": v}
            for depth, pair in effects.items() for mode, values in zip(("carry", "zero"), pair)
            for s, v in enumerate(values)]


def reached(first_steps: list, reached_flags: list) -> list[dict]:
    return table({"a": first_steps}, "first_step_0.99") + table({"a": reached_flags}, "reached_0.99")


INTERACTION = dict(a="carry", b="zero", axis=1, margin=0.05, axes=["layers", "hidden_mode"])
VERDICT_CASES = [
    ("better", table(AHEAD), dict(a=["a", ""], b=[["b", ""]]), "holds"),
    ("better", table(AHEAD), dict(a=["b", ""], b=[["a", ""], ["flat", ""]]), "does not hold"),
    ("better", table(AHEAD), dict(a=["noisy", ""], b=[["flat", ""]]), "inconclusive"),
    ("ordered", table(ORDER), dict(levels=[ONE, TWO, THREE]), "holds"),
    ("ordered", table(ORDER), dict(levels=[THREE, TWO, ONE]), "does not hold"),
    ("ordered", table(ORDER), dict(levels=[ONE, ["3b", ""]]), "inconclusive"),
    ("best", table(AHEAD), dict(levels=[["a", ""]]), "holds"),
    ("best", table(AHEAD), dict(levels=[["b", ""]]), "does not hold"),
    ("best", table({k: AHEAD[k] for k in ("b", "noisy", "flat")}), dict(levels=[["noisy", ""]]), "inconclusive"),
    ("same", table(SAME), dict(levels=[["a", ""], ["b", ""]], margin=0.05), "holds"),
    ("same", table(SAME), dict(levels=[["a", ""], ["far", ""]], margin=0.05), "does not hold"),
    ("same", table(SAME), dict(levels=[["a", ""], ["edge", ""]], margin=0.05), "inconclusive"),
    ("no_interaction", heatmap({"1": ([0.9, 0.8, 0.85], [0.5, 0.4, 0.46]), "2": ([0.7, 0.6, 0.66], [0.3, 0.2, 0.26])}),
     dict(across=["1", "2"], **INTERACTION), "holds"),
    ("no_interaction", heatmap({"1": ([0.9, 0.8, 0.85], [0.5, 0.4, 0.46]), "2": ([0.7, 0.6, 0.66], [0.7, 0.6, 0.65])}),
     dict(across=["1", "2"], **INTERACTION), "does not hold"),
    ("no_interaction", heatmap({"1": ([0.9, 0.8, 0.85], [0.5, 0.4, 0.45]), "2": ([0.9, 0.6, 0.7], [0.4, 0.3, 0.3])}),
     dict(across=["1", "2"], **INTERACTION), "inconclusive"),
    ("at_least", table(HIGH), dict(levels=[["a", ""]], value=0.9), "holds"),
    ("at_least", table(HIGH), dict(levels=[["a", ""]], value=1.5), "does not hold"),
    ("at_least", table(HIGH), dict(levels=[["a", ""]], value=0.99), "inconclusive"),
    ("at_most", table(HIGH), dict(levels=[["a", ""]], value=1.5), "holds"),
    ("at_most", table(HIGH), dict(levels=[["a", ""]], value=0.9), "does not hold"),
    ("at_most", table(HIGH), dict(levels=[["a", ""]], value=0.99), "inconclusive"),
    ("diverges", table(DIVERGED, "diverged"), dict(metric="diverged", levels=[["all", ""]]), "holds"),
    ("diverges", table(DIVERGED, "diverged"), dict(metric="diverged", levels=[["all", ""], ["none", ""]]),
     "does not hold"),
    ("diverges", table(DIVERGED, "diverged"), dict(metric="diverged", levels=[["some", ""]]), "inconclusive"),
    ("never_learns", table(MAX_ACC, "max_accuracy"), dict(metric="max_accuracy", levels=[["low", ""]], threshold=0.5),
     "holds"),
    ("never_learns", table(MAX_ACC, "max_accuracy"), dict(metric="max_accuracy", levels=[["high", ""]], threshold=0.5),
     "does not hold"),
    ("never_learns", table(MAX_ACC, "max_accuracy"), dict(metric="max_accuracy", levels=[["mixed", ""]],
                                                           threshold=0.5), "inconclusive"),
    ("reaches", reached([100, 200, 300], [1, 1, 1]), dict(metric="first_step_0.99", levels=[["a", ""]],
                                                          threshold=0.99, by=300), "holds"),
    ("reaches", reached([100, 200, 500], [1, 1, 0]), dict(metric="first_step_0.99", levels=[["a", ""]],
                                                          threshold=0.99, by=50), "does not hold"),
    ("reaches", reached([100, 200, 500], [1, 1, 0]), dict(metric="first_step_0.99", levels=[["a", ""]],
                                                          threshold=0.99, by=500), "inconclusive"),
]


@pytest.mark.parametrize("test, rows, keys, expected", VERDICT_CASES,
                         ids=[f"{case[0]}-{case[3].replace(' ', '_')}" for case in VERDICT_CASES])
def test_each_claim_test_gives_each_verdict(test, rows, keys, expected):
    result = verdict(test, rows, **keys)
    assert result["verdict"] == expected
    assert result["test"] == test and result["measured"].endswith(".")
    if result["count"]:
        assert result["n_seeds"] == 3
    else:
        assert result["n_seeds"] >= 3 and not math.isnan(result["ci95_low"])


def test_every_registered_test_has_a_case_for_each_verdict():
    covered = {(case[0], case[3]) for case in VERDICT_CASES}
    assert set(TESTS) == {"better", "same", "ordered", "best", "no_interaction", "at_least", "at_most",
                          "diverges", "never_learns", "reaches"}
    missing = [(name, v) for name in TESTS for v in ("holds", "does not hold", "inconclusive")
               if (name, v) not in covered]
    assert not missing


def test_the_docs_list_each_tests_keys():
    rows = [line for line in (REPO / "docs" / "claims.md").read_text().splitlines() if line.startswith("| `")]
    for name, test in TESTS.items():
        row = next((r for r in rows if f"`{name}`" in r.split("|")[1]), None)
        assert row is not None, f"docs/claims.md has no row for {name}"
        for key in test.required:
            assert f"`{key}`" in row.split("|")[2], f"docs/claims.md: {name} takes {key}"
        assert all(meaning for meaning in test.required.values())


def test_the_config_schema_offers_the_registered_tests_and_their_keys():
    # The schema checks a claim's shape before rnnadd.claims reads it; it must offer what the registry has.
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    claim_schema = schema["definitions"]["claim"]
    assert set(claim_schema["properties"]["test"]["enum"]) == set(TESTS)
    keys = {key for test in TESTS.values() for key in {**test.required, **test.optional}}
    assert keys <= set(claim_schema["properties"])


def test_the_engine_names_no_test():
    engine = (REPO / "workflow" / "rnnadd" / "claims" / "engine.py").read_text()
    assert not [name for name in TESTS if f'"{name}"' in engine or f"'{name}'" in engine]


def test_seed_table_round_trip_keeps_nan_and_exact_floats(tmp_path):
    rows = table({"0.01": [0.1 + 0.2, math.nan]})
    write_seed_table(rows, tmp_path / "t.seeds.csv")
    back = read_seed_table(tmp_path / "t.seeds.csv")
    assert back[0]["value"] == 0.1 + 0.2 and math.isnan(back[1]["value"])
    assert back[0]["label0"] == "0.01" and back[0]["label1"] == "" and back[1]["seed"] == 1
    assert "nan" in (tmp_path / "t.seeds.csv").read_text()


# -- config checks (Python layer; the CLI's message is tested in test_config_errors) ---


def smoke_config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(config, yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()))
    return config


def test_every_configured_claim_is_valid_for_the_full_study_and_the_smoke_preset():
    full = yaml.safe_load((REPO / "config.yaml").read_text())
    for config in (full, smoke_config()):
        claims = load_claims(config["claims"], load_study(config))
        assert len(claims) == len(full["claims"]) >= 13
    sections = {c["section"].split(",")[0] for c in load_claims(full["claims"], load_study(full))}
    assert {"2.2", "2.3.1", "2.3.2", "3.1", "3.2.2", "3.2.3", "3.3.2", "3.3.3", "3.4.2", "3.5.2"} <= sections


@pytest.mark.parametrize("change, message", [
    ({"experiment": "fig99"}, "claims.c.experiment: 'fig99' is not an experiment of the study"),
    ({"a": "sideways"}, "claims.c.a: 'sideways' is not a level of fig01_hidden_maxlen5.hidden_mode; "
                        "its levels are: 'carry', 'default', 'zero'"),
    ({"metric": "accuracy"}, "claims.c.metric: 'accuracy' is not a metric of fig01_hidden_maxlen5"),
    ({"test": "same"}, "claims.c.levels: missing; a same claim needs levels, margin, metric"),
    ({"margin": 0.1}, "claims.c.margin: not used by a better claim"),
])
def test_bad_claims_name_the_key(change, message):
    config = smoke_config()
    good = {"section": "1", "claim": "x", "experiment": "fig01_hidden_maxlen5", "test": "better",
            "a": "default", "b": "carry", "metric": "auc_loss"}
    config["claims"] = {"c": {**good, **change}}
    with pytest.raises(ClaimError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        load_claims(config["claims"], load_study(config))


ONE_AXIS = {"section": "1", "claim": "x", "experiment": "fig01_hidden_maxlen5"}


@pytest.mark.parametrize("entry, message", [
    ({"test": "ordered", "levels": ["default"], "metric": "auc_loss"},
     "claims.c.levels: must be a list of at least 2 levels of fig01_hidden_maxlen5"),
    ({"test": "better", "a": "default", "b": ["carry", "default"], "metric": "auc_loss"},
     "claims.c.b: compares 'default' with itself"),
    ({"test": "at_least", "levels": ["zero"], "metric": "auc_loss", "value": "high"},
     "claims.c.value: must be a finite number (got 'high')"),
    ({"test": "never_learns", "levels": ["zero"], "threshold": 0.5, "metric": "max_accuracy"},
     "claims.c.metric: not used by a never_learns claim, which takes levels, threshold"),
    ({"test": "never_learns", "levels": ["zero"], "threshold": 1.5},
     "claims.c.threshold: an accuracy, at most 1 (got 1.5)"),
    ({"test": "diverges", "levels": ["zero", "zero"]}, "claims.c.levels: a level appears twice"),
    ({"test": "reaches", "levels": ["zero"], "threshold": 0.77, "by": 10},
     "claims.c.threshold: fig01_hidden_maxlen5 records the first step at accuracy"),
    ({"test": "reaches", "levels": ["zero"], "threshold": 0.99, "by": -1},
     "claims.c.by: must be a step, an integer of at least 0 (got -1)"),
    ({"test": "no_interaction", "a": "default", "b": "carry", "metric": "auc_loss", "margin": 0.1},
     "claims.c.test: no_interaction needs a two-axis (heatmap) experiment; fig01_hidden_maxlen5 has one axis"),
    ({"test": "same", "levels": ["zero", "carry"], "metric": "auc_loss", "margin": 0},
     "claims.c.margin: must be a positive number (got 0)"),
])
def test_each_tests_own_checks_name_the_key(entry, message):
    config = smoke_config()
    with pytest.raises(ClaimError, match="^" + re.escape(message)):
        load_claims({"c": {**ONE_AXIS, **entry}}, load_study(config))


@pytest.mark.parametrize("written", [0.001000111, 0.1 + 0.2])
def test_a_level_whose_short_form_is_not_exact_can_be_named(written):
    # `:g` prints 0.001000111 as 0.00100011 and 0.1 + 0.2 as 0.3; the sweep's label is exact.
    config = smoke_config()
    config["experiments"] = {"fine_lr": {"kind": "curves", "sweep": {"lr": [written, 0.01]}}}
    config["claims"] = {"c": {"section": "1", "claim": "x", "experiment": "fine_lr", "test": "better",
                              "a": written, "b": 0.01, "metric": "auc_accuracy"},
                        "d": {"section": "1", "claim": "x", "experiment": "fine_lr", "test": "at_least",
                              "levels": [written], "metric": "auc_accuracy", "value": 0.5}}
    study = load_study(config)
    label = study.experiments["fine_lr"].cells[0].levels[0].label
    assert label == repr(written) and float(label) == written
    claims = load_claims(config["claims"], study)
    assert claims[0]["a"] == [label, ""] and claims[1]["levels"] == [[label, ""]]
    with pytest.raises(ClaimError, match=r"^claims\.c\.b: '0\.3' is not a level of fine_lr\.lr"):
        load_claims({"c": {**config["claims"]["c"], "b": 0.3}}, study)


# -- the real pipeline ---------------------------------------------------------------


def read_csv(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_smoke_claims_table_has_a_row_per_claim_with_a_verdict(smoke_run):
    config = smoke_config()
    rows = read_csv(smoke_run / "results" / "claims.csv")
    assert [r["id"] for r in rows] == sorted(config["claims"])
    assert {r["verdict"] for r in rows} <= {"holds", "does not hold", "inconclusive"}
    for row in rows:
        assert row["metric"] and row["measured"] and row["section"] and row["claim"]
        assert int(row["n_seeds"]) <= 2
    # The diverging learning rate of the smoke preset (0.5) is judged, not a crash.
    diverges = next(r for r in rows if r["id"] == "c08b_lr_01_blows_up")
    assert diverges["count"].endswith("/2")
    markdown = (smoke_run / "results" / "claims.md").read_text()
    assert "SMOKE PRESET" in markdown and markdown.count("\n| c") == len(rows)


def test_seed_tables_agree_with_the_metrics_csvs(smoke_run):
    rows = read_seed_table(smoke_run / "results" / "aggregate" / "fig06_lr.seeds.csv")
    by_key = {(r["label0"], r["seed"], r["metric"]): r["value"] for r in rows}
    study = load_study(smoke_config())
    cell = next(c for c in study.experiments["fig06_lr"].cells if c.levels[0].label == "0.01")
    metrics = read_csv(smoke_run / "results" / "runs" / cell.run / "seed1.csv")
    accuracies = [float(m["accuracy"]) for m in metrics]
    assert by_key[("0.01", 1, "auc_accuracy")] == pytest.approx(sum(accuracies) / len(accuracies), rel=1e-12)
    assert by_key[("0.01", 1, "final_accuracy")] == accuracies[-1]
    # lr 0.5 diverges on some seed: its accuracy counts as 0 from there on.
    diverged = [s for s in (0, 1) if by_key[("0.5", s, "diverged")] == 1]
    assert diverged
    for seed in diverged:
        assert by_key[("0.5", seed, "final_accuracy")] == 0 and math.isnan(by_key[("0.5", seed, "final_loss")])


def test_changing_a_margin_redoes_only_the_verdicts(smoke_run, tmp_path):
    import shutil

    built = tmp_path / "copy"
    shutil.copytree(smoke_run, built, symlinks=True)
    (built / "margin.yaml").write_text("claims:\n  c03_modes_alike_at_maxlen50: {margin: 0.2}\n")
    from test_pipeline import planned_jobs

    plan = planned_jobs(snakemake(built, "-n", "--cores", "2", *SMOKE, "margin.yaml"))
    assert plan == {"judge_claims": 1, "claims_table": 1, "figure_claims": 1, "all": 1}
    before = (built / "results" / "claims.csv").read_text()
    snakemake(built, "--cores", "2", *SMOKE, "margin.yaml")
    after = read_csv(built / "results" / "claims.csv")
    assert next(r for r in after if r["id"] == "c03_modes_alike_at_maxlen50")["margin"] == "0.2"
    assert before != (built / "results" / "claims.csv").read_text()
