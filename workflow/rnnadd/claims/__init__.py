"""Claims of the report as data, and the rule that gives each a verdict.

A claim (an entry under ``claims:`` in the config) names an experiment, a test
from a small vocabulary and the metric it reads from the experiment's per-seed
table (rnnadd.analyses.seedtable).  The verdict rule is documented once, in
docs/claims.md.  Where things are:

- ``checks/<test>.py``: one class per test (its keys, their checks, its judgement);
- ``registry.py``: the table of tests;
- ``engine.py``: reading the config, dispatching, result rows; no test by name;
- ``base.py``, ``shared.py``: what every test, or a family of tests, builds on;
- ``metrics.py``: each metric's range and worst value (a missing or diverged seed);
- rnnadd.analyses.stats: every statistic (intervals, comparisons, verdicts, Holm, combining).

Plain Python: checked while Snakemake reads the config, judged in a light job.
"""

from rnnadd.analyses.stats import FAILS, HOLDS, OPEN, UNTESTABLE
from rnnadd.claims.base import ClaimError, ClaimReader, ClaimTest, Judgement, SeedValues
from rnnadd.claims.engine import (
           COMMON_KEYS,
           GROUPS,
           RESULT_COLUMNS,
           judge,
           judge_all,
           load_claims,
           read_results,
           write_results,
)
from rnnadd.claims.registry import TESTS

__all__ = ["COMMON_KEYS", "FAILS", "GROUPS", "HOLDS", "OPEN", "RESULT_COLUMNS", "UNTESTABLE", "TESTS",
           "ClaimError", "ClaimReader",
           "ClaimTest", "Judgement", "SeedValues", "judge", "judge_all", "load_claims", "read_results",
           "write_results"]
