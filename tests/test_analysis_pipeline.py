"""The analysis kinds (length, positions, probe) through the real Snakemake engine."""

import json
import os
import re
import subprocess
import sys

import matplotlib.image
import pandas as pd
import pytest
import yaml
from test_config_errors import assert_mentions, refusal
from test_pipeline import planned_jobs, study_of

from conftest import REPO, SMOKE, copy_workflow, snakemake
from rnnadd.study.plan import load_study

ANALYSES = {"length_cells": "length", "length_hidden": "length", "positions_hidden": "positions",
            "probe_layers": "probe"}
# Analyses of the same runs with other sums (issue 16): no training of their own.
MORE_ANALYSES = ("chains_cells", "chains_hidden", "probe_controls_layers")


def test_analysis_figures_are_drawn_from_per_seed_tables_that_follow_the_contract(smoke_run):
    study = study_of(smoke_run)
    for name, kind in ANALYSES.items():
        png = smoke_run / "results" / "figures" / f"{name}.png"
        assert png.read_bytes().startswith(b"\x89PNG") and matplotlib.image.imread(png).shape[0] > 300
        assert (smoke_run / "results" / "figures" / f"{name}.pdf").read_bytes().startswith(b"%PDF")

        seeds = pd.read_csv(smoke_run / "results" / "aggregate" / f"{name}.seeds.csv",
                            dtype={"label0": str, "label1": str}, keep_default_na=False,
                            na_values={"value": ["nan"]})
        assert list(seeds.columns) == ["label0", "label1", "run", "seed", "metric", "value"]
        experiment = study.experiments[name]
        for cell in experiment.cells:
            rows = seeds[(seeds["label0"] == cell.levels[0].label)
                         & (seeds["label1"] == (cell.levels[1].label if len(cell.levels) > 1 else ""))]
            assert set(rows["run"]) == {cell.run} and sorted(set(rows["seed"])) == study.seeds
            settings = study.runs[cell.run]
            metrics = list(dict.fromkeys(rows["metric"]))
            if kind == "length":
                assert metrics == ["accuracy_len5", "accuracy_len20",
                                   "digit_accuracy_len5", "digit_accuracy_len20"]
            elif kind == "positions":
                assert metrics == [f"error_pos{k}" for k in range(settings.maxlen + 1)] + ["final_accuracy"]
            else:
                assert metrics == [f"probe_layer{k}" for k in range(1, settings.layers + 1)] + \
                    ["probe_input_baseline"]
            assert len(rows) == len(metrics) * len(study.seeds)  # one row per (line, seed, metric)
            assert rows["value"].between(0, 1).all()
        summary = pd.read_csv(smoke_run / "results" / "aggregate" / f"{name}.csv")
        means = seeds.groupby(["run", "metric"])["value"].mean()
        for _, row in summary.iterrows():
            assert row["mean"] == pytest.approx(means[(row["run"], row["metric"])], abs=1e-12)


def test_positions_final_accuracy_is_the_runs_last_evaluation(smoke_run):
    seeds = pd.read_csv(smoke_run / "results" / "aggregate" / "positions_hidden.seeds.csv",
                        keep_default_na=False)
    final = seeds[seeds["metric"] == "final_accuracy"]
    assert len(final) == 12
    for _, row in final.iterrows():
        curve = pd.read_csv(smoke_run / "results" / "runs" / row["run"] / f"seed{row['seed']}.csv")
        assert float(row["value"]) == curve["accuracy"].iloc[-1]
        positions = seeds[(seeds["run"] == row["run"]) & (seeds["seed"] == row["seed"])
                          & seeds["metric"].str.startswith("error_pos")]["value"].astype(float)
        digit_accuracy = curve["digit_accuracy"].iloc[-1]
        assert 1 - positions.mean() == pytest.approx(digit_accuracy, abs=1e-12)


def test_evaluate_command_reproduces_a_length_figure_value(smoke_run):
    seeds = pd.read_csv(smoke_run / "results" / "aggregate" / "length_hidden.seeds.csv",
                        keep_default_na=False)
    row = seeds[(seeds["metric"] == "digit_accuracy_len20") & (seeds["seed"] == 1)].iloc[0]
    checkpoint = smoke_run / "results" / "runs" / row["run"] / "seed1.pt"
    result = subprocess.run([sys.executable, "-m", "rnnadd", "evaluate", "--checkpoint", str(checkpoint),
                             "--length", "20", "--examples", "50"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO / "workflow")}, check=True)
    assert json.loads(result.stdout)["digit_accuracy"] == float(row["value"])


def mtimes(folder, pattern):
    return {p: p.stat().st_mtime_ns for p in folder.rglob(pattern)}


