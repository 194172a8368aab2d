"""The two-stage design's chance of a false verdict, simulated (rnnadd.claims.stages).

The study's rule must keep a false *holds* under no effect at or below the nominal
one-sided 0.025; the rule before it (the second look pooling the pilot's seeds) must be
shown to break that, or the simulation could not tell the two apart."""

import math

import pytest

from rnnadd.analyses.stats import FAMILY_ALPHA, STAGE_ALPHA
from rnnadd.claims.stages import bound, false_holds

STUDIES = 100_000
NOMINAL = FAMILY_ALPHA / 2
# Four standard errors of a share near the nominal rate over STUDIES simulated studies.
NOISE = 4 * math.sqrt(NOMINAL * (1 - NOMINAL) / STUDIES)


@pytest.mark.parametrize("claim", ["better", "same"])
@pytest.mark.parametrize("cap", [30, 90])
def test_the_study_rule_keeps_false_holds_at_or_below_the_nominal_rate(claim, cap):
    staged = false_holds("staged", claim, cap, STUDIES)
    assert bound("staged") == pytest.approx(NOMINAL)
    assert staged <= NOMINAL
    # The pilot's look alone gives a false holds at its own side's rate (exactly, for `better`).
    if claim == "better":
        assert staged >= STAGE_ALPHA / 2 - NOISE


@pytest.mark.parametrize("claim", ["better", "same"])
def test_pooling_the_pilot_into_the_second_look_breaks_the_nominal_rate(claim):
    assert false_holds("pooled", claim, 90, STUDIES) > NOMINAL + NOISE


def test_the_simulation_is_seeded():
    assert false_holds("staged", "better", 30, 20_000, seed=3) == false_holds("staged", "better", 30, 20_000, seed=3)
