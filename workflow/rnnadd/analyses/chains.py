"""Carry chains: sums whose carry must travel through exactly K positions, and their controls.

Random sums almost never need a long carry (a run of 5 or more digit pairs
summing to 9 appears in under 1% of random 999-digit sums), so accuracy on
random sums says little about carrying.  These sums are built to need it.

A *chain* of length K in operands of ``length - 1`` digits (the layout of
``evaluation.length_test_set``: L+1 positions, least significant first) is

- a start position g, drawn at random, whose digit pair decides the carry out
  of g by itself: a_g + b_g >= 10 in a *carry* sum (a carry leaves g whatever
  comes in), a_g + b_g <= 8 in a *no-carry* control (no carry leaves g
  whatever comes in);
- K positions g+1 .. g+K whose digit pairs sum to exactly 9: each passes on
  the carry it receives, so the carry of g travels through all K of them
  (carry sum: every sum digit there is 0) or none arrives (control: every
  sum digit there is 9);
- an end position g+K+1 whose pair sums to at most 8: the chain stops there
  (the carry, if any, lands in its sum digit).

Every other digit is uniform, as in the length test sums (the leading operand
digit is never 0).  A carry sum and its control share g, the random digits and
the first digit of each 9-pair; only the start pair differs.  So a model that
drops a carry after k positions gets carry chains longer than k wrong and
every control right.

Scored on the chain's own positions g .. g+K+1: ``chain accuracy`` is the
fraction of sums whose sum digits there are all right (the rest of the sum is
random and scored by the length tests); ``exact`` is every digit of the sum.

A model that writes a carry whenever it sees a run of 9-sums, whether or not one
enters, gets every carry sum right and its control wrong; one that never
carries along a run gets the controls right.  Neither carries.  So the
**paired** accuracy (``paired_accuracy``) counts a sum only where both it and
its control (the same sum but for the start pair) have the chain's digits all
right: a model can score high on it only by carrying what enters the chain and
nothing when nothing does.
"""

from __future__ import annotations

import numpy as np

from rnnadd.core.data import AdditionSet, add_digits
from rnnadd.core.errors import UserError

# The chain sums of every model are drawn from this seed: paired across models.
CHAIN_SEED = 0
# At most this many digits (examples * (length + 1)) per chain set: the three
# digit arrays and the model's chunks stay within a few hundred MB. A larger
# request is refused with one line, before anything is drawn.
CHAIN_DIGIT_BUDGET = 20_000_000


class ChainError(UserError):
    """A chain request that cannot be drawn (too long for its operands, or too large)."""


def check_chain_request(length: int, chain: int, examples: int) -> None:
    """Refuse, in one line, a chain that does not fit its operands or a set over the budget."""
    if length < 4:
        raise ChainError(f"--length must be at least 4 for a carry chain (got {length})")
    if chain < 1:
        raise ChainError(f"--carry-chain must be at least 1 (got {chain})")
    if chain > length - 3:
        raise ChainError(f"--carry-chain {chain} does not fit operands of {length - 1} digits: a chain "
                         f"needs a start, K positions and an end below the top digit (at most "
                         f"{length - 3} for --length {length})")
    if examples < 1:
        raise ChainError(f"--examples must be at least 1 (got {examples})")
    if examples * (length + 1) > CHAIN_DIGIT_BUDGET:
        raise ChainError(f"{examples} sums of length {length} are {examples * (length + 1):,} digits, "
                         f"over the budget of {CHAIN_DIGIT_BUDGET:,}; ask for fewer examples")


def _pairs_summing_to(rng: np.random.Generator, total_low: int, total_high: int, n: int,
                      first_low: int = 0):
    """n digit pairs (a, b), a >= first_low, with total_low <= a + b <= total_high, uniform over such pairs."""
    pairs = [(a, b) for a in range(first_low, 10) for b in range(10) if total_low <= a + b <= total_high]
    index = rng.integers(0, len(pairs), size=n)
    table = np.array(pairs, dtype=np.uint8)
    return table[index, 0], table[index, 1]


