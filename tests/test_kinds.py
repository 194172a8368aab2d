"""Every registered kind implements the one protocol (rnnadd.study.kinds.base.Kind), in its own file,
with its caption; options keep their checks and messages; "first step at a threshold" has one definition."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math

import pandas as pd
import pytest

from conftest import REPO
from rnnadd.analyses.aggregate import first_step_at
from rnnadd.core.settings import Settings
from rnnadd.study.kinds import CHECKPOINT, KINDS, METRICS, NAMES, Kind, OptionError, read_options
from rnnadd.study.kinds.base import CAPTIONS, PLACEHOLDER, CheckpointKind
from rnnadd.study.kinds.curves import curve_seed_metrics

# What every kind must define itself (not inherit from Kind, whose versions raise or say nothing).
OWN = ("aggregate", "figure")
OWN_IF_CHECKPOINT = ("run_metrics", "measure")


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_kind_implements_the_protocol(name):
    kind = KINDS[name]
    assert isinstance(kind, Kind) and kind.name == name
    # One file per kind: the class lives in rnnadd/study/kinds/<name>.py.
    assert inspect.getsourcefile(type(kind)).endswith(f"rnnadd/study/kinds/{name}.py")
    assert kind.axes and all(isinstance(n, int) and n >= 1 for n in kind.axes)
    assert kind.reads in (METRICS, CHECKPOINT)
    assert kind.entry and set(kind.unused_plot_options) <= {"loss_ymax", "cmap"}
    for method in OWN + (OWN_IF_CHECKPOINT if kind.reads == CHECKPOINT else ()):
        assert getattr(type(kind), method) is not getattr(Kind, method), f"{name} lacks {method}"
    if kind.reads == CHECKPOINT:
        assert isinstance(kind, CheckpointKind)
    assert set(kind.inert_options) <= {option.key for option in kind.options}
    # Its caption: plain reStructuredText beside its module, placeholders filled from caption_values.
    assert kind.caption == CAPTIONS / f"{name}.rst" and kind.caption.is_file()
    assert CAPTIONS == REPO / "workflow" / "rnnadd" / "study" / "kinds"
    text = kind.caption.read_text()
    assert text.strip() and "<" not in text  # no HTML
    if type(kind).caption_values is Kind.caption_values:
        assert not PLACEHOLDER.findall(text)  # nothing to fill them from


def test_the_registry_is_every_kind_file_and_each_has_its_caption():
    # Found by scanning the folder: each module but base is a kind, and each kind has its caption beside it.
    files = {path.stem for path in CAPTIONS.glob("*.py")}
    assert files == set(NAMES) | {"__init__", "base"} and tuple(KINDS) == NAMES
    assert {path.stem for path in CAPTIONS.glob("*.rst")} == set(NAMES)
    # Listed by each module's ORDER, then by name.
    orders = [getattr(importlib.import_module(f"rnnadd.study.kinds.{name}"), "ORDER", math.inf) for name in NAMES]
    assert [(o, n) for o, n in zip(orders, NAMES)] == sorted(zip(orders, NAMES))


# Options of a small experiment of each kind; a kind not here gives its own in OPTIONS of its test file,
# tests/test_kind_<name>.py (docs/extending.md), or has none that must be given.
OPTIONS = {"curves": {"threshold": 1.0}, "heatmap": {"threshold": 0.99},
           "length": {"test_lengths": [10, 20], "examples": 5}, "positions": {}, "probe": {"examples": 5},
           "chains": {"chain_lengths": [1, 10], "chain_test_length": 100, "examples": 5},
           "probe_controls": {"examples": 5, "chain_lengths": [1, 3]}}


def example_options(name: str) -> dict:
    if name in OPTIONS:
        return OPTIONS[name]
    path = REPO / "tests" / f"test_kind_{name}.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"_options_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "OPTIONS", {})


def test_each_kinds_metrics_have_a_direction_and_words():
    settings = Settings.from_dict({"maxlen": 5, "layers": 2})
    lower = {}
    for name, kind in KINDS.items():
        options = read_options(kind, name, {"kind": name, "sweep": {"maxlen": [5]}, **example_options(name)}, [])
        layout = {"kind": name, "axes": ["maxlen"], **options, "cells": [{"run": "r", "levels": []}]}
        metrics = kind.metric_names(layout, {"r": settings})
        assert metrics and len(set(metrics)) == len(metrics)
        for metric in metrics:
            assert kind.describe_metric(metric), (name, metric)
            lower[(name, metric)] = kind.lower_is_better(metric)
    assert lower[("curves", "auc_loss")] and lower[("heatmap", "first_step_0.99")]
    assert not lower[("curves", "auc_accuracy")] and not lower[("length", "accuracy_len20")]
    assert lower[("positions", "error_pos3")] and not lower[("positions", "final_accuracy")]
    assert not lower[("probe", "probe_layer1")]
    assert not lower[("chains", "chain_accuracy_k10")] and not lower[("chains", "nocarry_accuracy_k10")]
    assert not lower[("probe_controls", "probe_nonlocal_layer2")] and not lower[("probe_controls", "digits_window3")]
    assert not lower[("probe_controls", "probe_chain3_layer2")]
    assert not lower[("probe_controls", "digits_chain1_window2")]
    assert "exactly 3 positions of digit sum 9" in KINDS["probe_controls"].describe_metric("untrained_chain3_layer1")
    assert not lower[("curves", "digit_auc_accuracy")]


def test_caption_of_a_heatmap_is_filled_from_its_experiment():
    from rnnadd.study.plan import load_study

    config = {"seeds": [0], "defaults": {"steps": 300, "eval_every": 25},
              "experiments": {"h": {"kind": "heatmap", "threshold": 0.9,
                                    "sweep": {"lr": [0.01, 0.1], "maxlen": [3, 5]}}}}
    experiment = load_study(config).experiments["h"]
    fixed = {"eval_every": 25, "steps": 300}
    assert set(PLACEHOLDER.findall(KINDS["heatmap"].caption.read_text())) == \
        set(KINDS["heatmap"].caption_values(experiment, fixed))
    text = KINDS["heatmap"].caption_text(experiment, fixed)
    assert "(0, 25, 50, ...:" in text and "reached 0.9;" in text and "(300, the cap)" in text
    assert "{{" not in text and "\n" not in text


def _entry(**keys):
    return {"kind": "x", "sweep": {"lr": [0.1]}, **keys}


@pytest.mark.parametrize("kind, keys, message", [
    ("length", {}, "w.test_lengths: a length figure needs a non-empty list of test lengths"),
    ("length", {"test_lengths": [10, 10]}, "w.test_lengths: [10, 10] repeats a length"),
    ("length", {"test_lengths": [10], "examples": 0}, "w.examples: must be an integer of at least 1 (got 0)"),
    ("curves", {"test_lengths": [10]}, "w.test_lengths: only a length figure has test lengths (this one is curves)"),
    ("positions", {"examples": 10},
     "w.examples: only length, probe, chains and probe_controls figures draw their own sums (this one is positions)"),
    ("chains", {}, "w.chain_lengths: a chains figure needs a non-empty list of chain lengths K"),
    ("chains", {"chain_lengths": [0]}, "w.chain_lengths[0]: must be an integer of at least 1 (got 0)"),
    ("chains", {"chain_lengths": [98], "chain_test_length": 100},
     "w.chain_lengths: 98 does not fit operands of 99 digits (chain_test_length 100)"),
    ("chains", {"chain_lengths": [10], "examples": 10**6},
     "w.examples: 1000000 sums of length 1000 are 1,001,000,000 digits, over the budget of 20,000,000"),
    ("length", {"chain_lengths": [10], "test_lengths": [10]},
     "w.chain_lengths: only chains and probe_controls figures have chain lengths (this one is length)"),
    ("heatmap", {"threshold": 0}, "w.threshold: must be a number above 0 and at most 1 (got 0)"),
    ("probe", {"threshold": math.nan}, "w.threshold: must be a number above 0 and at most 1 (got nan)"),
])
def test_options_are_checked_with_messages_that_name_the_key(kind, keys, message):
    with pytest.raises(OptionError) as error:
        read_options(KINDS[kind], "w", _entry(**keys), [])
    assert str(error.value).startswith(message)


def test_options_get_their_defaults_and_options_without_effect_a_warning():
    warnings = []
    assert read_options(KINDS["probe"], "w", _entry(), warnings) == {"examples": 1000}
    assert read_options(KINDS["length"], "w", _entry(test_lengths=[20, 10]), warnings) == \
        {"test_lengths": [10, 20], "examples": 1000}
    assert read_options(KINDS["heatmap"], "w", _entry(), warnings) == {"threshold": 1.0}
    assert warnings == []
    assert read_options(KINDS["curves"], "w", _entry(threshold=0.9), warnings) == {"threshold": 0.9}
    assert read_options(KINDS["length"], "w", _entry(test_lengths=[10], threshold=0.9), warnings) == \
        {"test_lengths": [10], "examples": 1000}
    assert warnings == ["w.threshold: has no effect, only heatmaps use a threshold"] * 2


@pytest.mark.parametrize("name", NAMES)
def test_every_kinds_path_part_and_job_options_are_inverse(name):
    kind = KINDS[name]
    options = read_options(kind, name, {"kind": name, "sweep": {"maxlen": [5]}, **example_options(name)}, [])
    if kind.reads == CHECKPOINT:
        assert kind.job_options(kind.path_part(options)) == options


def test_path_part_and_job_options_are_inverse():
    for name, options in (("length", {"test_lengths": [10, 200], "examples": 7}), ("probe", {"examples": 9}),
                          ("positions", {}), ("probe_controls", {"examples": 9, "chain_lengths": [1, 2, 3]}),
                          ("chains", {"chain_lengths": [1, 100], "chain_test_length": 1000, "examples": 3})):
        kind = KINDS[name]
        assert kind.job_options(kind.path_part(options)) == options
    assert KINDS["length"].path_part({"test_lengths": [10, 200], "examples": 7}) == "n7_len10-200"
    assert KINDS["chains"].path_part({"chain_lengths": [100, 1], "chain_test_length": 1000, "examples": 3}) \
        == "n3_len1000_k1-100"
    assert KINDS["probe_controls"].path_part({"examples": 9, "chain_lengths": [1, 2, 3]}) == "n9_k1-2-3"
    with pytest.raises(ValueError):
        KINDS["probe"].job_options("n7_len10")
    with pytest.raises(ValueError):  # the form before chain lengths: its files lack the chain metrics
        KINDS["probe_controls"].job_options("n9")


def _curve(accuracy, diverged):
    return pd.DataFrame({"step": [0, 10, 20, 30], "loss": [math.nan, 1.0, 0.5, 0.2],
                         "test_loss": [2.0, 1.0, 0.5, 0.2], "accuracy": accuracy,
                         "digit_accuracy": accuracy, "lr": 0.01, "diverged": diverged})


def test_first_step_at_a_threshold_has_one_definition_for_the_heatmap_and_the_seed_table(monkeypatch):
    reached = _curve([0.0, 0.5, 0.995, 1.0], [0, 0, 0, 0])
    assert first_step_at(reached, 0.99) == (20, True)
    assert first_step_at(reached, 1.0) == (30, True)
    never = _curve([0.0, 0.5, 0.6, 0.7], [0, 0, 0, 0])
    assert first_step_at(never, 0.99) == (30, False)  # the run length, not reached
    # Accuracy recorded after the loss became non-finite does not count: the model had diverged.
    late = _curve([0.0, 0.5, 0.995, 1.0], [0, 1, 1, 1])
    assert first_step_at(late, 0.99) == (30, False)
    for frame in (reached, never, late):
        metrics = curve_seed_metrics(frame, [0.99])
        step, hit = first_step_at(frame, 0.99)
        assert (metrics["first_step_0.99"], metrics["reached_0.99"]) == (float(step), float(hit))
    heatmap = KINDS["heatmap"]
    layout = {"kind": "heatmap", "threshold": 0.99, "axes": ["lr", "maxlen"],
              "cells": [{"run": "r", "eval_steps": [0, 10, 20, 30],
                         "levels": [{"axis": "lr", "label": "0.1"}, {"axis": "maxlen", "label": "5"}]}]}
    frames = {0: reached, 1: late}
    monkeypatch.setattr(heatmap, "read_frames", lambda cell, seeds, path_of: [frames[s] for s in seeds])
    row = heatmap.summary(layout, [0, 1], None).iloc[0]
    assert row["mean"] == 25.0 and row["n_reached"] == 1 and row["cap"] == 30


def test_discovery_orders_by_ORDER_then_name_and_refuses_a_module_that_is_not_a_kind(tmp_path, monkeypatch):
    from rnnadd.study.kinds import discover

    package = tmp_path / "more_kinds"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, order in (("zz", "ORDER = 1\n"), ("bb", ""), ("aa", "")):
        (package / f"{name}.py").write_text(f"from rnnadd.study.kinds.curves import Curves\n{order}\n\n"
                                            f"class K(Curves):\n    name = {name!r}\n\n\nKIND = K()\n")
    (package / "_helper.py").write_text("VALUE = 1\n")  # a helper: skipped
    monkeypatch.syspath_prepend(str(tmp_path))
    assert list(discover([str(package)], "more_kinds")) == ["zz", "aa", "bb"]
    (package / "stray.py").write_text("VALUE = 1\n")
    with pytest.raises(ImportError, match=r"stray\.py: a kind module defines KIND"):
        discover([str(package)], "more_kinds")
