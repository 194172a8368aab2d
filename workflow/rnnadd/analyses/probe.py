"""Does the hidden state hold the carry?  A linear probe per recurrent layer.

The carry out of position t (1 when a_t + b_t + carry-in >= 10) is what the
network must remember to write digit t+1.  For each layer, a logistic
regression reads it from that layer's output at position t; it is fitted on
one set of sums and scored on another.  The baseline reads it from the input
digits of position t alone (one-hot a_t and b_t): right except when
a_t + b_t = 9, where the carry-in decides.

Per-layer states come from running the layers one by one: each layer's
weights are copied into a one-layer module of the same kind, fed the layer
below's outputs and the layer's own rows of the starting state.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnadd.core.data import AdditionSet, make_set
from rnnadd.core.evaluation import starting_state
from rnnadd.core.settings import Settings

# The probe's two sets of sums: uniform operands of up to maxlen-1 digits.
FIT_SEED, SCORE_SEED = 101, 202
L2 = 1e-3  # ridge on the probe weights (features are standardised)


def carry_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(examples, positions) carry out of each position."""
    carries = np.zeros(a.shape, dtype=np.uint8)
    carry = np.zeros(a.shape[0], dtype=np.int64)
    for position in range(a.shape[1]):
        carry = (a[:, position].astype(np.int64) + b[:, position] + carry) // 10
        carries[:, position] = carry
    return carries


def _single_layer(recurrent: nn.Module, layer: int) -> nn.Module:
    """Layer ``layer`` of a stacked torch RNN/LSTM/GRU as a one-layer module."""
    if isinstance(recurrent, nn.LSTM):
        single = nn.LSTM(recurrent.input_size if layer == 0 else recurrent.hidden_size,
                         recurrent.hidden_size, 1)
    elif isinstance(recurrent, nn.GRU):
        single = nn.GRU(recurrent.input_size if layer == 0 else recurrent.hidden_size,
                        recurrent.hidden_size, 1)
    else:
        single = nn.RNN(recurrent.input_size if layer == 0 else recurrent.hidden_size,
                        recurrent.hidden_size, 1, nonlinearity=recurrent.nonlinearity)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(single, f"{name}_l0").copy_(getattr(recurrent, f"{name}_l{layer}"))
    return single.eval()


@torch.inference_mode()
def layer_outputs(model, settings: Settings, saved_state, a: np.ndarray, b: np.ndarray) -> list:
    """Each recurrent layer's output, a (positions, examples, hidden) tensor, bottom first."""
    if model.recurrent is None:
        raise ValueError("cell: none has no recurrent layer to probe")
    a_t = torch.from_numpy(np.ascontiguousarray(a.T)).long()
    b_t = torch.from_numpy(np.ascontiguousarray(b.T)).long()
    x = model.embed(torch.stack((a_t, b_t), dim=-1)).flatten(2)
    state = starting_state(settings, saved_state, 0, a.shape[0])
    outputs = []
    for layer in range(settings.layers):
        single = _single_layer(model.recurrent, layer)
        if state is None:
            x, _ = single(x)
        elif isinstance(state, tuple):
            x, _ = single(x, tuple(s[layer:layer + 1].contiguous() for s in state))
        else:
            x, _ = single(x, state[layer:layer + 1].contiguous())
        outputs.append(x)
    return outputs


def fit_logistic(features: np.ndarray, labels: np.ndarray, iterations: int = 100):
    """Logistic regression on standardised features; returns a predict(features) -> 0/1."""
    x = torch.from_numpy(np.asarray(features, dtype=np.float64))
    y = torch.from_numpy(np.asarray(labels, dtype=np.float64))
    mean, std = x.mean(0), x.std(0).clamp_min(1e-8)
    x = (x - mean) / std
    weights = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights, bias], max_iter=iterations,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(x @ weights + bias, y)
        loss = loss + L2 * weights.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    w, c = weights.detach(), bias.detach()

    def predict(new_features: np.ndarray) -> np.ndarray:
        z = (torch.from_numpy(np.asarray(new_features, dtype=np.float64)) - mean) / std
        return (z @ w + c > 0).numpy().astype(np.uint8)

    return predict


def probe_accuracy(fit_features, fit_labels, score_features, score_labels) -> float:
    predict = fit_logistic(fit_features, fit_labels)
    return float((predict(score_features) == score_labels).mean())


def _one_hot_digits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    eye = np.eye(10, dtype=np.float64)
    return np.concatenate([eye[a], eye[b]], axis=-1)


def probe_sets(maxlen: int, examples: int) -> tuple[AdditionSet, AdditionSet]:
    """Fixed fit and score sums, the same for every run of that maxlen."""
    return (make_set(maxlen, "iid", "test", FIT_SEED, examples),
            make_set(maxlen, "iid", "test", SCORE_SEED, examples))


def probe_model(model, settings: Settings, saved_state, examples: int) -> dict:
    """``probe_layer<k>`` (k from 1) and ``probe_input_baseline``: accuracy on the score set.

    Positions probed: those that hold operand digits (0 .. maxlen-2); above
    them the carry is always 0.
    """
    fit, scored = probe_sets(settings.maxlen, examples)
    positions = settings.maxlen - 1

    def features_and_labels(data: AdditionSet):
        labels = carry_bits(data.a, data.b)[:, :positions].reshape(-1)
        layers = [out[:positions].transpose(0, 1).reshape(-1, out.shape[-1]).double().numpy()
                  for out in layer_outputs(model, settings, saved_state, data.a, data.b)]
        inputs = _one_hot_digits(data.a[:, :positions], data.b[:, :positions]).reshape(-1, 20)
        return layers, inputs, labels

    fit_layers, fit_inputs, fit_labels = features_and_labels(fit)
    score_layers, score_inputs, score_labels = features_and_labels(scored)
    result = {f"probe_layer{k + 1}": probe_accuracy(fit_layers[k], fit_labels,
                                                    score_layers[k], score_labels)
              for k in range(settings.layers)}
    result["probe_input_baseline"] = probe_accuracy(fit_inputs, fit_labels, score_inputs, score_labels)
    return result
