"""Shared fixtures: a temporary copy of the workflow and a way to run Snakemake in it.

Every test that launches Snakemake carries the `snakemake` marker (`make
test-fast` leaves them out): tests using the `workdir` or `smoke_run` fixtures
get it here, the others say so with `@pytest.mark.snakemake`; an unmarked
test that launches Snakemake fails, so the fast set never builds anything.
The number of launches is printed at the end of the session.

`make test` runs the suite on two workers (pytest-xdist, `--dist loadfile`: a
module's tests stay on one worker, so module fixtures are built once). The
smoke build is made once for both workers under a file lock, and is read-only:
a test that runs Snakemake on it works on a copy (`smoke_copy`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]

COPIED = ("Snakefile", "config.yaml", "workflow", "profiles", "tests/smoke.yaml", "docs/claims-ledger.yaml")


def copy_workflow(target: Path) -> Path:
    """A fresh copy of the workflow (no results) to run Snakemake in."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


LAUNCHES = {"count": 0}
_RUNNING = {"test": None}


def _launching() -> None:
    """Count a Snakemake launch; refuse it from a test without the snakemake marker."""
    test = _RUNNING["test"]
    if test is not None and test.get_closest_marker("snakemake") is None:
        raise AssertionError(f"{test.nodeid} launches Snakemake: mark it @pytest.mark.snakemake")
    LAUNCHES["count"] += 1


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 600,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real Snakemake CLI in workdir; returns the completed process."""
    _launching()
    command = [sys.executable, "-m", "snakemake", *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def start_snakemake(workdir: Path, *args: str) -> subprocess.Popen:
    """Start the real Snakemake CLI in workdir without waiting, in a process group of its own."""
    _launching()
    return subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


SMOKE = ("--configfile", "tests/smoke.yaml")


# Under xdist (loadfile, without its reordering by size) the modules are handed out in
# this order. First one that needs the shared smoke build, so that the build starts at
# once on one worker (about 110 s). The other worker meanwhile runs modules that need no
# build (about 60 s), then the Slurm module, whose tests that need no smoke build run first
# and whose last test needs the build, by then made. Then the long modules, longest first
# (measured with --durations=0), so that the run does not end waiting for one. Every other
# module keeps its place after these.
FIRST_MODULES = ("test_pipeline.py", "test_config_errors.py", "test_evaluation.py", "test_seeds.py",
                 "test_analyses.py", "test_training.py", "test_slurm.py", "test_recovery.py", "test_robustness.py",
                 "test_extending.py", "test_security.py", "test_trainserver.py", "test_analysis_pipeline.py",
                 "test_report.py", "test_stability.py", "test_claims.py", "test_verify.py")


def _needs_smoke(item) -> bool:
    return bool({"smoke_run", "smoke_copy"} & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items):
    for item in items:
        if {"workdir", "smoke_run"} & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("slurm"):
            item.add_marker(pytest.mark.snakemake)

    def place(indexed):
        index, item = indexed
        module = item.path.name
        rank = FIRST_MODULES.index(module) if module in FIRST_MODULES else len(FIRST_MODULES)
        return rank, _needs_smoke(item) if module == "test_slurm.py" else False, index

    items[:] = [item for _, item in sorted(enumerate(items), key=place)]


@pytest.fixture(autouse=True)
def _note_running_test(request):
    _RUNNING["test"] = request.node
    yield
    _RUNNING["test"] = None


def _session_folder(config) -> Path:
    """The run's temporary folder: under xdist, the controller's, which holds each worker's own."""
    base = Path(config._tmp_path_factory.getbasetemp())
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pytest_sessionfinish(session):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # each worker leaves its count for the controller's summary
        counts = _session_folder(session.config) / "snakemake-launches"
        counts.mkdir(exist_ok=True)
        (counts / worker).write_text(str(LAUNCHES["count"]))


def pytest_terminal_summary(terminalreporter, config):
    counts = _session_folder(config) / "snakemake-launches"
    if counts.is_dir():  # the controller of an xdist run
        total = sum(int(f.read_text()) for f in counts.iterdir())
        terminalreporter.write_line(f"Snakemake launches: {total} (all workers)")
    else:
        terminalreporter.write_line(f"Snakemake launches: {LAUNCHES['count']}")


@pytest.fixture
def workdir(tmp_path) -> Path:
    return copy_workflow(tmp_path / "study")


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One complete smoke-preset run, shared by the tests that only read it.

    Under xdist the workers share one build: the first to get the lock builds
    it beside the workers' own temporary folders, the others wait and read it.
    A failed build is remembered, so the next worker reports it at once.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        root = copy_workflow(tmp_path_factory.mktemp("smoke") / "study")
        snakemake(root, "--cores", "2", *SMOKE)
        return root
    shared = Path(tmp_path_factory.getbasetemp()).parent / "smoke-shared"  # the controller's folder
    root, done, failed = shared / "study", shared / "built", shared / "failed"
    shared.mkdir(exist_ok=True)
    with FileLock(str(shared / "lock")):
        if failed.exists():
            raise AssertionError(f"the shared smoke build failed in another worker:\n{failed.read_text()}")
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            copy_workflow(root)
            try:
                snakemake(root, "--cores", "2", *SMOKE)
            except AssertionError as error:
                failed.write_text(str(error))
                raise
            done.touch()
    return root


@pytest.fixture
def smoke_copy(smoke_run, tmp_path) -> Path:
    """A private copy of the finished smoke study, safe to change and to run Snakemake in."""
    target = tmp_path / "smoke-copy"
    shutil.copytree(smoke_run, target, symlinks=True)
    return target
