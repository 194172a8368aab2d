# `.venv/bin/snakemake --cores all stability`: are the verdicts decided, or do
# they flip with the float path? Retrains the runs that the claims read under a
# second float path (ATEN_CPU_CAPABILITY; config `stability:`), in a study of
# its own under results/stability/<path>/, and compares the verdicts claim by
# claim (rnnadd.claims.stability). Not part of `all`: it costs a second study.
from rnnadd.claims import stability

STABILITY = stability.plan(config.get("stability"), experiments_with_claims())


# The config this run was given, in full, for the second study to read.
rule stability_config:
    output:
        paths.STABILITY_CONFIG,
    log:
        paths.log("stability_config", "stability_config"),
    localrule: True
    run:
        import yaml

        Path(output[0]).write_text(yaml.safe_dump(config, sort_keys=False))


rule stability:
    input:
        config=rules.stability_config.output[0],
        claims=[claims_file(name) for name in STABILITY.experiments],
    output:
        csv=paths.STABILITY_CSV,
        md=paths.STABILITY_MD,
    log:
        paths.log("stability", "stability"),
    localrule: True
    conda:
        "../envs/rnnadd.yaml"
    # The second study runs its own jobs with these cores.
    threads: workflow.cores
    params:
        float_path=STABILITY.float_path,
        experiments=",".join(STABILITY.experiments),
        snakefile=shlex.quote(str(Path(workflow.main_snakefile).resolve())),
    shell:
        '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/stability.py" --float-path {params.float_path}'
        " --experiments {params.experiments} --snakefile {params.snakefile} --configfile {input.config}"
        " --cores {threads} --csv {output.csv} --md {output.md} {input.claims} > {log} 2>&1"
        # The second study's own output stays in the log; its last line is the summary.
        " && tail -n 1 {log}"
