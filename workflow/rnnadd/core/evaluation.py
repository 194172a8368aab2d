"""Evaluating a trained model on sums of any length, and adding given numbers.

Test sums of length L follow the training layout: operands of exactly L-1
digits (uniform digits, the leading one not zero), the sum of up to L digits,
L+1 positions, least significant first.  All arithmetic is on digit arrays,
so any length is exact.

The starting state of a run in ``carry`` mode is the carried state saved in
its checkpoint, one row per example of a training batch (``batch`` rows).
Example ``i`` of any evaluation starts from row ``i mod batch``: that is what
the run's own evaluation does, since it runs the test set in chunks of
``batch`` examples, each starting from the whole carried state.  So any chunk
size, and any number of examples, gives each example the same start
(``model.starting_state``, the one hidden-state policy of training and evaluation).
"""

from __future__ import annotations

import numpy as np
import torch

from rnnadd.core.data import AdditionSet, add_digits, digits_to_string, string_to_digits
from rnnadd.core.errors import UserError
from rnnadd.core.model import starting_state
from rnnadd.core.settings import Settings

# Example-positions per forward pass: bounds memory (about 100 MB for a
# 2-layer, 64-unit model) whatever the length.
POSITION_BUDGET = 400_000
# Test sets of the length figures are drawn from this seed unless told otherwise.
LENGTH_SEED = 0


class OperandError(UserError):
    """An operand is not a non-negative decimal integer."""


def length_test_set(length: int, examples: int, seed: int = LENGTH_SEED) -> AdditionSet:
    """``examples`` sums of two operands of exactly ``length - 1`` digits.

    The same (length, examples, seed) always gives the same sums, whatever the
    run, so runs are compared on paired data; a larger set starts with the
    sums of a smaller one.
    """
    if length < 2:
        raise ValueError(f"length: must be at least 2 (got {length})")
    digits = length - 1
    operands = []
    for part in (0, 1):
        rng = np.random.default_rng([seed, length, 9, part])
        body = rng.integers(0, 10, size=(examples, digits), dtype=np.uint8)
        # The leading digit, never zero, from its own stream (so more
        # examples extend the set instead of changing it).
        top = np.random.default_rng([seed, length, 9, part, 1])
        body[:, digits - 1] = top.integers(1, 10, size=examples, dtype=np.uint8)
        padded = np.zeros((examples, length + 1), dtype=np.uint8)
        padded[:, :digits] = body
        operands.append(padded)
    a, b = operands
    return AdditionSet(a, b, add_digits(a, b))


def chunk_size(settings: Settings, positions: int) -> int:
    """The run's batch size, smaller for long sums so memory stays bounded."""
    return max(1, min(settings.batch, POSITION_BUDGET // positions))


@torch.inference_mode()
def predict_digits(model, settings: Settings, saved_state, a: np.ndarray, b: np.ndarray,
                   first_index: int = 0) -> np.ndarray:
    """The model's digits (examples, positions), least significant first.

    ``first_index`` is the index of the first example in the evaluation, for
    the carried state's rows.
    """
    n, positions = a.shape
    out = np.empty((n, positions), dtype=np.uint8)
    step = chunk_size(settings, positions)
    a_all = torch.from_numpy(np.ascontiguousarray(a.T)).long()
    b_all = torch.from_numpy(np.ascontiguousarray(b.T)).long()
    for start in range(0, n, step):
        stop = min(n, start + step)
        state = starting_state(settings, saved_state, first_index + start, stop - start)
        logits, _ = model(a_all[:, start:stop], b_all[:, start:stop], state)
        out[start:stop] = logits.argmax(-1).T.numpy()
    return out


def score(predicted: np.ndarray, target: np.ndarray) -> dict:
    """Exact-match accuracy, digit accuracy and accuracy per position."""
    right = predicted == target
    return {
        "accuracy": float(right.all(axis=1).mean()),
        "digit_accuracy": float(right.mean()),
        "position_accuracy": [float(x) for x in right.mean(axis=0)],
    }


def evaluate_set(model, settings: Settings, saved_state, data: AdditionSet) -> dict:
    """Score a model on a dataset; see ``score``."""
    return score(predict_digits(model, settings, saved_state, data.a, data.b), data.sum)


def evaluate_lengths(model, settings: Settings, saved_state, lengths, examples: int,
                     seed: int = LENGTH_SEED) -> dict:
    """``{length: score}`` on the fixed test set of each length."""
    return {length: evaluate_set(model, settings, saved_state,
                                 length_test_set(length, examples, seed))
            for length in lengths}


# -- adding given numbers -----------------------------------------------------

def parse_operand(text: str) -> str:
    """A non-negative decimal integer as a string without leading zeros."""
    if not text or not text.isascii() or not text.isdigit():
        raise OperandError(f"{text!r} is not a non-negative whole number written in digits 0-9")
    return text.lstrip("0") or "0"


def add_pairs(model, settings: Settings, saved_state, pairs) -> list[dict]:
    """The model's sum of each (a, b) pair of digit strings, next to the true sum.

    Each pair is read at its own width (its longer operand's digits plus two
    positions, as in training); pair ``i`` starts from carried-state row
    ``i mod batch``.  ``wrong_positions`` lists the digits that differ, 0
    being the least significant.
    """
    results = []
    for index, (a_text, b_text) in enumerate(pairs):
        a_text, b_text = parse_operand(a_text), parse_operand(b_text)
        width = max(len(a_text), len(b_text)) + 2
        a = string_to_digits(a_text, width)[None, :]
        b = string_to_digits(b_text, width)[None, :]
        target = add_digits(a, b)[0]
        predicted = predict_digits(model, settings, saved_state, a, b, first_index=index)[0]
        wrong = [int(p) for p in np.flatnonzero(predicted != target)]
        results.append({"a": a_text, "b": b_text, "predicted": digits_to_string(predicted),
                        "true": digits_to_string(target), "correct": not wrong,
                        "wrong_positions": wrong})
    return results
