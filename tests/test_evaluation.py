"""Evaluation on long sums, and the `add` / `evaluate` commands on a really trained model."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import REPO
from rnnadd.core.checkpoint import load_checkpoint
from rnnadd.core.data import digits_to_string
from rnnadd.core.evaluation import evaluate_lengths, length_test_set, predict_digits
from rnnadd.core.settings import Settings

sys.set_int_max_str_digits(0)  # exact checks on 10,000-digit numbers


class HandAdder(torch.nn.Module):
    """Adds digit by digit with a carry, as the network should; ``forget_after`` breaks it.

    Same interface as AdderModel: (positions, batch) digits in, logits and state out.
    """

    def __init__(self, forget_after=None):
        super().__init__()
        self.forget_after = forget_after

    def forward(self, a, b, state=None):
        carry = torch.zeros(a.shape[1], dtype=torch.long)
        digits = []
        for position in range(a.shape[0]):
            if self.forget_after is not None and position >= self.forget_after:
                carry = torch.zeros_like(carry)  # drops every carry from here on
            column = a[position] + b[position] + carry
            digits.append(column % 10)
            carry = column // 10
        return 10.0 * F.one_hot(torch.stack(digits), 10).float(), None


STATELESS = Settings.from_dict({"hidden_mode": "default", "batch": 200})


def test_length_test_sets_have_exactly_l_minus_1_digit_operands_and_exact_sums():
    data = length_test_set(50, 200)
    assert data.a.shape == (200, 51)
    for a, b, total in zip(data.a, data.b, data.sum):
        x, y = int(digits_to_string(a)), int(digits_to_string(b))
        assert len(str(x)) == len(str(y)) == 49
        assert int(digits_to_string(total)) == x + y
    # Paired across runs, and a larger set starts with a smaller one.
    assert np.array_equal(length_test_set(50, 100).a, data.a[:100])
    assert not np.array_equal(length_test_set(50, 200, seed=1).a, data.a)
    # Digits are uniform: every digit appears, top digits are never 0.
    assert set(np.unique(data.a[:, :49])) == set(range(10))
    assert data.a[:, 48].min() >= 1 and data.b[:, 48].min() >= 1


def test_a_perfect_adder_scores_one_at_1000_digits_and_a_broken_one_does_not():
    perfect = evaluate_lengths(HandAdder(), STATELESS, None, [10, 1000], examples=300)
    assert perfect[1000]["accuracy"] == 1.0 and perfect[1000]["digit_accuracy"] == 1.0
    assert perfect[1000]["position_accuracy"] == [1.0] * 1001

    broken = evaluate_lengths(HandAdder(forget_after=600), STATELESS, None, [10, 1000], examples=300)
    assert broken[10]["accuracy"] == 1.0  # short sums never reach the flaw
    assert broken[1000]["accuracy"] < 0.6  # about half the sums carry into position 600
    positions = broken[1000]["position_accuracy"]
    assert min(positions[:600]) == 1.0 and positions[600] < 0.7


class StateEcho(torch.nn.Module):
    """Writes, at every position, the last digit of its starting state's first unit."""

    def forward(self, a, b, state):
        row_digit = state[0, :, 0].long() % 10
        return 10.0 * F.one_hot(row_digit.expand(a.shape[0], -1), 10).float(), state


def test_example_i_starts_from_row_i_mod_batch_of_the_carried_state_whatever_the_chunk():
    batch = 7
    carried = torch.arange(batch, dtype=torch.float32).reshape(1, batch, 1).expand(2, batch, 3)
    settings = Settings.from_dict({"hidden_mode": "carry", "batch": batch, "layers": 2, "hidden": 3})
    for length in (5, 100_000):  # chunks of the batch size, and of 4 (memory bound)
        n = 30
        zeros = np.zeros((n, length), dtype=np.uint8)
        predicted = predict_digits(StateEcho(), settings, carried, zeros, zeros)
        assert list(predicted[:, 0]) == [i % batch for i in range(n)]


ENV = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}


