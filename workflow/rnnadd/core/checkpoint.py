"""Trained models on disk: one ``seed<N>.pt`` per training job.

A checkpoint is a ``torch.save`` of a plain dict:

``format``   integer version of this layout (``FORMAT``); a newer one is refused
``settings`` the run's settings as a plain dict (``Settings.as_dict()``)
``model``    the ``state_dict`` of ``AdderModel``
``state``    the carried state evaluation starts from (carry mode), else None;
             a tensor (layers, batch, hidden), or a pair (h, c) for LSTM
``step``     training steps done
``run``      the run's name (``Settings.run_id``), from format 2 on
``seed``     the seed it was trained with, from format 2 on

It is read back with ``weights_only=True``: loading never runs code from the file,
and checked all the way down (types, shapes, the state its mode needs), so a
damaged or foreign file is refused in one line, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from rnnadd.core import paths
from rnnadd.core.errors import UserError
from rnnadd.core.io import atomic_path, rerun_hint
from rnnadd.core.model import AdderModel, carries_state
from rnnadd.core.settings import Settings, SettingsError

FORMAT = 2  # 2 added run and seed; format 1 (without them) is still read
# What to give instead, for a file a user named (the file is theirs: removing it is no remedy).
GIVE = f"give a trained model: {paths.RUNS}/<run>/{paths.CHECKPOINT_FILE.format(seed='<N>')}"
# What a file that is not a checkpoint probably is, by its name's ending.
LOOKS_LIKE = {".csv": "a CSV file (metrics?)", ".yaml": "a YAML file (settings?)", ".yml": "a YAML file",
              ".json": "a JSON file (timings?)", ".npz": "a numpy archive (a dataset?)", ".md": "a text file",
              ".txt": "a text file", ".png": "an image", ".pdf": "a PDF", ".log": "a log"}


class CheckpointError(UserError):
    """A checkpoint file is missing, damaged, not a checkpoint, or too new."""


@dataclass
class Checkpoint:
    settings: Settings
    model: AdderModel
    state: object  # None, a tensor, or an (h, c) pair
    step: int
    path: Path | None = None
    seed: int | None = None  # recorded from format 2 on


def _plain_state(state):
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach().clone() for s in state)
    return state.detach().clone()


def save_checkpoint(path, settings: Settings, model: AdderModel, state, step: int, seed: int) -> None:
    """Write atomically: a killed writer never leaves a complete-looking file."""
    payload = {
        "format": FORMAT,
        "settings": settings.as_dict(),
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "state": _plain_state(state),
        "step": int(step),
        "run": settings.run_id(),
        "seed": int(seed),
    }
    # Through a Python file, so a full disk is an OSError like any other write.
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        torch.save(payload, handle)


def load_checkpoint(path, *, named_by_user: bool = False, run: str | None = None,
                    seed: int | None = None) -> Checkpoint:
    """Read a checkpoint back into a ready model (eval mode); errors name the file.

    ``named_by_user``: the path came from a command line, so the remedy is to
    give another file, never to delete this one. ``run``/``seed``: what the
    caller expects the file to hold (the workflow knows it from the path);
    a checkpoint that records another is refused.
    """
    path = Path(path)
    hint = GIVE if named_by_user else rerun_hint(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such file; {hint}")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a checkpoint; {GIVE}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise CheckpointError(f"{path}: not a checkpoint ({_what_it_is(path, error)}); {hint}") from None
    if not isinstance(payload, dict) or "format" not in payload:
        raise CheckpointError(f"{path}: not a checkpoint of this project (no 'format' key); {hint}")
    version = payload["format"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"{path}: not a checkpoint of this project (format {version!r}); {hint}")
    if version > FORMAT:
        raise CheckpointError(
            f"{path}: checkpoint format {version} is newer than this code reads ({FORMAT}); "
            "update the project, or retrain with this version")
    needed = ("settings", "model", "state", "step") + (("run", "seed") if version >= 2 else ())
    missing = [k for k in needed if k not in payload]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {missing[0]!r}; {hint}")
    try:
        checkpoint = _checked(path, payload)
    except CheckpointError as error:
        raise CheckpointError(f"{error}; {hint}") from None
    recorded = (payload.get("run"), payload.get("seed"))
    if version >= 2 and ((run is not None and recorded[0] != run) or (seed is not None and recorded[1] != seed)):
        raise CheckpointError(
            f"{path}: holds run {recorded[0]} seed {recorded[1]}, not "
            f"{run or recorded[0]} seed {seed if seed is not None else recorded[1]} "
            f"(copied from another run or seed?); {hint}")
    return checkpoint


def _what_it_is(path: Path, error: BaseException) -> str:
    looks = LOOKS_LIKE.get(path.suffix.lower())
    if looks:
        return f"it looks like {looks}"
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return "torch cannot read it: " + first.split(". ")[0][:120]  # torch appends paragraphs of advice


def _checked(path: Path, payload: dict) -> Checkpoint:
    """The payload as a Checkpoint, every part checked against its settings."""
    if not isinstance(payload["settings"], dict):
        raise CheckpointError(f"{path}: settings are not a mapping")
    try:
        settings = Settings.from_dict(payload["settings"], where=f"{path}: settings")
    except SettingsError as error:
        raise CheckpointError(str(error)) from None
    model = AdderModel.from_settings(settings)
    weights = payload["model"]
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise CheckpointError(f"{path}: 'model' is not a mapping of tensors")
    try:
        model.load_state_dict(weights)
    except (RuntimeError, TypeError, AttributeError, KeyError) as error:
        first = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path}: weights do not fit the model of its settings ({first})") from None
    _check_state(path, settings, payload["state"])
    step = payload["step"]
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= settings.steps:
        raise CheckpointError(f"{path}: step {step!r} is not a whole number from 0 to {settings.steps}")
    if "run" in payload and payload["run"] != settings.run_id():
        raise CheckpointError(f"{path}: records run {payload['run']!r}, but its settings make "
                              f"{settings.run_id()}")
    seed = payload.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise CheckpointError(f"{path}: seed {seed!r} is not a whole number of at least 0")
    model.eval()
    return Checkpoint(settings, model, payload["state"], step, path, seed)


def _check_state(path: Path, settings: Settings, state) -> None:
    """The start state its mode needs: none, or float tensors (layers, batch, hidden); a pair for LSTM."""
    if not carries_state(settings):
        # `zero` mode saves its zeros (evaluation makes its own); no other mode has a state.
        if state is not None and not (settings.hidden_mode == "zero" and settings.cell != "none"):
            raise CheckpointError(f"{path}: holds a start state, but mode {settings.hidden_mode!r} has none")
        if state is None:
            return
    shape = (settings.layers, settings.batch, settings.hidden)
    parts = state if isinstance(state, tuple) else (state,)
    wanted = 2 if settings.cell == "lstm" else 1
    if len(parts) != wanted or not all(isinstance(p, torch.Tensor) for p in parts):
        raise CheckpointError(f"{path}: mode {settings.hidden_mode!r} needs its start state: "
                              f"{'a pair of tensors' if wanted == 2 else 'a tensor'} of shape {shape}")
    for part in parts:
        if tuple(part.shape) != shape or not part.is_floating_point():
            raise CheckpointError(f"{path}: start state has shape {tuple(part.shape)} ({part.dtype}), "
                                  f"its settings need {shape} (float)")