def test_adding_a_test_length_runs_one_job_per_run_and_seed_and_never_trains(smoke_copy):
    (smoke_copy / "longer.yaml").write_text("experiments:\n  length_cells:\n    test_lengths: [5, 20, 40]\n")
    runs = smoke_copy / "results" / "runs"
    trained = mtimes(runs, "seed*.*")
    study = study_of(smoke_copy, "longer.yaml")
    plan = planned_jobs(snakemake(smoke_copy, "-n", "--cores", "2", *SMOKE, "longer.yaml"))
    jobs = len(study.experiments["length_cells"].runs()) * len(study.seeds)
    assert plan["analyse"] == jobs
    # The new length's evaluation and what is drawn or judged from it; no training, no other analysis.
    assert set(plan) <= {"analyse", "aggregate", "figure", "figure_claims", "judge_claims", "claims_table",
                         "length_cells", "all"}, plan
    assert plan["aggregate"] == plan["figure"] == 1
    old = mtimes(smoke_copy / "results" / "analysis", "*.csv")
    snakemake(smoke_copy, "--cores", "2", *SMOKE, "longer.yaml")
    assert mtimes(runs, "seed*.*") == trained  # nothing retrained
    assert all(p.stat().st_mtime_ns == t for p, t in old.items())  # other analyses left alone
    seeds = pd.read_csv(smoke_copy / "results" / "aggregate" / "length_cells.seeds.csv")
    assert "accuracy_len40" in set(seeds["metric"])
    # length_hidden still reads its own, unchanged test sums: nothing to redo there.
    again = snakemake(smoke_copy, "length_hidden", "-n", "--cores", "2", *SMOKE, "longer.yaml")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_a_damaged_checkpoint_stops_the_analysis_naming_the_file(smoke_copy):
    study = study_of(smoke_copy)
    run = study.experiments["probe_layers"].runs()[0]
    checkpoint = smoke_copy / "results" / "runs" / run / "seed0.pt"
    checkpoint.write_bytes(checkpoint.read_bytes()[:300])  # newer than its analyses: they rerun
    # The target first: after --configfile it would be read as one more config file.
    result = snakemake(smoke_copy, "probe_layers", "--cores", "2", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: results/runs/{run}/seed0.pt: not a checkpoint" in output
    assert f"rm results/runs/{run}/seed0.pt" in output and "the same snakemake command again" in output


BAD = [
    ("test_lengths_empty", "experiments:\n  length_cells: {test_lengths: []}\n",
     ["experiments.length_cells.test_lengths: [] should be non-empty"]),
    ("test_length_below_2", "experiments:\n  length_cells: {test_lengths: [10, 1]}\n",
     ["experiments.length_cells.test_lengths[1]: 1 is less than the minimum of 2"]),
    ("probe_on_cell_none", "experiments:\n  probe_layers: {set: {cell: none}}\n",
     ["experiments.probe_layers.set.cell: a probe reads the recurrent layers' hidden state; "
      "cell none has no recurrent layer"]),
    ("length_without_test_lengths",
     "experiments:\n  new_length: {kind: length, sweep: {layers: [1]}}\n",
     ["experiments.new_length.test_lengths: a length figure needs a non-empty list"]),
    ("test_lengths_on_curves", "experiments:\n  fig07_layers: {test_lengths: [10]}\n",
     ["experiments.fig07_layers.test_lengths: only a length figure has test lengths"]),
]


@pytest.mark.parametrize("case, text, expected", BAD, ids=[case[0] for case in BAD])
def test_bad_analysis_config_is_refused_before_any_job(tmp_path, case, text, expected):
    assert_mentions(refusal(tmp_path, text), expected)


@pytest.mark.snakemake
def test_full_study_plans_analyses_on_existing_runs_and_trains_only_the_length_runs(tmp_path):
    workdir = copy_workflow(tmp_path / "full")
    result = snakemake(workdir, "-n", "--cores", "2")
    jobs = planned_jobs(result)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    study = load_study(config)
    # Both length figures share the carried-state ReLU run and its test sums.
    length_runs = set(study.experiments["length_cells"].runs()) | set(study.experiments["length_hidden"].runs())
    # One analyse rule for every kind that reads checkpoints; its output path names the kind.
    analyses = re.findall(r"output: results/analysis/(\w+)/", result.stdout)
    assert len(analyses) == jobs["analyse"]
    # One job per (set of sums, run, seed) that some experiment of the kind asks for: a run
    # shared by two experiments, with the same sums, is analysed once per seed either asks for.
    from rnnadd.study.kinds import KINDS

    for kind in ("length", "positions", "probe", "chains", "probe_controls"):
        pairs = {(KINDS[kind].path_part(e.kind_options), run, seed)
                 for e in study.experiments.values() if e.kind == kind for run in e.runs() for seed in e.seeds}
        assert analyses.count(kind) == len(pairs) > 0, kind
    assert jobs["aggregate"] == jobs["figure"] == len(study.experiments)
    # The chain and probe-control analyses read the length and probe runs: no training of their own.
    chain_runs = set(study.experiments["chains_cells"].runs()) | set(study.experiments["chains_hidden"].runs())
    assert chain_runs == length_runs
    assert set(study.experiments["probe_controls_layers"].runs()) == set(study.experiments["probe_layers"].runs())
    assert re.search(r"results/analysis/chains/n300_len1000_k1-2-5-10-20-50-100/", result.stdout)
    others = {run for name, e in study.experiments.items()
              if name not in ANALYSES and name not in MORE_ANALYSES for run in e.runs()}
    assert set(study.experiments["positions_hidden"].runs()) <= others  # no new training
    assert set(study.experiments["probe_layers"].runs()) <= others
    assert len(length_runs - others) == 6
    assert re.search(r"results/analysis/length/n1000_len10-20-50-100-200-500-1000/", result.stdout)
