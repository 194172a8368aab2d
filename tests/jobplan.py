"""What a dry run of the default target should plan, computed from the config alone (no literal
counts): tests compare it with the real Snakemake's dry run, so a figure, kind or claim added to
the config changes the expectation with it (docs/extending.md)."""

from __future__ import annotations

import copy
import re

from rnnadd.ops.workflowconfig import load
from rnnadd.study.kinds import CHECKPOINT, KINDS


def expected_jobs(config: dict) -> dict[str, int]:
    """Jobs per rule of `snakemake` (rule all) on nothing built yet, for the merged config."""
    loaded = load(copy.deepcopy(config), jobs_run_here=False)
    study, claims = loaded.study, loaded.claims
    analyses = {(experiment.kind, KINDS[experiment.kind].path_part(experiment.kind_options), run, seed)
                for experiment in study.experiments.values() if KINDS[experiment.kind].reads == CHECKPOINT
                for run in experiment.runs() for seed in experiment.seeds}
    judged = {claim["experiment"] for claim in claims}
    jobs = {
        "make_dataset": len(study.dataset_ids()),
        "results_config": 1,
        "run_settings": len(study.runs),
        "train": sum(len(study.run_seeds(run)) for run in study.runs),  # a shared run trains once per seed
        "aggregate": len(study.experiments),
        "analyse": len(analyses),
        "figure": len(study.experiments),
        "claims_spec": len(judged),
        "judge_claims": len(judged),
        "figure_claims": len(judged),
        "claims_table_spec": 1,
        "claims_table": 1,
        "all": 1,
    }
    return {rule: count for rule, count in jobs.items() if count}


def planned_jobs(result) -> dict[str, int]:
    """Job counts from a dry run's 'Job stats' table (result: the completed Snakemake process)."""
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:")[1].split("total")[0]
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}
