"""Settings of one training run: their one definition, validation, identity.

A run is fully described by a flat mapping of settings.  Each setting is
defined once, as a field of ``Settings``: its name, type, domain, default and
a one-line doc.  Validation, the config schema's settings part
(workflow/schemas/config.schema.yaml) and the settings table in docs/config.md are
derived from that definition (``python -m rnnadd.report.settingsdoc`` rewrites the
two files; a test checks they are up to date).  Configs only override.

Validation names the offending setting and what it allows, so a typo in a
sweep of hundreds of runs is caught before the first one starts.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnnadd.core import paths
from rnnadd.core.errors import UserError


class SettingsError(UserError):
    """A setting has a wrong name, type or value."""


# -- domains: the values a setting may take ----------------------------------
# `problem` gives the words of the refusal ("must be ..."), or None for a
# value inside the domain; `schema` the same domain in JSON schema terms.

@dataclasses.dataclass(frozen=True)
class Integer:
    minimum: int
    checked_last = False

    def problem(self, value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < self.minimum:
            return f"must be an integer of at least {self.minimum}"
        return None

    def schema(self) -> dict:
        return {"type": "integer", "minimum": self.minimum}

    def text(self) -> str:
        return f"integer ≥ {self.minimum}"


@dataclasses.dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]
    checked_last = False

    def problem(self, value) -> str | None:
        if value not in self.values:
            return f"must be one of {', '.join(self.values)}"
        return None

    def schema(self) -> dict:
        return {"enum": list(self.values)}

    def text(self) -> str:
        return ", ".join(f"`{v}`" for v in self.values)


@dataclasses.dataclass(frozen=True)
class PositiveNumber:
    checked_last = False

    def problem(self, value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a finite number above 0"
        try:
            finite = math.isfinite(float(value))
        except OverflowError:  # an integer too large for a float
            finite = False
        if not finite or value <= 0:
            return "must be a finite number above 0"
        return None

    def schema(self) -> dict:
        return {"type": "number", "exclusiveMinimum": 0}

    def text(self) -> str:
        return "number > 0"


@dataclasses.dataclass(frozen=True)
class IncreasingIntegers:
    """A list of integers, each at least ``minimum``, strictly increasing (kept as a tuple)."""
    minimum: int
    # After the relations between the numbers, as it always was: a config
    # with several mistakes gets the same first message as before.
    checked_last = True

    def problem(self, value) -> str | None:
        if not isinstance(value, tuple) or not all(
            isinstance(m, int) and not isinstance(m, bool) and m >= self.minimum for m in value
        ):
            return f"must be a list of integers of at least {self.minimum}"
        if list(value) != sorted(set(value)):
            return "must be strictly increasing"
        return None

    def schema(self) -> dict:
        return {"type": "array", "items": {"type": "integer", "minimum": self.minimum}, "uniqueItems": True}

    def text(self) -> str:
        return f"increasing integers ≥ {self.minimum}"


# A setting that is always in a run's identity (see Settings.identity).
_ALWAYS = object()


def setting(default, domain, doc: str, *, baseline=_ALWAYS):
    """One setting's definition, as a field of ``Settings``.

    ``baseline``: for a setting added after run names were frozen (every one
    not in FROZEN_SETTINGS), the value every run had before it existed,
    normally its default when it is added.  A run whose value equals it keeps
    the name it had without the setting.  Never change it once runs exist.
    """
    return dataclasses.field(default=default,
                             metadata={"domain": domain, "doc": doc, "baseline": baseline})


@dataclasses.dataclass(frozen=True)
class Setting:
    """One row of the definition, read from a field of ``Settings``."""
    name: str
    default: Any
    domain: Any
    doc: str
    baseline: Any = _ALWAYS

    @property
    def always_in_identity(self) -> bool:
        return self.baseline is _ALWAYS


# The settings that existed when run names were frozen: every value of these
# enters a run's identity hash, exactly as it always has, so the names of runs
# trained so far stay valid.  Frozen: never add a name here.
FROZEN_SETTINGS = ("maxlen", "split", "train_size", "test_size", "cell", "nonlinearity", "layers",
                   "hidden", "embedding", "hidden_mode", "h0_init", "lr", "lr_milestones", "lr_gamma",
                   "batch", "steps", "eval_every", "threads")


@dataclasses.dataclass(frozen=True)
class Settings:
    # data
    maxlen: int = setting(5, Integer(2), "operands have at most maxlen-1 digits, sums at most maxlen; "
                          "sequences have maxlen+1 positions, least significant first")
    split: str = setting("report", Choice(("report", "iid")),
                         "`report`: training operands in [0, 5·10^(maxlen-2)), test operands in "
                         "[5·10^(maxlen-2), 10^(maxlen-1)), never shared; `iid`: both uniform")
    train_size: int = setting(200_000, Integer(1),
                              "examples in the training stream (read in order, batch after batch)")
    test_size: int = setting(2000, Integer(1), "examples in the fixed test set")
    # model
    cell: str = setting("rnn", Choice(("rnn", "lstm", "gru", "none")),
                        "the recurrent cell; `none`: embedding straight to the read-out")
    nonlinearity: str = setting("relu", Choice(("relu", "tanh")), "the RNN's nonlinearity (rnn only)")
    layers: int = setting(2, Integer(1), "recurrent layers")
    hidden: int = setting(64, Integer(1), "hidden size")
    embedding: int = setting(32, Integer(1), "embedding size per operand (the two are concatenated)")
    hidden_mode: str = setting("carry", Choice(("carry", "default", "zero", "frozen", "fresh", "carry_bptt")),
                               "`carry`: the final state of a batch starts the next, detached (report: "
                               "True); `default`: no state passed (False); `zero`: zeros passed (Zero). "
                               "Variants for the MAXLEN-5 puzzle (docs/puzzle.md): `frozen`: one drawn "
                               "state starts every batch; `fresh`: a new draw starts each batch; "
                               "`carry_bptt`: carried, with the gradient through the previous batch")
    h0_init: str = setting("normal", Choice(("normal", "normal_x10", "zeros", "xavier_uniform",
                                             "kaiming_uniform")),
                           "how a drawn start state is drawn (modes carry, frozen, fresh, carry_bptt)")
    # optimisation
    lr: float = setting(0.001, PositiveNumber(), "Adam's learning rate")
    lr_milestones: tuple = setting((), IncreasingIntegers(1),
                                   "steps at which MultiStepLR (stepped once per training step) "
                                   "multiplies the learning rate by lr_gamma")
    lr_gamma: float = setting(0.1, PositiveNumber(), "MultiStepLR's factor at each milestone")
    batch: int = setting(200, Integer(1), "examples per training step")
    steps: int = setting(1000, Integer(1), "training steps")
    eval_every: int = setting(50, Integer(1), "steps between evaluations (from step 0, and at the last step)")
    # execution
    threads: int = setting(1, Integer(1), "torch threads per training job")

    @classmethod
    def definition(cls) -> tuple[Setting, ...]:
        """Every setting, in order: name, default, domain, doc, identity baseline."""
        return _definition(cls)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], where: str = "") -> Settings:
        """Build settings from a mapping, rejecting unknown keys and bad values.

        ``where`` prefixes messages, e.g. ``experiments.fig05_maxlen``.
        """
        prefix = f"{where}: " if where else ""
        if not isinstance(values, Mapping):
            raise SettingsError(f"{prefix}settings must be a mapping, got {type(values).__name__}")
        definition = cls.definition()
        names = [s.name for s in definition]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise SettingsError(
                f"{prefix}unknown setting {unknown[0]!r}; allowed settings are: {', '.join(names)}"
            )
        merged = {s.name: s.default for s in definition}
        merged.update(values)
        for s in definition:
            # A list from YAML or JSON is the tuple that a frozen dataclass holds.
            if isinstance(s.domain, IncreasingIntegers) and isinstance(merged[s.name], list):
                merged[s.name] = tuple(merged[s.name])
        settings = cls(**merged)
        settings.validate(where)
        # `lr: 1` and `lr: 1.0` are one setting, so one run with one name.
        return dataclasses.replace(settings, **{s.name: float(getattr(settings, s.name))
                                                for s in definition if isinstance(s.domain, PositiveNumber)})

    def validate(self, where: str = "") -> None:
        prefix = f"{where}." if where else ""

        def fail(key: str, message: str) -> None:
            raise SettingsError(f"{prefix}{key}: {message} (got {getattr(self, key)!r})")

        definition = self.definition()
        for s in definition:
            if not s.domain.checked_last and (problem := s.domain.problem(getattr(self, s.name))):
                fail(s.name, problem)
        if self.eval_every > self.steps:
            fail("eval_every", f"must not exceed steps ({self.steps})")
        if self.steps // self.eval_every > MAX_EVALUATIONS:
            fail("eval_every", f"gives {self.steps // self.eval_every} evaluations of {self.steps} steps, "
                 f"more than {MAX_EVALUATIONS} rows of metrics; make it at least "
                 f"{-(-self.steps // MAX_EVALUATIONS)}")
        if self.train_size < self.batch:
            fail("train_size", f"must be at least batch ({self.batch}), or a batch repeats examples")
        for s in definition:
            if s.domain.checked_last and (problem := s.domain.problem(getattr(self, s.name))):
                fail(s.name, problem)

    # -- what matters -------------------------------------------------------

    def inert_keys(self) -> list[str]:
        """Settings that cannot change this run's result, given the others."""
        inert = []
        if self.cell != "rnn":
            inert.append("nonlinearity")
        if self.cell == "none":
            inert += ["layers", "hidden", "hidden_mode", "h0_init"]
        elif self.hidden_mode not in DRAWN_STATE_MODES:
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

    def identity(self) -> dict:
        """What names the run: its effective settings, less new settings at their baseline.

        Every setting of FROZEN_SETTINGS is in it as it always was; a setting
        added since is in it only when its value differs from its baseline,
        so adding a setting renames no run (and retrains nothing). A rule's
        params that should change exactly when the run changes use this.
        """
        baseline = {s.name: _plain(s.baseline) for s in self.definition() if not s.always_in_identity}
        return {k: v for k, v in self.effective().items() if k not in baseline or v != baseline[k]}

    def as_dict(self) -> dict:
        """Every setting, in a JSON- and YAML-ready form (lists, not tuples)."""
        return {s.name: _plain(getattr(self, s.name)) for s in self.definition()}

    def recorded(self) -> dict:
        """``as_dict`` less settings added since FROZEN_SETTINGS that are at their baseline.

        What the workflow's rules record for a run (their params): like the
        run's name, it stays the same when a setting is added, so Snakemake's
        params trigger retrains nothing then.
        """
        values = self.as_dict()
        for s in self.definition():
            if not s.always_in_identity and values[s.name] == _plain(s.baseline):
                del values[s.name]
        return values

    def run_id(self) -> str:
        """A readable, stable folder name: the main settings plus a short hash of the identity."""
        digest = hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:8]
        if self.cell == "none":
            parts = ["norec"]
        else:
            cell = f"rnn-{self.nonlinearity}" if self.cell == "rnn" else self.cell
            drawn = self.hidden_mode in DRAWN_STATE_MODES
            mode = f"{self.hidden_mode}-{self.h0_init}" if drawn else self.hidden_mode
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
        return paths.DATASET_ID.format(maxlen=self.maxlen, split=self.split, seed=seed,
                                       train_size=self.train_size, test_size=self.test_size)

    def eval_steps(self) -> list[int]:
        """Steps at which the model is evaluated: every eval_every from 0, and the last."""
        steps = list(range(0, self.steps + 1, self.eval_every))
        if steps[-1] != self.steps:
            steps.append(self.steps)
        return steps


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


