# Each (maxlen, split, seed, sizes) gets a training stream and a fixed test set.
# Every run with those data settings reads them, so comparisons are paired.


rule make_dataset:
    output:
        train=paths.dataset_files(paths.dataset_folder(paths.DATASET_ID))[0],
        test=paths.dataset_files(paths.dataset_folder(paths.DATASET_ID))[1],
    log:
        paths.log("make_dataset", paths.DATASET_ID),
    wildcard_constraints:
        maxlen=r"\d+",
        split=r"report|iid",
        train_size=r"\d+",
        test_size=r"\d+",
    # About a second even for the largest; not worth a cluster submission.
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    resources:
        runtime=dataset_runtime,
        mem_mb=dataset_mem_mb,
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/make_dataset.py" --maxlen {wildcards.maxlen} --split {wildcards.split}'
        " --seed {wildcards.seed} --train-size {wildcards.train_size} --test-size {wildcards.test_size}"
        " --train {output.train} --test {output.test} > {log} 2>&1"
