"""The bound that makes c18c a check, not evidence: no per-position function of (a_t, b_t)
gets more test sums right than rnnadd.analyses.bounds computes."""

import numpy as np
import yaml

from conftest import REPO
from rnnadd.analyses.bounds import best_digitwise_exact_match, best_digitwise_guess
from rnnadd.core.data import make_set


def brute_force_maxlen3(split: str) -> float:
    """Every operand pair of the split at MAXLEN 3 (two digits), every guess of each digit pair:
    position 0 has no carry in; at position 1 each digit pair guesses the carry into it; the
    answer's position 2 is a constant guess k of the carry out (its inputs are always 0, 0)."""
    low, high = (0, 10) if split == "iid" else (5, 10)
    pairs = [(a, b) for a in range(low * 10, high * 10) for b in range(low * 10, high * 10)]
    best = 0.0
    for k in (0, 1):
        right = 0
        by_pair = {}
        for a, b in pairs:
            carry1 = (a % 10 + b % 10) // 10
            carry2 = (a // 10 + b // 10 + carry1) // 10
            by_pair.setdefault((a // 10, b // 10), []).append((carry1, carry2))
        for outcomes in by_pair.values():  # the best guess of the carry into position 1, per digit pair
            right += max(sum(1 for c1, c2 in outcomes if c1 == guess and c2 == k) for guess in (0, 1))
        best = max(best, right / len(pairs))
    return best


def test_the_bound_is_the_best_any_digitwise_function_gets_by_enumeration():
    for split in ("iid", "report"):
        assert abs(best_digitwise_exact_match(3, split) - brute_force_maxlen3(split)) < 1e-12, split


def test_the_best_guess_scores_the_bound_on_sampled_iid_sums():
    """The best functions, applied to 20 000 iid MAXLEN-5 test sums of the study's own
    generator, score the bound (within 4 standard errors): the bound is reached."""
    data = make_set(5, "iid", "test", seed=0, size=20_000)
    bound, guesses = best_digitwise_guess(5, "iid")
    pair = data.a.astype(int) + data.b.astype(int)
    carry = np.stack([np.where(pair[:, t] == 9, nine, other) for t, (other, nine) in enumerate(guesses)], axis=1)
    right = np.all((pair + carry) % 10 == data.sum, axis=1).mean()
    assert 0.05 < bound < 0.5
    assert abs(right - bound) < 4 * np.sqrt(bound * (1 - bound) / len(pair))


def test_c18c_is_a_construction_claim_below_its_threshold():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    claim = config["claims"]["c18c_iid_no_recurrent_layer_not_learned"]
    maxlen = config["experiments"][claim["experiment"]]["set"]["maxlen"]
    assert claim["group"] == "construction"
    assert best_digitwise_exact_match(maxlen, "iid") < claim["threshold"]
