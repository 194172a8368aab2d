# Helpers of the rules in workflow/rules/analysis.smk (snakemake --lint keeps functions apart from rules).


def checkpoint_file(wildcards):
    return paths.CHECKPOINT.format(run=wildcards.run, seed=wildcards.seed)


def analysis_mem_mb(wildcards):
    """An analysis job's memory: its kind's measured estimate, with room (the config check
    refused, on this machine, a job whose estimate does not fit)."""
    kind = KINDS[wildcards.kind]
    estimate = kind.job_memory_mb(RUNS[wildcards.run], job_options(wildcards))
    return max(kind.job_mem_mb, math.ceil(1.5 * estimate))


def job_options(wildcards):
    """What an analysis job computes with, from its path: results/analysis/<kind>/<part/><run>/..."""
    try:
        return KINDS[wildcards.kind].job_options(wildcards.part.rstrip("/"))
    except ValueError as error:
        raise WorkflowError(f"{paths.ANALYSIS.format(**wildcards)}: {error}")
