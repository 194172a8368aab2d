"""The claims ledger: every change to a claim made after numbers it judges existed.

A claim's definition is what decides its verdict: its words, group, test, experiment,
metric, levels, threshold, rate and the margin it is judged with (its own or the
metric's in ``claim_margins``).  ``definition_of`` hashes it.  The ledger
(docs/claims-ledger.yaml) keeps

- ``judged_under``: each claim's definition when the ledger began or the claim was
  first judged, never edited afterwards;
- ``entries``: each change since, with the definition it led to, the verdict before and
  after, and why.

A claim whose definition is neither the one it was first judged under nor the one its
latest entry records has been changed without a word: ``unrecorded`` names it, and
tests/test_ledger.py fails on it.  The verdict tables show each claim's entries beside
its verdict (rnnadd.claims.verdicts).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from rnnadd.core.errors import UserError

LEDGER = Path(__file__).resolve().parents[3] / "docs" / "claims-ledger.yaml"
ENTRY_KEYS = ("id", "claims", "date", "commit", "changed", "verdict_before", "verdict_after", "why")


class LedgerError(UserError):
    pass


def definition_of(entry: dict, margin=None) -> str:
    """A claim's definition (its config entry and the margin it is judged with) as a short hash."""
    text = json.dumps({"entry": entry, "margin": margin}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def read_ledger(path=LEDGER) -> dict:
    """The ledger, checked: {'judged_under': {id: hash}, 'entries': [entry, ...]}."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise LedgerError(f"{path}: cannot read the claims ledger ({error})") from None
    if not isinstance(data, dict) or set(data) != {"judged_under", "entries"}:
        raise LedgerError(f"{path}: must hold judged_under (claim id -> definition) and entries (a list)")
    for index, entry in enumerate(data["entries"]):
        if not isinstance(entry, dict) or set(entry) - {*ENTRY_KEYS, "definitions"} or \
                set(ENTRY_KEYS) - set(entry):
            raise LedgerError(f"{path}: entries[{index}] must have exactly {', '.join(ENTRY_KEYS)} "
                              "(and definitions: claim id -> its definition after the change)")
    return data


def entries_of(ledger: dict, claim_id: str) -> list[dict]:
    return [entry for entry in ledger["entries"] if claim_id in entry["claims"]]


def unrecorded(ledger: dict, definitions: dict[str, str]) -> list[str]:
    """Claims (id -> current definition) changed since first judged with no ledger entry saying so."""
    problems = []
    for claim_id, definition in definitions.items():
        first = ledger["judged_under"].get(claim_id)
        if first is None:
            problems.append(f"{claim_id}: not in judged_under: a claim's definition goes there when its verdict "
                            f"is first published (add `{claim_id}: \"{definition}\"`)")
            continue
        recorded = [entry.get("definitions", {}).get(claim_id) for entry in entries_of(ledger, claim_id)]
        latest = next((d for d in reversed(recorded) if d), first)
        if definition != latest:
            problems.append(f"{claim_id}: its definition ({definition}) is not the one it was first judged "
                            f"under ({first}) nor the one its latest ledger entry records ({latest}): "
                            "add an entry to docs/claims-ledger.yaml")
    return problems


def notes(ledger: dict) -> dict[str, str]:
    """claim id -> its ledger entries in a few words ('L3 (2026-12-06): ...'), for the verdict tables."""
    shown = {}
    for entry in ledger["entries"]:
        for claim_id in entry["claims"]:
            text = f"{entry['id']} ({entry['date']}): {entry['changed']}"
            shown[claim_id] = f"{shown[claim_id]}; {text}" if claim_id in shown else text
    return shown
