"""Snakemake entry: draw one figure (PNG and PDF) from its summary table, by its kind.

Run in the local server's child when there is one (rnnadd.ops.trainserver), else here: the same
function on the same values (rnnadd.ops.drawing_jobs).
"""

import sys

from rnnadd.ops.drawing_jobs import encode
from rnnadd.ops.trainserver import run_served_or_here

params, output = snakemake.params, snakemake.output
job = [encode({"kind": params.kind, "layout": params.layout, "plot": params.plot, "table": snakemake.input[0],
               "png": output.png, "pdf": output.pdf, "log": snakemake.log[0]})]
code = run_served_or_here("figure", job)
if code:
    sys.exit(code)
