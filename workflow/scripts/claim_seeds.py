"""Entry point: one experiment's per-seed evidence figure beside its verdicts.

  claim_seeds.py --claims @claims/<name>.spec.json --results claims/<name>.csv --out claims/<name>.png
                 <name>.seeds.csv [...]
"""

import argparse
import json
import sys

from rnnadd.claims.claimplot import write_claim_seeds_plot


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("seeds", nargs="+", help="the experiment's per-seed table, then those its claims read")
    args = parser.parse_args(argv)
    claims = args.claims
    if claims.startswith("@"):
        with open(claims[1:]) as handle:
            claims = handle.read()
    write_claim_seeds_plot(json.loads(claims), args.seeds, args.results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
