"""A probe of the carry with controls: where the carry is not decided locally, and what a probe
reads from an untrained network or from the input digits alone.

The carry out of position t is c_t = 1 if s_t >= 10, 0 if s_t <= 8, and
c_{t-1} if s_t = 9, where s_t = a_t + b_t.  So the digits at t decide it unless
s_t = 9; the digits at t and t-1 decide it unless s_t = s_{t-1} = 9 and t >= 2
(at t = 1 the carry into position 0 is 0, so s_1 = s_0 = 9 still decides it).
Those positions, **non-local** here, are where a probe must read something the
digits around t do not give: the carry that arrived from further down.  In
random sums they are about 1% of the positions at t >= 2, so they are scored on
a set of their own: sums drawn uniformly and then given s_t = s_{t-1} = 9 at
one random t >= 2 (the digits below t-1 stay uniform, so the carry there is a
fair coin: 0.45 from s_{t-2} >= 10, plus s_{t-2} = 9 cases).

By chain length: the carry out of t came through exactly K positions when
s_t = ... = s_{t-K+1} = 9 and s_{t-K} != 9 (which decides it, a fair coin: 45 of
the 90 other digit pairs carry).  The digits at t..t-w+1 decide it only for
K < w, so at K = 3 every digit window is at chance and only a state that
carried the carry up the chain can give it.  Each K is scored on sums of its
own (``chain_probe_set``), t drawn at random where the chain fits.

Controls, each fitted on the same sums and scored on the same positions:

- ``digits_window<w>``: a linear probe on the one-hot digits at t (w = 1), at
  t and t-1 (w = 2), at t, t-1 and t-2 (w = 3); positions below 0 are zeros.
- ``untrained_layer<k>``: the same probe on layer k of the network of the
  same shape and seed before training (torch.manual_seed(seed), as training
  builds it), started from the state the run started from.
"""

from __future__ import annotations

import numpy as np

from rnnadd.analyses.probe import carry_bits, fit_logistic, layer_outputs, probe_sets
from rnnadd.analyses.probe_names import WINDOWS, metric_names
from rnnadd.core.data import AdditionSet, add_digits

NONLOCAL_SEED = 303
CHAIN_SEED = 404


