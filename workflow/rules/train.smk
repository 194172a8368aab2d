# One job per (run, seed). A run's folder name is readable and stable: its main
# settings plus a hash of all of them, so new settings never overwrite old runs.


rule run_settings:
    output:
        paths.RUN_SETTINGS,
    log:
        paths.log("run_settings", "{run}"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    params:
        json=lambda w: shlex.quote(json.dumps(run_settings(w.run).recorded(), sort_keys=True)),
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/write_settings.py" --json {params.json} --out {output} > {log} 2>&1'


rule train:
    input:
        settings=paths.RUN_SETTINGS,
        train=lambda w: paths.dataset_files(dataset_folder(w))[0],
        test=lambda w: paths.dataset_files(dataset_folder(w))[1],
    output:
        metrics=paths.METRICS,
        timing=paths.TIMING,
        checkpoint=paths.CHECKPOINT,
    log:
        paths.log("train", "{run}/seed{seed}"),
    benchmark:
        paths.benchmark("train", "{run}/seed{seed}")
    conda:
        "../envs/rnnadd.yaml"
    threads: lambda w: run_settings(w.run).threads
    resources:
        runtime=train_runtime,
        mem_mb=train_mem_mb,
    params:
        # Changing any setting of a run changes its name; this also lets
        # Snakemake's params trigger notice an edited settings file.
        settings=lambda w: run_settings(w.run).recorded(),
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/train.py" --settings {input.settings} --seed {wildcards.seed}'
        " --train {input.train} --test {input.test}"
        " --metrics {output.metrics} --timing {output.timing} --checkpoint {output.checkpoint}"
        " > {log} 2>&1"
