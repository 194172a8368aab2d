"""Snakemake entry: one analysis (length, positions or probe) of one (run, seed) checkpoint."""


from rnnadd.checkpoint import CheckpointError  # torch: the job needs it anyway
from rnnadd.logs import logged

with logged(snakemake.log[0], known=(CheckpointError,)):
    from rnnadd.analysis import run_job
    from rnnadd.kinds import KINDS

    params, inputs = snakemake.params, snakemake.input
    run_job(KINDS[params.kind], inputs.checkpoint, snakemake.wildcards.run,
            snakemake.output[0], test_lengths=params.test_lengths,
            examples=params.examples, test_path=inputs.get("test"))
