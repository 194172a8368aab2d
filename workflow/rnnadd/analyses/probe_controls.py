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
- ``digits_table<w>`` (w = 1 to 4): the best function of the digits at
  t .. t-w+1, not only a linear one: a lookup table from them to the majority
  carry of the fit sums (``fit_window_table``).  A linear probe on one-hot
  digits, fitted on random sums, cannot gate "s_t = s_{t-1} = 9, so read
  s_{t-2}": on the non-local positions it is at chance while the digits at t to
  t-2 decide 95% of them.  The table is what any state that remembers only the
  last w digit positions could give at best.

The "beyond" positions (``*_beyond_*``): the carry into t came through a chain
of K >= BEYOND_WINDOW (4) 9-sums, so no window of the controls decides it (the
table of the widest is at chance there) and a state that remembers the last
four digit positions, or fewer, is at chance too; only a state that carried
the carry up the chain gives it.  At MAXLEN 5 the operands have 4 digits, every
carry is a function of 4 digit positions and no such position exists, so these
sums have operands of max(maxlen - 1, BEYOND_WINDOW + 1) digits
(``beyond_window_set``) and their probes and tables are fitted on random sums
of the same length (one position past the training length at MAXLEN 5).
"""

from __future__ import annotations

import numpy as np

from rnnadd.analyses.probe import carry_bits, fit_logistic, layer_outputs, probe_sets
from rnnadd.analyses.probe_names import BEYOND_WINDOW, TABLE_WINDOWS, WINDOWS, metric_names
from rnnadd.core.data import AdditionSet, add_digits

NONLOCAL_SEED = 303
CHAIN_SEED = 404
BEYOND_SEED = 505


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


def beyond_length(maxlen: int, window: int = BEYOND_WINDOW) -> int:
    """The maxlen of the beyond sums: operands long enough for a chain of ``window`` 9-sums above
    a deciding position (at least window + 1 digits), and never shorter than the run's."""
    return max(maxlen, window + 2)


def beyond_window_set(maxlen: int, examples: int, window: int = BEYOND_WINDOW,
                      seed: int = BEYOND_SEED) -> tuple[AdditionSet, np.ndarray]:
    """Sums of operands of up to beyond_length(maxlen) - 1 digits, each with a position t whose carry
    came through K >= ``window`` 9-sums: s_t .. s_{t-K+1} = 9 and s_{t-K} != 9 (a fair coin: 45 of
    the 90 other digit pairs carry), t uniform in [window, digits-1] and K uniform in [window, t].
    The digits at t .. t-window+1 are all 9-sums, so none of them says whether the carry is 1."""
    length = beyond_length(maxlen, window)
    digits = length - 1
    rng = np.random.default_rng([seed, maxlen, window])
    a, b = _uniform_operands(rng, length, examples)
    t = rng.integers(window, digits, size=examples)
    chain = rng.integers(window, t + 1)
    rows = np.arange(examples)
    for back in range(int(chain.max())):
        first = rng.integers(0, 10, size=examples, dtype=np.uint8)
        inside = back < chain
        a[rows[inside], (t - back)[inside]] = first[inside]
        b[rows[inside], (t - back)[inside]] = 9 - first[inside]
    pairs = np.array([(x, y) for x in range(10) for y in range(10) if x + y != 9], dtype=np.uint8)
    drawn = pairs[rng.integers(0, len(pairs), size=examples)]
    a[rows, t - chain], b[rows, t - chain] = drawn[:, 0], drawn[:, 1]
    return AdditionSet(a, b, add_digits(a, b)), t


# -- the lookup-table control: the best function of the digits in a window ----------------
#
# The carry out of t is c_t = 1 if s_t >= 10, 0 if s_t <= 8, c_{t-1} if s_t = 9, and the carry
# into position 0 is 0.  So given the digits at t .. t-w+1, the carry depends on them only through
# each position's class (s <= 8, s = 9, s >= 10) and on whether the window reaches position 0;
# the carry into the window's lowest position depends on the digits below it alone, which are
# drawn independently of the window's in every set here.  A table over those keys (3^w * 2) is
# therefore a lookup table over the window's digits that loses nothing about the carry: fitted
# on enough sums it is the best function of the digits, the Bayes rule.  Every key but one
# (all 9-sums, window above position 0) forces the carry, and the fit sums agree with the forced
# value wherever they have the key; the one free key gets the fit sums' majority.


