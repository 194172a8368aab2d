"""Retrain a random sample of (run, seed) pairs and compare their metrics byte for byte.

    python workflow/scripts/verify.py --runs results/runs --samples 3 --seed 0

Prints one verdict line, then each differing file with the reason when it is
known; exits 1 if any differs. Nothing to check (no metrics files) or a
scratch folder that cannot be written is one line and exit 2, before any
retraining. `snakemake --cores 2 verify` runs it with the config's `verify`
settings (and refuses an empty study itself, before any job: verify.smk).
"""

import argparse
import sys
from pathlib import Path

from rnnadd.ops.cli import writable_folder_problem
from rnnadd.ops.verify import find_pairs, verify

BUILD_FIRST = "build the study first (make run, or make smoke), then verify it"


def problem(runs: str, scratch: str) -> str | None:
    """Why nothing can be verified, in one line; None when it can."""
    if not Path(runs).is_dir() or not find_pairs(runs):
        return f"verify: no metrics files in {runs}/ to check; {BUILD_FIRST}"
    if Path(scratch).exists() and not Path(scratch).is_dir():
        return f"verify: --scratch {scratch}: is a file, not a folder (the retrained metrics go there)"
    why = writable_folder_problem(Path(scratch) / "x")
    if why:
        return f"verify: --scratch {scratch}: cannot be written: {why}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="results/runs", help="folder of run folders")
    parser.add_argument("--scratch", default="results/verify", help="where the retrained CSVs go")
    parser.add_argument("--samples", type=int, required=True, help="how many (run, seed) pairs")
    parser.add_argument("--seed", type=int, required=True, help="seed of the random draw")
    parser.add_argument("--jobs", type=int, default=1, help="pairs retrained at once")
    args = parser.parse_args()
    refused = problem(args.runs, args.scratch)
    if refused:
        print(refused, file=sys.stderr, flush=True)
        return 2
    ok = verify(args.runs, args.samples, args.seed, args.scratch, args.jobs,
                say=lambda line: print(line, flush=True))
    return 0 if ok else 1


if __name__ == "__main__":  # the worker processes import this file again
    sys.exit(main())
