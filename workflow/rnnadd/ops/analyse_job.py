"""One analysis job from its command line (workflow/scripts/analyse.py, or the server's child).

Its own module: the kinds import rnnadd.analyses.analysis, and this imports the kinds.
"""

from __future__ import annotations

import argparse


def analyse_command(argv: list[str]) -> int:
    """One analysis job from its command line: what workflow/scripts/analyse.py runs (here or in
    the server's child). Output and errors go to --log; a user's error is one line there and on
    standard error (rnnadd.core.logs)."""
    parser = argparse.ArgumentParser(prog="analyse.py", description=analyse_command.__doc__)
    parser.add_argument("--kind", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--run", help="the run the checkpoint must belong to (the workflow's run name)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--test-lengths", type=int, nargs="*", default=[])
    parser.add_argument("--examples", type=int, default=0)
    parser.add_argument("--test", default="", help="the run's own test set, for a kind that reads it")
    args = parser.parse_args(argv)

    from rnnadd.core.checkpoint import CheckpointError
    from rnnadd.core.logs import logged

    with logged(args.log, known=(CheckpointError,)):
        from rnnadd.analyses.analysis import run_job
        from rnnadd.study.kinds import KINDS

        run_job(KINDS[args.kind], args.checkpoint, args.run, args.out, test_lengths=args.test_lengths,
                examples=args.examples, test_path=args.test or None)
    return 0
