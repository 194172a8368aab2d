"""The claims ledger (docs/claims-ledger.yaml): no claim changes without an entry, and each
entry shows beside its claim's verdict; p-values and the multiplicity adjustment."""

import copy
import csv
import math

import pytest
import yaml
from scipy.stats import false_discovery_control

from conftest import REPO
from rnnadd.analyses.stats import FAILS, HOLDS, OPEN, STAGE_ALPHA, VERDICTS
from rnnadd.claims.engine import adjust_for_multiplicity
from rnnadd.claims.ledger import entries_of, read_ledger, unrecorded
from rnnadd.claims.verdicts import claims_markdown
from rnnadd.ops.workflowconfig import load

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
LEDGER = read_ledger(REPO / "docs" / "claims-ledger.yaml")


def published_rows() -> list[dict]:
    with open(REPO / "docs" / "verdicts.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def definitions(config) -> dict:
    loaded = load(copy.deepcopy(config), configfiles=[], reserved_names=set())
    return {claim["id"]: claim["definition"] for claim in loaded.claims}


def published(config) -> dict:
    """The definitions of the claims the published table (docs/verdicts.csv) judged: a claim is
    first judged when it is published, so a new claim of one's own needs no entry before then."""
    ids = {row["id"] for row in published_rows()}
    return {claim_id: d for claim_id, d in definitions(config).items() if claim_id in ids}


def test_every_published_claim_is_judged_under_the_definition_the_ledger_records():
    assert unrecorded(LEDGER, published(CONFIG)) == []
    assert set(published(CONFIG)) == {row["id"] for row in published_rows()}  # no published claim gone


@pytest.mark.parametrize("change", ["margin", "words", "group", "levels"])
def test_a_claim_changed_without_an_entry_is_named(change):
    config = copy.deepcopy(CONFIG)
    claim = config["claims"]["c03_modes_alike_at_maxlen50"]
    if change == "margin":
        config["claim_margins"]["auc_accuracy"]["margin"] = 0.05
    elif change == "words":
        claim["claim"] += " Clearly."
    elif change == "group":
        claim["group"] = "own"
    else:
        claim["levels"] = claim["levels"][:2]
    problems = unrecorded(LEDGER, published(config))
    assert any(p.startswith("c03_modes_alike_at_maxlen50:") for p in problems), problems


def test_every_entry_names_claims_of_the_config_and_is_filled_in():
    ids = set(CONFIG["claims"])
    for entry in LEDGER["entries"]:
        assert set(entry["claims"]) <= ids, entry["id"]
        assert "to be judged" not in entry["verdict_after"], f"{entry['id']}: fill in the verdict after"
        assert set(entry.get("definitions", {})) <= set(entry["claims"]), entry["id"]


def test_an_entry_with_one_verdict_after_agrees_with_the_published_table():
    """The latest entry of a claim that states one verdict after the change states the verdict of
    docs/verdicts.csv: the ledger is read off the table, not written beside it."""
    published = {row["id"]: row["verdict"] for row in published_rows()}
    for claim_id in CONFIG["claims"]:
        entries = entries_of(LEDGER, claim_id)
        if entries and entries[-1]["verdict_after"] in VERDICTS:
            assert published[claim_id] == entries[-1]["verdict_after"], (claim_id, entries[-1]["id"])


def test_the_published_p_values_agree_with_the_verdicts():
    """A verdict is given at p below its look's alpha (1 - ci_level, on the scale of its two-sided
    interval), inconclusive otherwise."""
    for row in published_rows():
        p, alpha = float(row["p_value"]), 1 - float(row["ci_level"])
        assert alpha == pytest.approx(STAGE_ALPHA), row["id"]
        if row["verdict"] in (HOLDS, FAILS):
            assert p < alpha, row["id"]
        elif row["verdict"] == OPEN:
            assert p >= alpha - 1e-9, row["id"]
        else:
            assert math.isnan(p), row["id"]


def row(claim_id, group, verdict, p):
    return {"id": claim_id, "group": group, "verdict": verdict, "p_value": p, "ci_level": 0.95}


def test_benjamini_hochberg_is_applied_per_group_and_only_weakens_a_verdict():
    rows = [row("r1", "report", HOLDS, 0.001), row("r2", "report", HOLDS, 0.04), row("r3", "report", OPEN, 0.5),
            row("r4", "report", FAILS, 0.03), row("o1", "own", HOLDS, 0.04),
            row("k1", "construction", HOLDS, 0.0), row("u1", "report", "not testable here", math.nan)]
    adjusted = {r["id"]: r for r in adjust_for_multiplicity(rows)}
    expected = false_discovery_control([0.001, 0.04, 0.5, 0.03], method="bh")
    assert [adjusted[i]["p_adjusted"] for i in ("r1", "r2", "r3", "r4")] == pytest.approx(list(expected))
    assert adjusted["r1"]["adjusted_verdict"] == HOLDS
    assert adjusted["r2"]["adjusted_verdict"] == OPEN  # 0.04 * 4 / 3 > 0.05
    assert adjusted["r4"]["adjusted_verdict"] == OPEN
    assert adjusted["o1"]["adjusted_verdict"] == HOLDS and adjusted["o1"]["p_adjusted"] == pytest.approx(0.04)
    assert math.isnan(adjusted["k1"]["p_adjusted"]) and adjusted["k1"]["adjusted_verdict"] == HOLDS
    assert all(r["verdict"] in (HOLDS, FAILS, OPEN, "not testable here") for r in adjusted.values())


def test_the_verdict_table_shows_the_ledger_and_the_adjustment_beside_the_verdict():
    table_row = {"id": "c08h_x", "group": "report", "section": "3.2.2", "claim": "c", "metric": "m",
                 "experiment": "e", "test": "same", "compared": "a = b", "measured": "m.", "count": "",
                 "estimate": 0.01, "median": 0.01, "ci_low": -0.01, "ci_high": 0.03, "margin": 0.02,
                 "holds_within": 0.03, "rate": math.nan, "n_seeds": 5, "power_seeds": math.nan, "p_value": 0.03,
                 "p_adjusted": 0.09, "verdict": HOLDS, "adjusted_verdict": OPEN, "pilot_verdict": HOLDS,
                 "ledger": "L5 (2026-12-06): encoded as the report made it"}
    entry = {"id": "L5", "claims": ["c08h_x"], "date": "2026-12-06", "commit": "abc", "changed": "encoded as the "
             "report made it", "verdict_before": FAILS, "verdict_after": HOLDS, "why": "the report's words"}
    text = claims_markdown([table_row], {"line": "full study"}, "made with x", [entry])
    line = next(line for line in text.splitlines() if line.startswith("| c08h_x"))
    assert "inconclusive after BH" in line and "L5 (2026-12-06)" in line and "p 0.03, BH 0.09" in line
    assert "## Claims ledger" in text and "Verdict before: does not hold; after: holds" in text
