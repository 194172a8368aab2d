"""The claims engine: reads the config's claims (the keys every claim has, then the
test's own keys through its class), dispatches judging to the test, and writes
and reads the result rows.  It knows no test by name: rnnadd.claims.registry does."""

from __future__ import annotations

import math
import re

from rnnadd.analyses.stats import FAILS, FAMILY_ALPHA, HOLDS, OPEN, STAGE_ALPHA, alpha_now, judged_at
from rnnadd.claims.base import ClaimError, ClaimReader, SeedValues, check_margins
from rnnadd.claims.ledger import definition_of
from rnnadd.claims.metrics import CAP, rule_of
from rnnadd.claims.registry import TESTS
from rnnadd.study.kinds import lower_is_better, metric_names

COMMON_KEYS = ("section", "claim", "group", "experiment", "test")
# Whose claim it is; the verdict counts are given per group.
GROUPS = {
    "report": "a claim of the report, as it made it",
    "own": "a claim of this study's own (about the trained models, or a reading the report did not make)",
    "construction": "true by construction in this study's code or data split: a check, not evidence",
}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
RESULT_COLUMNS = ("id", "group", "section", "claim", "experiment", "test", "metric", "compared", "estimate",
                  "median", "ci_level", "ci_low", "ci_high", "p_value", "margin", "holds_within", "rate", "count",
                  "n_seeds", "power_seeds", "verdict", "pilot_verdict", "stage", "p_adjusted", "adjusted_verdict",
                  "definition", "ledger", "measured")
# Which groups' claims are adjusted together for multiplicity (Benjamini-Hochberg, in the
# verdict table): each of these is one family; `construction` claims are checks, not evidence.
ADJUSTED_GROUPS = ("report", "own")
# The pilot of the two-stage design (docs/claims.md): the first PILOT_SEEDS seeds of each
# experiment, from which each experiment's seeds were chosen; its verdict is shown beside the final one.
PILOT_SEEDS = 5
# Which look gave a row its verdict (column `stage`): the pilot's seeds, the seeds added
# after the pilot (judged alone), or one look at all seeds (judge_all with pilot=None).
PILOT, CONFIRMATORY, SINGLE = "pilot", "confirmatory", "single"


# -- reading the config ------------------------------------------------------------


def load_claims(entries, study, margins=None) -> list[dict]:
    """Check the config's claims against the study; return them in a JSON-ready form.

    margins: the config's `claim_margins` (metric -> {margin, reason}), used by
    every margin claim that gives no margin of its own.  Everything a job needs
    to judge a claim is in its dict (levels as labels, the metric's direction,
    the margin, the experiments whose tables it reads), so the judging job never
    reads the config.
    """
    margins = check_margins(margins)
    if entries is None:
        return []
    if not isinstance(entries, dict):
        raise ClaimError("claims: must be a mapping of claim id -> claim")
    return [_load_claim(claim_id, entry, study, margins) for claim_id, entry in entries.items()]


def _load_claim(claim_id, entry, study, margins) -> dict:
    where = f"claims.{claim_id}"
    if not isinstance(claim_id, str) or not ID_PATTERN.match(claim_id):
        raise ClaimError(f"claims: id {claim_id!r} is not allowed; use lower-case letters, digits and _")
    if not isinstance(entry, dict):
        raise ClaimError(f"{where}: must be a mapping with section, claim, experiment and test")
    for key in COMMON_KEYS:
        if key not in entry:
            raise ClaimError(f"{where}.{key}: missing; a claim needs {', '.join(COMMON_KEYS)}")
    if entry["group"] not in GROUPS:
        raise ClaimError(f"{where}.group: must be one of {', '.join(GROUPS)} (got {entry['group']!r})")
    name = entry["test"]
    if name not in TESTS:
        raise ClaimError(f"{where}.test: must be one of {', '.join(TESTS)} (got {name!r})")
    test = TESTS[name]
    needed, optional = set(test.required), set(test.optional)
    for key in sorted(needed):
        if key not in entry:
            raise ClaimError(f"{where}.{key}: missing; a {name} claim needs {', '.join(sorted(needed))}")
    extra = sorted(set(entry) - set(COMMON_KEYS) - needed - optional)
    if extra:
        raise ClaimError(f"{where}.{extra[0]}: not used by a {name} claim, which takes "
                         f"{', '.join(sorted(needed | optional))}")
    experiment_name = entry["experiment"]
    if experiment_name not in study.experiments:
        raise ClaimError(f"{where}.experiment: {experiment_name!r} is not an experiment of the study; "
                         f"experiments are: {', '.join(study.experiments)}")
    experiment = study.experiments[experiment_name]
    metrics = metric_names(experiment.layout(), study.runs)
    claim = {"id": claim_id, "section": str(entry["section"]), "claim": str(entry["claim"]),
             "group": entry["group"], "experiment": experiment_name, "test": name, "axes": list(experiment.axes)}
    read = ClaimReader(claim_id, entry, experiment, metrics, study, margins)
    claim.update(test.load(read))
    claim["definition"] = definition_of(entry, claim.get("margin"))
    _check_every_level_has_its_metrics(claim, experiment, study, where)
    # Every experiment whose per-seed table the claim reads: its own, and one a test names as `other`.
    claim["tables"] = [experiment_name] + ([claim["other"]] if "other" in claim else [])
    if "metric" in claim:
        claim["lower_is_better"] = lower_is_better(claim["metric"])
        if rule_of(claim["metric"]).worst == CAP:
            claim["caps"] = {table: ClaimReader(claim_id, entry, study.experiments[table], [], study).caps()
                             for table in claim["tables"]}
    return claim


