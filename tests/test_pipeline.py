"""The real Snakemake engine running the real rules on the smoke preset."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from jobplan import expected_jobs, planned_jobs
from snakemake.utils import update_config

from conftest import REPO, SMOKE, copy_workflow, snakemake
from rnnadd.study.kinds import KINDS
from rnnadd.study.kinds.base import METRICS
from rnnadd.study.plan import load_study

# The figures drawn from training curves (curves, heatmaps; the analyses have their own
# tests), from the config: a new figure is checked like the others. Counts below come from the config too
# (tests/jobplan.py plans them), never from literals.
FIGURES = [name for name, experiment in load_study(yaml.safe_load((REPO / "config.yaml").read_text()))
           .experiments.items() if KINDS[experiment.kind].reads == METRICS]


def study_of(workdir, *extra):
    """The study as Snakemake sees it: config.yaml with the smoke preset merged on top."""
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    for name in ("tests/smoke.yaml", *extra):
        update_config(config, yaml.safe_load((workdir / name).read_text()))
    return load_study(config)


def test_every_figure_is_a_valid_png_and_pdf(smoke_run):
    for name in FIGURES:
        png = (smoke_run / "results" / "figures" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000, name
        import matplotlib.image

        image = matplotlib.image.imread(smoke_run / "results" / "figures" / f"{name}.png")
        assert image.shape[0] > 300 and image.shape[1] > 300
        assert (smoke_run / "results" / "figures" / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    assert not list((smoke_run / "results").rglob(".*.partial"))


def test_second_run_has_nothing_to_do(smoke_copy):
    result = snakemake(smoke_copy, "--cores", "2", *SMOKE)
    assert "Nothing to be done" in result.stdout + result.stderr


def test_run_folders_hold_settings_and_one_csv_per_seed(smoke_run):
    study = study_of(smoke_run)
    folders = sorted(p.name for p in (smoke_run / "results" / "runs").iterdir())
    assert folders == sorted(study.runs)
    for run, settings in study.runs.items():
        saved = yaml.safe_load((smoke_run / "results" / "runs" / run / "settings.yaml").read_text())
        assert saved == settings.as_dict()
        assert sorted(p.name for p in (smoke_run / "results" / "runs" / run).glob("seed*.csv")) == \
            sorted(f"seed{seed}.csv" for seed in study.seeds)


def test_aggregate_means_equal_means_recomputed_from_seed_csvs(smoke_run):
    study = study_of(smoke_run)
    checked = 0
    for name in ("fig06_lr", "fig01_hidden_maxlen5", "fig09_cells"):
        table = pd.read_csv(smoke_run / "results" / "aggregate" / f"{name}.csv")
        for cell in study.experiments[name].cells:
            seeds = [pd.read_csv(smoke_run / "results" / "runs" / cell.run / f"seed{s}.csv")
                     for s in study.seeds]
            for metric in ("loss", "accuracy", "test_loss"):
                rows = table[(table["run"] == cell.run) & (table["metric"] == metric)]
                values = np.stack([f[metric].to_numpy(float) for f in seeds])
                with np.errstate(all="ignore"):
                    expected = [np.mean(col[np.isfinite(col)]) if np.isfinite(col).any() else np.nan
                                for col in values.T]
                np.testing.assert_allclose(rows["mean"].to_numpy(), expected, rtol=1e-12, equal_nan=True)
                assert (rows["n_seeds"] == len(study.seeds)).all()
                checked += 1
    assert checked == 3 * sum(len(study.experiments[name].cells)
                              for name in ("fig06_lr", "fig01_hidden_maxlen5", "fig09_cells")) > 0
    heatmap = pd.read_csv(smoke_run / "results" / "aggregate" / "heatmap_lr_maxlen.csv")
    assert len(heatmap) == len(study.experiments["heatmap_lr_maxlen"].cells)
    assert {"mean", "std", "ci95_low", "ci95_high", "n_reached", "n_seeds"} <= set(heatmap)


def test_diverged_run_is_recorded_aggregated_and_drawn(smoke_run):
    table = pd.read_csv(smoke_run / "results" / "aggregate" / "fig06_lr.csv")
    diverged = table[(table["label0"] == "0.5") & (table["metric"] == "loss")]
    assert diverged["n_diverged"].iloc[-1] >= 1
    assert (smoke_run / "results" / "figures" / "fig06_lr.png").exists()


@pytest.mark.snakemake
def test_full_config_dry_run_plans_every_figure_and_trains_shared_runs_once(tmp_path):
    workdir = copy_workflow(tmp_path / "full")
    result = snakemake(workdir, "-n", "--cores", "2")
    jobs = planned_jobs(result)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    study = load_study(config)
    # Distinct runs, counted independently: the run folders the plan will write to.
    planned_runs = set(re.findall(r"results/runs/([^/\s]+)/seed\d+\.csv", result.stdout))
    assert len(planned_runs) == len(study.runs)
    # Each run once per seed that some experiment reading it asks for (experiments may set their own).
    assert jobs["train"] == sum(len(study.run_seeds(run)) for run in study.runs)
    cells = sum(len(e.cells) * len(e.seeds) for e in study.experiments.values())
    assert jobs["train"] < cells  # some runs are shared between figures
    assert jobs["aggregate"] == jobs["figure"] == len(study.experiments)  # every kind: one rule each
    for name in FIGURES:
        assert f"results/figures/{name}.png" in result.stdout
    # Every rule's count, planned from the config alone: a figure, kind or claim added to it moves both.
    assert jobs == expected_jobs(config)


def test_single_figure_target_builds_only_its_runs(workdir):
    snakemake(workdir, "fig05_maxlen", "--cores", "2", *SMOKE)
    study = study_of(workdir)
    built = {p.name for p in (workdir / "results" / "runs").iterdir()}
    assert built == set(study.experiments["fig05_maxlen"].runs())
    assert sorted(p.name for p in (workdir / "results" / "figures").iterdir()) == \
        ["fig05_maxlen.pdf", "fig05_maxlen.png"]


@pytest.mark.snakemake
def test_a_checkout_named_with_a_space_and_shell_code_builds_and_runs_none_of_it(tmp_path):
    """Paths reach shell commands only quoted: a folder name is one word, never code."""
    name = "my project; $(touch PWNED1) `touch PWNED2` x||touch PWNED3"
    workdir = copy_workflow(tmp_path / name)
    snakemake(workdir, "--cores", "2", "--configfile=tests/smoke.yaml", "fig05_maxlen", "length_hidden")
    for figure in ("fig05_maxlen", "length_hidden"):
        assert (workdir / "results" / "figures" / f"{figure}.png").stat().st_size > 0
    planted = [path for folder in (tmp_path, workdir, REPO, Path.cwd()) for path in folder.glob("PWNED*")]
    assert not planted, planted


def test_adding_a_sweep_value_trains_only_the_new_runs(smoke_copy):
    (smoke_copy / "more.yaml").write_text("experiments:\n  fig05_maxlen:\n    sweep: {maxlen: [3, 5, 4]}\n")
    before = {p: p.stat().st_mtime_ns for p in (smoke_copy / "results" / "runs").rglob("seed*.csv")}
    plan = planned_jobs(snakemake(smoke_copy, "-n", "--cores", "2", *SMOKE, "more.yaml"))
    seeds = study_of(smoke_copy).seeds
    assert plan["train"] == len(seeds)  # one new run, each seed
    assert plan["aggregate"] == 1 and plan.get("figure") == 1
    assert plan.get("judge_claims") == 1 and plan.get("claims_table") == 1
    snakemake(smoke_copy, "--cores", "2", *SMOKE, "more.yaml")
    after = {p: p.stat().st_mtime_ns for p in (smoke_copy / "results" / "runs").rglob("seed*.csv")}
    assert len(after) == len(before) + len(seeds)
    assert all(after[p] == t for p, t in before.items())  # nothing old was redone


def test_changing_a_title_under_a_preset_redoes_nothing(smoke_copy):
    """A preset's figure and verdict-page titles are made from the settings it ran (issue 26), so
    the full study's title is not theirs: changing it plans no job at all, nothing retrains."""
    (smoke_copy / "words.yaml").write_text("experiments:\n  fig07_layers:\n    title: Layers, renamed\n")
    plan = planned_jobs(snakemake(smoke_copy, "-n", "--cores", "2", *SMOKE, "words.yaml"))
    assert plan == {}


def test_changing_a_setting_retrains_exactly_the_affected_runs(smoke_copy):
    (smoke_copy / "change.yaml").write_text("experiments:\n  fig04_hidden_1layer:\n    set: {lr: 0.02}\n")
    plan = planned_jobs(snakemake(smoke_copy, "-n", "--cores", "2", *SMOKE, "change.yaml"))
    changed = study_of(smoke_copy, "change.yaml")
    runs = changed.experiments["fig04_hidden_1layer"].runs()
    assert not set(runs) & set(study_of(smoke_copy).runs)  # all new
    # fig04's runs (one per hidden-state mode), each seed; nothing else, datasets reused
    # and the verdicts on fig04's claim, gathered into the table and shown beside the figure in the report
    assert plan == {"run_settings": len(runs), "train": len(runs) * len(changed.seeds), "aggregate": 1, "figure": 1,
                    "judge_claims": 1,
                    "claims_table": 1, "figure_claims": 1, "all": 1}
