# Helpers of the rules in workflow/rules/data.smk (snakemake --lint keeps functions apart from rules).


def _dataset_settings(wildcards):
    from rnnadd.core.settings import Settings

    return Settings.from_dict(
        {
            "maxlen": int(wildcards.maxlen),
            "train_size": int(wildcards.train_size),
            "test_size": int(wildcards.test_size),
            "batch": 1,
            "split": wildcards.split,
        }
    )


def dataset_runtime(wildcards, attempt):
    return resources.slurm_minutes(resources.dataset_cpu_s(_dataset_settings(wildcards)), attempt)


def dataset_mem_mb(wildcards, attempt):
    estimate = resources.dataset_memory_mb(_dataset_settings(wildcards))
    folder = paths.dataset_folder(paths.DATASET_ID.format(**wildcards))
    _refuse_if_too_big(f"the dataset {folder}", estimate)
    return math.ceil(estimate * 1.5 * (1 + 0.5 * (attempt - 1)))