@functools.cache
def _definition(cls) -> tuple[Setting, ...]:
    definition = tuple(Setting(f.name, f.default, f.metadata["domain"], f.metadata["doc"],
                               f.metadata["baseline"]) for f in dataclasses.fields(cls))
    for s in definition:
        if s.always_in_identity and s.name not in FROZEN_SETTINGS:
            raise TypeError(f"setting {s.name!r} is new since run names were frozen: give it "
                            f"baseline=<its default>, or every run is renamed and retrained")
        if not s.always_in_identity and s.name in FROZEN_SETTINGS:
            raise TypeError(f"setting {s.name!r} is frozen: it takes no baseline")
    return definition


# Hidden-state modes whose start state is drawn by h0_init (the others start
# from zeros): `carry` is the report's True; the rest are the puzzle's variants.
DRAWN_STATE_MODES = ("carry", "frozen", "fresh", "carry_bptt")

# Run folder names: at most this many readable characters, then "_" and an
# 8-digit digest, well under the 255 bytes a file name may have (a temporary
# file adds a prefix and a suffix to it).
MAX_READABLE_NAME = 120
# Rows of a metrics CSV; far more than a figure can show.
MAX_EVALUATIONS = 100_000


def _name_number(value: float) -> str:
    """A number as a run name shows it: `:g` as always, with no '+' ("1e+06" -> "1e06").

    The name only needs to be readable and safe; the digest that follows it
    tells apart values that print alike.
    """
    return f"{value:g}".replace("+", "")


