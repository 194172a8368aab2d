"""The report's model: shared digit embedding, a recurrent part, a linear read-out."""

from __future__ import annotations

import torch
from torch import nn

from rnnadd.core.settings import DRAWN_STATE_MODES, Settings, refusal


class AdderModel(nn.Module):
    """Embed both digits (shared table), concatenate, recur, read out 10 logits.

    Inputs are sequence-first (positions, batch) digit tensors; the output is
    (positions, batch, 10) logits and the recurrent layer's final state.
    """

    def __init__(self, cell: str = Settings.cell, nonlinearity: str = Settings.nonlinearity,
                 layers: int = Settings.layers, hidden: int = Settings.hidden,
                 embedding: int = Settings.embedding):
        super().__init__()
        self.embed = nn.Embedding(10, embedding)
        width = 2 * embedding
        if cell == "rnn":
            self.recurrent = nn.RNN(width, hidden, layers, nonlinearity=nonlinearity)
        elif cell == "lstm":
            self.recurrent = nn.LSTM(width, hidden, layers)
        elif cell == "gru":
            self.recurrent = nn.GRU(width, hidden, layers)
        elif cell == "none":
            self.recurrent = None
        else:
            raise refusal("cell", cell)
        self.readout = nn.Linear(hidden if self.recurrent is not None else width, 10)

    @classmethod
    def from_settings(cls, settings: Settings) -> AdderModel:
        return cls(settings.cell, settings.nonlinearity, settings.layers, settings.hidden,
                   settings.embedding)

    def forward(self, a: torch.Tensor, b: torch.Tensor, state=None):
        # One embedding lookup for both operands: (T, B, 2) -> (T, B, 2 * embedding).
        x = self.embed(torch.stack((a, b), dim=-1)).flatten(2)
        if self.recurrent is None:
            return self.readout(x), None
        if state is None:
            y, state = self.recurrent(x)
        else:
            y, state = self.recurrent(x, state)
        return self.readout(y), state


def draw_initial_state(settings: Settings, seed: int):
    """The carried state's first value, drawn once, as in the report (section 3.4).

    Shape (layers, batch, hidden); for LSTM a pair (h, c), both drawn this way.
    Drawn from its own generator so it does not shift the model's initialisation.
    """
    return draw_state(settings, torch.Generator().manual_seed(seed + 1_000_003))


def fresh_state_generator(seed: int) -> torch.Generator:
    """The generator of `fresh` mode's per-batch draws: its own, so they shift nothing else."""
    return torch.Generator().manual_seed(seed + 2_000_003)


def draw_state(settings: Settings, generator: torch.Generator):
    """One start state drawn by ``settings.h0_init`` from ``generator``."""
    shape = (settings.layers, settings.batch, settings.hidden)

    def draw() -> torch.Tensor:
        tensor = torch.empty(shape)
        kind = settings.h0_init
        if kind == "normal":
            tensor.normal_(generator=generator)
        elif kind == "normal_x10":
            tensor.normal_(generator=generator).mul_(10.0)
        elif kind == "zeros":
            tensor.zero_()
        elif kind == "xavier_uniform":
            nn.init.xavier_uniform_(tensor, gain=1.0, generator=generator)
        elif kind == "kaiming_uniform":
            nn.init.kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="relu",
                                     generator=generator)
        else:
            raise refusal("h0_init", kind)
        return tensor

    if settings.cell == "lstm":
        return (draw(), draw())
    return draw()


def zero_state(settings: Settings, batch: int):
    shape = (settings.layers, batch, settings.hidden)
    if settings.cell == "lstm":
        return (torch.zeros(shape), torch.zeros(shape))
    return torch.zeros(shape)


def carries_state(settings: Settings) -> bool:
    """Whether the model starts from a drawn state (kept in its checkpoint), not from zeros.

    In ``carry`` and ``carry_bptt`` mode it is the state the previous batch ended in;
    in ``frozen`` and ``fresh`` mode the one draw that evaluation starts from.
    """
    return settings.cell != "none" and settings.hidden_mode in DRAWN_STATE_MODES


def state_rows(state, start: int, count: int):
    """Rows start .. start+count-1 of a state, wrapping at its batch size."""
    first = state[0] if isinstance(state, tuple) else state
    if start == 0 and count == first.shape[1]:
        return state
    index = torch.arange(start, start + count) % first.shape[1]
    if isinstance(state, tuple):
        return tuple(s[:, index] for s in state)
    return state[:, index]


def starting_state(settings: Settings, carried, start: int, count: int):
    """The state a forward pass over examples start .. start+count-1 starts from.

    The one hidden-state policy, for training and every evaluation: none
    (PyTorch's zeros) in ``default`` mode or without a recurrent layer;
    explicit zeros in ``zero`` mode; in the modes with a drawn state (``carry``
    and the puzzle's variants) that state (training's current one, or the one
    saved in a checkpoint), example ``i`` starting from its row ``i mod batch``.  A training step is examples
    0 .. batch-1, and so is each chunk of the run's own evaluation.
    """
    if settings.cell == "none" or settings.hidden_mode == "default":
        return None
    if settings.hidden_mode == "zero":
        return zero_state(settings, count)
    if carried is None:
        raise ValueError(f"a {settings.hidden_mode}-mode model needs its drawn start state")
    return state_rows(carried, start, count)


def detach_state(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()
