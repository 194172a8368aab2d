# Per experiment: every line or cell averaged over seeds into one tidy CSV, and
# each seed summarized into the per-seed table that claims are judged from.


rule aggregate:
    input:
        lambda w: experiment_metrics(w.name),
    output:
        table=f"{RESULTS}/aggregate/{{name}}.csv",
        seeds=f"{RESULTS}/aggregate/{{name}}.seeds.csv",
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
