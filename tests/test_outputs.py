"""Outputs are checked before any work: a run is never trained, then lost to its output path.

`train` and `make-dataset` check each file they will write before they read the
settings, draw the data or train: it must not exist already (unless --force),
and its folder must exist or be makeable, and be writable. A refusal is one line
on stderr, `error: <option> <path>: ...`, exit 2, no traceback. The workflow's
own scripts (what the Snakemake rules run) pass --force: Snakemake owns those
outputs, and a job rerun over a failed job's kept files replaces them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_workflow, snakemake

ENV = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
TINY = "maxlen: 3\nsteps: 4\neval_every: 2\ntrain_size: 200\ntest_size: 20\nbatch: 20\n"
# Minutes of training if it ever started: a refusal that came after training would time out.
LONG = "maxlen: 5\nsteps: 10000000\neval_every: 1000000\n"


def rnnadd(*args: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    """`python -m rnnadd ARGS` in a process of its own, as a user types it."""
    return subprocess.run([sys.executable, "-m", "rnnadd", *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=timeout)


def refused(result: subprocess.CompletedProcess, *words: str) -> str:
    """The one line of a refusal: exit 2, nothing else on stderr, no traceback, nothing trained."""
    err = result.stderr
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "step " not in result.stdout, (err, result.stdout)
    for word in words:
        assert word in err, (word, err)
    return err.strip()


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def unwritable(folder: Path):
    """A folder this process cannot write in: read-only by mode, or immutable for root (who
    writes through any mode)."""
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = ["chmod", "755", str(folder)]
    try:
        yield folder
    finally:
        subprocess.run(undo, check=True)


def test_train_out_that_is_a_file_is_refused_before_any_training(tmp_path):
    """The case that trained a whole run, then ended in a 26-line FileExistsError traceback."""
    (tmp_path / "run.yaml").write_text(LONG)
    (tmp_path / "mine").write_text("a user's file\n")
    before = snapshot(tmp_path)
    start = time.monotonic()
    result = rnnadd("train", "--settings", "run.yaml", "--seed", "0", "--out", "mine", cwd=tmp_path)
    seconds = time.monotonic() - start
    line = refused(result, "--out mine: is a file, not a folder")
    assert line == ("error: --out mine: is a file, not a folder; --out names the folder for seed0.csv, "
                    "seed0.timing.json and seed0.pt")
    # Before training (10 million steps): within the time Python takes to start and read its modules.
    assert seconds < 30, seconds
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case, args, words", [
    ("metrics_exists", ["--metrics", "mine.csv", "--timing", "t.json"],
     "--metrics mine.csv: already exists; give another path, or add --force to replace it"),
    ("timing_exists", ["--metrics", "m.csv", "--timing", "mine.csv"],
     "--timing mine.csv: already exists; give another path, or add --force to replace it"),
    ("checkpoint_exists", ["--metrics", "m.csv", "--timing", "t.json", "--checkpoint", "mine.csv"],
     "--checkpoint mine.csv: already exists; give another path, or add --force to replace it"),
    ("out_file_exists", ["--out", "done"],
     "--out done/seed0.csv: already exists; give another path, or add --force to replace it"),
    ("under_a_file", ["--out", "mine.csv/run"],
     "--out mine.csv/run/seed0.csv: cannot be written: mine.csv is a file, not a folder"),
    ("metrics_under_a_file", ["--metrics", "mine.csv/m.csv", "--timing", "t.json"],
     "--metrics mine.csv/m.csv: cannot be written: mine.csv is a file, not a folder"),
    ("metrics_is_a_folder", ["--metrics", "done", "--timing", "t.json"],
     "--metrics done: is a folder; give the path of a file"),
    ("same_file_twice", ["--metrics", "m.csv", "--timing", "./m.csv"],
     "--timing ./m.csv: the same file as --metrics m.csv; give each output its own path"),
    ("no_output", ["--metrics", "m.csv"], "train needs --out FOLDER, or both --metrics and --timing"),
])
def test_train_refuses_an_output_it_cannot_or_must_not_write(case, args, words, tmp_path):
    (tmp_path / "run.yaml").write_text(LONG)
    (tmp_path / "mine.csv").write_text("a user's file\n")
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "seed0.csv").write_text("step,loss\n")
    before = snapshot(tmp_path)
    refused(rnnadd("train", "--settings", "run.yaml", "--seed", "0", *args, cwd=tmp_path), words)
    assert snapshot(tmp_path) == before  # the user's file is untouched, nothing is written


def test_an_output_in_a_folder_that_cannot_be_written_is_refused_before_training(tmp_path):
    (tmp_path / "run.yaml").write_text(LONG)
    with unwritable(tmp_path / "locked") as locked:
        for args, words in ((["--out", "locked/run"], "--out locked/run/seed0.csv: cannot be written: no permission "
                                                      f"to write in locked{os.sep}"),
                            (["--metrics", "locked/m.csv", "--timing", "t.json"],
                             "--metrics locked/m.csv: cannot be written: no permission to write in locked")):
            refused(rnnadd("train", "--settings", "run.yaml", "--seed", "0", *args, cwd=tmp_path), words)
        refused(rnnadd("make-dataset", "--maxlen", "3", "--seed", "0", "--out", "locked/data", cwd=tmp_path),
                "--out locked/data/train.npz: cannot be written: no permission to write in locked")
        assert list(locked.iterdir()) == []


def test_force_replaces_an_existing_metrics_file_and_without_it_the_file_is_kept(tmp_path):
    """`train --metrics <existing file>` overwrote a user's file without a word."""
    (tmp_path / "run.yaml").write_text(TINY)
    mine = tmp_path / "mine.csv"
    mine.write_text("a user's file\n")
    args = ("train", "--settings", "run.yaml", "--seed", "0", "--metrics", "mine.csv", "--timing", "t.json")
    refused(rnnadd(*args, cwd=tmp_path), "--metrics mine.csv: already exists")
    assert mine.read_text() == "a user's file\n" and not (tmp_path / "t.json").exists()
    result = rnnadd(*args, "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert mine.read_text().startswith("step,") and (tmp_path / "t.json").exists()


def test_train_twice_into_one_folder_keeps_the_first_run(tmp_path):
    (tmp_path / "run.yaml").write_text(TINY)
    args = ("train", "--settings", "run.yaml", "--seed", "0", "--out", "runs/mine")
    assert rnnadd(*args, cwd=tmp_path).returncode == 0
    first = snapshot(tmp_path / "runs")
    assert set(first) == {"mine/seed0.csv", "mine/seed0.timing.json", "mine/seed0.pt"}
    refused(rnnadd(*args, cwd=tmp_path), "--out runs/mine/seed0.csv: already exists")
    assert snapshot(tmp_path / "runs") == first


@pytest.mark.parametrize("case, args, words", [
    ("out_is_a_file", ["--out", "mine"],
     "--out mine: is a file, not a folder; --out names the folder for train.npz and test.npz"),
    ("train_exists", ["--out", "data"], "--out data/train.npz: already exists; give another path, or add --force"),
    ("test_file_exists", ["--train", "new.npz", "--test", "mine"], "--test mine: already exists"),
    ("same_file_twice", ["--train", "a.npz", "--test", "a.npz"], "--test a.npz: the same file as --train a.npz"),
    ("under_a_file", ["--train", "mine/a.npz", "--test", "b.npz"],
     "--train mine/a.npz: cannot be written: mine is a file, not a folder"),
    ("no_output", [], "make-dataset needs --out FOLDER, or both --train and --test"),
    ("train_without_test", ["--train", "a.npz"], "make-dataset needs --out FOLDER, or both --train and --test"),
])
def test_make_dataset_refuses_an_output_it_cannot_or_must_not_write(case, args, words, tmp_path):
    (tmp_path / "mine").write_text("a user's file\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.npz").write_bytes(b"not yet")
    before = snapshot(tmp_path)
    refused(rnnadd("make-dataset", "--maxlen", "3", "--seed", "0", *args, cwd=tmp_path), words)
    assert snapshot(tmp_path) == before


def test_make_dataset_force_replaces_and_the_data_are_the_same_bytes(tmp_path):
    args = ("make-dataset", "--maxlen", "3", "--seed", "0", "--train-size", "200", "--test-size", "20")
    assert rnnadd(*args, "--out", "fresh", cwd=tmp_path).returncode == 0
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.npz").write_bytes(b"a killed job's leftovers")
    assert rnnadd(*args, "--out", "data", "--force", cwd=tmp_path).returncode == 0
    assert snapshot(tmp_path / "data") == snapshot(tmp_path / "fresh")


def test_the_workflows_scripts_replace_a_failed_jobs_kept_outputs(tmp_path):
    """What the rules run: Snakemake removes a job's outputs before it runs, except a failed job's
    kept with --keep-incomplete; then the rerun replaces them (--force) and the checks still run."""
    scripts = REPO / "workflow" / "scripts"
    (tmp_path / "run.yaml").write_text(TINY)
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.npz").write_bytes(b"partial")
    made = subprocess.run([sys.executable, str(scripts / "make_dataset.py"), "--maxlen", "3", "--seed", "0",
                           "--train-size", "200", "--test-size", "20", "--train", str(data / "train.npz"),
                           "--test", str(data / "test.npz")], env=ENV, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr[-2000:]
    run = tmp_path / "run"
    run.mkdir()
    (run / "seed0.timing.json").write_text("{}")  # the first file a killed job writes
    trained = subprocess.run([sys.executable, str(scripts / "train.py"), "--settings", str(tmp_path / "run.yaml"),
                              "--seed", "0", "--train", str(data / "train.npz"), "--test", str(data / "test.npz"),
                              "--metrics", str(run / "seed0.csv"), "--timing", str(run / "seed0.timing.json"),
                              "--checkpoint", str(run / "seed0.pt")],
                             env={**ENV, "RNNADD_TRAIN_SERVER": "off"}, capture_output=True, text=True, timeout=300)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (run / "seed0.csv").read_text().startswith("step,") and (run / "seed0.timing.json").read_text() != "{}"
    # An output the job cannot write is still one line before any training.
    (tmp_path / "blocked").write_text("")
    result = subprocess.run([sys.executable, str(scripts / "train.py"), "--settings", str(tmp_path / "run.yaml"),
                             "--seed", "0", "--metrics", str(tmp_path / "blocked" / "seed0.csv"),
                             "--timing", str(run / "t.json")],
                            env={**ENV, "RNNADD_TRAIN_SERVER": "off"}, capture_output=True, text=True, timeout=120)
    refused(result, "blocked/seed0.csv: cannot be written:", "blocked is a file, not a folder")


def test_verify_script_on_nothing_says_to_build_first(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "workflow" / "scripts" / "verify.py"), "--runs",
                             str(tmp_path / "runs"), "--scratch", str(tmp_path / "verify"), "--samples", "2",
                             "--seed", "0"], env=ENV, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr == (f"verify: no metrics files in {tmp_path / 'runs'}/ to check; build the study first "
                             "(make run, or make smoke), then verify it\n")


@pytest.mark.snakemake
def test_snakemake_verify_on_an_empty_study_says_to_build_first_before_any_job(tmp_path):
    workdir = copy_workflow(tmp_path / "study")
    result = snakemake(workdir, "verify", "--cores", "1", check=False)
    assert result.returncode == 1
    assert ("verify: no metrics files in results/runs/ to check; build the study first (make run, or make "
            "smoke), then verify it\n") in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Building DAG" not in result.stdout + result.stderr
    assert not (workdir / "results").exists()