def _check_every_level_has_its_metrics(claim, experiment, study, where) -> None:
    """A claim that reads a metric some of its levels cannot have (a layer a model lacks)
    could never be judged: refused now, naming the level and the run."""
    from rnnadd.study.kinds import CHECKPOINT, KINDS

    kind = KINDS[experiment.kind]
    if kind.reads != CHECKPOINT or "metric" not in claim:
        return  # a training run's metrics are the same for every level
    cells = [c for key in ("levels", "b") for c in (claim.get(key) or []) if isinstance(c, list)]
    cells += [claim["a"]] if isinstance(claim.get("a"), list) else []
    metrics = [claim["metric"], *(m for m in claim.get("than") or [] if isinstance(m, str))]
    for cell in cells:
        for experiment_cell in experiment.cells:
            labels = [lv.label for lv in experiment_cell.levels] + [""] * (2 - len(experiment_cell.levels))
            if labels != list(cell):
                continue
            has = kind.run_metrics(study.runs[experiment_cell.run], experiment.kind_options)
            for metric in metrics:
                if metric not in has:
                    level = " / ".join(label for label in cell if label)
                    raise ClaimError(f"{where}.metric: {metric!r} does not exist at level {level} of "
                                     f"{experiment.name} (run {experiment_cell.run}), so the claim could never "
                                     f"be judged; its metrics there: {', '.join(has[:8])}"
                                     f"{', ...' if len(has) > 8 else ''}")


# -- judging -----------------------------------------------------------------------


def judge(claim: dict, values: SeedValues) -> dict:
    """One claim, one result row (RESULT_COLUMNS)."""
    test = TESTS[claim["test"]]
    judgement = test.judge(claim, values)
    row = {"id": claim["id"], "group": claim.get("group", ""), "section": claim["section"],
           "claim": claim["claim"], "experiment": claim["experiment"], "test": claim["test"],
           "metric": claim.get("metric", ""), "estimate": judgement.estimate, "median": math.nan,
           "ci_level": 1 - alpha_now(), "ci_low": math.nan, "ci_high": math.nan,
           "margin": claim.get("margin", math.nan),
           "holds_within": judgement.holds_within, "rate": claim.get("rate", getattr(test, "rate", math.nan)),
           "count": judgement.count, "n_seeds": judgement.n_seeds, "power_seeds": judgement.power_seeds,
           "p_value": judgement.p_value, "p_adjusted": math.nan, "adjusted_verdict": "",
           "definition": claim.get("definition", ""), "ledger": ""}
    shown = judgement.shown
    if shown is not None:
        row.update(estimate=shown.mean, median=getattr(shown, "median", math.nan), ci_low=shown.low,
                   ci_high=shown.high, n_seeds=shown.n)
    row["compared"] = judgement.compared
    row["verdict"] = judgement.verdict
    row["measured"] = ". ".join([judgement.summary.rstrip("."), "; ".join(judgement.details)]).rstrip(". ") + "."
    return row


