"""Seeds per experiment, the power estimates, the pilot verdict, the phase losses of a
curve, the per-seed evidence figure and the seed chooser: on hand-made tables and
configs, and with Snakemake's dry run (no training)."""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from conftest import REPO, SMOKE, snakemake
from rnnadd.analyses import stats
from rnnadd.claims import RESULT_COLUMNS, judge_all, load_claims
from rnnadd.study.kinds.curves import curve_seed_metrics
from rnnadd.study.plan import StudyError, load_study


def config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())


# -- seeds per experiment -------------------------------------------------------------------


def test_an_experiment_sets_its_own_seeds_as_a_count_or_a_list():
    cfg = config()
    cfg["experiments"]["fig00_baseline"]["seeds"] = 8
    cfg["experiments"]["fig05_maxlen"]["seeds"] = [3, 7]
    study = load_study(cfg)
    assert study.experiments["fig00_baseline"].seeds == list(range(8))
    assert study.experiments["fig05_maxlen"].seeds == [3, 7]
    assert study.experiments["fig06_lr"].seeds == cfg["seeds"]  # the top-level seeds
    assert study.seeds == cfg["seeds"]


def test_a_run_shared_by_two_experiments_trains_the_union_of_their_seeds():
    cfg = config()
    study = load_study(cfg)
    shared = [(a, b) for a in study.experiments for b in study.experiments if a < b
              and set(study.experiments[a].runs()) & set(study.experiments[b].runs())]
    a, b = shared[0]
    cfg["experiments"][a]["seeds"] = [0, 1, 2]
    cfg["experiments"][b]["seeds"] = [2, 5]
    study = load_study(cfg)
    run = sorted(set(study.experiments[a].runs()) & set(study.experiments[b].runs()))[0]
    assert study.run_seeds(run) == [0, 1, 2, 5]
    settings = study.runs[run]
    assert {settings.dataset_id(s) for s in (0, 1, 2, 5)} <= study.dataset_ids()


@pytest.mark.parametrize("value, words", [
    (0, "a count of seeds must be at least 1"), (-2, "a count of seeds must be at least 1"),
    ([], "non-empty list"), ([1, 1], "distinct"), ("five", "a count of seeds"), ([0.5], "non-empty list"),
    (True, "a count of seeds"), ([2**32], "non-empty list")])
def test_bad_experiment_seeds_get_one_line_naming_the_key(value, words):
    cfg = config()
    cfg["experiments"]["fig05_maxlen"]["seeds"] = value
    with pytest.raises(StudyError) as error:
        load_study(cfg)
    message = str(error.value)
    assert message.startswith("experiments.fig05_maxlen.seeds: ") and words in message and "\n" not in message


def test_max_seeds_caps_every_experiment_and_is_checked():
    cfg = config()
    cfg["experiments"]["fig00_baseline"]["seeds"] = 10
    cfg["experiments"]["fig05_maxlen"]["seeds"] = [4, 2, 9]
    cfg["max_seeds"] = 2
    study = load_study(cfg)
    assert study.experiments["fig00_baseline"].seeds == [0, 1]
    assert study.experiments["fig05_maxlen"].seeds == [4, 2]
    assert all(len(e.seeds) <= 2 for e in study.experiments.values())
    cfg["max_seeds"] = 0
    with pytest.raises(StudyError, match=r"^max_seeds: must be an integer of at least 1"):
        load_study(cfg)


def test_the_smoke_preset_keeps_its_two_seeds_whatever_an_experiment_asks(tmp_path):
    from snakemake.utils import update_config

    cfg = config()
    cfg["experiments"]["fig00_baseline"]["seeds"] = 12
    update_config(cfg, yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()))
    study = load_study(cfg)
    assert {tuple(e.seeds) for e in study.experiments.values()} == {(0, 1)}


