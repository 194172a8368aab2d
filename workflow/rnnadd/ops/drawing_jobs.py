"""The aggregate and figure jobs, run from their Snakemake scripts (workflow/scripts/aggregate.py,
plot.py) either in the local server's child (rnnadd.ops.trainserver) or in the script's own process.

The script hands over its job as one pickled mapping (the values Snakemake gave it, types and
all), so both ways compute from exactly the same values. Plotting and pandas are imported once
by the server instead of by every job (about 1.3 s each).
"""

from __future__ import annotations

import base64
import pickle
import sys
from pathlib import Path


def encode(job: dict) -> str:
    return base64.b64encode(pickle.dumps(job)).decode()


def _decode(argv: list[str]) -> dict:
    return pickle.loads(base64.b64decode(argv[0]))


def aggregate_command(argv: list[str]) -> int:
    """One experiment's summary table and per-seed table, by its kind's aggregate."""
    from rnnadd.core.logs import logged

    job = _decode(argv)
    try:
        with logged(job["log"]):
            from rnnadd.core.settings import Settings
            from rnnadd.study.kinds import KINDS

            runs = {run: Settings.from_dict(values) for run, values in job["runs"].items()}
            files = dict(zip(job["jobs"], job["inputs"]))
            KINDS[job["layout"]["kind"]].aggregate(job["layout"], job["seeds"], runs,
                                                   lambda run, seed: files[f"{run}/{seed}"],
                                                   job["table"], job["seeds_table"])
    except BaseException:
        # Snakemake removes the failed table; a figure drawn from it before must
        # not stay behind as if it were still backed by the data.
        for figure in job["figures"]:
            if Path(figure).exists():
                Path(figure).unlink()
                print(f"removed {figure}: its data no longer checks out", file=sys.stderr)
        raise
    return 0


def figure_command(argv: list[str]) -> int:
    """Draw one figure (PNG and PDF) from its summary table, by its kind."""
    from rnnadd.core.logs import logged

    job = _decode(argv)
    with logged(job["log"]):
        from rnnadd.study.kinds import KINDS

        kind = KINDS[job["kind"]]
        kind.figure(kind.read_table(job["table"], job["layout"]), job["plot"], {"png": job["png"], "pdf": job["pdf"]})
    return 0