@pytest.fixture(scope="module")
def trained_checkpoint(tmp_path_factory):
    """A 2-layer RNN trained for a few seconds at maxlen 5 (exact match about 0.99)."""
    out = tmp_path_factory.mktemp("adder")
    (out / "run.yaml").write_text("maxlen: 5\nlr: 0.01\nhidden_mode: zero\nsteps: 300\n"
                                  "eval_every: 100\ntrain_size: 60000\n")
    subprocess.run([sys.executable, "-m", "rnnadd", "train", "--settings", str(out / "run.yaml"),
                    "--seed", "0", "--out", str(out)], check=True, capture_output=True,
                   env=ENV)
    return out / "seed0.pt"


def rnnadd(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "rnnadd", *args], input=stdin, text=True,
                          capture_output=True, env=ENV)


def test_add_gets_1234_plus_4321_right_and_reads_pairs_from_stdin(trained_checkpoint):
    result = rnnadd("add", "--checkpoint", str(trained_checkpoint), "1234", "4321")
    assert result.returncode == 0, result.stderr
    assert "model: 5555" in result.stdout and "true:  5555" in result.stdout
    assert "right" in result.stdout

    lines = rnnadd("add", "--checkpoint", str(trained_checkpoint), "--json",
                   stdin="1234 4321\n\n0 0\n9999 1\n")
    assert lines.returncode == 0, lines.stderr
    objects = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [(o["a"], o["b"], o["true"]) for o in objects] == \
        [("1234", "4321", "5555"), ("0", "0", "0"), ("9999", "1", "10000")]
    assert {"a", "b", "predicted", "true", "correct"} <= set(objects[0])
    assert objects[0]["predicted"] == "5555" and objects[0]["correct"] is True
    for o in objects:  # 'correct' says whether the model's sum is the true one
        assert o["correct"] == (o["predicted"] == o["true"])


def test_add_handles_10000_digit_operands_exactly(trained_checkpoint):
    rng = np.random.default_rng(5)
    a = "".join(map(str, rng.integers(1, 10, 10_000)))
    b = "".join(map(str, rng.integers(0, 10, 9_998)))
    result = rnnadd("add", "--checkpoint", str(trained_checkpoint), "--json", a, b)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["true"] == str(int(a) + int(b))
    assert answer["correct"] == (answer["predicted"] == answer["true"])
    assert answer["correct"] == (answer["wrong_positions"] == [])


@pytest.mark.parametrize("operands, message", [
    (["12a4", "5"], "'12a4' is not a non-negative whole number"),
    (["3", "-5"], "'-5' is not a non-negative whole number"),
])
def test_a_bad_operand_exits_non_zero_with_a_message(trained_checkpoint, operands, message):
    result = rnnadd("add", "--checkpoint", str(trained_checkpoint), *operands)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""  # checked before any sum is printed


@pytest.mark.parametrize("operands, lines, message", [
    (["1.5", "3"], "", "'1.5' is not a non-negative whole number"),
    (["", "3"], "", "'' is not a non-negative whole number"),
    (["١٢", "3"], "", "is not a non-negative whole number"),  # non-ASCII digits
    (["12"], "", "operands come in pairs"),
    ([], "1 2\n3 4 5\n", "standard input, line 2: expected two numbers"),
    ([], "\n", "no operands"),
])
def test_operands_are_checked_before_the_model_is_loaded(tmp_path, operands, lines, message):
    import io

    from rnnadd.core.evaluation import OperandError
    from rnnadd.ops.cli import add_command

    with pytest.raises(OperandError, match=message):
        add_command(tmp_path / "never-read.pt", operands, False, stdin=io.StringIO(lines))


def test_a_missing_checkpoint_is_named(tmp_path):
    result = rnnadd("add", "--checkpoint", str(tmp_path / "nothing.pt"), "1", "2")
    assert result.returncode != 0 and f"{tmp_path / 'nothing.pt'}: no such file; give a trained model" in result.stderr


