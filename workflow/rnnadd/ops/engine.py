"""What the workflow needs of the Snakemake running it, through Snakemake's supported interfaces only.

- The version: the workflow is tested with one Snakemake release (the pin in
  requirements.txt, SNAKEMAKE_VERSION here; tests/test_engine.py checks that
  they and the installed Snakemake agree). Another release is refused in one
  line while the Snakefile is read, before any job is planned.
- Whether Snakemake runs from its command line (so a refusal can be one line
  and exit 1, without the engine's traceback): Python's own ``sys.argv[0]``.
- What the command line asks for (its targets, ``--report``): parsed again by
  Snakemake's own parser, ``snakemake.cli.get_argument_parser`` (the function
  Snakemake's documentation renders its command-line reference from).
- Where jobs run (this machine or a cluster): the executor plugin, which
  Snakemake sets on ``workflow.executor_plugin`` (part of
  snakemake-interface-executor-plugins' WorkflowExecutorInterface) when it
  starts executing, after the Snakefile is read; see ``jobs_run_here``.

One exception, for speed, in ``coalesce_reevaluations``: it replaces a method
of the pinned release's job scheduler (``workflow.scheduler``), and leaves a
scheduler without it as it is.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

# The one release this workflow is tested with: requirements.txt pins the same
# (tests/test_engine.py). Its behaviour is relied on: the executor plugin on
# `workflow` when `onstart` runs, the command line parser, the Slurm plugin's
# group submissions.
SNAKEMAKE_VERSION = "9.27.1"


def version_problem(installed: str, pinned: str = SNAKEMAKE_VERSION) -> str | None:
    """One line saying why Snakemake `installed` is refused and how to fix it; None for the pinned release."""
    if installed == pinned:
        return None
    return (f"This workflow is tested with Snakemake {pinned} only, and Snakemake {installed} is running it; "
            f"install the pinned release (.venv/bin/pip install -r requirements.txt, or "
            f"pip install snakemake=={pinned}) and run it again")


def from_the_command_line(argv0: str | None = None) -> bool:
    """Whether this process is the `snakemake` command (its script, or `python -m snakemake`), not its Python API."""
    import snakemake

    program = Path(sys.argv[0] if argv0 is None else argv0)
    return program.name == "snakemake" or program.resolve() == (Path(snakemake.__file__).parent
                                                                / "__main__.py").resolve()


def command_line(argv: list[str] | None = None):
    """The `snakemake` command's arguments as its own parser reads them (profiles left out); None under the API.

    Targets and --report are never taken from a profile, so its values need
    not be read here (nor could they be: with --directory, Snakemake has
    changed folder before reading the Snakefile, and a profile path given
    relative to where it started would be looked up in the wrong folder).
    """
    if argv is None:
        if not from_the_command_line():
            return None
        argv = sys.argv[1:]
    from snakemake.cli import get_argument_parser

    try:
        return get_argument_parser().parse_args(argv)
    except SystemExit:  # not what Snakemake itself accepted: nothing to read
        return None


def jobs_run_here(workflow) -> bool:
    """Whether the jobs Snakemake is about to run run on this machine (known from `onstart` on).

    Not in a dry run or `--touch` (nothing runs), not for a cluster executor
    (its jobs run on the cluster's nodes), and not inside a cluster job (the
    cluster gave it the memory its job asked for).
    """
    plugin = workflow.executor_plugin
    if plugin is None or workflow.remote_exec:
        return False
    settings = plugin.common_settings
    return bool(settings.local_exec and not settings.dryrun_exec and not settings.touch_exec)


# RNNADD_REEVALUATION=each: Snakemake's own re-evaluations (one timer per round), to compare.
REEVALUATION_ENV = "RNNADD_REEVALUATION"


def coalesce_reevaluations(workflow) -> bool:
    """Keep at most one pending re-evaluation timer in the job scheduler of `workflow` (called from
    `onstart`, when Snakemake has made it); True if done.

    Snakemake 9.27.1 limits job starts to --max-jobs-per-timespan (100/1s by default, always on
    outside a dry run): after every scheduling round that had ready jobs it starts a timer that
    runs one more round a timespan later (JobScheduler._schedule_reevalutation). That round
    starts another timer, and so on while jobs are ready: every finished job adds a chain of
    rounds that never ends, so the rounds per second grow with the jobs finished, each round
    going over every ready job (docs/performance.md, "Snakemake's own cost"). One pending timer
    does what the limit needs: a round a timespan later at the latest; a round that asks while
    one is pending gets it from that timer. The jobs, their order of readiness and the results
    are the same; only the idle rounds go.
    """
    if os.environ.get(REEVALUATION_ENV) == "each":
        return False
    scheduler = getattr(workflow, "scheduler", None)
    release = getattr(getattr(scheduler, "_open_jobs", None), "release", None)
    if release is None or not callable(getattr(scheduler, "_schedule_reevalutation", None)):
        return False  # not the scheduler this was written for: left as it is
    lock = threading.Lock()
    pending = []

    def fire():
        with lock:
            pending.clear()
        release()

    def schedule_reevaluation(delay) -> None:
        with lock:
            if pending:
                return
            timer = threading.Timer(delay, fire)
            pending.append(timer)
        timer.start()

    scheduler._schedule_reevalutation = schedule_reevaluation
    return True
