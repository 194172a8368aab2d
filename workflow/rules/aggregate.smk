# Per experiment, by its kind (rnnadd.study.kinds): every line or cell averaged over
# seeds into one tidy CSV, and each seed summarized into the per-seed table
# that claims are judged from.
from types import SimpleNamespace

from snakemake.shell import MAX_ARG_LEN

from rnnadd.ops.drawing_jobs import JSONParam, refuse_long_commands


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
        # Mappings reach the command as one JSON word each ({params.layout:jsonq}); Snakemake
        # records, logs and reports them as the mappings they are (rnnadd.ops.drawing_jobs.JSONParam).
        layout=lambda w: JSONParam(STUDY.experiments[w.name].layout()),
        seeds=lambda w: experiment_seeds(w.name),
        runs=lambda w: JSONParam({run: RUNS[run].recorded() for run in STUDY.experiments[w.name].runs()}),
        jobs=lambda w: [key for key, _ in per_seed_jobs(w.name)],
        figures=lambda w: figure_files(w.name),
    # A command, not a `script:` (Snakemake 9.27 starts a script with its Python's path
    # unquoted: a checkout path with a space or `$(...)` broke the job or ran), whose
    # arguments are the job's plain values; it hands the job to the server (server.smk).
    # The inputs come in the order of `jobs` (each run's seeds, run after run), which the
    # script rebuilds from --runs and --seeds. The params are the values the script rule had,
    # and Snakemake recorded no code for it: finished jobs do not rerun.
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/aggregate.py" --layout {params.layout:jsonq} --seeds {params.seeds}'
        " --runs {params.runs:jsonq} --inputs {input:q} --figures {params.figures:q}"
        " --table {output.table:q} --seeds-table {output.seeds:q} --log {log:q}"


# Snakemake 9.27 runs a command longer than 65,535 bytes (snakemake.shell.MAX_ARG_LEN) from a
# script file named by its absolute path in double quotes, where `$`, backticks and `\` of the
# checkout's path would act. In a folder whose path holds one, an experiment whose aggregate or
# figure command would be that long (thousands of seeds' files) is refused before any job runs.
refuse_long_commands(
    os.getcwd(),
    STUDY.experiments,
    lambda name: {
        "aggregate": [
            JSONParam(STUDY.experiments[name].layout()),
            JSONParam({run: RUNS[run].recorded() for run in STUDY.experiments[name].runs()}),
            *(path for _, path in per_seed_jobs(name)),
            *map(str, experiment_seeds(name)),
        ],
        "figure": [
            JSONParam(STUDY.experiments[name].layout()),
            JSONParam(plot_params(SimpleNamespace(name=name))),
        ],
    },
    MAX_ARG_LEN,
    refuse,
)
