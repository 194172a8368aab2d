"""The carry probe: it finds a planted carry, not one in noise; per-layer states are the model's."""

import numpy as np
import pytest
import torch

from rnnadd.analyses.probe import carry_bits, layer_outputs, probe_accuracy, probe_model
from rnnadd.core.data import make_set
from rnnadd.core.evaluation import starting_state
from rnnadd.core.model import AdderModel, draw_initial_state
from rnnadd.core.settings import Settings


def carries(seed, n=1000, maxlen=6):
    data = make_set(maxlen, "iid", "test", seed, n)
    return carry_bits(data.a, data.b)[:, :maxlen - 1].reshape(-1)


def test_carry_bits_are_the_carries_of_long_addition():
    a = np.array([[9, 9, 0, 5, 0]], dtype=np.uint8)  # 5099 + 0001 = 05100
    b = np.array([[1, 0, 0, 0, 0]], dtype=np.uint8)
    assert carry_bits(a, b).tolist() == [[1, 1, 0, 0, 0]]


def test_probe_recovers_a_carry_planted_in_one_unit_and_fails_on_noise():
    rng = np.random.default_rng(0)
    fit_labels, score_labels = carries(1), carries(2)
    assert 0.3 < fit_labels.mean() < 0.6  # both classes well represented

    def states(labels, planted):
        noise = rng.normal(size=(labels.size, 32))
        if planted:
            noise[:, 7] = 3.0 * labels + 0.5 * rng.normal(size=labels.size)  # unit 7 holds the carry
        return noise

    planted = probe_accuracy(states(fit_labels, True), fit_labels, states(score_labels, True), score_labels)
    noise = probe_accuracy(states(fit_labels, False), fit_labels, states(score_labels, False), score_labels)
    majority = max(score_labels.mean(), 1 - score_labels.mean())
    assert planted > 0.99
    assert noise < majority + 0.02  # no better than always guessing the commoner bit


@pytest.mark.parametrize("cell, mode", [("rnn", "carry"), ("lstm", "zero"), ("gru", "carry"),
                                        ("rnn", "default")])
def test_layer_by_layer_states_give_exactly_the_models_output(cell, mode):
    settings = Settings.from_dict({"cell": cell, "hidden_mode": mode, "layers": 3, "hidden": 12,
                                   "embedding": 5, "batch": 8, "nonlinearity": "tanh"})
    torch.manual_seed(0)
    model = AdderModel.from_settings(settings).eval()
    saved = draw_initial_state(settings, 0) if mode == "carry" else None
    data = make_set(5, "iid", "test", 0, 20)
    outputs = layer_outputs(model, settings, saved, data.a, data.b)
    assert len(outputs) == 3 and outputs[0].shape == (6, 20, 12)
    with torch.inference_mode():
        a, b = (torch.from_numpy(x.T.copy()).long() for x in (data.a, data.b))
        logits, _ = model(a, b, starting_state(settings, saved, 0, 20))
        assert torch.equal(model.readout(outputs[-1]), logits)
    assert not torch.equal(outputs[0], outputs[1])


def test_probe_of_a_model_names_every_layer_and_the_baseline():
    settings = Settings.from_dict({"layers": 2, "hidden": 8, "embedding": 4, "maxlen": 4, "batch": 16})
    torch.manual_seed(0)
    model = AdderModel.from_settings(settings).eval()
    result = probe_model(model, settings, draw_initial_state(settings, 0), examples=300)
    assert list(result) == ["probe_layer1", "probe_layer2", "probe_input_baseline"]
    # The baseline is right unless the column's digits sum to 9 (one time in ten).
    assert 0.9 < result["probe_input_baseline"] < 0.99
    assert all(0.0 <= v <= 1.0 for v in result.values())


def test_the_probe_kind_measures_a_checkpoint_with_probe_model_and_names_its_metrics():
    from types import SimpleNamespace

    from rnnadd.study.kinds import KINDS

    kind = KINDS["probe"]
    settings = Settings.from_dict({"layers": 2, "hidden": 8, "embedding": 4, "maxlen": 4, "batch": 16})
    torch.manual_seed(0)
    model = AdderModel.from_settings(settings).eval()
    state = draw_initial_state(settings, 0)
    checkpoint = SimpleNamespace(model=model, settings=settings, state=state)
    options = kind.job_options(kind.path_part({"examples": 300}))
    measured = kind.measure(checkpoint, options, None)
    assert measured == probe_model(model, settings, state, examples=300)
    assert list(measured) == kind.run_metrics(settings, options)


def test_the_probe_kind_refuses_a_model_without_recurrent_layer_naming_where_cell_none_comes_from():
    from rnnadd.study.plan import StudyError, load_study

    config = {"seeds": [0], "experiments": {"p": {"kind": "probe", "sweep": {
        "cell": [{"label": "plain", "set": {"cell": "rnn"}}, {"label": "none", "set": {"cell": "none"}}]}}}}
    with pytest.raises(StudyError) as error:
        load_study(config)
    assert str(error.value) == ("experiments.p.sweep.cell: a probe reads the recurrent layers' hidden state; "
                                "cell none has no recurrent layer (cell=none)")


def test_the_probe_of_made_up_states_is_the_jobs_probe_of_a_network():
    """probe_states_with_controls (through which tests/test_adversaries.py runs made-up states) gives
    a network's states exactly what the probe_controls job's probe_with_controls gives."""
    from rnnadd.analyses.probe_controls import probe_states_with_controls, probe_with_controls, untrained_network

    settings = Settings.from_dict({"maxlen": 5, "hidden": 8, "embedding": 4, "layers": 2, "batch": 20})
    model, state = untrained_network(settings, 0)
    other, other_state = untrained_network(settings, 1)

    def states(net, start):
        def of(data, positions):
            return [out[:positions].transpose(0, 1).double().numpy()
                    for out in layer_outputs(net, settings, start, data.a, data.b)]
        return of

    assert probe_states_with_controls(states(model, state), states(other, other_state), 2, 5, 150, [3]) == \
        probe_with_controls(model, settings, state, other, other_state, 150, [3])
