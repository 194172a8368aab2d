import copy
import json
import math
import os
import shlex
import sys
from pathlib import Path

from snakemake import __version__ as SNAKEMAKE_RUNNING
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

WORKFLOW_DIR = Path(workflow.basedir) / "workflow"

# The learning core is this checkout's workflow/rnnadd, whatever the environment
# has installed: put first on the path here and, through PYTHONPATH, in every
# job's Python, so a second checkout (a branch, a copy) run with the first one's
# .venv runs its own code, never the first one's.
PACKAGE_ROOT = str(WORKFLOW_DIR)
if sys.path[:1] != [PACKAGE_ROOT]:
    sys.path.insert(0, PACKAGE_ROOT)
# A job needs only this package and the environment's: any PYTHONPATH of the
# caller's is replaced, so it cannot bring in another copy either.
os.environ.update(PYTHONPATH=PACKAGE_ROOT)
import rnnadd

if Path(rnnadd.__file__).resolve().parent != WORKFLOW_DIR.resolve() / "rnnadd":
    raise WorkflowError(f"rnnadd was imported from {rnnadd.__file__}, not from this checkout ({WORKFLOW_DIR}/rnnadd)")
from rnnadd.ops import engine


def refuse(message):
    """Stop before any job is planned: on the command line one line and exit 1, no
    engine header and no traceback; under the Python API or in a cluster job a WorkflowError."""
    if engine.from_the_command_line() and not workflow.remote_exec:
        print(message, file=sys.stderr)
        sys.exit(1)
    raise WorkflowError(message)


# The one Snakemake release this workflow is tested with (requirements.txt pins
# it): another is refused here, before anything relies on its behaviour.
_version_problem = engine.version_problem(SNAKEMAKE_RUNNING)
if _version_problem:
    refuse(_version_problem)
min_version(engine.SNAKEMAKE_VERSION)

from rnnadd.study import resources
from rnnadd.core import paths
from rnnadd.report.describe import figure_caption, figure_title, preset, subtitle
from rnnadd.ops.workflowconfig import ConfigError, load, rule_names, too_big_message

# Shell commands run the workflow's scripts with this Snakemake's Python. Both
# reach the commands through the environment, always double-quoted there
# ("$RNNADD_PYTHON"), so a checkout path with a space, `;` or `$(...)` in it is
# one word and never shell code. Set again wherever the Snakefile is read (a
# cluster job reads it too).
PYTHON = sys.executable
SCRIPTS = WORKFLOW_DIR / "scripts"
os.environ.update(RNNADD_PYTHON=PYTHON, RNNADD_SCRIPTS=str(SCRIPTS))


# What the command line asks for (targets, --report), read by Snakemake's own
# parser; None under its Python API. Where the jobs run is known only once
# Snakemake executes (workflow.executor_plugin): the check of this machine's
# memory is in cluster.smk's onstart, before the first job.
COMMAND_LINE = engine.command_line()

# Everything about the config is checked here, before any job is planned, by
# the same function the tests call (rnnadd.ops.workflowconfig.load). Its schema
# check gives one line that starts with the key; Snakemake's validate (same
# schema, same validator) then stays the authority.
SCHEMA = WORKFLOW_DIR / "schemas" / "config.schema.yaml"
try:
    # `--config seeds=[0]` reaches us with every value a string; load reads
    # them as the same YAML in a file would be.
    LOADED = load(
        config,
        command_line=workflow.config_settings.config,
        configfiles=workflow.configfiles,
        schema=SCHEMA,
        reserved_names=rule_names(Path(workflow.basedir)),
        jobs_run_here=False,  # this machine's memory: checked in onstart (check_this_machines_memory)
    )
except ConfigError as error:
    for message in error.warnings:
        logger.warning(f"Config warning: {message}")
    refuse(str(error))
validate(config, str(SCHEMA))
# Once per study command: not again when the same config is read to build its report
# (`make smoke` and `make run` build, then report).
if not getattr(COMMAND_LINE, "report", None):
    for message in LOADED.warnings:
        logger.warning(f"Config warning: {message}")
STUDY = LOADED.study
CLAIMS = LOADED.claims
# Where each run is first asked for, to name it in messages.
RUN_WHERE = LOADED.run_where

RUNS = STUDY.runs
SEEDS = STUDY.seeds  # the top-level seeds; an experiment may set its own (experiment_seeds)


def experiment_seeds(name):
    """The seeds an experiment averages and judges over: its own `seeds`, else the study's."""
    return STUDY.experiments[name].seeds


PRESET = preset(config)


wildcard_constraints:
    **paths.WILDCARD_CONSTRAINTS,


def run_settings(run):
    try:
        return RUNS[run]
    except KeyError:
        raise WorkflowError(f"{paths.RUN.format(run=run)}: no experiment in the config uses this run")


def metrics_file(run, seed):
    return paths.METRICS.format(run=run, seed=seed)


def experiment_metrics(name):
    runs = STUDY.experiments[name].runs()
    return [metrics_file(run, seed) for run in runs for seed in experiment_seeds(name)]


