"""Claims: the verdict rule on hand-made per-seed tables, the config checks, and the
`claims` target on the smoke preset with the real Snakemake."""

from __future__ import annotations

import csv
import importlib
import importlib.util
import math
import re

import pytest
import yaml
from snakemake.utils import update_config

from conftest import REPO, SMOKE, snakemake
from rnnadd.analyses import stats
from rnnadd.analyses.seedtable import read_seed_table, write_seed_table
from rnnadd.claims import TESTS, ClaimError, judge_all, load_claims
from rnnadd.study.plan import load_study

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
    return judge_all([claim(test, **keys)], rows, pilot=None)[0]


A_WINS = {"a": [0.9, 0.8, 0.85, 0.95, 0.9], "b": [0.5, 0.45, 0.55, 0.6, 0.5]}


def test_clear_win_holds_with_the_paired_interval_on_the_claimed_side():
    result = verdict("better", table(A_WINS), a=["a", ""], b=[["b", ""]])
    assert result["verdict"] == "holds"
    assert result["estimate"] == pytest.approx(0.36)  # mean of the paired differences
    assert 0 < result["ci_low"] < 0.36 < result["ci_high"]
    assert result["n_seeds"] == 5


def test_clear_loss_does_not_hold():
    result = verdict("better", table(A_WINS), a=["b", ""], b=[["a", ""]])
    assert result["verdict"] == "does not hold"
    assert result["ci_high"] < 0


def test_lower_is_better_metrics_flip_the_claimed_side():
    rows = table({"fast": [100, 150, 100, 200, 150], "slow": [400, 500, 450, 500, 500]}, "first_step_0.99")
    result = verdict("better", rows, a=["fast", ""], b=[["slow", ""]], metric="first_step_0.99",
                     lower_is_better=True)
    assert result["verdict"] == "holds" and result["estimate"] == pytest.approx(330)


def test_overlapping_seeds_are_inconclusive():
    rows = table({"a": [0.6, 0.4, 0.7, 0.3, 0.5], "b": [0.5, 0.5, 0.5, 0.5, 0.5]})
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]])
    assert result["verdict"] == "inconclusive"
    assert result["ci_low"] < 0 < result["ci_high"]


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
    assert inside["ci_low"] >= -0.05 and inside["ci_high"] <= 0.05
    outside = verdict("same", rows, levels=[["a", ""], ["far", ""]], margin=0.05)
    assert outside["verdict"] == "does not hold" and outside["ci_low"] > 0.05
    assert verdict("same", rows, levels=[["a", ""], ["far", ""]], margin=0.35)["verdict"] == "holds"
    straddling = verdict("same", rows, levels=[["a", ""], ["near_edge", ""]], margin=0.05)
    assert straddling["verdict"] == "inconclusive"
    assert straddling["ci_low"] < 0.05 < straddling["ci_high"]
    # One pair outside makes a three-level "same" claim fail.
    assert verdict("same", rows, levels=[["a", ""], ["b", ""], ["far", ""]], margin=0.05)["verdict"] == \
        "does not hold"


def test_identical_runs_are_the_same_even_with_a_tiny_margin():
    rows = table({"default": [0.3, 0.5, 0.4], "zero": [0.3, 0.5, 0.4]})
    result = verdict("same", rows, levels=[["default", ""], ["zero", ""]], margin=1e-9)
    assert result["verdict"] == "holds" and result["estimate"] == 0


