"""Settings of one training run: defaults, validation, identity.

A run is fully described by a flat mapping of settings.  Validation names the
offending setting and what it allows, so a typo in a sweep of hundreds of runs
is caught before the first one starts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any, Mapping

CELLS = ("rnn", "lstm", "gru", "none")
NONLINEARITIES = ("relu", "tanh")
HIDDEN_MODES = ("carry", "default", "zero")
H0_INITS = ("normal", "normal_x10", "zeros", "xavier_uniform", "kaiming_uniform")
SPLITS = ("report", "iid")


class SettingsError(ValueError):
    """A setting has a wrong name, type or value."""


@dataclasses.dataclass(frozen=True)
class Settings:
    # The same values as `defaults` in config.yaml (tests/test_run_names.py
    # checks it): a run given only some settings gets the study's defaults.
    # data
    maxlen: int = 5
    split: str = "report"
    train_size: int = 200_000
    test_size: int = 2000
    # model
    cell: str = "rnn"
    nonlinearity: str = "relu"
    layers: int = 2
    hidden: int = 64
    embedding: int = 32
    hidden_mode: str = "carry"
    h0_init: str = "normal"
    # optimisation
    lr: float = 0.001
    lr_milestones: tuple = ()
    lr_gamma: float = 0.1
    batch: int = 200
    steps: int = 1000
    eval_every: int = 50
    # execution
    threads: int = 1

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], where: str = "") -> "Settings":
        """Build settings from a mapping, rejecting unknown keys and bad values.

        ``where`` prefixes messages, e.g. ``experiments.fig05_maxlen``.
        """
        prefix = f"{where}: " if where else ""
        if not isinstance(values, Mapping):
            raise SettingsError(f"{prefix}settings must be a mapping, got {type(values).__name__}")
        unknown = sorted(set(values) - set(FIELD_NAMES))
        if unknown:
            raise SettingsError(
                f"{prefix}unknown setting {unknown[0]!r}; allowed settings are: {', '.join(FIELD_NAMES)}"
            )
        merged = {**DEFAULTS_DICT, **values}
        if isinstance(merged["lr_milestones"], list):
            merged["lr_milestones"] = tuple(merged["lr_milestones"])
        settings = cls(**merged)
        settings.validate(where)
        # `lr: 1` and `lr: 1.0` are one setting, so one run with one name.
        return dataclasses.replace(settings, lr=float(settings.lr), lr_gamma=float(settings.lr_gamma))

    def validate(self, where: str = "") -> None:
        prefix = f"{where}." if where else ""

        def fail(key: str, message: str) -> None:
            raise SettingsError(f"{prefix}{key}: {message} (got {getattr(self, key)!r})")

        def integer(key: str, minimum: int) -> None:
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                fail(key, f"must be an integer of at least {minimum}")
            if value < minimum:
                fail(key, f"must be an integer of at least {minimum}")

        def choice(key: str, allowed: tuple) -> None:
            if getattr(self, key) not in allowed:
                fail(key, f"must be one of {', '.join(allowed)}")

        def positive_number(key: str) -> None:
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                fail(key, "must be a finite number above 0")
            try:
                finite = math.isfinite(float(value))
            except OverflowError:  # an integer too large for a float
                finite = False
            if not finite or value <= 0:
                fail(key, "must be a finite number above 0")

        integer("maxlen", 2)
        choice("split", SPLITS)
        integer("train_size", 1)
        integer("test_size", 1)
        choice("cell", CELLS)
        choice("nonlinearity", NONLINEARITIES)
        integer("layers", 1)
        integer("hidden", 1)
        integer("embedding", 1)
        choice("hidden_mode", HIDDEN_MODES)
        choice("h0_init", H0_INITS)
        positive_number("lr")
        positive_number("lr_gamma")
        integer("batch", 1)
        integer("steps", 1)
        integer("eval_every", 1)
        integer("threads", 1)
        if self.eval_every > self.steps:
            fail("eval_every", f"must not exceed steps ({self.steps})")
        if self.steps // self.eval_every > MAX_EVALUATIONS:
            fail("eval_every", f"gives {self.steps // self.eval_every} evaluations of {self.steps} steps, "
                 f"more than {MAX_EVALUATIONS} rows of metrics; make it at least "
                 f"{-(-self.steps // MAX_EVALUATIONS)}")
        if self.train_size < self.batch:
            fail("train_size", f"must be at least batch ({self.batch}), or a batch repeats examples")
        milestones = self.lr_milestones
        if not isinstance(milestones, tuple) or not all(
            isinstance(m, int) and not isinstance(m, bool) and m >= 1 for m in milestones
        ):
            fail("lr_milestones", "must be a list of integers of at least 1")
        if list(milestones) != sorted(set(milestones)):
            fail("lr_milestones", "must be strictly increasing")

    # -- what matters -------------------------------------------------------

    def inert_keys(self) -> list[str]:
        """Settings that cannot change this run's result, given the others."""
        inert = []
        if self.cell != "rnn":
            inert.append("nonlinearity")
        if self.cell == "none":
            inert += ["layers", "hidden", "hidden_mode", "h0_init"]
        elif self.hidden_mode != "carry":
            inert.append("h0_init")
        if not self.lr_milestones:
            inert.append("lr_gamma")
        return inert

    def effective(self) -> dict:
        """The settings that define the run's result, in a JSON-ready form.

        Inert settings are dropped, so runs that differ only in them are the
        same run and are trained once.
        """
        inert = self.inert_keys()
        return {k: v for k, v in self.as_dict().items() if k not in inert}

    def as_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["lr_milestones"] = list(self.lr_milestones)
        return out

    def run_id(self) -> str:
        """A readable, stable folder name: the main settings plus a short hash of all."""
        eff = self.effective()
        digest = hashlib.sha256(json.dumps(eff, sort_keys=True).encode()).hexdigest()[:8]
        if self.cell == "none":
            parts = ["norec"]
        else:
            cell = f"rnn-{self.nonlinearity}" if self.cell == "rnn" else self.cell
            mode = f"carry-{self.h0_init}" if self.hidden_mode == "carry" else self.hidden_mode
            parts = [cell, f"{self.layers}x{self.hidden}", mode]
        lr = f"lr{_name_number(self.lr)}"
        if self.lr_milestones:
            lr += "-ms" + "-".join(str(m) for m in self.lr_milestones) + f"g{_name_number(self.lr_gamma)}"
        parts += [f"len{self.maxlen}", lr, f"{self.steps}steps"]
        readable = "_".join(parts)
        if len(readable) > MAX_READABLE_NAME:
            # Huge values or many milestones: the digest alone tells runs apart.
            readable = readable[:MAX_READABLE_NAME].rstrip("_-.")
        return f"{readable}_{digest}"

    def dataset_id(self, seed: int) -> str:
        """Runs that share this name read the same examples in the same order."""
        return f"len{self.maxlen}_{self.split}_seed{seed}_train{self.train_size}_test{self.test_size}"

    def eval_steps(self) -> list[int]:
        """Steps at which the model is evaluated: every eval_every from 0, and the last."""
        steps = list(range(0, self.steps + 1, self.eval_every))
        if steps[-1] != self.steps:
            steps.append(self.steps)
        return steps


