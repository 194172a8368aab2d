"""Trained models on disk: one ``seed<N>.pt`` per training job.

A checkpoint is a ``torch.save`` of a plain dict:

``format``   integer version of this layout (``FORMAT``); a newer one is refused
``settings`` the run's settings as a plain dict (``Settings.as_dict()``)
``model``    the ``state_dict`` of ``AdderModel``
``state``    the carried state evaluation starts from (carry mode), else None;
             a tensor (layers, batch, hidden), or a pair (h, c) for LSTM
``step``     training steps done

It is read back with ``weights_only=True``: loading never runs code from the file.
"""

from __future__ import annotations

import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import UserError
from .io import atomic_path, rerun_hint
from .model import AdderModel
from .settings import Settings, SettingsError

FORMAT = 1


class CheckpointError(UserError):
    """A checkpoint file is missing, damaged, not a checkpoint, or too new."""


@dataclass
class Checkpoint:
    settings: Settings
    model: AdderModel
    state: object  # None, a tensor, or an (h, c) pair
    step: int
    path: Path | None = None


def _plain_state(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach().clone() for s in state)
    return state.detach().clone()


def save_checkpoint(path, settings: Settings, model: AdderModel, state, step: int) -> None:
    """Write atomically: a killed writer never leaves a complete-looking file."""
    payload = {
        "format": FORMAT,
        "settings": settings.as_dict(),
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "state": _plain_state(state),
        "step": int(step),
    }
    # Through a Python file, so a full disk is an OSError like any other write.
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        torch.save(payload, handle)


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint back into a ready model (eval mode); errors name the file."""
    path = Path(path)
    hint = rerun_hint(path)
    if not path.exists():
        raise CheckpointError(f"{path}: checkpoint file does not exist; {hint}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile,
            pickle.UnpicklingError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        first = first.split(". ")[0]  # torch appends paragraphs of advice
        raise CheckpointError(f"{path}: not a readable checkpoint ({first}); {hint}") from None
    if not isinstance(payload, dict) or "format" not in payload:
        raise CheckpointError(f"{path}: not a checkpoint of this project (no 'format' key); {hint}")
    version = payload["format"]
    if not isinstance(version, int) or version > FORMAT:
        raise CheckpointError(
            f"{path}: checkpoint format {version!r} is newer than this code reads ({FORMAT}); "
            "update the project, or retrain with this version")
    missing = [k for k in ("settings", "model", "state", "step") if k not in payload]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {missing[0]!r}; {hint}")
    try:
        settings = Settings.from_dict(payload["settings"], where=f"{path}: settings")
    except SettingsError as error:
        raise CheckpointError(f"{error}; {hint}") from None
    model = AdderModel.from_settings(settings)
    try:
        model.load_state_dict(payload["model"])
    except (RuntimeError, TypeError, AttributeError) as error:
        first = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path}: weights do not fit the model of its settings ({first}); {hint}") from None
    model.eval()
    return Checkpoint(settings, model, payload["state"], int(payload["step"]), path)