def nonlocal_positions(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(examples, positions) mask: t >= 2 with a_t + b_t = 9 and a_{t-1} + b_{t-1} = 9."""
    sums = a.astype(np.int64) + b
    mask = np.zeros(a.shape, dtype=bool)
    mask[:, 2:] = (sums[:, 2:] == 9) & (sums[:, 1:-1] == 9)
    return mask


def _uniform_operands(rng, maxlen: int, examples: int) -> tuple[np.ndarray, np.ndarray]:
    """(examples, maxlen+1) operand digits, uniform below the top two positions (maxlen-1 digits)."""
    digits = maxlen - 1
    a = np.zeros((examples, maxlen + 1), dtype=np.uint8)
    b = np.zeros((examples, maxlen + 1), dtype=np.uint8)
    a[:, :digits] = rng.integers(0, 10, size=(examples, digits), dtype=np.uint8)
    b[:, :digits] = rng.integers(0, 10, size=(examples, digits), dtype=np.uint8)
    return a, b


def nonlocal_set(maxlen: int, examples: int, seed: int = NONLOCAL_SEED) -> tuple[AdditionSet, np.ndarray]:
    """Sums of operands of up to maxlen-1 digits (uniform digits, as the iid split), each with one
    non-local position t in [2, maxlen-2]; returns the sums and each sum's t."""
    if maxlen < 4:
        raise ValueError(f"maxlen {maxlen}: operands of {maxlen - 1} digits have no position t >= 2 "
                         "below the top digit, so no non-local carry")
    rng = np.random.default_rng([seed, maxlen])
    digits = maxlen - 1
    a, b = _uniform_operands(rng, maxlen, examples)
    t = rng.integers(2, digits, size=examples)
    rows = np.arange(examples)
    for position in (t, t - 1):
        first = rng.integers(0, 10, size=examples, dtype=np.uint8)
        a[rows, position] = first
        b[rows, position] = 9 - first
    return AdditionSet(a, b, add_digits(a, b)), t


def chain_probe_set(maxlen: int, examples: int, chain: int, seed: int = CHAIN_SEED) -> tuple[AdditionSet, np.ndarray]:
    """Sums of operands of up to maxlen-1 digits, each with a position t whose carry came through
    exactly ``chain`` positions: s_t .. s_{t-chain+1} = 9, s_{t-chain} != 9; returns the sums and
    each sum's t (drawn in [chain, maxlen-2], so the deciding position holds an operand digit)."""
    digits = maxlen - 1
    if not 1 <= chain <= digits - 1:
        raise ValueError(f"chain length {chain}: operands of {digits} digits hold chains of 1 to "
                         f"{digits - 1} positions above the one that decides the carry")
    rng = np.random.default_rng([seed, maxlen, chain])
    a, b = _uniform_operands(rng, maxlen, examples)
    t = rng.integers(chain, digits, size=examples)
    rows = np.arange(examples)
    for back in range(chain):
        first = rng.integers(0, 10, size=examples, dtype=np.uint8)
        a[rows, t - back] = first
        b[rows, t - back] = 9 - first
    # The deciding position: one of the 90 digit pairs whose sum is not 9, uniformly.
    pairs = np.array([(x, y) for x in range(10) for y in range(10) if x + y != 9], dtype=np.uint8)
    drawn = pairs[rng.integers(0, len(pairs), size=examples)]
    a[rows, t - chain], b[rows, t - chain] = drawn[:, 0], drawn[:, 1]
    return AdditionSet(a, b, add_digits(a, b)), t


def digit_window_features(a: np.ndarray, b: np.ndarray, positions: int, window: int) -> np.ndarray:
    """(examples, positions, 20 * window): one-hot a and b at t, t-1, ..., t-window+1 (zeros below 0)."""
    eye = np.eye(10, dtype=np.float64)
    n = a.shape[0]
    parts = []
    for back in range(window):
        part = np.zeros((n, positions, 20))
        if back < positions:
            part[:, back:, :10] = eye[a[:, :positions - back]]
            part[:, back:, 10:] = eye[b[:, :positions - back]]
        parts.append(part)
    return np.concatenate(parts, axis=-1)


def fit_and_score(fit_features, fit_labels, scored: dict) -> dict:
    """One probe fitted on the fit positions, and its accuracy on each scored set of positions.
    Features: (rows, features); labels: (rows,); scored: name -> (features, labels)."""
    predict = fit_logistic(fit_features, fit_labels)
    return {name: float((predict(x) == y).mean()) if len(y) else float("nan") for name, (x, y) in scored.items()}


def untrained_network(settings, seed: int):
    """The run's network before training, and the state it started from (training's own draws)."""
    import torch

    from rnnadd.core.model import AdderModel, draw_initial_state, zero_state

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = AdderModel.from_settings(settings).eval()
    if settings.cell == "none" or settings.hidden_mode == "default":
        state = None
    elif settings.hidden_mode == "zero":
        state = zero_state(settings, settings.batch)
    else:
        state = draw_initial_state(settings, seed)
    return model, state


def probe_with_controls(model, settings, saved_state, untrained, untrained_state, examples: int,
                        chain_lengths=()) -> dict:
    """Every metric of ``metric_names``: probes of the trained and untrained layers and of the digit
    windows, on the random score sums, on the non-local positions and on each chain length's."""
    fit, scored = probe_sets(settings.maxlen, examples)
    # Each set of picked positions: its sums and, per sum, the position scored (the random score
    # set is scored at every operand position instead).
    picked = {"nonlocal_": nonlocal_set(settings.maxlen, examples)}
    picked.update({f"chain{k}_": chain_probe_set(settings.maxlen, examples, k) for k in chain_lengths})
    positions = settings.maxlen - 1  # those that hold operand digits; above them the carry is 0

    def labels(data):
        return carry_bits(data.a, data.b)[:, :positions]

    fit_y, score_y = labels(fit).reshape(-1), labels(scored).reshape(-1)
    picked_y = {infix: labels(data)[np.arange(len(t)), t] for infix, (data, t) in picked.items()}

    def score(fit_x, score_x, picked_x) -> dict:
        """infix -> accuracy ('' the random score set) of one probe, given (examples, positions, f) features."""
        sets = {"": (score_x.reshape(-1, score_x.shape[-1]), score_y)}
        for infix, (_, t) in picked.items():
            sets[infix] = (picked_x[infix][np.arange(len(t)), t], picked_y[infix])
        return fit_and_score(fit_x.reshape(-1, fit_x.shape[-1]), fit_y, sets)

    result = {}
    for prefix, net, state in (("probe", model, saved_state), ("untrained", untrained, untrained_state)):
        def features(data, net=net, state=state):
            return [out[:positions].transpose(0, 1).double().numpy()
                    for out in layer_outputs(net, settings, state, data.a, data.b)]

        fit_x, score_x = features(fit), features(scored)
        picked_x = {infix: features(data) for infix, (data, _) in picked.items()}
        for k in range(settings.layers):
            scores = score(fit_x[k], score_x[k], {infix: x[k] for infix, x in picked_x.items()})
            for infix, value in scores.items():
                result[f"{prefix}_{infix}layer{k + 1}"] = value
    for w in WINDOWS:
        def window(data, w=w):
            return digit_window_features(data.a, data.b, positions, w)

        scores = score(window(fit), window(scored), {infix: window(data) for infix, (data, _) in picked.items()})
        for infix, value in scores.items():
            result[f"digits_{infix}window{w}"] = value
    return {name: result[name] for name in metric_names(settings.layers, chain_lengths)}
