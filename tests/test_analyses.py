"""Analyses that can fail (issue 16): carry chains, the probe's controls, the report split's
top digit and accuracy per digit target, each on hand-built models whose answer is known."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from conftest import REPO
from rnnadd.analyses.chains import CHAIN_DIGIT_BUDGET, ChainError, chain_set, evaluate_chain
from rnnadd.analyses.probe import carry_bits
from rnnadd.analyses.probe_controls import (
    chain_probe_set,
    digit_window_features,
    fit_and_score,
    metric_names,
    nonlocal_positions,
    nonlocal_set,
    probe_with_controls,
    untrained_network,
)
from rnnadd.claims import judge_all
from rnnadd.core.data import make_set
from rnnadd.core.settings import Settings
from rnnadd.study.kinds.curves import digit_auc_accuracy

# -- stub adders -------------------------------------------------------------------


class StubAdder(nn.Module):
    """Adds exactly, except that a carry passed on through more than ``drop_after`` 9-sums is lost
    (None: never lost). Same call as AdderModel: (positions, n) digits -> (positions, n, 10) logits."""

    def __init__(self, drop_after=None):
        super().__init__()
        self.drop_after = drop_after

    def forward(self, a, b, state=None):
        positions, n = a.shape
        digits = torch.zeros(positions, n, dtype=torch.long)
        carry = torch.zeros(n, dtype=torch.long)
        travelled = torch.zeros(n, dtype=torch.long)  # 9-sums the carry has passed through
        for t in range(positions):
            column = a[t] + b[t] + carry
            digits[t] = column % 10
            passes = (a[t] + b[t] == 9) & (carry == 1)
            travelled = torch.where(passes, travelled + 1, torch.zeros_like(travelled))
            carry = column // 10
            if self.drop_after is not None:
                carry = torch.where(travelled > self.drop_after, torch.zeros_like(carry), carry)
        return nn.functional.one_hot(digits, 10).float(), None


SETTINGS = Settings.from_dict({"hidden_mode": "default", "batch": 64})


def chain_scores(model, chain, carry, length=200, examples=100):
    return evaluate_chain(model, SETTINGS, None, length, chain, examples, carry=carry)


# -- carry chains -------------------------------------------------------------------

@pytest.mark.parametrize("chain", [1, 7, 100])
def test_a_carry_chain_carries_through_exactly_k_positions_and_its_control_carries_nothing(chain):
    for carry in (True, False):
        data, starts = chain_set(1000, chain, 200, carry)
        rows = np.arange(200)
        carries = carry_bits(data.a, data.b)
        sums = data.a.astype(int) + data.b
        assert (sums[rows[:, None], starts[:, None] + 1 + np.arange(chain)] == 9).all()
        # The carry leaves the start and every 9-sum of the chain (or, in a control, none of them) ...
        assert (carries[rows[:, None], starts[:, None] + np.arange(chain + 1)] == int(carry)).all()
        # ... and stops at the end position, which is never a 9-sum.
        assert (carries[rows, starts + chain + 1] == 0).all() and (sums[rows, starts + chain + 1] <= 8).all()
        assert (data.a[:, 998] > 0).all() and (data.b[:, 998] > 0).all()  # exactly 999-digit operands
        assert (data.a[:, 999:] == 0).all()
    carry_sums, carry_starts = chain_set(1000, chain, 200, True)
    control, control_starts = chain_set(1000, chain, 200, False)
    assert (carry_starts == control_starts).all()
    differ = carry_sums.a != control.a
    assert (differ.sum(axis=1) <= 1).all()  # only the start pair differs
    again, _ = chain_set(1000, chain, 200, True)
    assert np.array_equal(again.a, carry_sums.a)  # fixed: every model gets these sums


def test_a_perfect_adder_scores_1_on_chains_and_controls():
    perfect = StubAdder()
    for chain in (1, 10, 100):
        for carry in (True, False):
            scores = chain_scores(perfect, chain, carry)
            assert scores == {"chain_accuracy": 1.0, "accuracy": 1.0, "digit_accuracy": 1.0}


def test_an_adder_that_drops_carries_after_k_positions_fails_exactly_the_longer_chains():
    dropper = StubAdder(drop_after=5)
    for chain in (1, 5):
        assert chain_scores(dropper, chain, True)["chain_accuracy"] == 1.0
    for chain in (6, 10, 100):
        assert chain_scores(dropper, chain, True)["chain_accuracy"] == 0.0
        assert chain_scores(dropper, chain, False)["chain_accuracy"] == 1.0


def test_chain_requests_that_do_not_fit_or_exceed_the_budget_are_refused_in_one_line():
    with pytest.raises(ChainError, match="does not fit operands of 9 digits"):
        chain_set(10, 8, 5)
    chain_set(10, 7, 5)  # the longest that fits: start, 7, end, below the top digit
    with pytest.raises(ChainError, match="over the budget") as error:
        chain_set(1000, 10, CHAIN_DIGIT_BUDGET // 1001 + 1)
    assert "\n" not in str(error.value)


def _tiny_checkpoint(tmp_path):
    from rnnadd.core.checkpoint import save_checkpoint
    from rnnadd.core.model import AdderModel

    settings = Settings.from_dict({"hidden_mode": "default", "maxlen": 5, "hidden": 8, "embedding": 4,
                                   "layers": 1, "batch": 16})
    path = tmp_path / "seed0.pt"
    torch.manual_seed(0)
    save_checkpoint(path, settings, AdderModel.from_settings(settings), None, 0, 0)
    return path


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "rnnadd", *args], capture_output=True, text=True,
                          cwd=REPO, env={"PYTHONPATH": str(REPO / "workflow"), "PATH": "/usr/bin:/bin"})


def test_evaluate_with_a_carry_chain_prints_one_json_line_and_refuses_a_huge_request_in_one(tmp_path):
    path = _tiny_checkpoint(tmp_path)
    result = _cli("evaluate", "--checkpoint", str(path), "--length", "50", "--carry-chain", "20",
                  "--examples", "30", "--no-carry")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["carry_chain"] == 20 and row["carry"] is False and row["length"] == 50 and row["examples"] == 30
    assert 0 <= row["chain_accuracy"] <= 1 and 0 <= row["accuracy"] <= row["chain_accuracy"]
    huge = _cli("evaluate", "--checkpoint", str(tmp_path / "absent.pt"), "--length", "1000000",
                "--carry-chain", "100", "--examples", "1000")
    assert huge.returncode == 2 and len(huge.stderr.strip().splitlines()) == 1
    assert "over the budget" in huge.stderr
    alone = _cli("evaluate", "--checkpoint", str(path), "--length", "50", "--no-carry")
    assert alone.returncode == 2 and "--no-carry needs --carry-chain" in alone.stderr


# -- the probe's controls -----------------------------------------------------------

def test_non_local_positions_are_those_where_the_digits_at_t_and_t_minus_1_sum_to_9_from_t_2():
    a = np.array([[9, 0, 4, 5, 0, 0]], dtype=np.uint8)
    b = np.array([[0, 9, 5, 4, 0, 0]], dtype=np.uint8)
    # sums 9 9 9 9 0 0: t = 1 is decided (nothing enters position 0), t = 2 and 3 are not.
    assert nonlocal_positions(a, b).tolist() == [[False, False, True, True, False, False]]
    data, t = nonlocal_set(5, 500)
    assert nonlocal_positions(data.a, data.b)[np.arange(500), t].all() and set(t) == {2, 3}


def _probe_sets(n=2000, maxlen=6):
    fit, (hard, t) = make_set(maxlen, "iid", "test", 1, n), nonlocal_set(maxlen, n)
    score = make_set(maxlen, "iid", "test", 2, n)
    return fit, score, hard, t


def test_digit_probes_fail_where_the_carry_is_not_local_and_a_state_that_holds_it_does_not():
    fit, score, hard, t = _probe_sets()
    positions, rows = 5, np.arange(len(hard))

    def labels(data):
        return carry_bits(data.a, data.b)[:, :positions]

    fit_y, score_y, hard_y = labels(fit).reshape(-1), labels(score).reshape(-1), labels(hard)[rows, t]
    for window in (1, 2):
        features = [digit_window_features(d.a, d.b, positions, window) for d in (fit, score, hard)]
        scores = fit_and_score(features[0].reshape(-1, 20 * window), fit_y,
                               {"": (features[1].reshape(-1, 20 * window), score_y),
                                "nonlocal_": (features[2][rows, t], hard_y)})
        assert scores[""] > 0.85 and scores["nonlocal_"] < 0.65, (window, scores)
    # A "state" that is the carry itself (a perfect adder's): 1.0 everywhere.
    state = [labels(d)[..., None].astype(float) for d in (fit, score, hard)]
    scores = fit_and_score(state[0].reshape(-1, 1), fit_y, {"": (state[1].reshape(-1, 1), score_y),
                                                            "nonlocal_": (state[2][rows, t], hard_y)})
    assert scores == {"": 1.0, "nonlocal_": 1.0}


@pytest.mark.parametrize("maxlen", [5, 12])
def test_a_probe_chain_carries_through_exactly_k_nine_sums_decided_by_a_fair_coin(maxlen):
    for chain in range(1, maxlen - 1):
        data, t = chain_probe_set(maxlen, 2000, chain)
        rows, sums = np.arange(len(t)), data.a.astype(int) + data.b
        assert (t >= chain).all() and (t <= maxlen - 2).all()
        for back in range(chain):
            assert (sums[rows, t - back] == 9).all()
        deciding = sums[rows, t - chain]
        assert (deciding != 9).all()
        carry = carry_bits(data.a, data.b)[rows, t]
        assert (carry == (deciding >= 10)).all()
        assert 0.45 < carry.mean() < 0.55, (chain, carry.mean())
        assert (data.a[:, maxlen - 1:] == 0).all() and (data.b[:, maxlen - 1:] == 0).all()
        again, t_again = chain_probe_set(maxlen, 2000, chain)
        assert (again.a == data.a).all() and (t_again == t).all()
    with pytest.raises(ValueError, match="chains of 1 to 3"):
        chain_probe_set(5, 10, 4)


def test_a_digit_window_is_at_chance_from_a_chain_as_long_as_it():
    """The controls fail where they must: the digits at t..t-w+1 cannot give the carry of a chain
    of K >= w 9-sums (chance), while a state holding the carry gives it at every K. Below w they
    could, but a linear probe fitted on random sums, where such positions are rare, learns the
    one-step case (K = 1) and not always more (window 3 at K = 2: 0.69)."""
    maxlen, positions = 7, 6
    fit = make_set(maxlen, "iid", "test", 1, 3000)

    def labels(data):
        return carry_bits(data.a, data.b)[:, :positions]

    for window in (1, 2, 3):
        fit_x = digit_window_features(fit.a, fit.b, positions, window)
        for chain in (1, 2, 3, 4):
            data, t = chain_probe_set(maxlen, 1000, chain)
            rows = np.arange(len(t))
            x = digit_window_features(data.a, data.b, positions, window)[rows, t]
            scores = fit_and_score(fit_x.reshape(-1, fit_x.shape[-1]), labels(fit).reshape(-1),
                                   {"chain": (x, labels(data)[rows, t])})
            if chain == 1 < window:
                assert scores["chain"] > 0.9, (window, chain, scores)
            elif chain >= window:
                assert scores["chain"] < 0.6, (window, chain, scores)
        carry = labels(data)[rows, t]
        state = fit_and_score(labels(fit).reshape(-1, 1).astype(float), labels(fit).reshape(-1),
                              {"chain": (carry[:, None].astype(float), carry)})
        assert state == {"chain": 1.0}


def test_the_untrained_control_is_the_network_training_starts_from():
    from rnnadd.core.training import Trainer

    settings = Settings.from_dict({"maxlen": 5, "hidden": 8, "embedding": 4, "layers": 2, "batch": 20})
    data = make_set(5, "report", "train", 0, 40)
    trainer = Trainer(settings, 3, data, data)
    untrained, state = untrained_network(settings, 3)
    for name, value in trainer.model.state_dict().items():
        assert torch.equal(value, untrained.state_dict()[name])
    assert torch.equal(state, trainer.state)
    other, _ = untrained_network(settings, 4)
    assert any(not torch.equal(value, other.state_dict()[name]) for name, value in untrained.state_dict().items())


def test_probe_with_controls_gives_every_metric_and_an_untrained_model_matches_its_own_control():
    settings = Settings.from_dict({"maxlen": 5, "hidden": 8, "embedding": 4, "layers": 2, "batch": 20})
    model, state = untrained_network(settings, 0)
    result = probe_with_controls(model, settings, state, model, state, 200, [1, 2, 3])
    assert list(result) == metric_names(2, [1, 2, 3])
    for k in (1, 2):
        for infix in ("", "nonlocal_", "chain1_", "chain2_", "chain3_"):
            assert result[f"probe_{infix}layer{k}"] == result[f"untrained_{infix}layer{k}"]
    assert all(0 <= v <= 1 for v in result.values())
    # The chain lengths add metrics and change none of the others.
    without = probe_with_controls(model, settings, state, model, state, 200)
    assert without == {name: result[name] for name in metric_names(2)}


# -- the split's top digit -------------------------------------------------------------

@pytest.mark.parametrize("maxlen", [5, 10, 50])
def test_under_the_report_split_the_top_sum_digit_is_0_in_training_and_1_in_testing(maxlen):
    top = maxlen - 1  # the carry out of the top operand digit (maxlen-2)
    for seed in (0, 1):
        train = make_set(maxlen, "report", "train", seed, 3000)
        test = make_set(maxlen, "report", "test", seed, 2000)
        assert (train.sum[:, top] == 0).all() and (test.sum[:, top] == 1).all()
    iid_train, iid_test = make_set(maxlen, "iid", "train", 0, 3000), make_set(maxlen, "iid", "test", 0, 2000)
    assert set(iid_train.sum[:, top]) == {0, 1} and set(iid_test.sum[:, top]) == {0, 1}


# -- accuracy per digit target -----------------------------------------------------------

def test_area_under_accuracy_over_digit_targets_up_to_a_common_budget():
    frame = pd.DataFrame({"step": [0, 50, 100], "accuracy": [0.0, 1.0, 1.0], "loss": [np.nan, 1, 1],
                          "diverged": [0, 0, 0]})
    assert digit_auc_accuracy(frame, per_step=10, budget=500) == pytest.approx(0.5)
    assert digit_auc_accuracy(frame, per_step=10, budget=1000) == pytest.approx(0.75)
    # The same curve per step with 8.5 times the digit targets per step (MAXLEN 50 against 5) is
    # behind per digit target: what it learns in a step cost it more digits.
    assert digit_auc_accuracy(frame, per_step=85, budget=1000) == pytest.approx(1000 / 4250 / 2)
    assert digit_auc_accuracy(frame, per_step=10, budget=250) == pytest.approx(0.25)  # between evaluations


# -- better_than ---------------------------------------------------------------------

def _rows(values: dict) -> list[dict]:
    return [{"label0": "3", "label1": "", "run": "r", "seed": seed, "metric": metric, "value": v}
            for metric, seeds in values.items() for seed, v in enumerate(seeds)]


def test_better_than_pairs_a_layer_with_its_controls_seed_by_seed():
    claim = {"id": "c", "section": "1", "claim": "x", "experiment": "e", "test": "better_than", "axes": ["layers"],
             "metric": "probe_nonlocal_layer1", "lower_is_better": False, "levels": [["3", ""]],
             "than": ["digits_nonlocal_window2", "untrained_nonlocal_layer1"]}
    layer = [0.9, 0.92, 0.91, 0.93, 0.9]
    rows = _rows({"probe_nonlocal_layer1": layer, "digits_nonlocal_window2": [0.5, 0.52, 0.49, 0.51, 0.5],
                  "untrained_nonlocal_layer1": [0.55, 0.5, 0.52, 0.5, 0.53]})
    assert judge_all([claim], rows, pilot=None)[0]["verdict"] == "holds"
    rows = _rows({"probe_nonlocal_layer1": [0.6, 0.61, 0.6, 0.62, 0.6],
                  "digits_nonlocal_window2": [0.5, 0.52, 0.49, 0.51, 0.5],
                  "untrained_nonlocal_layer1": [0.85, 0.88, 0.86, 0.87, 0.85]})
    assert judge_all([claim], rows, pilot=None)[0]["verdict"] == "does not hold"


# -- the jobs ------------------------------------------------------------------------

def test_analysis_jobs_read_their_options_from_their_path(tmp_path):
    from rnnadd.analyses.analysis import run_job
    from rnnadd.study.kinds import KINDS

    checkpoint = _tiny_checkpoint(tmp_path)
    out = tmp_path / "results" / "analysis" / "chains" / "n20_len60_k1-30" / "run" / "seed0.csv"
    metrics = run_job(KINDS["chains"], checkpoint, None, out, examples=20)
    assert list(metrics) == ["chain_accuracy_k1", "chain_accuracy_k30", "nocarry_accuracy_k1", "nocarry_accuracy_k30",
                             "paired_chain_accuracy_k1", "paired_chain_accuracy_k30"]
    assert 0 <= metrics["paired_chain_accuracy_k30"] <= min(metrics["chain_accuracy_k30"],
                                                           metrics["nocarry_accuracy_k30"])
    assert out.read_text().splitlines()[0] == "metric,value"
    out = tmp_path / "results" / "analysis" / "probe_controls" / "n50_k1-3" / "run" / "seed0.csv"
    metrics = run_job(KINDS["probe_controls"], checkpoint, None, out, examples=50)
    assert list(metrics) == metric_names(1, [1, 3])
    assert "digits_chain3_window3" in metrics and "probe_chain2_layer1" not in metrics


def test_a_probe_with_controls_below_maxlen_4_is_a_config_error_naming_the_entry():
    import yaml

    from rnnadd.study.plan import StudyError, load_study

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["experiments"]["probe_controls_layers"]["set"] = {"maxlen": 3}
    with pytest.raises(StudyError, match=r"experiments\.probe_controls_layers.*maxlen 4 or more"):
        load_study(config)
    config["experiments"]["probe_controls_layers"]["set"] = {"maxlen": 5}
    config["experiments"]["probe_controls_layers"]["chain_lengths"] = [1, 4]
    with pytest.raises(StudyError, match=r"^experiments\.probe_controls_layers\.chain_lengths: 4 does not fit maxlen 5 "
                                         r"\(layers=1\): operands of 4 digits hold chains of at most 3 positions"):
        load_study(config)
    config["experiments"]["probe_controls_layers"]["chain_lengths"] = [0]
    with pytest.raises(StudyError, match=r"probe_controls_layers\.chain_lengths\[0\]: must be an integer of at least"):
        load_study(config)


# -- the strongest digit controls and the positions beyond them (issue 24) ----------------------

def _true_carry_from_window(classes, reaches_zero, below):
    """The carry out of t given the window's classes (t first) and the carry entering the window."""
    carry = 0 if reaches_zero else below
    for c in reversed(classes):
        carry = 1 if c == 2 else 0 if c == 0 else carry
    return carry


