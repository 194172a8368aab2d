"""Resource estimates: fitted to a measured table, and used to refuse what cannot fit."""

from __future__ import annotations

import re

import pytest

from conftest import REPO, SMOKE, snakemake
from rnnadd.study import resources

MEASURED = REPO / "workflow" / "resources" / "measured.tsv"
ROWS = resources.read_measured(MEASURED)
ESTIMATES = {
    ("train", "cpu_s"): lambda r: resources._dot(resources.TRAIN_CPU_S, resources.train_cpu_features(r)),
    ("train", "max_rss_mb"): lambda r: resources._dot(resources.TRAIN_MEMORY_MB,
                                                      resources.train_memory_features(r)),
    ("dataset", "cpu_s"): lambda r: resources._dot(resources.DATASET_CPU_S, resources.dataset_cpu_features(r)),
    ("dataset", "max_rss_mb"): lambda r: resources._dot(resources.DATASET_MEMORY_MB,
                                                        resources.dataset_memory_features(r)),
}


def test_the_table_covers_the_grid_and_the_study():
    train = [r for r in ROWS if r["job"] == "train"]
    assert {r["source"] for r in train} == {"grid", "study"}
    for key in ("maxlen", "layers", "hidden", "cell", "batch", "train_size", "steps"):
        assert len({r[key] for r in train}) >= 2, key
    assert len([r for r in ROWS if r["job"] == "dataset"]) >= 4


@pytest.mark.parametrize("job, measure", sorted(ESTIMATES))
def test_estimate_is_within_a_factor_of_1_5_of_every_measurement(job, measure):
    estimate = ESTIMATES[job, measure]
    off = [(round(estimate(r) / r[measure], 2), {k: r[k] for k in ("source", "maxlen", "cell", "layers",
                                                                 "hidden", "batch", "steps")})
           for r in ROWS if r["job"] == job and not 1 / 1.5 <= estimate(r) / r[measure] <= 1.5]
    assert not off, off


BIG = "override: {hidden: 100000}\n"
# The first run too big for this machine is named, with its estimate.
TOO_BIG = (r"Invalid configuration: experiments\.\w+ \([^)]*\): one training job \(run "
           r"rnn-relu_\dx100000_carry-normal_len5_lr[\d.]+_30steps_\w+\) needs about [\d.]+ GB of memory \(estimate\), "
           r"more than this machine's [\d.]+ GB; make override\.hidden \(100000\) smaller, or run it on a cluster "
           r"\(--profile profiles/slurm\)")


def test_a_run_too_big_for_this_machine_is_refused_with_its_estimate(tmp_path):
    from test_config_errors import judge, refusal

    assert re.fullmatch(TOO_BIG, refusal(tmp_path, BIG))
    # Where jobs go to a cluster, this machine's memory is no limit.
    assert judge(tmp_path, BIG, jobs_run_here=False).study.runs


@pytest.mark.snakemake
def test_the_memory_check_runs_before_any_job_locally_and_not_for_a_cluster(tmp_path):
    from conftest import copy_workflow

    workdir = copy_workflow(tmp_path / "study")
    (workdir / "big.yaml").write_text(BIG)
    result = snakemake(workdir, "fig07_layers", "--cores", "1", *SMOKE, "big.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    # Checked for every run once Snakemake says where jobs run (onstart, with the local
    # executor), before the first job: one line, no traceback, nothing run or written.
    refusals = [line for line in result.stderr.splitlines() if "Invalid configuration" in line]
    assert len(refusals) == 1 and re.fullmatch(TOO_BIG, refusals[0]), output[-3000:]
    assert "Traceback" not in output and "WorkflowError" not in output
    assert "rule " not in output and not (workdir / "results").exists()
    # The Slurm profile's executor (read from the profile, not given on the command line)
    # never meets this machine's memory: the same runs are planned, for the cluster (a dry
    # run submits nothing), and a dry run runs nothing either.
    planned = snakemake(workdir, "fig07_layers", "-n", "--profile", "profiles/slurm", *SMOKE, "big.yaml")
    assert "Invalid configuration" not in planned.stdout + planned.stderr
    assert re.search(r"^train\s+\d+$", planned.stdout, re.M), planned.stdout[-3000:]


def test_a_run_over_a_day_is_a_warning_with_its_estimate(tmp_path):
    from test_config_errors import judge

    long = "experiments:\n  fig07_layers: {set: {steps: 10000000000, eval_every: 1000000000, hidden: 8}}\n"
    warnings = judge(tmp_path, long, files=(REPO / "config.yaml",)).warnings
    day = [w for w in warnings if w.startswith("experiments.fig07_layers (layers=1): one training job is "
                                               "estimated to take ")]
    assert day and " days (and " in day[0], warnings


def test_slurm_gets_the_estimate_as_mem_mb_and_runtime():
    from rnnadd.core.settings import Settings

    small, big = Settings.from_dict({"maxlen": 5}), Settings.from_dict({"maxlen": 70, "layers": 3, "steps": 100000})
    assert resources.train_memory_mb(big) > resources.train_memory_mb(small)
    assert resources.slurm_minutes(resources.train_cpu_s(big), 1) > resources.slurm_minutes(
        resources.train_cpu_s(small), 1)
    assert resources.slurm_minutes(60.0, 2) == 2 * resources.slurm_minutes(60.0, 1)
