"""Model, hidden-state modes, optimiser and deterministic training (real, small runs)."""

import json
import math
import subprocess
import sys

import pytest
import torch

from conftest import REPO
from rnnadd.core.data import make_set
from rnnadd.core.metrics import rows_to_csv
from rnnadd.core.model import AdderModel, draw_initial_state
from rnnadd.core.settings import Settings, SettingsError
from rnnadd.core.training import Trainer, train_run


def small(**changes):
    values = dict(maxlen=5, steps=40, eval_every=10, train_size=4000, test_size=400,
                  hidden=32, embedding=16, batch=100, lr=0.01)
    values.update(changes)
    return Settings.from_dict(values)


def data_for(settings, seed=0):
    return (make_set(settings.maxlen, settings.split, "train", seed, settings.train_size),
            make_set(settings.maxlen, settings.split, "test", seed, settings.test_size))


def csv_of(settings, seed=0):
    return rows_to_csv(train_run(settings, seed, *data_for(settings, seed)).rows)


RECORDED = json.loads((REPO / "tests" / "data" / "tiny_runs.json").read_text())


@pytest.mark.parametrize("variant", sorted(RECORDED))
def test_tiny_runs_give_the_bytes_recorded_before_the_refactor(variant):
    """Metrics CSV, run name, long-sum scores and `add` answers as at 026ad81 (tests/data/record.py).

    One run per hidden-state mode, cell, schedule and a diverging one: any
    change to training, evaluation or the hidden-state policy that moves a
    single bit fails here, as it would make `verify` fail on the study.
    """
    from rnnadd.core.evaluation import add_pairs, evaluate_set, length_test_set

    recorded = RECORDED[variant]
    settings = Settings.from_dict(recorded["settings"])
    result = train_run(settings, 3, *data_for(settings, seed=3))
    assert settings.run_id() == recorded["run_id"]
    assert rows_to_csv(result.rows) == recorded["csv"]
    trainer = result.trainer
    assert evaluate_set(trainer.model, settings, trainer.state, length_test_set(7, 45, 0)) == recorded["length7"]
    assert add_pairs(trainer.model, settings, trainer.state,
                     [("98", "7"), ("123", "999"), ("0", "0")]) == recorded["add"]


def test_default_and_zero_modes_give_byte_identical_metrics():
    default = csv_of(small(hidden_mode="default"))
    zero = csv_of(small(hidden_mode="zero"))
    assert default == zero
    assert default != csv_of(small(hidden_mode="carry"))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_carry_mode_trains_and_really_carries_the_state(cell):
    settings = small(cell=cell, hidden_mode="carry", steps=6, eval_every=3)
    trainer = Trainer(settings, 0, *data_for(settings))
    seen = []

    def record(module, inputs, outputs):
        if torch.is_grad_enabled():  # training calls only, not evaluation
            seen.append((inputs[1], outputs[1]))

    trainer.model.recurrent.register_forward_hook(record)
    initial = trainer.state
    for _ in range(5):  # the original code crashed on step 3
        loss = trainer.train_step(trainer.next_batch())
        assert math.isfinite(float(loss))
    as_tuple = lambda s: s if isinstance(s, tuple) else (s,)  # noqa: E731
    for given, drawn in zip(as_tuple(seen[0][0]), as_tuple(initial)):
        assert torch.equal(given, drawn)
    for step in range(1, 5):
        for given, previous_final in zip(as_tuple(seen[step][0]), as_tuple(seen[step - 1][1])):
            assert torch.equal(given, previous_final)  # same values...
            assert not given.requires_grad  # ...detached: truncated back-propagation


def test_evaluation_starts_from_the_carried_state_and_leaves_it_alone():
    settings = small(steps=10, eval_every=5, test_size=250)  # a short last chunk too
    trainer = Trainer(settings, 0, *data_for(settings))
    for _ in range(3):
        trainer.train_step(trainer.next_batch())
    before = trainer.state.clone()
    first = trainer.evaluate()
    assert torch.equal(trainer.state, before)
    assert trainer.evaluate() == first
    trainer.state = torch.zeros_like(before)
    assert trainer.evaluate() != first  # the carried state is really used


@pytest.mark.parametrize("kind, check", [
    ("normal", lambda t, fan_in, fan_out: abs(t.std() - 1) < 0.02),
    ("normal_x10", lambda t, fan_in, fan_out: abs(t.std() - 10) < 0.2),
    ("zeros", lambda t, fan_in, fan_out: t.abs().max() == 0),
    ("xavier_uniform", lambda t, fan_in, fan_out: _uniform(t, math.sqrt(6 / (fan_in + fan_out)))),
    ("kaiming_uniform", lambda t, fan_in, fan_out: _uniform(t, math.sqrt(6 / fan_in))),
])
def test_initial_state_draws_have_the_right_scale(kind, check):
    settings = Settings.from_dict(dict(h0_init=kind, layers=3, batch=200, hidden=64))
    state = draw_initial_state(settings, seed=0)
    assert state.shape == (3, 200, 64)
    # torch's fans for a (layers, batch, hidden) tensor
    assert check(state, fan_in=200 * 64, fan_out=3 * 64)
    lstm = draw_initial_state(Settings.from_dict(dict(h0_init=kind, cell="lstm")), seed=0)
    assert isinstance(lstm, tuple) and len(lstm) == 2 and lstm[0].shape == lstm[1].shape