def test_divergence_is_counted_seed_by_seed():
    # Counted against the rate (0.5: "diverges in at least half the seeds") on the 95% Clopper-Pearson
    # interval of the share: 8 of 8 has lower end 0.631, 0 of 8 upper end 0.369.
    rows = table({"0.5": [1] * 8, "0.1": [1, 0, 1, 1, 0, 0, 1, 0], "0.01": [0] * 8}, "diverged")
    results = judge_all([claim("diverges", metric="diverged", levels=[[lv, ""]], rate=0.5)
                         for lv in ("0.5", "0.1", "0.01")], rows, pilot=None)
    assert [(r["count"], r["verdict"]) for r in results] == \
        [("8/8", "holds"), ("4/8", "inconclusive"), ("0/8", "does not hold")]
    assert results[0]["ci_low"] == pytest.approx(0.025 ** (1 / 8)) and results[0]["ci_high"] == 1
    assert results[2]["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 8)) and results[0]["rate"] == 0.5


def test_more_seeds_make_a_count_more_decisive():
    # Every seed diverging: 5 of 5 cannot show "at least half" (lower end 0.478), 6 of 6 can (0.541).
    # Under the old rule (every seed must) more seeds made a claim harder to pass; now easier.
    def diverges(n, yes):
        rows = table({"0.5": [1] * yes + [0] * (n - yes)}, "diverged")
        return verdict("diverges", rows, metric="diverged", levels=[["0.5", ""]], rate=0.5)["verdict"]

    assert diverges(5, 5) == "inconclusive" and diverges(6, 6) == "holds"
    assert diverges(12, 11) == "holds"  # one seed that did not diverge no longer sinks the claim
    assert diverges(5, 0) == "inconclusive" and diverges(6, 0) == "does not hold"


def test_never_learns_and_reaches_count_seeds():
    rows = table({"a": [0.1, 0.2, 0.05]}, "max_accuracy")
    never = dict(metric="max_accuracy", levels=[["a", ""]])
    # 3 of 3: the interval's lower end is 0.025^(1/3) = 0.292, at or above a rate of 0.25, below 0.5.
    assert verdict("never_learns", rows, threshold=0.5, rate=0.25, **never)["verdict"] == "holds"
    assert verdict("never_learns", rows, threshold=0.5, rate=0.5, **never)["verdict"] == "inconclusive"
    assert verdict("never_learns", rows, threshold=0.15, rate=0.25, **never)["count"] == "2/3"
    rows = table({"a": [100, 300, 500]}, "first_step_0.99") + table({"a": [1, 1, 0]}, "reached_0.99")
    reach = dict(metric="first_step_0.99", levels=[["a", ""]], threshold=0.99)
    assert verdict("reaches", rows, by=300, rate=0.5, **reach)["count"] == "2/3"
    assert verdict("reaches", rows, by=300, rate=0.5, **reach)["verdict"] == "inconclusive"
    # 0 of 3: upper end 0.708, below a rate of 0.8.
    assert verdict("reaches", rows, by=50, rate=0.8, **reach)["verdict"] == "does not hold"
    # The cap (500, never reached) does not count as reaching it by step 500.
    assert verdict("reaches", rows, by=500, rate=0.5, **reach)["count"] == "2/3"


def test_two_seeds_give_a_wide_but_real_interval():
    rows = table({"a": [0.9, 0.8], "b": [0.5, 0.45]})
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]])
    # t(0.975, 1 df) = 12.706: the differences 0.40 and 0.35 give 0.375 +- 0.318.
    assert result["n_seeds"] == 2
    assert result["ci_low"] == pytest.approx(0.375 - 12.706 * 0.025 * math.sqrt(2) / math.sqrt(2), rel=1e-3)
    assert result["verdict"] == "holds"
    noisy = table({"a": [0.9, 0.5], "b": [0.5, 0.45]})
    assert verdict("better", noisy, a=["a", ""], b=[["b", ""]])["verdict"] == "inconclusive"


def test_one_seed_is_always_inconclusive_for_comparisons_but_counts_still_count():
    rows = table({"a": [0.9], "b": [0.1]})
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]])
    assert result["verdict"] == "inconclusive" and result["n_seeds"] == 1
    assert math.isnan(result["ci_low"]) and result["estimate"] == pytest.approx(0.8)
    assert "fewer than 2 seeds" in result["measured"]
    assert verdict("same", rows, levels=[["a", ""], ["b", ""]], margin=0.01)["verdict"] == "inconclusive"
    # Counting tests still count (1 of 1), but one seed's interval (0.025 to 1) decides no rate.
    one = table({"0.5": [1]}, "diverged")
    result = verdict("diverges", one, metric="diverged", levels=[["0.5", ""]], rate=0.5)
    assert result["count"] == "1/1" and result["verdict"] == "inconclusive"


def test_a_diverged_seeds_loss_makes_the_comparison_inconclusive_and_never_crashes():
    # A loss has no worst number: a seed whose loss is not finite is not left out (the level could win
    # on the seeds that survived), the comparison is not judged.
    rows = table({"a": [0.1, math.nan, 0.12, 0.11], "b": [0.3, 0.2, math.nan, 0.31]}, "auc_loss")
    result = verdict("better", rows, a=["a", ""], b=[["b", ""]], metric="auc_loss", lower_is_better=True)
    assert result["verdict"] == "inconclusive" and math.isnan(result["ci_low"])
    assert "not judged (seed(s) 1, 2 without a finite value" in result["measured"]
    all_nan = table({"a": [math.nan] * 3, "b": [math.nan] * 3}, "auc_loss")
    assert verdict("better", all_nan, a=["a", ""], b=[["b", ""]], metric="auc_loss")["verdict"] == "inconclusive"
    # Without the diverged seeds the same numbers would hold: the rule, not the data, makes it inconclusive.
    clean = table({"a": [0.1, 0.12, 0.11], "b": [0.3, 0.28, 0.31]}, "auc_loss")
    assert verdict("better", clean, a=["a", ""], b=[["b", ""]], metric="auc_loss",
                   lower_is_better=True)["verdict"] == "holds"


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


