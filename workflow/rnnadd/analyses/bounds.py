"""What no model of a kind can do: exact bounds that put a claim in the `construction` group.

A network with no recurrent layer writes each output digit from its own position's two
input digits alone: its answer at position t is some function f_t(a_t, b_t).  The sum's
digit there is (a_t + b_t + c_t) mod 10, where the carry c_t into t depends only on the
digits below t, which are drawn independently of (a_t, b_t).  So f_t is right exactly
when it guesses c_t from digits that say nothing about it.

``best_digitwise_exact_match`` is the largest share of test sums that ANY such set of
functions gets entirely right, computed exactly from the split's digit distributions (no
sampling): a claim "exact-match accuracy stays below x" with x above it cannot fail.
"""

from __future__ import annotations

import itertools

import numpy as np

from rnnadd.core.data import top_digit_range


def digit_distributions(maxlen: int, split: str, part: str = "test") -> np.ndarray:
    """P(digit = d) at each of the maxlen + 1 positions of one operand (rows: positions)."""
    low, high = top_digit_range(split, part)
    table = np.zeros((maxlen + 1, 10))
    table[: maxlen - 2] = 0.1  # the lower digits: uniform
    table[maxlen - 2, low:high] = 1.0 / (high - low)  # the top digit, per the split
    table[maxlen - 1:, 0] = 1.0  # room for the sum's carry: always 0
    return table


def best_digitwise_guess(maxlen: int, split: str, part: str = "test") -> tuple[float, list[tuple[int, int]]]:
    """The exact-match accuracy of the best per-position functions f_t(a_t, b_t), and those
    functions: per position, the carry guessed for a digit pair that does not sum to 9, and
    the carry guessed for one that does (f_t writes (a_t + b_t + guess) mod 10).

    Write x(c) for the probability that every position below t is right and the carry
    into t is c.  A digit pair whose sum is at most 8 (at least 10) sends both c to carry
    0 (1), and is right only for the c its f_t guesses: the best guess keeps max(x).  A
    pair summing to 9 passes the carry on, so its guess chooses which x survives.  Each
    step is linear in the share of 9-pairs guessing 'no carry', and what follows is convex
    in it, so the best share is 0 or 1 at every position: all choices are enumerated.
    """
    digits = digit_distributions(maxlen, split, part)
    sums = [np.convolve(row, row) for row in digits]  # P(a_t + b_t = s), s = 0..18
    below = [s[:9].sum() for s in sums]
    nine = [s[9] for s in sums]
    above = [s[10:].sum() for s in sums]
    best, best_guesses = -1.0, []
    for nine_guesses in itertools.product((0, 1), repeat=len(digits)):
        x0, x1 = 1.0, 0.0  # no carry into position 0
        guesses = []
        for t, nine_guess in enumerate(nine_guesses):
            guesses.append((int(x1 > x0), nine_guess))
            m = max(x0, x1)
            x0, x1 = below[t] * m + nine[t] * (nine_guess == 0) * x0, above[t] * m + nine[t] * (nine_guess == 1) * x1
        # Past the top position no carry may remain (the sum fits): the last carry must be 0.
        if x0 > best:
            best, best_guesses = x0, guesses
    return best, best_guesses


def best_digitwise_exact_match(maxlen: int, split: str, part: str = "test") -> float:
    """The largest exact-match accuracy of any per-position functions f_t(a_t, b_t)."""
    return best_digitwise_guess(maxlen, split, part)[0]
