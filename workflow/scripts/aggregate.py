"""Snakemake entry: one experiment's summary table and per-seed table, by its kind's aggregate.

Run in the local server's child when there is one (rnnadd.ops.trainserver), else here: the same
function on the same values (rnnadd.ops.drawing_jobs).
"""

import sys

from rnnadd.ops.drawing_jobs import encode
from rnnadd.ops.trainserver import run_served_or_here

params, output = snakemake.params, snakemake.output
job = [encode({"layout": params.layout, "seeds": params.seeds, "runs": params.runs, "jobs": params.jobs,
               "inputs": list(snakemake.input), "figures": params.figures, "table": output.table,
               "seeds_table": output.seeds, "log": snakemake.log[0]})]
code = run_served_or_here("aggregate", job)
if code:
    sys.exit(code)