# -- the statistics (rnnadd.analyses.stats; its distributions: tests/test_stats.py) ----------


def test_holm_steps_down_and_stops_at_the_first_that_is_not_below_its_level():
    # Sorted: 0.01 <= 0.05/3 rejected; 0.03 > 0.05/2 stops, so 0.04 is not rejected either.
    assert stats.holm([0.01, 0.04, 0.03]) == [True, False, False]
    assert stats.holm([0.01, 0.02, 0.04]) == [True, True, True]  # 0.01 <= 0.0167, 0.02 <= 0.025, 0.04 <= 0.05
    assert stats.holm([0.02, 0.02]) == [True, True]
    assert stats.holm([0.03, 0.03]) == [False, False]
    assert stats.holm([0.04]) == [True]  # one comparison: no correction


def spread(centre: float, n: int = 5, width: float = 1.0) -> list[float]:
    """n values around a centre whose mean is the centre."""
    offsets = [width * (i - (n - 1) / 2) for i in range(n)]
    return [centre + o for o in offsets]


def test_holm_protects_a_does_not_hold_that_rests_on_one_of_many_comparisons():
    # a vs ten b's on first_step (lower is better); a is clearly behind b9 on its own 95% interval
    # (mean difference -3 steps, t = 3.27 with 4 df: p = 0.031), which is not enough among ten (0.005).
    base = [100.0, 110.0, 120.0, 130.0, 140.0]
    behind = [v - d for v, d in zip(base, [2.0, 4.0, 1.0, 5.0, 3.0])]
    levels = {"a": base, **{f"b{i}": [v + 50 + 3 * (i % 3) - j for j, v in enumerate(base)] for i in range(9)},
              "b9": behind}
    rows = table(levels, "first_step_0.99")
    keys = dict(a=["a", ""], metric="first_step_0.99", lower_is_better=True)
    alone = verdict("better", rows, b=[["b9", ""]], **keys)
    assert alone["verdict"] == "does not hold" and alone["ci_high"] < 0
    among_ten = verdict("better", rows, b=[[f"b{i}", ""] for i in range(10)], **keys)
    assert among_ten["verdict"] == "inconclusive"
    assert "inconclusive after Holm over 10 comparisons" in among_ten["measured"]
    # A difference that survives Holm still decides: b9 far ahead on every seed.
    levels["b9"] = [v - 40 - j for j, v in enumerate(base)]
    decided = verdict("better", table(levels, "first_step_0.99"), b=[[f"b{i}", ""] for i in range(10)], **keys)
    assert decided["verdict"] == "does not hold" and "(Holm, 10 comparisons)" in decided["measured"]


def test_holds_needs_every_comparison_and_so_no_correction():
    # Each of ten comparisons just clears its own 95% interval: "holds" needs all of them, so the
    # chance of a wrong "holds" is at most that of one; Holm does not widen them.
    base = [0.5, 0.6, 0.4, 0.55, 0.45]
    levels = {"a": [v + 0.1 + d for v, d in zip(base, [0.0, 0.02, -0.02, 0.03, -0.03])]}
    levels.update({f"b{i}": base for i in range(10)})
    result = verdict("better", table(levels), a=["a", ""], b=[[f"b{i}", ""] for i in range(10)])
    assert result["verdict"] == "holds" and 0 < result["ci_low"] < 0.1


def test_best_uses_holm_within_the_named_levels():
    # Two named levels; each other level is behind one of them. Any one decides, so Holm over the two.
    rows = table({"x": [0.9, 0.91, 0.89, 0.9, 0.92], "y": [0.5, 0.52, 0.48, 0.5, 0.5],
                  "o": [0.6, 0.61, 0.59, 0.6, 0.62]})
    assert verdict("best", rows, levels=[["x", ""], ["y", ""]])["verdict"] == "holds"


# -- a missing or diverged seed, bounded metrics ---------------------------------------