@pytest.mark.parametrize("window", [1, 2, 3, 4])
def test_a_window_key_forces_the_carry_exactly_when_every_carry_entering_it_gives_the_same(window):
    from itertools import product

    from rnnadd.analyses.probe_controls import forced_carries

    forced = forced_carries(window)
    for reaches_zero in (0, 1):
        for classes in product((0, 1, 2), repeat=window):
            key = 0
            for c in classes:
                key = key * 3 + c
            key = key * 2 + reaches_zero
            outcomes = {_true_carry_from_window(classes, reaches_zero, below) for below in (0, 1)}
            assert forced[key] == (outcomes.pop() if len(outcomes) == 1 else -1), (classes, reaches_zero)


def test_window_keys_read_the_digits_at_t_and_below_and_where_the_window_reaches_position_0():
    from rnnadd.analyses.probe_controls import window_keys

    a = np.array([[9, 5, 0, 3]], dtype=np.uint8)
    b = np.array([[3, 4, 1, 6]], dtype=np.uint8)  # sums 12 9 1 9: classes 2 1 0 1
    assert window_keys(a, b, 4, 1).tolist() == [[2 * 2 + 1, 1 * 2, 0 * 2, 1 * 2]]
    # window 2 at t = 1: classes (1, 2), reaching position 0; at t = 3: (1, 0), not reaching it.
    assert window_keys(a, b, 4, 2)[0, 1] == (1 * 3 + 2) * 2 + 1
    assert window_keys(a, b, 4, 2)[0, 3] == (1 * 3 + 0) * 2
    assert window_keys(a, b, 4, 2)[0, 0] == (2 * 3 + 0) * 2 + 1  # below position 0: class 0


