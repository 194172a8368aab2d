"""Shared fixtures: a temporary copy of the workflow and a way to run Snakemake in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

COPIED = ("Snakefile", "config.yaml", "workflow", "profiles", "tests/smoke.yaml")


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


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 600,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real Snakemake CLI in workdir; returns the completed process."""
    command = [sys.executable, "-m", "snakemake", *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


SMOKE = ("--configfile", "tests/smoke.yaml")


@pytest.fixture
def workdir(tmp_path) -> Path:
    return copy_workflow(tmp_path / "study")


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One complete smoke-preset run, shared by the tests that only read it."""
    root = copy_workflow(tmp_path_factory.mktemp("smoke") / "study")
    snakemake(root, "--cores", "2", *SMOKE)
    return root
