"""Snakemake's own cost per job: fewer idle scheduling rounds (rnnadd.ops.engine.coalesce_reevaluations),
and the scheduler benchmark's code path (workflow/scripts/benchmark.py scheduler) on a tiny DAG.

No timing is asserted here: the numbers are records (docs/performance.md).
"""

import inspect
import re
import subprocess
import sys
import threading

import pytest

from conftest import REPO, _launching
from rnnadd.ops import engine


class FakeScheduler:
    def __init__(self):
        self._open_jobs = threading.Semaphore(0)

    def _schedule_reevalutation(self, delay):
        raise AssertionError("replaced")


class FakeWorkflow:
    def __init__(self):
        self.scheduler = FakeScheduler()


def test_many_asked_reevaluations_give_one_round_then_the_next_is_scheduled_again(monkeypatch):
    monkeypatch.delenv(engine.REEVALUATION_ENV, raising=False)
    workflow = FakeWorkflow()
    assert engine.coalesce_reevaluations(workflow)
    rounds = workflow.scheduler._open_jobs
    for _ in range(50):
        workflow.scheduler._schedule_reevalutation(0.05)
    assert rounds.acquire(timeout=10)
    assert not rounds.acquire(timeout=0.5)  # one round, not fifty
    workflow.scheduler._schedule_reevalutation(0.01)  # it fired: the next one is scheduled again
    assert rounds.acquire(timeout=10)


def test_each_reevaluation_of_snakemakes_own_when_asked_or_when_there_is_no_such_scheduler(monkeypatch):
    monkeypatch.setenv(engine.REEVALUATION_ENV, "each")
    workflow = FakeWorkflow()
    assert not engine.coalesce_reevaluations(workflow)
    with pytest.raises(AssertionError, match="replaced"):
        workflow.scheduler._schedule_reevalutation(0.01)
    monkeypatch.delenv(engine.REEVALUATION_ENV)
    assert not engine.coalesce_reevaluations(object())  # no scheduler: nothing done


def test_the_pinned_snakemake_schedules_reevaluations_as_the_replacement_assumes():
    """One timer per call that releases _open_jobs (one round); called after every round with
    ready jobs while the rate limiter (always on outside a dry run) is set."""
    from snakemake.scheduling.job_scheduler import JobScheduler

    reevaluation = inspect.getsource(JobScheduler._schedule_reevalutation)
    assert "threading.Timer(" in reevaluation and "self._open_jobs.release()" in reevaluation
    schedule = inspect.getsource(JobScheduler.schedule)
    assert "self._schedule_reevalutation(self.job_rate_limiter.timespan)" in schedule
    assert "self._open_jobs = threading.Semaphore(0)" in inspect.getsource(JobScheduler.__init__)
    onstart = (REPO / "workflow" / "rules" / "cluster.smk").read_text().split("\nonstart:\n", 1)[1]
    assert "engine.coalesce_reevaluations(workflow)" in onstart


@pytest.mark.snakemake
def test_the_scheduler_benchmark_prints_its_fields_for_each_setting():
    _launching()
    result = subprocess.run(
        [sys.executable, "workflow/scripts/benchmark.py", "scheduler", "--configfile", "tests/smoke.yaml",
         "--targets", "fig05_maxlen", "--settings", "", "RNNADD_REEVALUATION=each --scheduler greedy"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert re.match(r"cpu='.*' cpus=\d+ cores=2 targets=fig05_maxlen configfile=tests/smoke.yaml$", lines[0])
    fields = (r"jobs=(\d+) snakemake_cpu_s=[\d.]+ cpu_per_job_ms=[\d.]+ wall_s=[\d.]+ "
              r"load_before=[\d.]+ load_after=[\d.]+$")
    first = re.match(r"setting='\(the default profile\)' " + fields, lines[1])
    second = re.match(r"setting='RNNADD_REEVALUATION=each --scheduler greedy' " + fields, lines[2])
    assert first and second, result.stdout
    assert int(first[1]) == int(second[1]) > 0
