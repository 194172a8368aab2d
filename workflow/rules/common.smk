import json
import math
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, update_config, validate

min_version("9.0")

# The learning core is a plain package next to the rules.
WORKFLOW_DIR = Path(workflow.basedir) / "workflow"
sys.path.insert(0, str(WORKFLOW_DIR))

from rnnadd import resources  # noqa: E402
from rnnadd.claims import ClaimError, load_claims  # noqa: E402
from rnnadd.configcheck import check_config_files, check_schema, command_line_values  # noqa: E402
from rnnadd.describe import figure_caption, preset, subtitle  # noqa: E402
from rnnadd.study import StudyError, load_study  # noqa: E402

PYTHON = sys.executable
SCRIPTS = WORKFLOW_DIR / "scripts"
RESULTS = "results"

# Everything about the config is checked here, before any job is planned.
# check_schema runs the same schema as Snakemake's validate, but its error is
# one line that starts with the key; validate then stays the authority.
SCHEMA = WORKFLOW_DIR / "schemas" / "config.schema.yaml"
# `--config seeds=[0]` or `--config 'defaults={lr: 0.01}'` reach us with
# every value a string; read them as the same YAML would be in a file.
update_config(config, command_line_values(dict(workflow.config_settings.config)))
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
for message in STUDY.warnings + resources.check_study(STUDY):
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


def aggregate_file(name):
    return f"{RESULTS}/aggregate/{name}.csv"


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
        files.append(f"{RESULTS}/runs/{run}/settings.yaml")
        for seed in SEEDS:
            folder = f"{RESULTS}/data/{RUNS[run].dataset_id(seed)}"
            files += [metrics_file(run, seed), f"{RESULTS}/runs/{run}/seed{seed}.pt",
                      f"{folder}/train.npz", f"{folder}/test.npz"]
    files += [aggregate_file(name) for name in names]
    return list(dict.fromkeys(files))


# Estimates fitted to measurements (rnnadd.resources); what a job asks for
# (Slurm's --mem and -t) leaves room above them and grows with each retry.
def _refuse_if_too_big(what, estimate_mb):
    """Locally, a job that cannot fit in this machine's memory is refused before any runs."""
    if workflow.local_exec and not _cluster_requested():
        available = resources.machine_memory_mb()
        if estimate_mb > available:
            raise WorkflowError(
                f"Invalid configuration: {what} needs about {resources.describe_memory(estimate_mb)} "
                f"of memory (estimate), more than this machine's {resources.describe_memory(available)}; "
                "make it smaller, or run it on a cluster (--profile profiles/slurm)")


def _cluster_requested():
    """Whether jobs go to a cluster: an executor other than local, given or from a profile.

    Known only from the command line while the Snakefile is read; the check
    must run then, before Snakemake starts the cheap jobs (datasets, settings).
    """
    import yaml

    args = sys.argv[1:]
    executors = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--executor", "-e")]
    executors += [a.split("=", 1)[1] for a in args if a.startswith("--executor=")]
    for i, a in enumerate(args[:-1]):
        if a == "--profile" and (Path(args[i + 1]) / "config.yaml").exists():
            executors.append(str(yaml.safe_load((Path(args[i + 1]) / "config.yaml").read_text())
                                 .get("executor", "local")))
    return workflow.remote_exec or any(e not in ("local", "dryrun", "touch") for e in executors)


def train_runtime(wildcards, attempt):
    """Minutes for one training job, from its own size; grows with each retry."""
    s = run_settings(wildcards.run)
    return resources.slurm_minutes(resources.train_cpu_s(s) / s.threads, attempt)


# Where each run is first asked for, to name it in messages.
RUN_WHERE = {}
for _name, _experiment in STUDY.experiments.items():
    for _cell in _experiment.cells:
        RUN_WHERE.setdefault(_cell.run, f"experiments.{_name} ("
                             + ", ".join(f"{lv.axis}={lv.label}" for lv in _cell.levels) + ")")


# Locally, refuse now what cannot fit, before any job starts.
if not _cluster_requested():
    for _run, _settings in RUNS.items():
        _refuse_if_too_big(f"{RUN_WHERE[_run]}: one training job (run {_run})",
                           resources.train_memory_mb(_settings))


def train_mem_mb(wildcards, attempt):
    estimate = resources.train_memory_mb(run_settings(wildcards.run))
    where = RUN_WHERE.get(wildcards.run, wildcards.run)
    _refuse_if_too_big(f"{where}: one training job (run {wildcards.run})", estimate)
    return math.ceil(estimate * 1.5 * (1 + 0.5 * (attempt - 1)))


def _dataset_settings(wildcards):
    from rnnadd.settings import Settings

    return Settings.from_dict({"maxlen": int(wildcards.maxlen), "train_size": int(wildcards.train_size),
                               "test_size": int(wildcards.test_size), "batch": 1, "split": wildcards.split})


def dataset_runtime(wildcards, attempt):
    return resources.slurm_minutes(resources.dataset_cpu_s(_dataset_settings(wildcards)), attempt)


def dataset_mem_mb(wildcards, attempt):
    estimate = resources.dataset_memory_mb(_dataset_settings(wildcards))
    w = wildcards
    folder = f"{RESULTS}/data/len{w.maxlen}_{w.split}_seed{w.seed}_train{w.train_size}_test{w.test_size}"
    _refuse_if_too_big(f"the dataset {folder}", estimate)
    return math.ceil(estimate * 1.5 * (1 + 0.5 * (attempt - 1)))
