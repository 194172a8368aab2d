"""Snakemake entry: one figure's report page (the figure, its settings, the claims about it)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.claims import read_results  # noqa: E402
from rnnadd.io import write_text  # noqa: E402
from rnnadd.logs import logged  # noqa: E402
from rnnadd.verdicts import figure_html  # noqa: E402

with logged(snakemake.log[0]):  # noqa: F821
    results = read_results(snakemake.input.claims) if snakemake.input.claims else []  # noqa: F821
    png = Path(snakemake.input.png).read_bytes()  # noqa: F821
    page = json.loads(Path(snakemake.input.settings).read_text())  # noqa: F821
    write_text(snakemake.output[0], figure_html(page, png, results))  # noqa: F821
