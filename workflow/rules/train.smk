# One job per (run, seed). A run's folder name is readable and stable: its main
# settings plus a hash of all of them, so new settings never overwrite old runs.


def dataset_folder(wildcards):
    settings = run_settings(wildcards.run)
    return f"{RESULTS}/data/{settings.dataset_id(int(wildcards.seed))}"


rule run_settings:
    output:
        f"{RESULTS}/runs/{{run}}/settings.yaml",
    params:
        json=lambda w: shlex.quote(json.dumps(run_settings(w.run).as_dict(), sort_keys=True)),
    log:
        f"{RESULTS}/logs/run_settings/{{run}}.log",
    localrule: True
    shell:
        '"{PYTHON}" {SCRIPTS}/write_settings.py --json {params.json} --out {output} > {log} 2>&1'


rule train:
    input:
        settings=f"{RESULTS}/runs/{{run}}/settings.yaml",
        train=lambda w: f"{dataset_folder(w)}/train.npz",
        test=lambda w: f"{dataset_folder(w)}/test.npz",
    output:
        metrics=f"{RESULTS}/runs/{{run}}/seed{{seed}}.csv",
        timing=f"{RESULTS}/runs/{{run}}/seed{{seed}}.timing.json",
        checkpoint=f"{RESULTS}/runs/{{run}}/seed{{seed}}.pt",
    params:
        # Changing any setting of a run changes its name; this also lets
        # Snakemake's params trigger notice an edited settings file.
        settings=lambda w: run_settings(w.run).as_dict(),
    threads: lambda w: run_settings(w.run).threads
    resources:
        runtime=train_runtime,
        mem_mb=train_mem_mb,
    log:
        f"{RESULTS}/logs/train/{{run}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{{run}}/seed{{seed}}.tsv"
    shell:
        '"{PYTHON}" {SCRIPTS}/train.py --settings {input.settings} --seed {wildcards.seed}'
        " --train {input.train} --test {input.test}"
        " --metrics {output.metrics} --timing {output.timing} --checkpoint {output.checkpoint}"
        " > {log} 2>&1"
