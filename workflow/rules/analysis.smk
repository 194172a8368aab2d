# Per-seed inputs of every experiment, by its kind (rnnadd.study.kinds): the metrics
# CSV that training wrote, or for kinds that analyse the trained models
# (length, positions, probe) one job per (run, seed) that reads its checkpoint
# and writes a small CSV. Analyses never retrain: a missing or damaged
# checkpoint stops the job with the file's name (Snakemake retrains a
# checkpoint that is missing). Cheap (a few seconds each, most of it starting
# torch): run where Snakemake runs.


# `part` is the kind's path_part and its slash, or nothing (positions).
rule analyse:
    input:
        checkpoint=checkpoint_file,
        test=lambda w: paths.dataset_files(dataset_folder(w))[1] if KINDS[w.kind].reads_test_set else [],
    output:
        paths.ANALYSIS,
    log:
        paths.log("{kind}_eval", "{part}{run}/seed{seed}"),
    benchmark:
        paths.benchmark("{kind}_eval", "{part}{run}/seed{seed}")
    wildcard_constraints:
        kind="|".join(name for name, kind in KINDS.items() if kind.reads == CHECKPOINT),
        part=r"([^/]+/)?",
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    resources:
        runtime=lambda w: KINDS[w.kind].job_minutes,
        mem_mb=analysis_mem_mb,
    # What the job computes with, from its path (the kind's job_options): the
    # test lengths and sums it draws, or none. Snakemake records them; they
    # keep the values the per-kind rules had, so a study's files stay valid.
    params:
        kind=lambda w: w.kind,
        test_lengths=lambda w: job_options(w).get("test_lengths", []),
        examples=lambda w: job_options(w).get("examples", 0),
    # A command, not a `script:`, so that it can hand the job to the server that
    # imported torch once (server.smk), as training does. Snakemake recorded no
    # code for the script rule, so its finished jobs do not rerun for this.
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/analyse.py" --kind {params.kind} --checkpoint {input.checkpoint}'
        " --run {wildcards.run} --out {output} --log {log} --test-lengths {params.test_lengths}"
        " --examples {params.examples} --test={input.test}"
