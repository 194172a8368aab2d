"""Propose each experiment's seeds from a pilot's verdict table, within a CPU budget.

The second stage of the two-stage design (docs/claims.md, Confirmatory seeds): the
pilot (each experiment's first 5 seeds, judged at the stages' level) gave, for every
comparison claim it left open, the seeds that 80% power would need at the observed
effect in a look of their own (claims.csv, column power_seeds): the confirmatory
seeds, judged without the pilot's.  Each experiment is offered the pilot's seeds
plus the most that any of its open claims needs (claims already decided, and those
no sensible number of seeds decides, ask for nothing more);
experiments are taken cheapest first (CPU seconds per added seed, from
rnnadd.study.resources.train_cpu_s), and one is given its seeds only if the whole
study's training then stays within `--budget` times the pilot study's.  A run
shared by several experiments trains the union of their seeds, counted once.

  .venv/bin/python workflow/scripts/choose_seeds.py --claims results/claims.csv [--config config.yaml] [--budget 1.5]
  .venv/bin/python workflow/scripts/choose_seeds.py --pilot-of results [--config config.yaml] [--budget 1.5]

--pilot-of judges the pilot itself from a study's per-seed tables (each experiment's
first 5 seeds only), for a study built with more seeds than the pilot's.

Prints one line per experiment (seeds now, needed, proposed, added CPU time) and
the study's CPU time before and after, and the `seeds:` lines to put in the config.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

from rnnadd.claims.engine import PILOT_SEEDS, first_seeds
from rnnadd.study.plan import load_study
from rnnadd.study.resources import describe_time, train_cpu_s

# The verdicts a claim can still change: more seeds are spent only on these.
UNDECIDED = ("inconclusive",)


# A counting claim needs this many seeds at most to be worth raising (its share may sit on the rate).
MOST_COUNTED = 40


def counted_seeds(count: str, rate: float, seeds: int, most: int = MOST_COUNTED) -> float:
    """Seeds a counting claim's confirmatory look needs if its observed share (count "k/n",
    over `seeds` seeds per level) held: the fewest seeds whose Clopper-Pearson interval at the
    stages' level, at that share, leaves out the claimed rate; inf beyond `most`."""
    from rnnadd.analyses.stats import STAGE_ALPHA, clopper_pearson

    yes, seen = (int(part) for part in count.split("/"))
    levels = max(1, seen // max(1, seeds))  # a claim over several levels counts seeds x levels
    share = yes / seen
    for n in range(2, most + 1):
        low, high = clopper_pearson(round(share * n * levels), n * levels, STAGE_ALPHA)
        if low > rate or high < rate:
            return float(n)
    return math.inf


def needed_seeds(claims_csv, experiments) -> dict[str, tuple[int, list[str]]]:
    """{experiment: (seeds its undecided claims need, their ids)}; a claim needing more than
    any study would run (inf) or without an estimate (nan) asks for nothing. Counting claims,
    which have no power estimate, need what counted_seeds says."""
    needs: dict[str, tuple[int, list[str]]] = {}
    with open(claims_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if "power_seeds" not in row:
                raise SystemExit(f"{claims_csv}: has no power_seeds column; judge the pilot with this code first")
            value = float(row["power_seeds"])
            if not math.isfinite(value) and "/" in row.get("count", "") and row.get("rate", "nan") != "nan":
                value = counted_seeds(row["count"], float(row["rate"]), int(row["n_seeds"]))
            verdict = row.get("pilot_verdict") or row["verdict"]
            if verdict not in UNDECIDED or not math.isfinite(value) or row["experiment"] not in experiments:
                continue
            most, ids = needs.get(row["experiment"], (0, []))
            # The pilot's seeds, then the confirmatory look's own.
            needs[row["experiment"]] = (max(most, PILOT_SEEDS + int(value)), ids + [row["id"]])
    return needs


def judge_pilot(results: Path, out: Path) -> Path:
    """The pilot's verdict table of a built study: every experiment's claims judged on the first
    PILOT_SEEDS seeds of the per-seed tables they read (results/claims/<name>.spec.json and
    results/aggregate/<name>.seeds.csv), written to `out`."""
    import json

    from rnnadd.analyses.seedtable import read_seed_table
    from rnnadd.claims import judge_all, write_results

    rows = []
    for spec in sorted((results / "claims").glob("*.spec.json")):
        claims = json.loads(spec.read_text())
        if not claims:
            continue
        name = spec.name.removesuffix(".spec.json")
        table = first_seeds(read_seed_table(results / "aggregate" / f"{name}.seeds.csv"))
        others = {t: first_seeds(read_seed_table(results / "aggregate" / f"{t}.seeds.csv"))
                  for c in claims for t in c.get("tables", [])[1:]}
        rows += judge_all(claims, table, others)
    write_results(rows, out)
    return out


def study_cpu_s(study, seeds_of: dict) -> float:
    """Training CPU seconds of the study when each experiment has seeds_of[name] seeds (0, 1, ...)."""
    total = 0.0
    for run, settings in study.runs.items():
        count = max(seeds_of[name] for name, e in study.experiments.items() if run in e.runs())
        total += count * train_cpu_s(settings)
    return total


def propose(study, needs: dict, budget: float) -> tuple[dict, float, float]:
    """({experiment: seeds}, CPU seconds before, after): cheapest experiments first, each
    raised to what it needs if the study then stays within budget x its pilot's CPU time."""
    seeds_of = {name: len(e.seeds) for name, e in study.experiments.items()}
    before = study_cpu_s(study, seeds_of)  # the pilot
    limit = budget * before

    def per_seed(name):
        return sum(train_cpu_s(study.runs[run]) for run in study.experiments[name].runs())

    for name in sorted(needs, key=lambda n: (per_seed(n) * max(0, needs[n][0] - seeds_of[n]), n)):
        wanted = max(seeds_of[name], needs[name][0])
        trial = {**seeds_of, name: wanted}
        if study_cpu_s(study, trial) <= limit:
            seeds_of = trial
    return seeds_of, before, study_cpu_s(study, seeds_of)


def main(argv=None) -> int:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--claims", help="the pilot's results/claims.csv")
    source.add_argument("--pilot-of", type=Path, help="a built study's results/ folder: judge its pilot here")
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--budget", type=float, default=1.5, help="the study's CPU time at most this times the pilot's")
    args = parser.parse_args(argv)
    study = load_study(yaml.safe_load(Path(args.config).read_text()))
    if args.pilot_of:
        import tempfile

        args.claims = judge_pilot(args.pilot_of, Path(tempfile.mkdtemp()) / "pilot-claims.csv")
        print(f"the pilot's verdicts (first {PILOT_SEEDS} seeds): {args.claims}")
    needs = needed_seeds(args.claims, study.experiments)
    proposed, before, after = propose(study, needs, args.budget)
    print(f"{'experiment':34} {'now':>4} {'needed':>6} {'proposed':>8}  claims still open")
    for name, experiment in study.experiments.items():
        most, ids = needs.get(name, (0, []))
        print(f"{name:34} {len(experiment.seeds):>4} {most or '':>6} {proposed[name]:>8}  {', '.join(ids)}")
    print(f"training CPU time: pilot {describe_time(before)}, proposed {describe_time(after)} "
          f"({after / before:.2f}x; budget {args.budget:g}x)")
    left = [name for name, (most, _) in needs.items() if proposed[name] < most]
    if left:
        print("not given what they need (over budget): " + ", ".join(left))
    print("config lines (experiments.<name>.seeds):")
    for name, count in proposed.items():
        if count != len(study.experiments[name].seeds):
            print(f"  {name}: {{seeds: {count}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