def _train_jobs(workdir, target, *configfiles) -> int:
    result = snakemake(workdir, target, "-n", "--cores", "1", "--rerun-triggers", "mtime",
                       "--configfile", *configfiles, "--quiet", "rules")
    found = re.search(r"^train\s+(\d+)$", result.stdout, re.MULTILINE)
    return int(found.group(1)) if found else 0


def test_more_seeds_for_an_experiment_trains_only_the_new_pairs(workdir):
    """Dry runs: a finished smoke study, then fig05_maxlen asks for 4 seeds (cap lifted):
    only its runs' seeds 2 and 3 are planned, each once."""
    (workdir / "more.yaml").write_text(yaml.safe_dump(
        {"max_seeds": 4, "seeds": [0, 1], "experiments": {"fig05_maxlen": {"seeds": 4}}}))
    before = _train_jobs(workdir, "fig05_maxlen", SMOKE[1])
    from snakemake.utils import update_config

    merged = config()
    update_config(merged, yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()))
    runs = len(load_study(merged).experiments["fig05_maxlen"].runs())
    assert before == 2 * runs
    # Pretend the two seeds were trained: touch their outputs, so only new pairs remain.
    import os

    study = load_study(merged)
    for when, files in enumerate((
            [f"results/data/{study.runs[r].dataset_id(s)}/{f}" for r in study.experiments["fig05_maxlen"].runs()
             for s in (0, 1) for f in ("train.npz", "test.npz")],
            [f"results/runs/{r}/settings.yaml" for r in study.experiments["fig05_maxlen"].runs()],
            [f"results/runs/{r}/seed{s}.{f}" for r in study.experiments["fig05_maxlen"].runs()
             for s in (0, 1) for f in ("csv", "pt", "timing.json")])):
        for name in files:
            path = workdir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")
            os.utime(path, (1_000_000 + when * 100, 1_000_000 + when * 100))
    touched = _train_jobs(workdir, "fig05_maxlen", SMOKE[1])
    after = _train_jobs(workdir, "fig05_maxlen", SMOKE[1], "more.yaml")
    assert touched == 0 and after == 2 * runs


# -- power (the noncentral t itself: tests/test_stats.py) ------------------------------------


def test_seeds_for_power_is_the_smallest_sufficient_count():
    assert stats.seeds_for_power(0.5, 1.0) == 34 and stats.seeds_for_power(1.0, 1.0) == 10
    assert stats.seeds_for_power(-0.5, 1.0) == math.inf  # not on the claimed side
    assert stats.seeds_for_power(0.01, 1.0) == math.inf  # beyond MAX_SEEDS_ESTIMATE
    assert math.isnan(stats.seeds_for_power(math.nan, 1.0))


def test_equivalence_needs_fewer_seeds_the_further_inside_the_margin():
    # Two one-sided tests at 0.025, true difference 0, sd 1, margin 0.5: about
    # (z_0.975 + z_0.9)^2 / 0.5^2 = 42 by the normal approximation, a few more with t.
    centred = stats.seeds_for_equivalence(0.0, 1.0, 0.5)
    assert 42 <= centred <= 48
    assert stats.seeds_for_equivalence(0.0, 1.0, 0.5) == centred  # seeded: repeatable
    assert stats.seeds_for_equivalence(0.2, 1.0, 0.5) > centred
    assert stats.seeds_for_equivalence(0.6, 1.0, 0.5) == math.inf
    power = stats.equivalence_power(0.0, 1.0, 0.5, int(centred))
    assert 0.8 <= power < 0.86


def _rows(values: dict, metric="auc_accuracy") -> list[dict]:
    return [{"label0": label, "label1": "", "run": f"run_{label}", "seed": seed, "metric": metric, "value": v}
            for label, seeds in values.items() for seed, v in enumerate(seeds)]


def _claim(test, **keys):
    return {"id": "c", "section": "1", "claim": "a claim", "experiment": "e", "test": test, "axes": ["x"],
            "metric": "auc_accuracy", "lower_is_better": False, **keys}