def figure_files(name):
    return [paths.FIGURE_PNG.format(name=name), paths.FIGURE_PDF.format(name=name)]


def aggregate_file(name):
    return paths.AGGREGATE.format(name=name)


def all_figures():
    return [path for name in STUDY.experiments for path in figure_files(name)]


def intermediates(names):
    """Every file the figures of `names` are made from.

    Targets of the usual command (`rule all`, each figure's rule), so that a
    deleted file is made again even when the figure after it still exists.
    """
    files = []
    runs = sorted({run for name in names for run in STUDY.experiments[name].runs()})
    for run in runs:
        files.append(paths.RUN_SETTINGS.format(run=run))
        # The seeds these experiments need of the run (a run shared with more seeds elsewhere: those are elsewhere's).
        for seed in sorted(
            {s for name in names if run in STUDY.experiments[name].runs() for s in experiment_seeds(name)}
        ):
            folder = paths.dataset_folder(RUNS[run].dataset_id(seed))
            files += [
                metrics_file(run, seed),
                paths.CHECKPOINT.format(run=run, seed=seed),
                *paths.dataset_files(folder),
            ]
    # Analyses of the checkpoints, one file per (run, seed), and each per-seed table.
    files += [path for name in names for _, path in per_seed_jobs(name)]
    files += [aggregate_file(name) for name in names]
    files += [paths.SEED_TABLE.format(name=name) for name in names]
    return list(dict.fromkeys(files))


# Estimates fitted to measurements (rnnadd.study.resources); what a job asks for
# (Slurm's --mem and -t) leaves room above them and grows with each retry.
def _refuse_if_too_big(what, estimate_mb):
    """Locally, a job that cannot fit in this machine's memory is refused before it runs."""
    if engine.jobs_run_here(workflow):
        available = resources.machine_memory_mb()
        if estimate_mb > available:
            raise WorkflowError(f"Invalid configuration: {too_big_message(what, estimate_mb, available)}")


# -- analysis.smk ------------------------------------------------------------

from rnnadd.study.kinds import CHECKPOINT, KINDS

# -- claims.smk ------------------------------------------------------------


def claims_about(name):
    return [claim for claim in CLAIMS if claim["experiment"] == name]


def experiments_with_claims():
    return list(dict.fromkeys(claim["experiment"] for claim in CLAIMS))


def claims_file(name):
    return paths.CLAIMS.format(name=name)


def seed_tables_read(name):
    """The experiment's per-seed table first, then any other experiment's its claims compare with."""
    tables = dict.fromkeys([name] + [table for claim in claims_about(name) for table in claim["tables"]])
    return [paths.SEED_TABLE.format(name=table) for table in tables]


# -- report.smk ------------------------------------------------------------


def report_files():
    """What the report shows beyond the figures and the verdict table: targets of `rule all`."""
    return [made_by_file()] + [figure_claims_file(name) for name in experiments_with_claims()]


_MADE_BY_CHECKED = []


def figure_labels(name, item):
    """Labels of a figure and of the verdicts beside it (read only by `--report`, so it checks there too)."""
    check_results_made_by_this_config()
    return {"figure": name, "item": item}


# -- figures.smk ------------------------------------------------------------


def plot_params(wildcards):
    experiment = STUDY.experiments[wildcards.name]
    return {
        "title": figure_title(experiment, config, STUDY),
        # The effective settings, so a preset's figure never passes for the full study's.
        "subtitle": subtitle(experiment, STUDY, config),
        "options": experiment.options,
        "labels": config.get("labels", {}),
    }


# -- train.smk ------------------------------------------------------------


def dataset_folder(wildcards):
    settings = run_settings(wildcards.run)
    return paths.dataset_folder(settings.dataset_id(int(wildcards.seed)))


def check_targets():
    """A bare word on the command line that names no rule: one line with the nearest name and
    the targets (called at the end of the Snakefile, when every rule exists). Paths are
    Snakemake's to judge."""
    import difflib

    if COMMAND_LINE is None:
        return
    rules_here = [rule.name for rule in workflow.rules]
    for target in COMMAND_LINE.targets or ():
        if target in rules_here or any(mark in target for mark in (os.sep, ".")):
            continue  # a rule, or a path: Snakemake's to judge
        figures = list(STUDY.experiments)
        close = difflib.get_close_matches(target, figures + rules_here, n=1)
        refuse(
            f"Unknown target {target!r}"
            + (f"; did you mean {close[0]}?" if close else ".")
            + " Targets: all, claims, claim_seeds_plots, verify, stability, a figure ("
            + ", ".join(figures)
            + ") or a file under results/. (Put targets before --configfile and --config:"
            + " each takes every word after it.)"
        )


# The helpers that only one stage's rules use, each beside the others of its stage.
include: "common/train.smk"
include: "common/data.smk"
include: "common/analysis.smk"
include: "common/claims.smk"
include: "common/report.smk"
include: "common/aggregate.smk"
include: "common/cluster.smk"