def judge_all(claims: list[dict], seed_rows, others: dict | None = None, pilot: int | None = PILOT_SEEDS) -> list[dict]:
    """Every claim about one experiment, from the rows of its per-seed table; others: the
    rows of the other experiments its claims read ({name: rows}).

    The two-stage rule (docs/claims.md, "Confirmatory seeds"), each look at STAGE_ALPHA:
    a claim is judged on the first `pilot` seeds of each table it reads; a verdict there
    (holds, does not hold, not testable) is final.  If inconclusive, where every table it reads has seeds after
    the pilot's, it is judged again on those seeds alone, and that verdict is final.  Each
    row's pilot_verdict is the first look's, `stage` says which look gave the verdict.
    pilot=None: one look at FAMILY_ALPHA on all seeds (a study without stages; the tests
    of single claim tests)."""
    others = others or {}
    if pilot is None:
        rows = [judge(claim, SeedValues(seed_rows, others)) for claim in claims]
        for row in rows:
            row.update(pilot_verdict=row["verdict"], stage=SINGLE, ci_level=1 - FAMILY_ALPHA)
        return rows
    first = SeedValues(first_seeds(seed_rows, pilot), {name: first_seeds(t, pilot) for name, t in others.items()})
    later = SeedValues(later_seeds(seed_rows, pilot), {name: later_seeds(t, pilot) for name, t in others.items()})
    rows = []
    with judged_at(STAGE_ALPHA):
        for claim in claims:
            row = judge(claim, first)
            pilot_verdict, stage = row["verdict"], PILOT
            read = [seed_rows] + [others[claim["other"]]] if claim.get("other") in others else [seed_rows]
            if pilot_verdict == OPEN and all(later_seeds(table, pilot) for table in read):
                row, stage = judge(claim, later), CONFIRMATORY
            row.update(pilot_verdict=pilot_verdict, stage=stage, ci_level=1 - STAGE_ALPHA)
            rows.append(row)
    return rows


def adjust_for_multiplicity(rows: list[dict]) -> list[dict]:
    """Benjamini-Hochberg across the claims of each group of ADJUSTED_GROUPS (the report's;
    this study's own): each row's p_adjusted, and adjusted_verdict, its verdict where the
    adjusted p stays below the level its verdict was given at (1 - ci_level: the stage's
    alpha), else inconclusive.  The verdict itself stays the per-claim rule's; the
    adjustment is shown beside it."""
    from scipy.stats import false_discovery_control

    for row in rows:
        row["p_adjusted"], row["adjusted_verdict"] = math.nan, row["verdict"]
    for group in ADJUSTED_GROUPS:
        members = [row for row in rows if row["group"] == group and not math.isnan(row["p_value"])]
        if not members:
            continue
        adjusted = false_discovery_control([row["p_value"] for row in members], method="bh")
        for row, p in zip(members, adjusted):
            row["p_adjusted"] = float(p)
            if row["verdict"] in (HOLDS, FAILS) and p >= 1 - row["ci_level"] - 1e-12:
                row["adjusted_verdict"] = OPEN
    return rows


def pilot_seeds(table, pilot: int = PILOT_SEEDS) -> list[int]:
    """The pilot's seeds of a per-seed table: its first `pilot` seeds (in order, 0, 1, ... for a count)."""
    return sorted({row["seed"] for row in table})[:pilot]


def first_seeds(table, pilot: int = PILOT_SEEDS) -> list[dict]:
    """The rows of a per-seed table that belong to its pilot's seeds."""
    kept = set(pilot_seeds(table, pilot))
    return [row for row in table if row["seed"] in kept]


def later_seeds(table, pilot: int = PILOT_SEEDS) -> list[dict]:
    """The rows of a per-seed table that belong to the seeds after its pilot's: the confirmatory stage."""
    kept = set(pilot_seeds(table, pilot))
    return [row for row in table if row["seed"] not in kept]


# -- result tables -----------------------------------------------------------------

_NUMERIC = ("estimate", "median", "ci_level", "ci_low", "ci_high", "p_value", "margin", "holds_within", "rate",
            "power_seeds", "p_adjusted")


def write_results(rows: list[dict], path) -> None:
    """One row per claim (RESULT_COLUMNS), written atomically; same verdicts give same bytes."""
    import csv
    import io

    from rnnadd.analyses.seedtable import format_number
    from rnnadd.core.io import write_text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for row in rows:
        writer.writerow([format_number(row[c]) if c in _NUMERIC else row[c] for c in RESULT_COLUMNS])
    write_text(path, buffer.getvalue())


def read_results(path) -> list[dict]:
    import csv

    from rnnadd.analyses.seedtable import SeedTableError
    from rnnadd.core.io import rerun_hint

    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != RESULT_COLUMNS:
            raise SeedTableError(f"{path}: not a claims table (columns {reader.fieldnames}); "
                                 f"{rerun_hint(path)}")
        rows = []
        for row in reader:
            for column in _NUMERIC:
                row[column] = float(row[column])
            row["n_seeds"] = int(row["n_seeds"])
            rows.append(row)
    return rows
