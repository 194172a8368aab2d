"""The chance of a false verdict under the study's two-stage design, by simulation.

The design (docs/claims.md, "Confirmatory seeds"): a claim is judged on the pilot's
seeds; where the pilot leaves it open, the planner (workflow/scripts/choose_seeds.py)
adds the seeds that 80% power would need at the pilot's observed effect, unless that is
more than the budget allows, and the claim is judged again on the added seeds alone.

Simulated here under no effect, for a `better` claim (its true mean difference exactly
0: the worst case for a false *holds*) and for a `same` claim (its true difference
exactly at the margin: the worst case for a false *holds* of an equivalence), with
normal per-seed differences:

- `staged`: the study's rule, each look at STAGE_ALPHA (one-sided STAGE_ALPHA / 2);
- `pooled`: the rule before it, each look at FAMILY_ALPHA, the second on all seeds
  (the pilot's with the added ones): optional stopping.

Under `staged` the looks are on different seeds, so the second is independent of the
first, and the chance of a false holds is at most the sum of the two looks' sides:
STAGE_ALPHA / 2 + STAGE_ALPHA / 2 = FAMILY_ALPHA / 2, whatever the planner does.

  .venv/bin/python -m rnnadd.claims.stages     # prints both rules' rates
"""

from __future__ import annotations

import numpy as np

from rnnadd.analyses.stats import FAMILY_ALPHA, POWER, STAGE_ALPHA

PILOT = 5
RULES = ("staged", "pooled")


def _quantiles(alpha_side: float, n):
    from scipy.stats import norm, t

    return t.ppf(1 - alpha_side, np.maximum(n, 2) - 1), norm.ppf(1 - alpha_side), norm.ppf(POWER)


def _planned(effect, sd, alpha_side: float, cap: int, margin: float | None = None):
    """Added seeds the planner gives each simulated pilot (0: none): 80% power at the observed
    effect and spread, by the normal approximation; 0 where the effect is on the wrong side
    (or outside the margin) or the seeds needed pass `cap` (over the budget)."""
    _, z, z_power = _quantiles(alpha_side, np.array([2]))
    gap = effect if margin is None else margin - np.abs(effect)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.ceil(((z + z_power) * sd / gap) ** 2)
    n = np.where(gap > 0, np.maximum(n, 2), np.inf)
    return np.where(n <= cap, n, 0).astype(int)


def _holds(mean, sd, n, alpha_side: float, margin: float | None):
    """Each look's verdict `holds`: a one-sided t at alpha_side above 0 (`better`), or both
    sides inside ±margin (`same`: the 1 - 2 alpha_side interval inside the margin)."""
    quantile, _, _ = _quantiles(alpha_side, n)
    half = quantile * sd / np.sqrt(n)
    if margin is None:
        return mean - half > 0
    return (mean - half >= -margin) & (mean + half <= margin)


def _decided(mean, sd, n, alpha_side: float, margin: float | None):
    """Each look's verdict is holds or does not hold (the interval off the line, or outside the margin)."""
    quantile, _, _ = _quantiles(alpha_side, n)
    half = quantile * sd / np.sqrt(n)
    if margin is None:
        return (mean - half > 0) | (mean + half < 0)
    inside = (mean - half >= -margin) & (mean + half <= margin)
    return inside | (mean - half > margin) | (mean + half < -margin)


def false_holds(rule: str, claim: str = "better", cap: int = 90, studies: int = 400_000, seed: int = 0) -> float:
    """The share of simulated studies in which a claim with no effect `holds` (a `better`
    claim with true difference 0, or a `same` claim with true difference at its margin 1),
    under `rule` (RULES), with the planner capped at `cap` added seeds; seeded."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}")
    rng = np.random.default_rng(seed)
    margin = None if claim == "better" else 1.0
    truth = 0.0 if claim == "better" else 1.0
    side = (STAGE_ALPHA if rule == "staged" else FAMILY_ALPHA) / 2
    first = rng.normal(truth, 1.0, size=(studies, PILOT))
    mean1, sd1 = first.mean(axis=1), first.std(axis=1, ddof=1)
    holds = _holds(mean1, sd1, PILOT, side, margin)
    open_ = ~_decided(mean1, sd1, PILOT, side, margin)
    added = np.where(open_, _planned(mean1, sd1, side, cap, margin), 0)
    for n in np.unique(added[added > 0]):
        rows = np.flatnonzero(added == n)
        more = rng.normal(truth, 1.0, size=(rows.size, n))
        if rule == "pooled":
            more = np.concatenate([first[rows], more], axis=1)
        holds[rows] = _holds(more.mean(axis=1), more.std(axis=1, ddof=1), more.shape[1], side, margin)
    return float(holds.mean())


def bound(rule: str = "staged") -> float:
    """What the design promises for a false holds: the sum of the looks' one-sided alphas
    for `staged` (Bonferroni), none for `pooled` (returned as nan)."""
    return STAGE_ALPHA / 2 + STAGE_ALPHA / 2 if rule == "staged" else float("nan")


def main() -> int:
    print(f"false holds under no effect, {PILOT} pilot seeds, 400000 simulated studies (seed 0); "
          f"nominal {FAMILY_ALPHA / 2:g} on the claimed side")
    for claim in ("better", "same"):
        for cap in (30, 90):
            rates = ", ".join(f"{rule} {false_holds(rule, claim, cap):.4f}" for rule in RULES)
            print(f"  {claim:6} claim, at most {cap} added seeds: {rates}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