def test_the_table_is_the_best_function_of_the_window_digits_and_beats_the_linear_windows():
    """Fitted on random sums, the table gives the carry wherever the window's digits force it, and
    is right on the non-local positions as often as the digits allow (t to t-2 decide 95% of them),
    where the linear windows are at chance."""
    from rnnadd.analyses.probe_controls import ProbeSets, digit_controls, fit_window_table, forced_carries, window_keys

    sets = ProbeSets(5, 2000, [1, 2, 3])
    for w in (1, 2, 3, 4):
        table = fit_window_table(window_keys(sets.fit.a, sets.fit.b, sets.positions, w), sets.fit_y, w)
        forced = forced_carries(w)
        assert (table[forced >= 0] == forced[forced >= 0]).all()
        free = np.flatnonzero(forced < 0)  # the one key the digits leave open: the fit sums' majority
        keys = window_keys(sets.fit.a, sets.fit.b, sets.positions, w).reshape(-1)
        assert free.tolist() == [3 ** w - 1]  # every position a 9-sum ((3^w - 1) / 2), above position 0
        labels = sets.fit_y[keys == free[0]]
        assert table[free[0]] == (int(labels.mean() > 0.5) if len(labels) else 0)  # unseen: 0
        assert len(labels) > 0 or w >= 3  # 9-sums at t .. t-w+1 above position 0: in 1 of 10^w
    scores = digit_controls(sets)
    assert scores["digits_nonlocal_table3"] > 0.95 and scores["digits_nonlocal_table4"] == 1.0
    assert max(scores[f"digits_nonlocal_window{w}"] for w in (1, 2, 3)) < 0.6
    assert scores["digits_table4"] == 1.0  # operands of 4 digits: the digits at t to t-3 are all of them
    for k in (1, 2, 3):
        assert scores[f"digits_chain{k}_table{k + 1}"] == 1.0  # a chain shorter than the window: decided
        assert abs(scores[f"digits_chain{k}_table{k}"] - 0.5) < 0.05  # as long: a coin
    for w in (1, 2, 3, 4):
        assert abs(scores[f"digits_beyond_table{w}"] - 0.5) < 0.05


