"""The report's model: shared digit embedding, a recurrent part, a linear read-out."""

from __future__ import annotations

import torch
from torch import nn

from .settings import Settings


class AdderModel(nn.Module):
    """Embed both digits (shared table), concatenate, recur, read out 10 logits.

    Inputs are sequence-first (positions, batch) digit tensors; the output is
    (positions, batch, 10) logits and the recurrent layer's final state.
    """

    def __init__(self, cell: str = "rnn", nonlinearity: str = "relu", layers: int = 2,
                 hidden: int = 64, embedding: int = 32):
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
            raise ValueError(f"cell: must be one of rnn, lstm, gru, none (got {cell!r})")
        self.readout = nn.Linear(hidden if self.recurrent is not None else width, 10)

    @classmethod
    def from_settings(cls, settings: Settings) -> "AdderModel":
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
    generator = torch.Generator().manual_seed(seed + 1_000_003)
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
            raise ValueError(f"h0_init: unknown draw {kind!r}")
        return tensor

    if settings.cell == "lstm":
        return (draw(), draw())
    return draw()


def zero_state(settings: Settings, batch: int):
    shape = (settings.layers, batch, settings.hidden)
    if settings.cell == "lstm":
        return (torch.zeros(shape), torch.zeros(shape))
    return torch.zeros(shape)


def detach_state(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def slice_state(state, n: int):
    """The state of the first n rows of the batch (for a short evaluation chunk)."""
    if isinstance(state, tuple):
        return tuple(s[:, :n] for s in state)
    return state[:, :n]
