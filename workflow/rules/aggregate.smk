# Per experiment, by its kind (rnnadd.study.kinds): every line or cell averaged over
# seeds into one tidy CSV, and each seed summarized into the per-seed table
# that claims are judged from.


rule aggregate:
    input:
        lambda w: [path for _, path in per_seed_jobs(w.name)],
    output:
        table=paths.AGGREGATE,
        seeds=paths.SEED_TABLE,
    log:
        paths.log("aggregate", "{name}"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    params:
        layout=lambda w: STUDY.experiments[w.name].layout(),
        seeds=lambda w: experiment_seeds(w.name),
        runs=lambda w: {run: RUNS[run].recorded() for run in STUDY.experiments[w.name].runs()},
        jobs=lambda w: [key for key, _ in per_seed_jobs(w.name)],
        figures=lambda w: figure_files(w.name),
    script:
        "../scripts/aggregate.py"
