import json
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("9.0")

# The learning core is a plain package next to the rules.
WORKFLOW_DIR = Path(workflow.basedir) / "workflow"
sys.path.insert(0, str(WORKFLOW_DIR))

from rnnadd.claims import ClaimError, load_claims  # noqa: E402
from rnnadd.configcheck import check_config_files, check_schema  # noqa: E402
from rnnadd.describe import figure_page, preset, subtitle  # noqa: E402
from rnnadd.study import StudyError, load_study  # noqa: E402

PYTHON = sys.executable
SCRIPTS = WORKFLOW_DIR / "scripts"
RESULTS = "results"

# Everything about the config is checked here, before any job is planned.
# check_schema runs the same schema as Snakemake's validate, but its error is
# one line that starts with the key; validate then stays the authority.
SCHEMA = WORKFLOW_DIR / "schemas" / "config.schema.yaml"
try:
    check_config_files(workflow.configfiles)
    check_schema(config, SCHEMA)
except ValueError as error:
    raise WorkflowError(f"Invalid configuration: {error}")
validate(config, str(SCHEMA))
try:
    STUDY = load_study(config)
    CLAIMS = load_claims(config.get("claims"), STUDY)
except (StudyError, ClaimError) as error:
    raise WorkflowError(f"Invalid configuration: {error}")
for message in STUDY.warnings:
    logger.warning(f"Config warning: {message}")

RUNS = STUDY.runs
SEEDS = STUDY.seeds
PRESET = preset(config)


wildcard_constraints:
    run=r"[a-z0-9._-]+",
    seed=r"\d+",
    name=r"[a-z][a-z0-9_]*",


def run_settings(run):
    try:
        return RUNS[run]
    except KeyError:
        raise WorkflowError(f"results/runs/{run}: no experiment in the config uses this run")


def metrics_file(run, seed):
    return f"{RESULTS}/runs/{run}/seed{seed}.csv"


def experiment_metrics(name):
    runs = STUDY.experiments[name].runs()
    return [metrics_file(run, seed) for run in runs for seed in SEEDS]


def figure_files(name):
    return [f"{RESULTS}/figures/{name}.png", f"{RESULTS}/figures/{name}.pdf"]


def all_figures():
    return [path for name in STUDY.experiments for path in figure_files(name)]


def experiments_of_kind(kind):
    names = [name for name, exp in STUDY.experiments.items() if exp.kind == kind]
    # A pattern that matches nothing keeps the rule valid when no figure has this kind.
    return "|".join(names) if names else "(?!)"


def train_runtime(wildcards, attempt):
    """Minutes for one training job, from its own size; grows with each retry."""
    s = run_settings(wildcards.run)
    recurrent = 0 if s.cell == "none" else s.layers * s.hidden / 64
    ms_per_step = 1.0 + 0.15 * (s.maxlen + 1) * (1 + recurrent) * s.batch / 200
    minutes = 2 + 3 * s.steps * ms_per_step / 60000
    return int(minutes * attempt)


def train_mem_mb(wildcards, attempt):
    s = run_settings(wildcards.run)
    data_mb = 3 * (s.maxlen + 1) * (s.train_size + s.test_size) / 1e6
    return int((700 + 2 * data_mb) * (1 + 0.5 * (attempt - 1)))
