"""Crashes, kills, locks, damaged files and determinism, done for real.

The kill tests train one small figure of their own (fig00_baseline, longer
than the smoke preset's, so training can be caught mid-way) and kill only
what they started: their own Snakemake's process group, or training jobs
that are its descendants. Never another process on the machine.
"""

import os
import signal
import time
from pathlib import Path

import psutil
import pytest
import yaml

from conftest import SMOKE, copy_workflow, snakemake, start_snakemake

pytestmark = pytest.mark.snakemake

# One figure, its runs long enough (about twenty seconds) to be killed while they train.
TARGET = "fig00_baseline"
LONG = """
override: {steps: 3000, eval_every: 100}
"""


def result_files(root: Path) -> dict:
    """Every per-seed metrics CSV and aggregate table, by relative path."""
    files = list((root / "results" / "runs").rglob("seed*.csv")) + \
        list((root / "results" / "aggregate").glob("*.csv"))
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def long_study(folder: Path) -> Path:
    root = copy_workflow(folder)
    (root / "long.yaml").write_text(LONG)
    return root


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The target's results from an uninterrupted run in a folder of its own."""
    root = long_study(tmp_path_factory.mktemp("reference") / "study")
    snakemake(root, TARGET, "--cores", "2", *SMOKE, "long.yaml")
    files = result_files(root)
    assert files
    return files


