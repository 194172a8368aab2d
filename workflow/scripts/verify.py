"""Retrain a random sample of (run, seed) pairs and compare their metrics byte for byte.

    python workflow/scripts/verify.py --runs results/runs --samples 3 --seed 0

Prints one verdict line, then each differing file with the reason when it is
known; exits 1 if any differs. `snakemake --cores 2 verify` runs it with the
config's `verify` settings.
"""

import argparse
import sys

from rnnadd.ops.verify import verify


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="results/runs", help="folder of run folders")
    parser.add_argument("--scratch", default="results/verify", help="where the retrained CSVs go")
    parser.add_argument("--samples", type=int, required=True, help="how many (run, seed) pairs")
    parser.add_argument("--seed", type=int, required=True, help="seed of the random draw")
    parser.add_argument("--jobs", type=int, default=1, help="pairs retrained at once")
    args = parser.parse_args()
    ok = verify(args.runs, args.samples, args.seed, args.scratch, args.jobs,
                say=lambda line: print(line, flush=True))
    return 0 if ok else 1


if __name__ == "__main__":  # the worker processes import this file again
    sys.exit(main())