# Run folder names: at most this many readable characters, then "_" and an
# 8-digit digest, well under the 255 bytes a file name may have (a temporary
# file adds a prefix and a suffix to it).
MAX_READABLE_NAME = 120
# Rows of a metrics CSV; far more than a figure can show.
MAX_EVALUATIONS = 100_000
RUN_NAME_PATTERN = r"[a-z0-9._-]+"
RUN_FOLDER_PATTERN = r"[a-z0-9._-]+_[0-9a-f]{8}"


def _name_number(value: float) -> str:
    """A number as a run name shows it: `:g` as always, with no '+' ("1e+06" -> "1e06").

    The name only needs to be readable and safe; the digest that follows it
    tells apart values that print alike.
    """
    return f"{value:g}".replace("+", "")


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Settings))
DEFAULTS = Settings()
DEFAULTS_DICT = dataclasses.asdict(DEFAULTS)


def load_settings_file(path) -> Settings:
    """Read settings from a YAML or JSON file (YAML is a superset of JSON).

    A run's own ``results/runs/<run>/settings.yaml`` must hold exactly that
    run's settings: an emptied or edited one would train something else under
    the run's name, so it is refused, naming this file.
    """
    import yaml

    from .io import rerun_hint

    path = Path(path)
    in_run_folder = path.name == "settings.yaml" and re.fullmatch(RUN_FOLDER_PATTERN, path.parent.name)
    hint = f"; {rerun_hint(path)}" if in_run_folder else ""
    with open(path) as handle:
        try:
            values = yaml.safe_load(handle)
        except yaml.YAMLError as error:
            first = str(error).splitlines()[0]
            raise SettingsError(f"{path}: not valid YAML ({first}){hint}") from None
    if values is None and in_run_folder:
        raise SettingsError(f"{path}: the settings file is empty{hint}")
    try:
        settings = Settings.from_dict(values or {}, where=str(path))
    except SettingsError as error:
        raise SettingsError(f"{error}{hint}") from None
    if in_run_folder and settings.run_id() != path.parent.name:
        raise SettingsError(f"{path}: holds the settings of run {settings.run_id()}, not of "
                            f"{path.parent.name} (edited by hand?){hint}")
    return settings
