# Per experiment: every line or cell averaged over seeds into one tidy CSV.


rule aggregate:
    input:
        lambda w: experiment_metrics(w.name),
    output:
        f"{RESULTS}/aggregate/{{name}}.csv",
    params:
        layout=lambda w: STUDY.experiments[w.name].layout(),
        seeds=SEEDS,
        runs_dir=f"{RESULTS}/runs",
        figures=lambda w: figure_files(w.name),
    log:
        f"{RESULTS}/logs/aggregate/{{name}}.log",
    localrule: True
    script:
        "../scripts/aggregate.py"
