# Helpers of the rules in workflow/rules/train.smk (snakemake --lint keeps functions apart from rules).


def train_runtime(wildcards, attempt):
    """Minutes for one training job, from its own size; grows with each retry."""
    s = run_settings(wildcards.run)
    return resources.slurm_minutes(resources.train_cpu_s(s) / s.threads, attempt)


def train_mem_mb(wildcards, attempt):
    estimate = resources.train_memory_mb(run_settings(wildcards.run))
    where = RUN_WHERE.get(wildcards.run, wildcards.run)
    _refuse_if_too_big(f"{where}: one training job (run {wildcards.run})", estimate)
    return math.ceil(estimate * 1.5 * (1 + 0.5 * (attempt - 1)))