@pytest.mark.parametrize("maxlen", [4, 5, 12])
def test_beyond_positions_carry_through_at_least_four_nine_sums_decided_by_a_fair_coin(maxlen):
    from rnnadd.analyses.probe_controls import beyond_length, beyond_window_set

    data, t = beyond_window_set(maxlen, 4000)
    length = beyond_length(maxlen)
    assert length == max(maxlen, 6) and data.a.shape == (4000, length + 1)
    rows, sums = np.arange(len(t)), data.a.astype(int) + data.b
    assert (t >= 4).all() and (t <= length - 2).all()
    assert set(t) == set(range(4, length - 1))
    for back in range(4):
        assert (sums[rows, t - back] == 9).all()
    chain = np.array([next(k for k in range(1, ti + 1) if sums[r, ti - k] != 9) for r, ti in zip(rows, t)])
    assert (chain >= 4).all() and (chain <= t).all()
    if maxlen == 12:
        assert set(chain) == set(range(4, 11))  # every chain that fits
    carry = carry_bits(data.a, data.b)[rows, t]
    assert (carry == (sums[rows, t - chain] >= 10)).all()
    assert 0.47 < carry.mean() < 0.53
    assert (data.a[:, length - 1:] == 0).all()
    again, t_again = beyond_window_set(maxlen, 4000)
    assert np.array_equal(again.a, data.a) and np.array_equal(t_again, t)