def test_the_verdict_row_gives_the_seeds_for_80_percent_power():
    # Differences a - b: mean 0.05, sd about 0.1: open at 5 seeds, about 34 would decide it.
    a = [0.60, 0.52, 0.71, 0.55, 0.66]
    b = [0.50, 0.55, 0.58, 0.56, 0.60]
    row = judge_all([_claim("better", a=["a", ""], b=[["b", ""]])], _rows({"a": a, "b": b}))[0]
    diffs = [x - y for x, y in zip(a, b)]
    mean = sum(diffs) / 5
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 4)
    assert row["verdict"] == "inconclusive"
    # The seeds a look at the stages' level needs (one-sided STAGE_ALPHA / 2): what the added seeds,
    # judged alone, would need.
    side = stats.STAGE_ALPHA / 2
    assert row["power_seeds"] == stats.seeds_for_power(mean, sd, alpha=side) and row["power_seeds"] > 5
    assert row["power_seeds"] > stats.seeds_for_power(mean, sd, alpha=0.025)
    # A margin claim: by simulation.
    same = judge_all([_claim("same", levels=[["a", ""], ["b", ""]], margin=0.2)], _rows({"a": a, "b": b}))[0]
    assert same["power_seeds"] == stats.seeds_for_equivalence(mean, sd, 0.2, alpha=side)
    # A counting claim has no power estimate.
    count = judge_all([_claim("diverges", metric="diverged", levels=[["a", ""]], rate=0.5)],
                      _rows({"a": [1, 1, 0, 1, 1]}, "diverged"))[0]
    assert math.isnan(count["power_seeds"])


def test_an_open_pilot_is_decided_by_the_added_seeds_alone():
    # 10 seeds: the first 5 leave it open; seeds 5-9, judged without the pilot's, decide it.
    a = [0.60, 0.52, 0.71, 0.55, 0.66, 0.70, 0.68, 0.72, 0.69, 0.71]
    b = [0.50, 0.55, 0.58, 0.56, 0.60, 0.50, 0.52, 0.49, 0.51, 0.50]
    row = judge_all([_claim("better", a=["a", ""], b=[["b", ""]])], _rows({"a": a, "b": b}))[0]
    assert (row["verdict"], row["pilot_verdict"], row["stage"], row["n_seeds"]) == \
        ("holds", "inconclusive", "confirmatory", 5)
    added = [x - y for x, y in zip(a[5:], b[5:])]
    assert row["estimate"] == pytest.approx(sum(added) / 5)  # the added seeds' mean, not all ten's
    assert row["ci_level"] == pytest.approx(1 - stats.STAGE_ALPHA)
    short = judge_all([_claim("better", a=["a", ""], b=[["b", ""]])], _rows({"a": a[:5], "b": b[:5]}))[0]
    assert short["pilot_verdict"] == short["verdict"] == "inconclusive" and short["stage"] == "pilot"
    assert list(RESULT_COLUMNS).index("pilot_verdict") == list(RESULT_COLUMNS).index("verdict") + 1


def test_a_pilot_that_decides_is_final_whatever_the_added_seeds_say():
    a = [0.90, 0.91, 0.92, 0.90, 0.91, 0.10, 0.12, 0.11, 0.10, 0.13]
    b = [0.50, 0.50, 0.51, 0.52, 0.50, 0.50, 0.52, 0.49, 0.51, 0.50]
    row = judge_all([_claim("better", a=["a", ""], b=[["b", ""]])], _rows({"a": a, "b": b}))[0]
    assert (row["verdict"], row["pilot_verdict"], row["stage"], row["n_seeds"]) == ("holds", "holds", "pilot", 5)