def wait_for(condition, timeout=240, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def logs_show_training(workdir: Path, step: str) -> bool:
    logs = workdir / "results" / "logs" / "train"
    return logs.exists() and any(f"step {step}:" in p.read_text() for p in logs.rglob("*.log"))


def training_jobs_of(snakemake_process) -> dict:
    """The training jobs this Snakemake started (its descendants, nothing else): process -> its metrics file."""
    found = {}
    for process in psutil.Process(snakemake_process.pid).children(recursive=True):
        try:
            cmdline = process.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(part.endswith("scripts/train.py") for part in cmdline) and "--metrics" in cmdline:
            found[process] = cmdline[cmdline.index("--metrics") + 1]
    return found


def test_sigkilled_training_job_leaves_no_output_and_rerun_matches_uninterrupted(reference, tmp_path):
    killed = long_study(tmp_path / "killed")
    process = start_snakemake(killed, TARGET, "--cores", "2", "--retries", "0", *SMOKE, "long.yaml")
    try:
        wait_for(lambda: logs_show_training(killed, "300"), what="training to reach step 300")
        victims = training_jobs_of(process)
        assert victims
        for victim in victims:
            victim.send_signal(signal.SIGKILL)  # psutil: never a reused pid
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its own process group only
    assert process.returncode != 0, output
    for metrics in victims.values():
        assert not (killed / metrics).exists()  # no complete-looking output
    assert not list((killed / "results").rglob(".*.partial"))

    snakemake(killed, TARGET, "--cores", "2", *SMOKE, "long.yaml")
    assert result_files(killed) == reference


def test_killed_snakemake_resumes_to_results_identical_to_a_run_in_another_folder(reference, tmp_path):
    """Also the determinism check: other folder, other core count, other job order."""
    workdir = long_study(tmp_path / "interrupted")
    process = start_snakemake(workdir, TARGET, "--cores", "2", *SMOKE, "long.yaml")
    try:
        wait_for(lambda: logs_show_training(workdir, "100"), what="training to reach step 100")
        assert process.poll() is None, "the first Snakemake finished before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # Snakemake and every job it started: its own group
        process.wait(timeout=60)

    snakemake(workdir, "--unlock", *SMOKE, "long.yaml")
    snakemake(workdir, TARGET, "--cores", "1", *SMOKE, "long.yaml")
    resumed = result_files(workdir)
    assert sorted(resumed) == sorted(reference)
    different = [path for path in reference if resumed[path] != reference[path]]
    assert not different


def test_a_second_snakemake_in_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    """The lock. Its runs are far longer than a second Snakemake takes to start (about ten
    seconds on a loaded machine, where 3000 steps once ended first), and they are killed."""
    workdir = copy_workflow(tmp_path / "locked")
    (workdir / "endless.yaml").write_text("override: {steps: 1000000, eval_every: 100}\n")
    process = start_snakemake(workdir, TARGET, "--cores", "2", *SMOKE, "endless.yaml")
    try:
        wait_for(lambda: logs_show_training(workdir, "100"), what="training to reach step 100")
        second = snakemake(workdir, TARGET, "--cores", "1", *SMOKE, "endless.yaml", check=False)
        assert process.poll() is None, "the first Snakemake ended before the second one tried the lock"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # Snakemake and every job it started: its own group
        process.wait(timeout=60)
    assert second.returncode != 0
    assert "cannot be locked" in second.stdout + second.stderr


def test_truncated_metrics_file_gives_an_error_naming_it(smoke_copy):
    workdir = smoke_copy
    victim = sorted((workdir / "results" / "runs").rglob("seed1.csv"))[0]
    text = victim.read_text()
    victim.write_text(text[: len(text) // 2])  # cut mid-line, as a full disk would
    result = snakemake(workdir, "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    relative = str(victim.relative_to(workdir))
    assert f"error: {relative}:" in output
    assert f"delete it and rerun: rm {relative}, then the same snakemake command again" in output


def test_edited_metrics_file_with_rows_removed_is_caught(smoke_copy):
    workdir = smoke_copy
    victim = sorted((workdir / "results" / "runs").rglob("seed0.csv"))[0]
    lines = victim.read_text().splitlines(keepends=True)
    victim.write_text("".join(lines[:-1]))  # a whole row gone: looks tidy, is not
    result = snakemake(workdir, "--cores", "2", "--retries", "0", *SMOKE, check=False)
    assert result.returncode != 0
    # The last evaluation's row is gone.
    settings = yaml.safe_load((victim.parent / "settings.yaml").read_text())
    last_left = settings["steps"] - settings["eval_every"]
    assert f"{victim.relative_to(workdir)}: holds steps 0..{last_left}" in result.stdout + result.stderr


def test_hand_edited_accuracy_is_reported_before_a_figure_is_drawn_from_it(smoke_copy):
    """A tidy edit (one value, the file still well formed) differs from the checksum its training
    job recorded beside it (seed<N>.timing.json); the command the error gives recomputes it."""
    workdir = smoke_copy
    victim = sorted((workdir / "results" / "runs").rglob("seed0.csv"))[0]
    header, *rows = victim.read_text().splitlines(keepends=True)
    column = header.split(",").index("accuracy")
    last = rows[-1].split(",")
    last[column] = "0.999" if last[column] != "0.999" else "0.998"
    victim.write_text(header + "".join(rows[:-1]) + ",".join(last))
    figures = {p: p.stat().st_mtime_ns for p in (workdir / "results" / "figures").glob("*.png")}
    result = snakemake(workdir, "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    relative = victim.relative_to(workdir)
    line = (f"error: {relative}: changed after the job that wrote it (its SHA-256 is not the one recorded in "
            f"seed0.timing.json); delete it and rerun: rm {relative}, then the same snakemake command again")
    (workdir.parent / "refused.log").write_text(output)  # kept for a look (pytest --basetemp)
    assert line in output.splitlines(), output[-3000:]
    # No figure was drawn from the edited value: each is the old one, or removed with its table.
    for figure in (workdir / "results" / "figures").glob("*.png"):
        assert figures.get(figure) == figure.stat().st_mtime_ns, figure
    # The remedy, as given: the run retrains to the bytes it had, and the study builds.
    victim.unlink()
    snakemake(workdir, "--cores", "2", *SMOKE)
    assert victim.read_text().splitlines(keepends=True) == [header, *rows]


def test_damaged_dataset_gives_an_error_naming_it(smoke_copy):
    workdir = smoke_copy
    victim = sorted((workdir / "results" / "data").rglob("train.npz"))[0]
    victim.write_bytes(victim.read_bytes()[:1000])
    result = snakemake(workdir, "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: {victim.relative_to(workdir)}: damaged or truncated dataset" in output
    assert "Traceback" not in output
    # The README's remedy works: delete the file and rerun.
    victim.unlink()
    snakemake(workdir, "--cores", "2", *SMOKE)