def test_a_state_holding_the_carry_is_right_beyond_the_window_and_one_of_the_last_four_digits_is_not():
    from rnnadd.analyses.probe_controls import ProbeSets, probe_states

    sets = ProbeSets(5, 600, [])

    def carry_state(data, positions):
        return [carry_bits(data.a, data.b)[:, :positions, None].astype(float)]

    def digits_state(data, positions):  # the one-hot digits at t .. t-3: no carry from below them
        return [digit_window_features(data.a, data.b, positions, 4)]

    held = probe_states(sets, carry_state, "probe", 1)
    assert held["probe_beyond_layer1"] == 1.0 and held["probe_nonlocal_layer1"] == 1.0
    windows = probe_states(sets, digits_state, "probe", 1)
    assert abs(windows["probe_beyond_layer1"] - 0.5) < 0.07


def test_the_paired_chain_accuracy_counts_a_sum_only_with_its_own_control():
    from rnnadd.analyses.chains import evaluate_chain_pair, paired_accuracy

    assert paired_accuracy([True, True, False, True], [True, False, True, True]) == 0.5
    with pytest.raises(ValueError, match="paired with a control"):
        paired_accuracy([True], [True, False])
    for chain in (1, 7):
        pair = evaluate_chain_pair(StubAdder(drop_after=5), SETTINGS, None, 200, chain, 100)
        assert pair == {"chain_accuracy": chain_scores(StubAdder(drop_after=5), chain, True)["chain_accuracy"],
                        "nocarry_accuracy": 1.0, "paired_accuracy": 1.0 if chain <= 5 else 0.0}