def _uniform(tensor, bound):
    return tensor.abs().max() <= bound and tensor.abs().max() > 0.99 * bound \
        and abs(tensor.std() - bound / math.sqrt(3)) < 0.02 * bound


def test_same_settings_and_seed_give_identical_csv_in_separate_processes(tmp_path):
    settings_file = tmp_path / "run.yaml"
    settings_file.write_text("maxlen: 4\nsteps: 30\neval_every: 10\ntrain_size: 2000\ntest_size: 300\n"
                             "lr: 0.01\nlr_milestones: [15]\nlr_gamma: 0.5\n")
    outputs = []
    for name in ("first", "second"):
        result = subprocess.run([sys.executable, "-m", "rnnadd", "train", "--settings", str(settings_file),
                                 "--seed", "3", "--out", str(tmp_path / name)],
                                cwd=REPO, env={"PYTHONPATH": str(REPO / "workflow"), "PATH": ""},
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout.splitlines()[-1])["seed"] == 3
        outputs.append((tmp_path / name / "seed3.csv").read_bytes())
        timing = json.loads((tmp_path / name / "seed3.timing.json").read_text())
        assert {"step_ms", "data_ms_per_step", "eval_s", "total_s"} <= set(timing)
    assert outputs[0] == outputs[1]
    header, *rows = outputs[0].decode().splitlines()
    assert header == "step,loss,test_loss,accuracy,digit_accuracy,lr,diverged"
    assert [r.split(",")[0] for r in rows] == ["0", "10", "20", "30"]
    assert [float(r.split(",")[5]) for r in rows] == [0.01, 0.01, 0.005, 0.005]  # schedule applied
    assert "time" not in header and "_s" not in header  # no wall-clock in metrics
    other_seed = csv_of(Settings.from_dict(dict(maxlen=4, steps=30, eval_every=10, train_size=2000,
                                                test_size=300, lr_milestones=[15], lr_gamma=0.5)), seed=4)
    assert other_seed.encode() != outputs[0]


def test_rnn_learns_addition_to_90_percent_within_300_steps():
    settings = Settings.from_dict(dict(maxlen=5, layers=2, nonlinearity="relu", hidden_mode="zero",
                                       lr=0.01, steps=300, eval_every=50, train_size=60000))
    result = train_run(settings, 0, *data_for(settings))
    assert result.rows[0]["accuracy"] < 0.05
    assert max(row["accuracy"] for row in result.rows) >= 0.9
    assert not result.diverged


def test_diverging_run_completes_and_is_marked():
    settings = Settings.from_dict(dict(maxlen=5, lr=0.5, steps=200, eval_every=50, train_size=20000))
    result = train_run(settings, 0, *data_for(settings))
    assert [row["step"] for row in result.rows] == [0, 50, 100, 150, 200]  # every row is there
    assert result.diverged and result.diverged_at is not None
    last = result.rows[-1]
    assert last["diverged"] == 1 and not math.isfinite(last["loss"])
    assert "nan" in rows_to_csv(result.rows)  # recorded as it is


def test_no_recurrent_layer_model_reads_the_embedding_directly():
    model = AdderModel(cell="none", embedding=32)
    assert model.recurrent is None and model.readout.in_features == 64
    logits, state = model(torch.zeros(6, 3, dtype=torch.long), torch.zeros(6, 3, dtype=torch.long))
    assert logits.shape == (6, 3, 10) and state is None


@pytest.mark.parametrize("changes, message", [
    ({"cell": "rnnn"}, "cell: must be one of rnn, lstm, gru, none (got 'rnnn')"),
    ({"lr": -0.1}, "lr: must be a finite number above 0 (got -0.1)"),
    ({"lr": float("nan")}, "lr: must be a finite number above 0"),
    ({"maxlen": 1}, "maxlen: must be an integer of at least 2 (got 1)"),
    ({"h0_init": "he"}, "h0_init: must be one of normal, normal_x10, zeros, xavier_uniform, kaiming_uniform"),
    ({"steps": 10, "eval_every": 20}, "eval_every: must not exceed steps (10)"),
    ({"learning_rate": 0.1}, "unknown setting 'learning_rate'; allowed settings are: maxlen"),
    ({"lr_milestones": [50, 10]}, "lr_milestones: must be strictly increasing"),
])
def test_bad_settings_name_the_setting_and_the_allowed_values(changes, message):
    with pytest.raises(SettingsError) as error:
        Settings.from_dict(changes)
    assert message in str(error.value)