def test_a_missing_seed_counts_as_the_worst_value_where_the_metric_has_one():
    # Seed 4 of b is missing: accuracy counts it as 0, so b cannot win on the seeds that survived.
    rows = [r for r in table({"a": [0.6, 0.62, 0.61, 0.6, 0.63], "b": [0.7, 0.71, 0.72, 0.7, 0.71]})
            if not (r["label0"] == "b" and r["seed"] == 4)]
    result = verdict("better", rows, a=["b", ""], b=[["a", ""]])
    assert result["n_seeds"] == 5 and result["verdict"] == "inconclusive"
    assert "seed 4 (first) missing -> 0" in result["measured"]
    # Steps to a threshold: the cap (the cell's last evaluated step), as a seed that never got there.
    steps = [r for r in table({"a": [100, 150, 100, 120, 110], "b": [300, 250, 300, 280, 290]}, "first_step_0.99")
             if not (r["label0"] == "a" and r["seed"] == 2)]
    capped = verdict("better", steps, a=["a", ""], b=[["b", ""]], metric="first_step_0.99", lower_is_better=True,
                     caps={"e": {"a\t": 1000, "b\t": 1000}})
    assert "seed 2 (first) missing -> 1000" in capped["measured"] and capped["verdict"] == "inconclusive"
    assert capped["estimate"] == pytest.approx((200 + 100 - 700 + 160 + 180) / 5)


def test_a_missing_seed_counts_against_a_count():
    rows = [r for r in table({"0.5": [1] * 8}, "diverged") + table({"0.1": [1] * 7}, "diverged")]
    both = verdict("diverges", rows, metric="diverged", levels=[["0.5", ""], ["0.1", ""]], rate=0.5)
    assert both["count"] == "15/16"  # 0.1 lacks seed 7: it is in n, not in yes


def test_intervals_of_bounded_metrics_stay_in_their_range_and_the_median_is_shown():
    # One seed far below the others drags the mean and widens the t-interval past 1.
    rows = table({"a": [1.0, 1.0, 0.99, 1.0, 0.044]})
    result = verdict("at_least", rows, levels=[["a", ""]], value=0.99)
    assert result["ci_high"] == 1.0 and result["ci_low"] < 0.5
    assert result["median"] == 1.0 and result["estimate"] == pytest.approx(0.8068)
    assert "median 1" in result["measured"]
    # A paired difference of accuracies stays in [-1, 1].
    far = table({"a": [1.0, 1.0, 0.0, 1.0, 1.0], "b": [0.0, 0.0, 1.0, 0.0, 0.0]})
    diff = verdict("better", far, a=["a", ""], b=[["b", ""]])
    assert diff["ci_high"] == 1.0 and diff["ci_low"] >= -1.0
    # A loss is bounded below by 0 only.
    loss = verdict("at_most", table({"a": [0.01, 0.5, 0.02]}, "auc_loss"), levels=[["a", ""]], value=1,
                   metric="auc_loss")
    assert loss["ci_low"] == 0.0 and loss["ci_high"] > 0.5


# -- margins from the config, groups ---------------------------------------------------


MARGINS = {"auc_accuracy": {"margin": 0.05, "reason": "five points"},
           "first_step_*": {"margin": 50, "reason": "one evaluation"}}


def test_a_margin_claim_uses_the_configs_margin_for_its_metric_unless_it_gives_its_own():
    config = smoke_config()
    study = load_study(config)
    entry = {**ONE_AXIS, "test": "same", "levels": ["default", "zero"], "metric": "auc_accuracy"}
    loaded = load_claims({"c": entry}, study, MARGINS)[0]
    assert loaded["margin"] == 0.05 and loaded["margin_reason"] == "claim_margins.auc_accuracy: five points"
    steps = load_claims({"c": {**entry, "metric": "first_step_0.9"}}, study, MARGINS)[0]
    assert steps["margin"] == 50 and steps["margin_reason"].startswith("claim_margins.first_step_*:")
    own = load_claims({"c": {**entry, "margin": 0.2, "margin_reason": "the report says 'roughly'"}}, study,
                      MARGINS)[0]
    assert own["margin"] == 0.2 and own["margin_reason"] == "the claim's own margin: the report says 'roughly'"
    with pytest.raises(ClaimError, match=r"^claim_margins\.auc_accuracy\.margin: must be a positive number"):
        load_claims({"c": entry}, study, {"auc_accuracy": {"margin": 0, "reason": "r"}})
    with pytest.raises(ClaimError, match=r"^claim_margins\.auc_accuracy: must be a mapping with exactly"):
        load_claims({"c": entry}, study, {"auc_accuracy": {"margin": 0.1}})


