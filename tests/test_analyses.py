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
    assert judge_all([claim], rows)[0]["verdict"] == "holds"
    rows = _rows({"probe_nonlocal_layer1": [0.6, 0.61, 0.6, 0.62, 0.6],
                  "digits_nonlocal_window2": [0.5, 0.52, 0.49, 0.51, 0.5],
                  "untrained_nonlocal_layer1": [0.85, 0.88, 0.86, 0.87, 0.85]})
    assert judge_all([claim], rows)[0]["verdict"] == "does not hold"


# -- the jobs ------------------------------------------------------------------------

def test_analysis_jobs_read_their_options_from_their_path(tmp_path):
    from rnnadd.analyses.analysis import run_job
    from rnnadd.study.kinds import KINDS

    checkpoint = _tiny_checkpoint(tmp_path)
    out = tmp_path / "results" / "analysis" / "chains" / "n20_len60_k1-30" / "run" / "seed0.csv"
    metrics = run_job(KINDS["chains"], checkpoint, None, out, examples=20)
    assert list(metrics) == ["chain_accuracy_k1", "chain_accuracy_k30", "nocarry_accuracy_k1", "nocarry_accuracy_k30"]
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
