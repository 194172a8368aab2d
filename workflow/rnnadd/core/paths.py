"""Where every file of a study lives: the one home of the layout of results/.

Each pattern is a ``str.format`` template whose fields are Snakemake
wildcards, so a rule uses it as it is (``output: paths.METRICS`` has the
wildcards run and seed) and code fills it in (``paths.METRICS.format(run=r,
seed=0)``). Paths are relative to the folder Snakemake runs in. Nothing here
creates, reads or checks a file.
"""

from __future__ import annotations

from pathlib import Path

# Every file the workflow makes is under this folder.
RESULTS = "results"

# -- one run: its settings, and per seed its metrics, times and trained model ----
RUNS = f"{RESULTS}/runs"
# A run's folder is its name (Settings.run_id): readable settings, "_", an 8-digit digest.
RUN_NAME_PATTERN = r"[a-z0-9._-]+"
RUN_FOLDER_PATTERN = r"[a-z0-9._-]+_[0-9a-f]{8}"
RUN = f"{RUNS}/{{run}}"
# Names inside a run's folder (rnnadd.ops.verify and `python -m rnnadd train --out`
# read and write a run folder wherever it is).
SETTINGS_FILE = "settings.yaml"
METRICS_FILE = "seed{seed}.csv"
TIMING_FILE = "seed{seed}.timing.json"
CHECKPOINT_FILE = "seed{seed}.pt"
RUN_SETTINGS = f"{RUN}/{SETTINGS_FILE}"
METRICS = f"{RUN}/{METRICS_FILE}"
TIMING = f"{RUN}/{TIMING_FILE}"
CHECKPOINT = f"{RUN}/{CHECKPOINT_FILE}"

# -- datasets: a training stream and a fixed test set per data settings and seed --
# The folder's name is Settings.dataset_id(seed); the rule that makes one reads
# the settings back from it through these wildcards.
DATASET_ID = "len{maxlen}_{split}_seed{seed}_train{train_size}_test{test_size}"
DATASET = f"{RESULTS}/data/{{dataset}}"
TRAIN_SET_FILE = "train.npz"
TEST_SET_FILE = "test.npz"

# -- per experiment: analyses of checkpoints, aggregates, figures, verdicts -------
# {part} is the kind's sub-folder with its trailing "/", or empty (kinds.base.path_part).
ANALYSIS = f"{RESULTS}/analysis/{{kind}}/{{part}}{{run}}/seed{{seed}}.csv"
AGGREGATE = f"{RESULTS}/aggregate/{{name}}.csv"
SEED_TABLE = f"{RESULTS}/aggregate/{{name}}.seeds.csv"
FIGURE_PNG = f"{RESULTS}/figures/{{name}}.png"
FIGURE_PDF = f"{RESULTS}/figures/{{name}}.pdf"
CLAIMS = f"{RESULTS}/claims/{{name}}.csv"
# What a judging job is given: the experiment's claims (a file, not a command line).
CLAIMS_SPEC = f"{RESULTS}/claims/{{name}}.spec.json"
CLAIMS_TABLE_SPEC = f"{RESULTS}/claims.spec.json"
CLAIM_SEEDS_PLOT = f"{RESULTS}/claims/{{name}}.png"
CLAIMS_TABLE_CSV = f"{RESULTS}/claims.csv"
CLAIMS_TABLE_MD = f"{RESULTS}/claims.md"
# What the report shows besides the figures: the verdict table, the claims beside
# each figure, and which config made the results (a report checks it).
REPORT = f"{RESULTS}/report"
REPORT_VERDICTS = f"{REPORT}/claims.html"
REPORT_FIGURE_CLAIMS = f"{REPORT}/claims/{{name}}.claims.html"
REPORT_MADE_BY = f"{REPORT}/config.json"
VERIFY_SCRATCH = f"{RESULTS}/verify"
# The `stability` target: a second study per float path, and the comparison.
STABILITY = f"{RESULTS}/stability"
STABILITY_CSV = f"{STABILITY}/claims.csv"
STABILITY_MD = f"{STABILITY}/claims.md"
STABILITY_CONFIG = f"{STABILITY}/config.yaml"

# Wildcards the rules share, and what each may match.
WILDCARD_CONSTRAINTS = {
    "run": RUN_NAME_PATTERN,
    "seed": r"\d+",
    "name": r"[a-z][a-z0-9_]*",
}


def log(rule: str, job: str) -> str:
    """The log of one job of a rule: ``results/logs/<rule>/<job>.log`` (job may hold wildcards)."""
    return f"{RESULTS}/logs/{rule}/{job}.log"


def benchmark(rule: str, job: str) -> str:
    """Snakemake's measurement of one job: ``results/benchmarks/<rule>/<job>.tsv``."""
    return f"{RESULTS}/benchmarks/{rule}/{job}.tsv"


def analysis_file(kind: str, part: str, run: str, seed: int) -> str:
    """One analysis job's output; part: the kind's sub-folder (kinds.base.path_part), or empty."""
    return ANALYSIS.format(kind=kind, part=f"{part}/" if part else "", run=run, seed=seed)


def dataset_folder(dataset_id: str) -> str:
    return DATASET.format(dataset=dataset_id)


def dataset_files(folder) -> tuple[str, str]:
    """(training stream, test set) of a dataset folder."""
    return str(Path(folder) / TRAIN_SET_FILE), str(Path(folder) / TEST_SET_FILE)


def seed_files(folder, seed: int) -> dict[str, Path]:
    """A run folder's files for one seed: metrics, timing, checkpoint."""
    folder = Path(folder)
    return {"metrics": folder / METRICS_FILE.format(seed=seed),
            "timing": folder / TIMING_FILE.format(seed=seed),
            "checkpoint": folder / CHECKPOINT_FILE.format(seed=seed)}


def made_by_workflow(path) -> bool:
    """True for a file inside a results/ folder: the workflow made it, and makes it again."""
    return RESULTS in Path(path).parts[:-1]