def test_the_table_shows_the_smallest_margin_at_which_a_same_claim_holds():
    rows = table(SAME)
    result = verdict("same", rows, levels=[["a", ""], ["b", ""], ["edge", ""]], margin=0.05)
    pairs = [verdict("same", rows, levels=pair, margin=0.05) for pair in
             ([["a", ""], ["b", ""]], [["a", ""], ["edge", ""]], [["b", ""], ["edge", ""]])]
    widest = max(max(abs(p["ci_low"]), abs(p["ci_high"])) for p in pairs)
    assert result["holds_within"] == pytest.approx(widest) and result["verdict"] == "inconclusive"
    assert verdict("same", rows, levels=[["a", ""], ["b", ""], ["edge", ""]],
                   margin=widest * 1.0001)["verdict"] == "holds"
    assert verdict("same", rows, levels=[["a", ""], ["b", ""], ["edge", ""]],
                   margin=widest * 0.999)["verdict"] != "holds"


def test_every_configured_claim_has_a_group_and_the_configs_margins_have_reasons():
    full = yaml.safe_load((REPO / "config.yaml").read_text())
    groups = {claim_id: entry["group"] for claim_id, entry in full["claims"].items()}
    assert {groups[c] for c in ("c04a_false_equals_zero_maxlen5", "c04b_false_equals_zero_maxlen50",
                                "c05_no_recurrent_layer_not_learned", "c18c_iid_no_recurrent_layer_not_learned")} \
        == {"construction"}
    assert {g for c, g in groups.items() if c.startswith(("c14", "c15", "c16b", "c17", "c10b"))} == {"own"}
    assert groups["c16a_carry_costs_nothing_at_the_end_maxlen5"] == "report"  # ledger L8
    assert groups["c02b_not_passed_accuracy_rises_faster"] == "report"
    for metric, entry in full["claim_margins"].items():
        assert entry["margin"] > 0 and len(entry["reason"]) > 20, metric
    # No margin claim of the study sets its own margin: one margin per metric.
    assert not [c for c, e in full["claims"].items() if "margin" in e]


def test_the_verdict_counts_are_given_per_group():
    from rnnadd.claims.verdicts import claims_markdown

    rows = judge_all([claim("better", id="r1", group="report", a=["a", ""], b=[["b", ""]]),
                      claim("better", id="r2", group="report", a=["b", ""], b=[["a", ""]]),
                      claim("same", id="k1", group="construction", levels=[["a", ""], ["a2", ""]], margin=0.01),
                      claim("not_testable", id="r3", group="report", reason="why")],
                     table({**A_WINS, "a2": A_WINS["a"]}))
    text = claims_markdown(rows, {"line": "Full study"}, "Python x")
    assert "- the report's claims: 3 claims, 1 holds, 1 does not hold, 0 inconclusive, 1 not testable here." in text
    assert "- true by construction (checks, not evidence): 1 claims, 1 holds, 0 does not hold, 0 inconclusive." \
        in text
    assert "this study's own" not in text


def test_a_claim_comparing_two_experiments_reads_both_tables(tmp_path):
    from rnnadd.claims.verdicts import judge_file

    write_seed_table(table({"1": [0.5, 0.6, 0.55], "2": [0.4, 0.45, 0.42]}), tmp_path / "e.seeds.csv")
    write_seed_table(table({"1": [0.51, 0.6, 0.56], "2": [0.2, 0.25, 0.22]}), tmp_path / "other.seeds.csv")
    c = claim("same_as", other="other", levels=[["1", ""], ["2", ""]], margin=0.05)
    judge_file([c], [tmp_path / "e.seeds.csv", tmp_path / "other.seeds.csv"], tmp_path / "out.csv")
    row = read_csv(tmp_path / "out.csv")[0]
    assert row["verdict"] == "does not hold" and "2: e minus other: 0.2 (97.5% CI" in row["measured"]


# Every test of the vocabulary on hand-built per-seed rows, once per verdict.
# (test, {level: [value per seed]}, metric, the claim's own keys, verdict)
AHEAD = {"a": [0.9, 0.8, 0.85, 0.95, 0.9], "b": [0.5, 0.45, 0.55, 0.6, 0.5],
         "noisy": [0.6, 0.4, 0.7, 0.3, 0.5], "flat": [0.5, 0.5, 0.5, 0.5, 0.5]}
