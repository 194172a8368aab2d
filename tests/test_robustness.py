"""Crashes, kills, locks, damaged files and determinism, done for real."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import SMOKE, copy_workflow, snakemake

LONG_BASELINE = """
override: {steps: 1500, eval_every: 100}
"""


def result_files(root: Path) -> dict:
    """Every per-seed metrics CSV and aggregate table, by relative path."""
    files = list((root / "results" / "runs").rglob("seed*.csv")) + \
        list((root / "results" / "aggregate").glob("*.csv"))
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def start(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


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


def training_processes() -> dict[int, str]:
    """Running training jobs: process id -> the metrics file it would write."""
    import psutil

    found = {}
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if any(part.endswith("scripts/train.py") for part in cmdline) and "--metrics" in cmdline:
            found[process.pid] = cmdline[cmdline.index("--metrics") + 1]
    return found


def test_sigkilled_training_job_leaves_no_output_and_rerun_matches_uninterrupted(tmp_path):
    reference = copy_workflow(tmp_path / "reference")
    killed = copy_workflow(tmp_path / "killed")
    for root in (reference, killed):
        (root / "long.yaml").write_text(LONG_BASELINE)
    snakemake(reference, "fig00_baseline", "--cores", "2", *SMOKE, "long.yaml")

    process = start(killed, "fig00_baseline", "--cores", "2", "--retries", "0", *SMOKE, "long.yaml")
    wait_for(lambda: logs_show_training(killed, "300"), what="training to reach step 300")
    victims = training_processes()
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=300)
    assert process.returncode != 0, output
    for metrics in victims.values():
        assert not (killed / metrics).exists()  # no complete-looking output
    assert not list((killed / "results").rglob(".*.partial"))

    snakemake(killed, "fig00_baseline", "--cores", "2", *SMOKE, "long.yaml")
    assert result_files(killed) == result_files(reference)


def test_killed_snakemake_resumes_to_results_identical_to_a_run_in_another_folder(smoke_run, tmp_path):
    """Also the determinism check: other folder, other core count, other job order."""
    workdir = copy_workflow(tmp_path / "interrupted")
    process = start(workdir, "--cores", "2", *SMOKE)
    # The smoke preset now has about 200 light jobs besides training: on a busy
    # 2-core machine the sixth CSV can take several minutes.
    wait_for(lambda: len(list((workdir / "results" / "runs").rglob("seed*.csv"))) >= 6,
             timeout=600, what="a few finished training jobs")

    # A second Snakemake in the same folder is refused by the lock while the first runs.
    second = snakemake(workdir, "--cores", "1", *SMOKE, check=False)
    assert second.returncode != 0
    assert "cannot be locked" in second.stdout + second.stderr

    os.killpg(process.pid, signal.SIGKILL)  # Snakemake and every job it started
    process.wait(timeout=60)

    snakemake(workdir, "--unlock", *SMOKE)
    snakemake(workdir, "--cores", "1", *SMOKE)
    resumed, reference = result_files(workdir), result_files(smoke_run)
    assert sorted(resumed) == sorted(reference)
    different = [path for path in reference if resumed[path] != reference[path]]
    assert not different


def test_truncated_metrics_file_gives_an_error_naming_it(smoke_run, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir, symlinks=True)
    victim = sorted((workdir / "results" / "runs").rglob("seed1.csv"))[0]
    text = victim.read_text()
    victim.write_text(text[: len(text) // 2])  # cut mid-line, as a full disk would
    result = snakemake(workdir, "--cores", "2", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    relative = str(victim.relative_to(workdir))
    assert f"error: {relative}:" in output
    assert f"delete it and rerun: rm {relative}, then the same snakemake command again" in output


def test_edited_metrics_file_with_rows_removed_is_caught(smoke_run, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir, symlinks=True)
    victim = sorted((workdir / "results" / "runs").rglob("seed0.csv"))[0]
    lines = victim.read_text().splitlines(keepends=True)
    victim.write_text("".join(lines[:-1]))  # a whole row gone: looks tidy, is not
    result = snakemake(workdir, "--cores", "2", *SMOKE, check=False)
    assert result.returncode != 0
    assert f"{victim.relative_to(workdir)}: holds steps 0..20" in result.stdout + result.stderr


def test_damaged_dataset_gives_an_error_naming_it(smoke_run, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir, symlinks=True)
    victim = sorted((workdir / "results" / "data").rglob("train.npz"))[0]
    victim.write_bytes(victim.read_bytes()[:1000])
    result = snakemake(workdir, "--cores", "2", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: {victim.relative_to(workdir)}: damaged or truncated dataset" in output
    assert "Traceback" not in output
    # The README's remedy works: delete the file and rerun.
    victim.unlink()
    snakemake(workdir, "--cores", "2", *SMOKE)
