"""Snakemake entry: one analysis (length, positions or probe) of one (run, seed) checkpoint."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.checkpoint import CheckpointError  # noqa: E402  (torch: the job needs it anyway)
from rnnadd.logs import logged  # noqa: E402

with logged(snakemake.log[0], known=(CheckpointError,)):  # noqa: F821
    from rnnadd.analysis import run_job

    params, inputs = snakemake.params, snakemake.input  # noqa: F821
    run_job(params.kind, inputs.checkpoint, snakemake.wildcards.run,  # noqa: F821
            snakemake.output[0], test_lengths=params.test_lengths,  # noqa: F821
            examples=params.examples, test_path=inputs.get("test"))
