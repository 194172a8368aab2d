"""Entry point of the `stability` target: a second study on another float path, then the comparison.

  stability.py --float-path avx2 --experiments a,b --snakefile Snakefile --configfile CONFIG
               --cores N --csv OUT.csv --md OUT.md <this study's results/claims/<name>.csv ...>
"""

import argparse
import sys

from rnnadd.claims.stability import Plan, compare, run_second_study, write_tables
from rnnadd.core.errors import UserError
from rnnadd.core.libraries import float_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--float-path", required=True)
    parser.add_argument("--experiments", required=True)
    parser.add_argument("--snakefile", required=True)
    parser.add_argument("--configfile", required=True)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--md", required=True)
    parser.add_argument("claims", nargs="+", help="this study's verdicts, one file per experiment")
    args = parser.parse_args(argv)
    plan = Plan(args.float_path, tuple(args.experiments.split(","))).resolved()
    try:
        run_second_study(plan, args.snakefile, args.configfile, args.cores, sys.stdout)
    except UserError as error:
        print(error, file=sys.stderr)
        return 1
    here = float_path()
    rows = compare(args.claims, plan.folder)
    print(write_tables(rows, plan, f"{here['cpu']}, {here['cpu_capability']}", args.csv, args.md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
