"""The claim vocabulary: `test:` value -> the test that checks and judges it (one line each)."""

from __future__ import annotations

from rnnadd.claims.base import ClaimTest
from rnnadd.claims.checks import (
                     at_least,
                     at_most,
                     best,
                     better,
                     better_than,
                     diverges,
                     never_learns,
                     no_interaction,
                     not_testable,
                     not_worse,
                     ordered,
                     reaches,
                     same,
                     same_as,
)

TESTS: dict[str, ClaimTest] = {test.name: test for test in (
    better.Better(),
    same.Same(),
    ordered.Ordered(),
    best.Best(),
    no_interaction.NoInteraction(),
    diverges.Diverges(),
    never_learns.NeverLearns(),
    reaches.Reaches(),
    at_least.AtLeast(),
    at_most.AtMost(),
    same_as.SameAs(),
    not_testable.NotTestable(),
    better_than.BetterThan(),
    not_worse.NotWorse(),
)}
