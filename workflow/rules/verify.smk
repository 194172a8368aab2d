# `snakemake --cores 2 verify`: retrain a random sample of the (run, seed)
# pairs in results/runs into results/verify/ and compare metrics byte for
# byte. No outputs, so it runs every time it is asked for; it reads whatever
# is in results/runs, not only this config's runs.

# Its settings live in config.yaml (`verify:`), required there by the schema.
VERIFY = config["verify"]


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
