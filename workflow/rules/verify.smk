# `snakemake --cores 2 verify`: retrain a random sample of the (run, seed)
# pairs in results/runs into results/verify/ and compare metrics byte for
# byte. No outputs, so it runs every time it is asked for; it reads whatever
# is in results/runs, not only this config's runs.

# Its settings live in config.yaml (`verify:`), required there by the schema.
VERIFY = config["verify"]


# `snakemake verify` with no metrics to retrain: one line that says to build first, before any
# job (the job itself would fail, wrapped in the engine's report).
from rnnadd.ops.verify import find_pairs

if "verify" in (getattr(COMMAND_LINE, "targets", None) or ()) and not find_pairs(paths.RUNS):
    refuse(
        f"verify: no metrics files in {paths.RUNS}/ to check; build the study first"
        " (make run, or make smoke), then verify it"
    )


rule verify:
    log:
        paths.log("verify", "verify"),
    # A difference is a finding, not a transient failure: never retried.
    retries: 0
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    threads: 2
    params:
        runs=paths.RUNS,
        scratch=paths.VERIFY_SCRATCH,
        samples=VERIFY["samples"],
        seed=VERIFY["seed"],
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/verify.py" --runs {params.runs} --scratch {params.scratch}'
        " --samples {params.samples} --seed {params.seed} --jobs {threads} 2>&1 | tee {log}"