def test_each_look_is_at_the_stage_level_and_one_look_at_the_family_level():
    # Differences 0.1, 0.35, 0, 0.2, 0.3: two-sided p 0.041: holds at 95%, open at 97.5%.
    b = [0.5] * 5
    edge = [0.6, 0.85, 0.5, 0.7, 0.8]
    staged = judge_all([_claim("better", a=["a", ""], b=[["b", ""]])], _rows({"a": edge, "b": b}))[0]
    single = judge_all([_claim("better", a=["a", ""], b=[["b", ""]])], _rows({"a": edge, "b": b}), pilot=None)[0]
    assert 0.025 < single["p_value"] < 0.05
    assert (staged["verdict"], single["verdict"]) == ("inconclusive", "holds")
    assert (staged["ci_level"], single["ci_level"], single["stage"]) == (0.975, 0.95, "single")


def test_a_claim_across_two_experiments_pairs_the_seeds_they_share():
    own = _rows({"a": [0.5, 0.6, 0.55, 0.52, 0.58, 0.9, 0.9, 0.9]})  # seeds 0-7
    other = _rows({"a": [0.5, 0.61, 0.55, 0.52, 0.57]})  # seeds 0-4
    claim = _claim("same_as", other="o", levels=[["a", ""]], margin=0.05, tables=["e", "o"])
    row = judge_all([claim], own, {"o": other})[0]
    assert row["n_seeds"] == 5 and row["verdict"] == "holds"  # seeds 5-7 are not counted as missing


# -- phase losses of a curve -------------------------------------------------------------


def _frame(losses, diverged=0):
    steps = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    return pd.DataFrame({"step": steps, "loss": [math.nan] + losses, "test_loss": 1.0,
                         "accuracy": 0.5, "digit_accuracy": 0.5, "lr": 0.01, "diverged": diverged})


def test_early_and_late_loss_average_the_windows_of_the_run():
    losses = [10.0, 8.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25]  # steps 10..100
    metrics = curve_seed_metrics(_frame(losses), [0.99], steps=100)
    assert metrics["early_loss"] == pytest.approx((10.0 + 8.0) / 2)  # steps 10, 20 (<= 100/5)
    assert metrics["late_loss"] == pytest.approx((3.0 + 2.0 + 1.0 + 0.5 + 0.25) / 5)  # steps 60..100 (> 50)
    diverged = curve_seed_metrics(_frame(losses[:-1] + [math.inf], diverged=[0] * 10 + [1]), [0.99], steps=100)
    assert math.isnan(diverged["early_loss"]) and math.isnan(diverged["late_loss"])


def test_phase_losses_are_lower_is_better_and_claimable():
    from rnnadd.study.kinds import lower_is_better

    assert lower_is_better("late_loss") and lower_is_better("early_loss")
    claims = {c["id"]: c for c in load_claims(config()["claims"], load_study(config()),
                                              config().get("claim_margins"))}
    assert claims["c13b_gru_loss_converges_first"]["metric"] == "late_loss"
    assert claims["c13b_gru_loss_converges_first"]["group"] == "report"
    assert claims["c13c_relu_loss_falls_fastest_early"]["a"] == ["RNN, ReLU", ""]
    assert claims["c13c_relu_loss_falls_fastest_early"]["metric"] == "early_loss"


# -- the per-seed figure and the seed chooser ------------------------------------------------


