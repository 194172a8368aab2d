# Helpers of the rules in workflow/rules/aggregate.smk (snakemake --lint keeps functions apart from rules).


def per_seed_file(experiment, run, seed):
    """What one (run, seed) gives the experiment's aggregate: a metrics CSV or an analysis CSV."""
    kind = KINDS[experiment.kind]
    if kind.reads != CHECKPOINT:
        return metrics_file(run, seed)
    return paths.analysis_file(experiment.kind, kind.path_part(experiment.kind_options), run, seed)


def per_seed_jobs(name):
    """(run/seed key, per-seed file) of every line and seed, in a fixed order."""
    experiment = STUDY.experiments[name]
    return [
        (f"{run}/{seed}", per_seed_file(experiment, run, seed))
        for run in experiment.runs()
        for seed in experiment.seeds
    ]
