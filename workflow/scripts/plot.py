"""Snakemake entry: draw one figure (PNG and PDF) from its aggregate table."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.aggregate import read_aggregate  # noqa: E402
from rnnadd.logs import logged  # noqa: E402

with logged(snakemake.log[0]):  # noqa: F821
    from rnnadd.plotting import plot_curves, plot_heatmap

    plot = snakemake.params.plot  # noqa: F821
    table = read_aggregate(snakemake.input[0], snakemake.params.layout)  # noqa: F821
    paths = {"png": snakemake.output.png, "pdf": snakemake.output.pdf}  # noqa: F821
    if snakemake.params.kind == "curves":  # noqa: F821
        # The subtitle rides on the title's second line: plot_curves prints it as given.
        plot_curves(table, f"{plot['title']}\n{plot['subtitle']}", plot["labels"], plot["options"], paths)
    else:
        plot_heatmap(table, plot["title"], plot["labels"], plot["options"], paths, subtitle=plot["subtitle"])