def window_keys(a: np.ndarray, b: np.ndarray, positions: int, window: int) -> np.ndarray:
    """(examples, positions) key of the digits at t .. t-window+1: each position's class
    (0: sum <= 8 or below position 0, 1: sum 9, 2: sum >= 10), t's most significant, then one
    bit: whether the window reaches position 0 (nothing can enter from below it)."""
    sums = a[:, :positions].astype(np.int64) + b[:, :positions]
    classes = np.where(sums >= 10, 2, np.where(sums == 9, 1, 0))
    keys = np.zeros(classes.shape, dtype=np.int64)
    for back in range(window):
        part = np.zeros(classes.shape, dtype=np.int64)
        if back < positions:
            part[:, back:] = classes[:, :positions - back]
        keys = keys * 3 + part
    reaches_zero = (np.arange(positions) - window + 1 <= 0).astype(np.int64)
    return keys * 2 + reaches_zero[None, :]


def forced_carries(window: int) -> np.ndarray:
    """Per key of ``window_keys``: the carry the window's digits force, or -1 where they force none."""
    forced = np.full(2 * 3 ** window, -1, dtype=np.int64)
    for key in range(len(forced)):
        reaches_zero, rest = key % 2, key // 2
        classes = [(rest // 3 ** (window - 1 - back)) % 3 for back in range(window)]  # t first
        decided = next((c for c in classes if c != 1), None)
        if decided is not None:
            forced[key] = 1 if decided == 2 else 0
        elif reaches_zero:
            forced[key] = 0  # a run of 9-sums down to position 0: nothing enters it
    return forced


def fit_window_table(fit_keys: np.ndarray, fit_labels: np.ndarray, window: int) -> np.ndarray:
    """The lookup table, key -> 0/1: the majority carry of the fit rows with that key (a tie: 0);
    a key the fit rows lack gets the carry its digits force, or 0 where they force none (a carry
    into a position of uniform digits is below even odds)."""
    size = 2 * 3 ** window
    keys = np.asarray(fit_keys).reshape(-1)
    labels = np.asarray(fit_labels, dtype=np.int64).reshape(-1)
    count = np.bincount(keys, minlength=size)
    ones = np.bincount(keys, weights=labels, minlength=size)
    forced = forced_carries(window)
    table = np.where(forced >= 0, forced, 0)
    seen = count > 0
    table[seen] = (2 * ones[seen] > count[seen]).astype(np.int64)
    return table


def table_scores(fit_keys, fit_labels, scored: dict, window: int) -> dict:
    """The table fitted on the fit rows, and its accuracy on each scored set (name -> (keys, labels))."""
    table = fit_window_table(fit_keys, fit_labels, window)
    return {name: float((table[keys] == labels).mean()) if len(labels) else float("nan")
            for name, (keys, labels) in scored.items()}


def probe_with_controls(model, settings, saved_state, untrained, untrained_state, examples: int,
                        chain_lengths=()) -> dict:
    """Every metric of ``metric_names``: probes of the trained and untrained layers and of the digit
    windows, on the random score sums, on the non-local positions and on each chain length's."""
    def states(net, state):
        def of(data, positions):
            return [out[:positions].transpose(0, 1).double().numpy()
                    for out in layer_outputs(net, settings, state, data.a, data.b)]
        return of

    return probe_states_with_controls(states(model, saved_state), states(untrained, untrained_state),
                                      settings.layers, settings.maxlen, examples, chain_lengths)


def probe_states_with_controls(trained, untrained, layers: int, maxlen: int, examples: int,
                               chain_lengths=()) -> dict:
    """``probe_with_controls`` for any states: trained and untrained are functions
    (sums, positions) -> one (examples, positions, features) array per layer, bottom first, the
    state at each of the first ``positions`` positions (a network's layers; in the tests, made-up
    states whose answer is known)."""
    sets = ProbeSets(maxlen, examples, chain_lengths)
    result = {**probe_states(sets, trained, "probe", layers), **probe_states(sets, untrained, "untrained", layers),
              **digit_controls(sets)}
    return {name: result[name] for name in metric_names(layers, chain_lengths)}


class ProbeSets:
    """The sums of a probe with controls and the carries scored: the fit and score sums, the picked
    positions (non-local, each chain length), and the beyond positions with their longer fit sums."""

    def __init__(self, maxlen: int, examples: int, chain_lengths=()):
        self.fit, self.scored = probe_sets(maxlen, examples)
        # Each set of picked positions: its sums and, per sum, the position scored (the random score
        # set is scored at every operand position instead).
        self.picked = {"nonlocal_": nonlocal_set(maxlen, examples)}
        self.picked.update({f"chain{k}_": chain_probe_set(maxlen, examples, k) for k in chain_lengths})
        self.positions = maxlen - 1  # those that hold operand digits; above them the carry is 0
        # The beyond positions, and the random sums of their length that their probes are fitted on.
        long_maxlen = beyond_length(maxlen)
        self.long_positions = long_maxlen - 1
        self.beyond, self.beyond_t = beyond_window_set(maxlen, examples)
        self.long_fit = self.fit if long_maxlen == maxlen else probe_sets(long_maxlen, examples)[0]
        self.fit_y, self.score_y = self.labels(self.fit).reshape(-1), self.labels(self.scored).reshape(-1)
        self.picked_y = {infix: self.labels(data)[np.arange(len(t)), t] for infix, (data, t) in self.picked.items()}
        self.long_fit_y = self.labels(self.long_fit, self.long_positions).reshape(-1)
        self.beyond_y = self.labels(self.beyond, self.long_positions)[np.arange(len(self.beyond_t)), self.beyond_t]

    def labels(self, data, width=None):
        return carry_bits(data.a, data.b)[:, :width or self.positions]

    def score(self, fit_x, score_x, picked_x) -> dict:
        """infix -> accuracy ('' the random score set) of one probe, given (examples, positions, f) features."""
        sets = {"": (score_x.reshape(-1, score_x.shape[-1]), self.score_y)}
        for infix, (_, t) in self.picked.items():
            sets[infix] = (picked_x[infix][np.arange(len(t)), t], self.picked_y[infix])
        return fit_and_score(fit_x.reshape(-1, fit_x.shape[-1]), self.fit_y, sets)


def probe_states(sets: ProbeSets, features, prefix: str, layers: int) -> dict:
    """``<prefix>_<set>layer<k>``: a linear probe per layer of the states ``features`` gives, on every set."""
    fit_x, score_x = features(sets.fit, sets.positions), features(sets.scored, sets.positions)
    picked_x = {infix: features(data, sets.positions) for infix, (data, _) in sets.picked.items()}
    long_fit_x = features(sets.long_fit, sets.long_positions) if sets.long_fit is not sets.fit else fit_x
    beyond_x = features(sets.beyond, sets.long_positions)
    rows = np.arange(len(sets.beyond_t))
    result = {}
    for k in range(layers):
        scores = sets.score(fit_x[k], score_x[k], {infix: x[k] for infix, x in picked_x.items()})
        for infix, value in scores.items():
            result[f"{prefix}_{infix}layer{k + 1}"] = value
        width = long_fit_x[k].shape[-1]
        result[f"{prefix}_beyond_layer{k + 1}"] = fit_and_score(
            long_fit_x[k].reshape(-1, width), sets.long_fit_y,
            {"": (beyond_x[k][rows, sets.beyond_t], sets.beyond_y)})[""]
    return result


def digit_controls(sets: ProbeSets) -> dict:
    """The controls that read the digits alone: the linear digit windows and the lookup tables."""
    result = {}
    for w in WINDOWS:
        def window(data, w=w):
            return digit_window_features(data.a, data.b, sets.positions, w)

        scores = sets.score(window(sets.fit), window(sets.scored),
                            {infix: window(data) for infix, (data, _) in sets.picked.items()})
        for infix, value in scores.items():
            result[f"digits_{infix}window{w}"] = value
    rows = np.arange(len(sets.beyond_t))
    for w in TABLE_WINDOWS:
        scored = {"": (window_keys(sets.scored.a, sets.scored.b, sets.positions, w).reshape(-1), sets.score_y)}
        for infix, (data, t) in sets.picked.items():
            scored[infix] = (window_keys(data.a, data.b, sets.positions, w)[np.arange(len(t)), t],
                             sets.picked_y[infix])
        fit_keys = window_keys(sets.fit.a, sets.fit.b, sets.positions, w)
        for infix, value in table_scores(fit_keys, sets.fit_y, scored, w).items():
            result[f"digits_{infix}table{w}"] = value
        beyond_keys = window_keys(sets.beyond.a, sets.beyond.b, sets.long_positions, w)[rows, sets.beyond_t]
        long_keys = window_keys(sets.long_fit.a, sets.long_fit.b, sets.long_positions, w)
        result[f"digits_beyond_table{w}"] = table_scores(long_keys, sets.long_fit_y,
                                                         {"": (beyond_keys, sets.beyond_y)}, w)[""]
    return result
