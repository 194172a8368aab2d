"""Snakemake entry: gather every claim's verdict into results/claims.{csv,md} and an HTML table."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # noqa: F821
from rnnadd.claims import read_results, write_results  # noqa: E402
from rnnadd.io import write_text  # noqa: E402
from rnnadd.logs import logged  # noqa: E402
from rnnadd.verdicts import claims_fragment, claims_html, claims_markdown, versions  # noqa: E402

with logged(snakemake.log[0]):  # noqa: F821
    params = snakemake.params  # noqa: F821
    by_id = {row["id"]: row for path in snakemake.input for row in read_results(path)}  # noqa: F821
    rows = [by_id[claim_id] for claim_id in params.order]
    made_with = versions()
    write_results(rows, snakemake.output.csv)  # noqa: F821
    write_text(snakemake.output.md, claims_markdown(rows, params.preset, made_with))  # noqa: F821
    write_text(snakemake.output.html, claims_html(rows, params.preset, made_with))  # noqa: F821
    # The report's front page includes this short table (workflow/report/workflow.rst).
    write_text(snakemake.output.front, claims_fragment(rows, params.preset, made_with, with_details=False))  # noqa: F821