def test_evaluate_prints_one_json_line_matching_the_library(trained_checkpoint):
    result = rnnadd("evaluate", "--checkpoint", str(trained_checkpoint), "--length", "8",
                    "--examples", "300", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    line = json.loads(result.stdout)
    assert line["length"] == 8 and line["examples"] == 300 and len(line["position_accuracy"]) == 9
    checkpoint = load_checkpoint(trained_checkpoint)
    expected = evaluate_lengths(checkpoint.model, checkpoint.settings, checkpoint.state, [8], 300, seed=3)[8]
    assert line["accuracy"] == expected["accuracy"]
    assert line["position_accuracy"] == expected["position_accuracy"]
    assert line["digit_accuracy"] == pytest.approx(np.mean(line["position_accuracy"]))
    bad = rnnadd("evaluate", "--checkpoint", str(trained_checkpoint), "--length", "1")
    assert bad.returncode != 0 and "--length must be at least 2" in bad.stderr


@pytest.mark.parametrize("options, message", [
    (["--length", "1"], "error: --length must be at least 2 (got 1)\n"),
    (["--length", "10", "--examples", "0"], "error: --examples must be at least 1 (got 0)\n"),
    (["--length", "1000000000"], "error: --length 1000000000 with --examples 1000: the sums need about "),
    (["--length", "50", "--examples", "1000000000000"], "error: --length 50 with --examples 1000000000000: "
                                                        "the sums need about "),
])
def test_evaluate_names_the_one_wrong_option_and_refuses_sums_that_cannot_fit(trained_checkpoint, options, message,
                                                                           capsys):
    from rnnadd.ops.cli import main

    assert main(["evaluate", "--checkpoint", str(trained_checkpoint), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err
    if "need about" in message:
        assert "of memory (estimate), more than this machine's" in err and "smaller" in err


def test_analysis_jobs_too_big_for_this_machine_are_refused_when_the_config_is_read(tmp_path):
    """The analyses' sizes are bounded by the same kind of measured estimate as training."""
    import yaml

    from rnnadd.ops.workflowconfig import ConfigError, analysis_memory, load

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    estimates = dict(analysis_memory(load(config).study))
    assert all(300 < mb < 2000 for mb in estimates.values()), estimates  # the study's: small
    for entry in ({"length_cells": {"test_lengths": [10, 100, 1000, 100_000_000]}},
                  {"probe_layers": {"examples": 2_000_000_000}}):
        config = yaml.safe_load((REPO / "config.yaml").read_text())
        for name, change in entry.items():
            config["experiments"][name].update(change)
        with pytest.raises(ConfigError, match=rf"experiments\.{name} \(.*\): one analysis job needs about "
                                              r".* of memory \(estimate\), more than this machine's"):
            load(config, memory_mb=24_000)


@pytest.mark.parametrize("case, words", [
    ("settings_missing", "nothing.yaml: no such settings file (YAML or JSON)\n"),
    ("settings_binary", "model.pt: not a text file (a settings file is YAML or JSON)\n"),
    ("settings_list", "list.yaml: holds a list, not a mapping of settings\n"),
    ("train_is_a_csv", "seed0.csv: not a dataset file (a .csv file; datasets are .npz); give a dataset file"),
    ("train_is_a_folder", ": is a folder, not a dataset file; give a dataset file"),
    ("dataset_of_another_maxlen", ": made for maxlen 3, expected 5; give a dataset file written by"),
])
def test_train_names_a_wrong_file_and_what_to_give_never_to_delete_it(case, words, tmp_path, capsys):
    """Files named on train's command line are the user's: one line, exit 2, no deletion advice."""
    from rnnadd.ops.cli import main

    good = tmp_path / "run.yaml"
    good.write_text("maxlen: 5\nsteps: 4\neval_every: 2\ntrain_size: 400\ntest_size: 50\nbatch: 50\n")
    (tmp_path / "model.pt").write_bytes(bytes(range(128, 256)))
    (tmp_path / "list.yaml").write_text("- 1\n")
    (tmp_path / "seed0.csv").write_text("step,loss\n")
    (tmp_path / "folder").mkdir()
    assert main(["make-dataset", "--maxlen", "3", "--seed", "0", "--train-size", "400", "--test-size", "50",
                 "--out", str(tmp_path / "len3")]) == 0
    settings = {"settings_missing": "nothing.yaml", "settings_binary": "model.pt",
                "settings_list": "list.yaml"}.get(case, "run.yaml")
    data = {"train_is_a_csv": ["--train", "seed0.csv", "--test", "seed0.csv"],
            "train_is_a_folder": ["--train", "folder", "--test", "folder"],
            "dataset_of_another_maxlen": ["--data", "len3"]}.get(case, [])
    data = [str(tmp_path / value) if not value.startswith("--") else value for value in data]
    code = main(["train", "--settings", str(tmp_path / settings), "--seed", "0", *data,
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and words in err and err.count("\n") == 1, err
    assert "delete" not in err and "rm " not in err