HIGH = {"a": [0.99, 1.0, 0.98, 1.0]}
ONE, TWO, THREE = ["1", ""], ["2", ""], ["3", ""]
ORDER = {"1": [0.9, 0.92, 0.88], "2": [0.7, 0.72, 0.69], "3": [0.5, 0.52, 0.49], "3b": [0.95, 0.4, 0.7]}
SAME = {"a": [0.80, 0.82, 0.79, 0.81, 0.80], "b": [0.79, 0.83, 0.79, 0.80, 0.81],
        "far": [0.50, 0.52, 0.49, 0.51, 0.50], "edge": [0.76, 0.75, 0.75, 0.77, 0.74]}
# Counting tests on 10 seeds at their default rate (0.5): 10 of 10 holds (lower end 0.69), 0 of 10
# does not hold (upper end 0.31), 5 of 10 is inconclusive.
DIVERGED = {"all": [1] * 10, "some": [1, 0] * 5, "none": [0] * 10}
MAX_ACC = {"low": [0.1, 0.2, 0.05, 0.3, 0.1] * 2, "mixed": [0.1, 0.9] * 5, "high": [0.9, 0.95, 0.99, 0.97, 0.98] * 2}


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
    ("reaches", reached([100, 200, 300] * 3 + [250], [1] * 10), dict(metric="first_step_0.99", levels=[["a", ""]],
                                                                    threshold=0.99, by=300), "holds"),
    ("reaches", reached([100, 200, 500] * 3 + [500], [1, 1, 0] * 3 + [0]),
     dict(metric="first_step_0.99", levels=[["a", ""]], threshold=0.99, by=50), "does not hold"),
    ("reaches", reached([100, 200, 500, 500, 500] * 2, [1, 1, 0, 0, 0] * 2),
     dict(metric="first_step_0.99", levels=[["a", ""]], threshold=0.99, by=500), "inconclusive"),
    ("same_as", table(SAME), dict(levels=[["a", ""]], other="e2", margin=0.05, others={"e2": table(SAME)}),
     "holds"),
    ("better_than", table({"x": AHEAD["a"]}, "probe_layer1") + table({"x": AHEAD["b"]}, "digits_window1"),
     dict(metric="probe_layer1", levels=[["x", ""]], than=["digits_window1"]), "holds"),
    ("better_than", table({"x": AHEAD["b"]}, "probe_layer1") + table({"x": AHEAD["a"]}, "digits_window1"),
     dict(metric="probe_layer1", levels=[["x", ""]], than=["digits_window1"]), "does not hold"),
    ("better_than", table({"x": [0.5, 0.6, 0.4, 0.55, 0.45]}, "probe_layer1")
     + table({"x": [0.5, 0.5, 0.5, 0.5, 0.5]}, "digits_window1"),
     dict(metric="probe_layer1", levels=[["x", ""]], than=["digits_window1"]), "inconclusive"),
    ("same_as", table(SAME), dict(levels=[["a", ""]], other="e2", margin=0.05,
                                  others={"e2": table({"a": SAME["far"]})}), "does not hold"),
    ("same_as", table(SAME), dict(levels=[["a", ""]], other="e2", margin=0.05,
                                  others={"e2": table({"a": SAME["edge"]})}), "inconclusive"),
]




