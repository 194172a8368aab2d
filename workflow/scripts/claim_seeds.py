"""Entry point: one experiment's per-seed evidence figure beside its verdicts.

  claim_seeds.py --claims JSON --results claims/<name>.csv --out claims/<name>.png <name>.seeds.csv [...]
"""

import argparse
import json
import sys

from rnnadd.claimplot import write_claim_seeds_plot


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("seeds", nargs="+", help="the experiment's per-seed table, then those its claims read")
    args = parser.parse_args(argv)
    write_claim_seeds_plot(json.loads(args.claims), args.seeds, args.results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
