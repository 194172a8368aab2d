"""Snakemake entry: one analysis (length, positions or probe) of one (run, seed) checkpoint."""


from rnnadd.checkpoint import CheckpointError  # torch: the job needs it anyway
from rnnadd.logs import logged

with logged(snakemake.log[0], known=(CheckpointError,)):  # noqa: F821
    from rnnadd.analysis import run_job
    from rnnadd.kinds import KINDS

    params, inputs = snakemake.params, snakemake.input  # noqa: F821
    run_job(KINDS[params.kind], inputs.checkpoint, snakemake.wildcards.run,  # noqa: F821
            snakemake.output[0], test_lengths=params.test_lengths,  # noqa: F821
            examples=params.examples, test_path=inputs.get("test"))