def test_the_per_seed_figure_has_a_panel_per_claim_with_a_metric(tmp_path):
    from rnnadd.analyses.seedtable import write_seed_table
    from rnnadd.claims.claimplot import claim_panels, write_claim_seeds_plot

    rows = _rows({"a": [0.5, 0.6, math.nan], "b": [0.4, 0.3, 0.2]})
    claims = [_claim("better", id="c1", a=["a", ""], b=[["b", ""]], tables=["e"]),
              {"id": "c2", "experiment": "e", "test": "not_testable", "tables": ["e"]}]
    panels = claim_panels(claims, {"e": rows}, {"c1": {"verdict": "holds"}})
    assert len(panels) == 1 and panels[0]["title"] == "c1: holds"
    assert [name for name, _ in panels[0]["levels"]] == ["a", "b"]
    assert math.isnan(panels[0]["levels"][0][1][2])
    write_seed_table(rows, tmp_path / "e.seeds.csv")
    out = tmp_path / "e.png"
    write_claim_seeds_plot(claims, [tmp_path / "e.seeds.csv"], None, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_choose_seeds_raises_cheap_experiments_within_the_budget(tmp_path):
    cfg = config()
    path = tmp_path / "claims.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, RESULT_COLUMNS)
        writer.writeheader()
        for claim_id, entry in cfg["claims"].items():
            need = {"fig00_baseline": 8, "fig01_hidden_maxlen5": 40, "fig02_hidden_maxlen50": 500}.get(
                entry["experiment"], math.nan)
            writer.writerow({**{c: "" for c in RESULT_COLUMNS}, "id": claim_id, "experiment": entry["experiment"],
                             "verdict": "inconclusive", "pilot_verdict": "inconclusive", "power_seeds": need})
    result = subprocess.run([sys.executable, str(REPO / "workflow" / "scripts" / "choose_seeds.py"),
                             "--claims", str(path), "--config", str(REPO / "config.yaml")],
                            capture_output=True, text=True, check=True)
    out = result.stdout
    # The pilot's five seeds and the confirmatory look's own.
    assert "fig00_baseline: {seeds: 13}" in out and "fig01_hidden_maxlen5: {seeds: 45}" in out
    assert "fig02_hidden_maxlen50" in out.split("not given what they need")[1]  # 500 seeds: over budget
    ratio = float(re.search(r"\(([\d.]+)x; budget 1.5x\)", out).group(1))
    assert 1.0 < ratio <= 1.5


@pytest.mark.parametrize("count, seeds, needed", [
    # Seeds for the confirmatory look alone, at the stages' 97.5%:
    ("5/5", 5, 7),    # 6 of 6 cannot show a rate of 0.5 (lower end 0.482); 7 of 7 can (0.535)
    ("0/5", 5, 7),
    ("7/10", 5, 17),  # two levels: 24 of 34 has its lower end above 0.5
    ("2/5", 5, math.inf),  # a share of 0.4 against 0.5: more than any study here would run
])
def test_a_counting_claim_asks_for_the_seeds_its_observed_share_would_need(count, seeds, needed):
    import importlib.util

    spec = importlib.util.spec_from_file_location("choose_seeds", REPO / "workflow" / "scripts" / "choose_seeds.py")
    choose_seeds = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(choose_seeds)
    assert choose_seeds.counted_seeds(count, 0.5, seeds) == needed


def test_each_claim_on_the_figure_page_has_a_strip_of_its_per_seed_values():
    import math as m

    from rnnadd.claims.claimplot import svg_strip

    panel = {"title": "c", "metric": "auc_loss",
             "levels": [("carry", {0: 0.2, 1: 0.3, 2: m.nan}), ("default", {0: 0.1, 1: 0.15, 2: 0.12})]}
    svg = svg_strip(panel)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 5  # one dot per finite seed value
    assert svg.count('fill="#d62728"') == 1 and "seed 2: nan" in svg  # the diverged seed, marked
    assert ">0.1<" in svg and ">0.3<" in svg  # the axis's ends
    assert svg.count('stroke-width="2"') == 2  # a mean bar per level

    from rnnadd.claims.verdicts import figure_claims_html

    row = {c: "" for c in RESULT_COLUMNS} | {"id": "c1", "group": "own", "claim": "x", "metric": "auc_loss",
                                              "verdict": "holds", "estimate": m.nan, "median": m.nan,
                                              "ci_low": m.nan, "ci_high": m.nan, "margin": m.nan,
                                              "holds_within": m.nan, "rate": m.nan, "power_seeds": m.nan,
                                              "n_seeds": 3}
    page = figure_claims_html("T", [row], {"c1": svg})
    assert page.count("<svg") == 1 and "Under each claim, its metric seed by seed" in page