def chain_set(length: int, chain: int, examples: int, carry: bool = True,
              seed: int = CHAIN_SEED) -> tuple[AdditionSet, np.ndarray]:
    """``examples`` sums of operands of exactly ``length - 1`` digits, each with one chain of
    ``chain`` 9-pairs; carry (a carry enters the chain) or control (none does).

    Returns the sums and each sum's start position g. The same (length, chain,
    examples, seed) gives the same sums for every model; carry and control
    sums share everything but the start pair.
    """
    check_chain_request(length, chain, examples)
    digits = length - 1
    rng = np.random.default_rng([seed, length, chain, 7])
    a = np.zeros((examples, length + 1), dtype=np.uint8)
    b = np.zeros((examples, length + 1), dtype=np.uint8)
    a[:, :digits] = rng.integers(0, 10, size=(examples, digits), dtype=np.uint8)
    b[:, :digits] = rng.integers(0, 10, size=(examples, digits), dtype=np.uint8)
    top = digits - 1
    a[:, top] = rng.integers(1, 10, size=examples, dtype=np.uint8)
    b[:, top] = rng.integers(1, 10, size=examples, dtype=np.uint8)
    # The end g+K+1 is at most the top digit: g in [0, digits - chain - 2].
    start = rng.integers(0, digits - chain - 1, size=examples)
    rows = np.arange(examples)
    nine_a = rng.integers(0, 10, size=(examples, chain), dtype=np.uint8)
    end_a, end_b = _pairs_summing_to(rng, 0, 8, examples)
    end_top_a, end_top_b = _pairs_summing_to(rng, 2, 8, examples, first_low=1)
    carry_a, carry_b = _pairs_summing_to(rng, 10, 18, examples)
    quiet_a, quiet_b = _pairs_summing_to(rng, 0, 8, examples)
    a[rows, start] = carry_a if carry else quiet_a
    b[rows, start] = carry_b if carry else quiet_b
    for offset in range(chain):
        a[rows, start + 1 + offset] = nine_a[:, offset]
        b[rows, start + 1 + offset] = 9 - nine_a[:, offset]
    end = start + chain + 1
    at_top = end == top
    # The top digits stay non-zero: an end on the top digit draws from pairs of 1-9.
    a[rows, end] = np.where(at_top, end_top_a, end_a)
    b[rows, end] = np.where(at_top, end_top_b, end_b)
    return AdditionSet(a, b, add_digits(a, b)), start


def chain_window(starts: np.ndarray, chain: int, positions: int) -> np.ndarray:
    """(examples, positions) mask of each sum's chain positions g .. g+K+1."""
    index = np.arange(positions)[None, :]
    return (index >= starts[:, None]) & (index <= starts[:, None] + chain + 1)


def score_chains(predicted: np.ndarray, data: AdditionSet, starts: np.ndarray, chain: int) -> dict:
    """``chain_accuracy`` (every sum digit of the chain right), ``accuracy`` (every digit of the sum)."""
    right = predicted == data.sum
    window = chain_window(starts, chain, right.shape[1])
    return {"chain_accuracy": float((right | ~window).all(axis=1).mean()),
            "accuracy": float(right.all(axis=1).mean()),
            "digit_accuracy": float(right.mean())}


def chain_rights(predicted: np.ndarray, data: AdditionSet, starts: np.ndarray, chain: int) -> np.ndarray:
    """(examples,) whether each sum's digits on its chain (g .. g+K+1) are all right."""
    right = predicted == data.sum
    return (right | ~chain_window(starts, chain, right.shape[1])).all(axis=1)


def paired_accuracy(carry_right: np.ndarray, control_right: np.ndarray) -> float:
    """The share of chain sums right together with their own no-carry control (the sum that differs
    only in the start pair): right only where the model carries what enters and nothing otherwise."""
    carry_right, control_right = np.asarray(carry_right, dtype=bool), np.asarray(control_right, dtype=bool)
    if carry_right.shape != control_right.shape:
        raise ValueError(f"a carry set of {carry_right.shape} sums paired with a control of {control_right.shape}")
    return float((carry_right & control_right).mean())


def evaluate_chain_pair(model, settings, saved_state, length: int, chain: int, examples: int,
                        seed: int = CHAIN_SEED) -> dict:
    """A model on one chain length's carry sums and their controls: ``chain_accuracy`` (carry sums
    with the chain's digits right), ``nocarry_accuracy`` (controls) and ``paired_accuracy`` (both of
    a pair right). The first two are those of ``evaluate_chain`` with carry True and False."""
    from rnnadd.core.evaluation import predict_digits

    rights = {}
    for carry in (True, False):
        data, starts = chain_set(length, chain, examples, carry, seed)
        predicted = predict_digits(model, settings, saved_state, data.a, data.b)
        rights[carry] = chain_rights(predicted, data, starts, chain)
    return {"chain_accuracy": float(rights[True].mean()), "nocarry_accuracy": float(rights[False].mean()),
            "paired_accuracy": paired_accuracy(rights[True], rights[False])}


def evaluate_chain(model, settings, saved_state, length: int, chain: int, examples: int,
                   carry: bool = True, seed: int = CHAIN_SEED) -> dict:
    """A model's scores on one chain set (see ``score_chains``)."""
    from rnnadd.core.evaluation import predict_digits

    data, starts = chain_set(length, chain, examples, carry, seed)
    predicted = predict_digits(model, settings, saved_state, data.a, data.b)
    return score_chains(predicted, data, starts, chain)