def _own_cases() -> list:
    """The VERDICT_CASES of each claim test's own test file, tests/test_claim_<name>.py (docs/extending.md):
    a new test brings its cases with it and is checked here like the others."""
    cases = []
    for path in sorted((REPO / "tests").glob("test_claim_*.py")):
        spec = importlib.util.spec_from_file_location(f"_cases_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases += getattr(module, "VERDICT_CASES", [])
    return cases


ALL_CASES = VERDICT_CASES + _own_cases()


@pytest.mark.parametrize("test, rows, keys, expected", ALL_CASES,
                         ids=[f"{case[0]}-{case[3].replace(' ', '_')}" for case in ALL_CASES])
def test_each_claim_test_gives_each_verdict(test, rows, keys, expected):
    keys = dict(keys)
    others = keys.pop("others", None)
    result = judge_all([claim(test, **keys)], rows, others, pilot=None)[0]
    assert result["verdict"] == expected
    assert result["test"] == test and result["measured"].endswith(".")
    if result["count"]:
        assert result["n_seeds"] == 10 and result["rate"] == 0.5
    else:
        assert result["n_seeds"] >= 3 and not math.isnan(result["ci_low"])


def test_the_registry_is_every_file_of_the_checks_folder():
    # Found by scanning: each module of rnnadd/claims/checks/ is the test of its name, listed by ORDER, then name.
    folder = REPO / "workflow" / "rnnadd" / "claims" / "checks"
    assert set(TESTS) == {path.stem for path in folder.glob("*.py")} - {"__init__"}
    orders = [getattr(importlib.import_module(f"rnnadd.claims.checks.{name}"), "ORDER", math.inf) for name in TESTS]
    assert list(zip(orders, TESTS)) == sorted(zip(orders, TESTS))
    assert all(test.name == name for name, test in TESTS.items())


def test_discovery_orders_by_ORDER_then_name_and_refuses_a_module_that_is_not_a_test(tmp_path, monkeypatch):
    from rnnadd.claims.registry import discover

    package = tmp_path / "more_checks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, order in (("zz", "ORDER = 1\n"), ("bb", ""), ("aa", "")):
        (package / f"{name}.py").write_text(f"from rnnadd.claims.checks.at_least import AtLeast\n{order}\n\n"
                                            f"class T(AtLeast):\n    name = {name!r}\n\n\nTEST = T()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert list(discover([str(package)], "more_checks")) == ["zz", "aa", "bb"]
    (package / "misnamed.py").write_text("from rnnadd.claims.checks.at_least import TEST\n")
    with pytest.raises(ImportError, match=r"misnamed\.py: a claim test module defines TEST"):
        discover([str(package)], "more_checks")


def test_every_registered_test_has_a_case_for_each_verdict():
    covered = {(case[0], case[3]) for case in ALL_CASES}
    missing = [(name, v) for name in TESTS for v in ("holds", "does not hold", "inconclusive")
               if (name, v) not in covered and name != "not_testable"]
    assert not missing


def test_an_untestable_claim_has_a_row_that_says_why():
    result = verdict("not_testable", table(AHEAD), reason="the report timed a program this study cannot run")
    assert result["verdict"] == "not testable here"
    assert result["measured"] == "the report timed a program this study cannot run."


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
        claims = load_claims(config["claims"], load_study(config), config["claim_margins"])
        assert len(claims) == len(full["claims"]) >= 13
    sections = {c["section"].split(",")[0]
                for c in load_claims(full["claims"], load_study(full), full["claim_margins"])}
    assert {"2.2", "2.3.1", "2.3.2", "3.1", "3.2.2", "3.2.3", "3.3.2", "3.3.3", "3.4.2", "3.5.2"} <= sections


@pytest.mark.parametrize("change, message", [
    ({"experiment": "fig99"}, "claims.c.experiment: 'fig99' is not an experiment of the study"),
    ({"a": "sideways"}, "claims.c.a: 'sideways' is not a level of fig01_hidden_maxlen5.hidden_mode; "
                        "its levels are: 'carry', 'default', 'zero'"),
    ({"metric": "accuracy"}, "claims.c.metric: 'accuracy' is not a metric of fig01_hidden_maxlen5"),
    ({"test": "same"}, "claims.c.levels: missing; a same claim needs levels, metric"),
    ({"group": "mine"}, "claims.c.group: must be one of report, own, construction (got 'mine')"),
    ({"margin": 0.1}, "claims.c.margin: not used by a better claim"),
])
def test_bad_claims_name_the_key(change, message):
    config = smoke_config()
    good = {"section": "1", "claim": "x", "group": "report", "experiment": "fig01_hidden_maxlen5",
            "test": "better", "a": "default", "b": "carry", "metric": "auc_loss"}
    config["claims"] = {"c": {**good, **change}}
    with pytest.raises(ClaimError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        load_claims(config["claims"], load_study(config), config["claim_margins"])


ONE_AXIS = {"section": "1", "claim": "x", "group": "report", "experiment": "fig01_hidden_maxlen5"}


@pytest.mark.parametrize("entry, message", [
    ({"test": "ordered", "levels": ["default"], "metric": "auc_loss"},
     "claims.c.levels: must be a list of at least 2 levels of fig01_hidden_maxlen5"),
    ({"test": "better", "a": "default", "b": ["carry", "default"], "metric": "auc_loss"},
     "claims.c.b: compares 'default' with itself"),
    ({"test": "at_least", "levels": ["zero"], "metric": "auc_loss", "value": "high"},
     "claims.c.value: must be a finite number (got 'high')"),
    ({"test": "never_learns", "levels": ["zero"], "threshold": 0.5, "metric": "max_accuracy"},
     "claims.c.metric: not used by a never_learns claim, which takes levels, rate, threshold"),
    ({"test": "diverges", "levels": ["zero"], "rate": 1},
     "claims.c.rate: a share of seeds, above 0 and below 1 (got 1)"),
    ({"test": "never_learns", "levels": ["zero"], "threshold": 1.5},
     "claims.c.threshold: an accuracy, at most 1 (got 1.5)"),
    ({"test": "diverges", "levels": ["zero", "zero"]}, "claims.c.levels: a level appears twice"),
    ({"test": "reaches", "levels": ["zero"], "threshold": 0.77, "by": 10},
     "claims.c.threshold: fig01_hidden_maxlen5 records the first step at accuracy"),
    ({"test": "reaches", "levels": ["zero"], "threshold": 0.99, "by": -1},
     "claims.c.by: must be a step, an integer of at least 0 (got -1)"),
    ({"test": "no_interaction", "a": "default", "b": "carry", "metric": "auc_loss", "margin": 0.1},
     "claims.c.test: no_interaction needs a two-axis (heatmap) experiment; fig01_hidden_maxlen5 has one axis"),
    ({"test": "same", "levels": ["zero", "carry"], "metric": "auc_loss", "margin": 0, "margin_reason": "r"},
     "claims.c.margin: must be a positive number (got 0)"),
    ({"test": "same", "levels": ["zero", "carry"], "metric": "auc_loss", "margin": 0.1},
     "claims.c.margin: a claim's own margin needs a margin_reason"),
    ({"test": "same", "levels": ["zero", "carry"], "metric": "diverged"},
     "claims.c.margin: missing; claim_margins has no margin for diverged, so the claim needs its own margin"),
    ({"test": "same_as", "other": "fig99", "levels": ["zero"], "metric": "auc_loss"},
     "claims.c.other: 'fig99' is not an experiment of the study"),
    ({"test": "same_as", "other": "fig05_maxlen", "levels": ["zero"], "metric": "auc_loss"},
     "claims.c.levels[0]: 'zero' is not a level of fig05_maxlen.maxlen"),
    ({"test": "not_testable", "reason": " "}, "claims.c.reason: must say, in words, why the claim cannot be tested"),
])
def test_each_tests_own_checks_name_the_key(entry, message):
    config = smoke_config()
    with pytest.raises(ClaimError, match="^" + re.escape(message)):
        load_claims({"c": {**ONE_AXIS, **entry}}, load_study(config), config["claim_margins"])


@pytest.mark.parametrize("written", [0.001000111, 0.1 + 0.2])
def test_a_level_whose_short_form_is_not_exact_can_be_named(written):
    # `:g` prints 0.001000111 as 0.00100011 and 0.1 + 0.2 as 0.3; the sweep's label is exact.
    config = smoke_config()
    config["experiments"] = {"fine_lr": {"kind": "curves", "sweep": {"lr": [written, 0.01]}}}
    config["claims"] = {"c": {"section": "1", "claim": "x", "group": "own", "experiment": "fine_lr",
                              "test": "better", "a": written, "b": 0.01, "metric": "auc_accuracy"},
                        "d": {"section": "1", "claim": "x", "group": "own", "experiment": "fine_lr", "test": "at_least",
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
    assert {r["verdict"] for r in rows} <= {"holds", "does not hold", "inconclusive", "not testable here"}
    for row in rows:
        assert row["measured"] and row["section"] and row["claim"]
        assert row["group"] == config["claims"][row["id"]]["group"]
        assert (row["metric"] == "") == (row["verdict"] == "not testable here")
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
    (built / "margin.yaml").write_text("claims:\n  c03_modes_alike_at_maxlen50: {margin: 0.2, margin_reason: a test}\n")
    from test_pipeline import planned_jobs

    plan = planned_jobs(snakemake(built, "-n", "--cores", "2", *SMOKE, "margin.yaml"))
    # The claims' spec file (what the judge reads), the verdicts, their table, the page beside the figure.
    assert plan == {"claims_spec": 1, "judge_claims": 1, "claims_table": 1, "figure_claims": 1, "all": 1}
    before = (built / "results" / "claims.csv").read_text()
    snakemake(built, "--cores", "2", *SMOKE, "margin.yaml")
    after = read_csv(built / "results" / "claims.csv")
    assert next(r for r in after if r["id"] == "c03_modes_alike_at_maxlen50")["margin"] == "0.2"
    assert before != (built / "results" / "claims.csv").read_text()
