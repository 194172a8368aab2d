# Analyses of the trained models (kinds length, positions, probe): one job per
# (run, seed) reads its checkpoint and writes a small CSV; one aggregate per
# figure. They never retrain: a missing or damaged checkpoint stops the job
# with the file's name (Snakemake retrains a checkpoint that is missing).
# Cheap (a few seconds each, most of it starting torch): run where Snakemake runs.


def analysis_kinds_pattern():
    names = [name for name, exp in STUDY.experiments.items() if exp.kind in ANALYSIS_KINDS]
    return "|".join(names) if names else "(?!)"


def analysis_file(experiment, run, seed):
    folder = f"{RESULTS}/analysis/{experiment.kind}"
    if experiment.analysis_set():
        folder += f"/{experiment.analysis_set()}"
    return f"{folder}/{run}/seed{seed}.csv"


def analysis_jobs(name):
    """(run/seed key, per-seed file) of every line and seed, in a fixed order."""
    experiment = STUDY.experiments[name]
    return [(f"{run}/{seed}", analysis_file(experiment, run, seed))
            for run in experiment.runs() for seed in SEEDS]


def checkpoint_file(wildcards):
    return f"{RESULTS}/runs/{wildcards.run}/seed{wildcards.seed}.pt"


rule length_eval:
    input:
        checkpoint=checkpoint_file,
    output:
        f"{RESULTS}/analysis/length/{{testset}}/{{run}}/seed{{seed}}.csv",
    wildcard_constraints:
        testset=r"n\d+_len\d+(-\d+)*",
    params:
        kind="length",
        test_lengths=lambda w: parse_length_set(w.testset)[0],
        examples=lambda w: parse_length_set(w.testset)[1],
    log:
        f"{RESULTS}/logs/length_eval/{{testset}}/{{run}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/length_eval/{{testset}}/{{run}}/seed{{seed}}.tsv"
    localrule: True
    resources:
        runtime=10,
        mem_mb=1500,
    script:
        "../scripts/analyse.py"


rule positions_eval:
    input:
        checkpoint=checkpoint_file,
        test=lambda w: f"{dataset_folder(w)}/test.npz",
    output:
        f"{RESULTS}/analysis/positions/{{run}}/seed{{seed}}.csv",
    params:
        kind="positions",
        test_lengths=[],
        examples=0,
    log:
        f"{RESULTS}/logs/positions_eval/{{run}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/positions_eval/{{run}}/seed{{seed}}.tsv"
    localrule: True
    resources:
        runtime=5,
        mem_mb=1000,
    script:
        "../scripts/analyse.py"


rule probe_eval:
    input:
        checkpoint=checkpoint_file,
    output:
        f"{RESULTS}/analysis/probe/n{{examples}}/{{run}}/seed{{seed}}.csv",
    wildcard_constraints:
        examples=r"\d+",
    params:
        kind="probe",
        test_lengths=[],
        examples=lambda w: int(w.examples),
    log:
        f"{RESULTS}/logs/probe_eval/n{{examples}}/{{run}}/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/probe_eval/n{{examples}}/{{run}}/seed{{seed}}.tsv"
    localrule: True
    resources:
        runtime=5,
        mem_mb=1500,
    script:
        "../scripts/analyse.py"


# Curves and heatmaps have their own aggregate (aggregate.smk); both write
# results/aggregate/<name>.csv, and the name decides: analysis names come here.
ruleorder: analysis_aggregate > aggregate


rule analysis_aggregate:
    input:
        lambda w: [path for _, path in analysis_jobs(w.name)],
    output:
        summary=f"{RESULTS}/aggregate/{{name}}.csv",
        seeds=f"{RESULTS}/aggregate/{{name}}.seeds.csv",
    wildcard_constraints:
        name=analysis_kinds_pattern(),
    params:
        layout=lambda w: STUDY.experiments[w.name].layout(),
        seeds=SEEDS,
        runs=lambda w: {run: RUNS[run].as_dict() for run in STUDY.experiments[w.name].runs()},
        jobs=lambda w: [key for key, _ in analysis_jobs(w.name)],
    log:
        f"{RESULTS}/logs/aggregate/{{name}}.log",
    localrule: True
    script:
        "../scripts/aggregate_analysis.py"


# One figure rule per analysis kind, as curves_figure and heatmap_figure; the
# report shows each on its figure page (report.smk), like every other figure.
for _kind in ("length", "positions", "probe"):

    rule:
        name:
            f"{_kind}_figure"
        input:
            f"{RESULTS}/aggregate/{{name}}.csv",
        output:
            png=f"{RESULTS}/figures/{{name}}.png",
            pdf=f"{RESULTS}/figures/{{name}}.pdf",
        wildcard_constraints:
            name=experiments_of_kind(_kind),
        params:
            plot=plot_params,
            kind=_kind,
        log:
            f"{RESULTS}/logs/figure/{{name}}.log",
        localrule: True
        script:
            "../scripts/plot_analysis.py"