SETTINGS = Settings.definition()
DOMAINS = {s.name: s.domain for s in SETTINGS}
FIELD_NAMES = tuple(s.name for s in SETTINGS)
DEFAULTS = Settings()
# The choices, for code that branches on them.
CELLS = DOMAINS["cell"].values
NONLINEARITIES = DOMAINS["nonlinearity"].values
HIDDEN_MODES = DOMAINS["hidden_mode"].values
H0_INITS = DOMAINS["h0_init"].values
SPLITS = DOMAINS["split"].values


def refusal(name: str, value) -> SettingsError:
    """The error for a value of setting ``name`` that code cannot use, worded as validation words it."""
    problem = DOMAINS[name].problem(value) or "is in the settings' definition but not handled here"
    return SettingsError(f"{name}: {problem} (got {value!r})")


def load_settings_file(path) -> Settings:
    """Read settings from a YAML or JSON file (YAML is a superset of JSON).

    A run's own ``results/runs/<run>/settings.yaml`` must hold exactly that
    run's settings: an emptied or edited one would train something else under
    the run's name, so it is refused, naming this file.
    """
    import yaml

    from rnnadd.core.io import rerun_hint

    path = Path(path)
    in_run_folder = (path.name == paths.SETTINGS_FILE
                     and re.fullmatch(paths.RUN_FOLDER_PATTERN, path.parent.name))
    hint = f"; {rerun_hint(path)}" if in_run_folder else ""
    if not path.is_file():
        raise SettingsError(f"{path}: {'is a folder, not' if path.is_dir() else 'no such'} settings file"
                            f" (YAML or JSON){hint}")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not a text file (a settings file is YAML or JSON){hint}") from None
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        raise SettingsError(f"{path}: not valid YAML ({first}){hint}") from None
    if values is not None and not isinstance(values, dict):
        raise SettingsError(f"{path}: holds a {type(values).__name__}, not a mapping of settings{hint}")
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