def test_run_names_are_readable_stable_and_ignore_inert_settings():
    a = Settings.from_dict(dict(cell="lstm", nonlinearity="tanh", maxlen=7))
    b = Settings.from_dict(dict(cell="lstm", nonlinearity="relu", maxlen=7))
    assert a.run_id() == b.run_id()
    assert a.run_id().startswith("lstm_2x64_carry-normal_len7_lr0.001_1000steps_")
    assert Settings.from_dict(dict(maxlen=7)).run_id() != a.run_id()
    assert Settings.from_dict(dict(hidden_mode="zero", h0_init="zeros")).run_id() == \
        Settings.from_dict(dict(hidden_mode="zero")).run_id()


def _start_states(settings, steps=4):
    """The state each of the first `steps` training batches starts from, and the trainer."""
    trainer = Trainer(settings, 0, *data_for(settings))
    seen = []

    def record(module, inputs, outputs):
        if torch.is_grad_enabled():
            seen.append(inputs[1])

    trainer.model.recurrent.register_forward_hook(record)
    for _ in range(steps):
        trainer.train_step(trainer.next_batch())
    return seen, trainer


def test_frozen_mode_starts_every_batch_and_evaluation_from_the_first_draw():
    settings = small(hidden_mode="frozen")
    seen, trainer = _start_states(settings)
    first = draw_initial_state(settings, seed=0)
    assert all(torch.equal(start, first) for start in seen)
    assert torch.equal(trainer.state, first)  # evaluation and the checkpoint use it too
    assert csv_of(settings) not in (csv_of(small(hidden_mode="zero")), csv_of(small(hidden_mode="carry")))


def test_fresh_mode_draws_a_new_start_for_each_batch_and_evaluates_from_the_first():
    settings = small(hidden_mode="fresh")
    seen, trainer = _start_states(settings)
    first = draw_initial_state(settings, seed=0)
    assert len({tuple(start.flatten()[:5].tolist()) for start in seen}) == len(seen)  # all different
    assert all(abs(float(start.std()) - 1) < 0.05 for start in seen)  # drawn as h0_init says
    assert not any(torch.equal(start, first) for start in seen)
    assert torch.equal(trainer.state, first)
    assert csv_of(settings) == csv_of(settings)  # the draws are seeded


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_carry_bptt_mode_carries_the_state_with_its_gradient_through_one_previous_batch(cell):
    settings = small(cell=cell, hidden_mode="carry_bptt", steps=6, eval_every=3)
    trainer = Trainer(settings, 0, *data_for(settings))
    inputs = []

    def record(module, given, outputs):
        if torch.is_grad_enabled():
            inputs.append((given[1], outputs[1]))

    trainer.model.recurrent.register_forward_hook(record)
    as_tuple = lambda s: s if isinstance(s, tuple) else (s,)  # noqa: E731
    trainer.train_step(trainer.next_batch())
    assert len(inputs) == 1 and not as_tuple(inputs[0][0])[0].requires_grad  # step 1: the first draw
    trainer.train_step(trainer.next_batch())
    # step 2: the previous batch again (from its detached start), then this batch from its end
    assert len(inputs) == 3
    rerun_start, rerun_end = inputs[1]
    this_start, _ = inputs[2]
    for rerun, first in zip(as_tuple(rerun_start), as_tuple(inputs[0][0])):
        assert torch.equal(rerun, first) and not rerun.requires_grad
    for given, end in zip(as_tuple(this_start), as_tuple(rerun_end)):
        assert given is end and given.requires_grad  # the gradient reaches the previous batch
    carried = csv_of(small(cell=cell, hidden_mode="carry", steps=6, eval_every=3))
    assert csv_of(settings) != carried


def test_puzzle_modes_name_their_draw_and_keep_the_report_modes_names():
    names = {mode: small(hidden_mode=mode).run_id() for mode in ("frozen", "fresh", "carry_bptt")}
    assert names["frozen"].startswith("rnn-relu_2x32_frozen-normal_len5")
    assert names["fresh"].startswith("rnn-relu_2x32_fresh-normal_len5")
    assert names["carry_bptt"].startswith("rnn-relu_2x32_carry_bptt-normal_len5")
    # h0_init matters in every drawn mode, and in no other
    for mode in ("frozen", "fresh", "carry_bptt"):
        assert small(hidden_mode=mode, h0_init="zeros").run_id() != names[mode]
    assert small(hidden_mode="zero", h0_init="zeros").run_id() == small(hidden_mode="zero").run_id()
