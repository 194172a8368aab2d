"""Snakemake entry: draw one analysis figure (PNG and PDF) from its summary table."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.logs import logged  # noqa: E402

with logged(snakemake.log[0]):  # noqa: F821
    from rnnadd.aggregate import read_aggregate
    from rnnadd.analysis_plots import PLOTTERS

    plot = snakemake.params.plot  # noqa: F821
    # The subtitle (effective settings, or SMOKE PRESET) rides on the title's second line.
    PLOTTERS[snakemake.params.kind](read_aggregate(snakemake.input[0]), f"{plot['title']}\n{plot['subtitle']}",  # noqa: F821
                                    plot["labels"], plot["options"],
                                    {"png": snakemake.output.png, "pdf": snakemake.output.pdf})  # noqa: F821
