"""Run names: safe and one-to-one for every legal value; one home for the defaults."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from conftest import REPO
from rnnadd.settings import (CELLS, H0_INITS, HIDDEN_MODES, MAX_EVALUATIONS, NONLINEARITIES, SPLITS,
                             Settings, SettingsError)
from rnnadd.study import StudyError, describe, load_study

# The `run` wildcard of workflow/rules/common.smk, and a file name's limit.
RUN_WILDCARD = re.compile(r"[a-z0-9._-]+")
DATASET_NAME = re.compile(r"len\d+_(report|iid)_seed\d+_train\d+_test\d+")
NAME_BYTES = 255 - len(".seed0.timing.json.4194304.partial")

# Every setting over its whole legal range (the schema's and Settings.validate's).
positive_numbers = st.one_of(
    st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=10**30),
)
big_integers = st.integers(min_value=1, max_value=10**40)


@st.composite
def legal_settings(draw):
    steps = draw(big_integers)
    batch = draw(big_integers)
    milestones = draw(st.lists(st.integers(min_value=1, max_value=10**12), max_size=60, unique=True))
    return Settings.from_dict({
        "maxlen": draw(st.integers(min_value=2, max_value=10**40)),
        "split": draw(st.sampled_from(SPLITS)),
        "train_size": draw(st.integers(min_value=batch, max_value=batch + 10**12)),
        "test_size": draw(big_integers),
        "cell": draw(st.sampled_from(CELLS)),
        "nonlinearity": draw(st.sampled_from(NONLINEARITIES)),
        "layers": draw(big_integers),
        "hidden": draw(big_integers),
        "embedding": draw(big_integers),
        "hidden_mode": draw(st.sampled_from(HIDDEN_MODES)),
        "h0_init": draw(st.sampled_from(H0_INITS)),
        "lr": draw(positive_numbers),
        "lr_milestones": sorted(milestones),
        "lr_gamma": draw(positive_numbers),
        "batch": batch,
        "steps": steps,
        "eval_every": draw(st.integers(min_value=-(-steps // MAX_EVALUATIONS), max_value=steps)),
        "threads": draw(big_integers),
    })


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legal_settings(), legal_settings())
def test_every_legal_run_gets_a_safe_name_and_different_runs_different_names(one, other):
    for settings in (one, other):
        name = settings.run_id()
        assert RUN_WILDCARD.fullmatch(name), name
        assert len(name.encode()) <= NAME_BYTES, len(name)
        assert DATASET_NAME.fullmatch(settings.dataset_id(0))
    # One-to-one on what defines a run: same effective settings, same name.
    assert (one.run_id() == other.run_id()) == (one.effective() == other.effective())


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False),
       st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False))
def test_swept_values_get_labels_that_tell_them_apart(a, b):
    assert (describe(a) == describe(b)) == (a == b)
    config = {"seeds": [0], "defaults": {"maxlen": 3, "steps": 10, "eval_every": 10},
              "experiments": {"lr_sweep": {"kind": "curves", "sweep": {"lr": [a, b]}}}}
    if a == b:
        with pytest.raises(StudyError, match=r"experiments.lr_sweep.sweep.lr: value .* appears twice"):
            load_study(config)
    else:
        runs = load_study(config).experiments["lr_sweep"].runs()
        assert len(runs) == 2 and all(RUN_WILDCARD.fullmatch(run) for run in runs)


def test_the_cases_found_in_the_issue():
    # lr 1e6 printed "1e+06", which the run wildcard refuses.
    assert Settings.from_dict({"lr": 1e6}).run_id().startswith("rnn-relu_2x64_carry-normal_len5_lr1e06_1000steps_")
    # Two values that print alike at six digits are two lines, not duplicates.
    config = {"seeds": [0], "defaults": {},
              "experiments": {"close": {"kind": "curves", "sweep": {"lr": [0.001000111, 0.001000112]}}}}
    cells = load_study(config).experiments["close"].cells
    assert [c.levels[0].label for c in cells] == ["0.001000111", "0.001000112"]
    assert cells[0].run != cells[1].run
    # `lr: 1` and `lr: 1.0` are one setting, one run.
    assert Settings.from_dict({"lr": 1}).run_id() == Settings.from_dict({"lr": 1.0}).run_id()


def test_study_run_names_are_unchanged():
    """The full study's names, as trained: a change here would retrain it all."""
    study = load_study(yaml.safe_load((REPO / "config.yaml").read_text()))
    assert "rnn-relu_2x64_carry-normal_len5_lr0.01_300steps_c1421378" in study.runs
    assert "rnn-relu_3x64_carry-normal_len70_lr0.05_500steps_139427ca" in study.runs
    assert "rnn-relu_2x64_carry-normal_len5_lr0.01-ms100g0.5_1000steps_a0e97347" in study.runs
    assert "norec_len5_lr0.01_300steps_2a396a6e" in study.runs


def test_settings_defaults_are_config_yaml_defaults():
    """One home for each default: the learning core's equal the study's."""
    config_defaults = yaml.safe_load((REPO / "config.yaml").read_text())["defaults"]
    assert Settings().as_dict() == Settings.from_dict(config_defaults).as_dict()
    assert set(config_defaults) == set(Settings().as_dict())


def test_train_size_below_batch_is_refused():
    with pytest.raises(SettingsError, match=r"train_size: must be at least batch \(200\)"):
        Settings.from_dict({"train_size": 100})


def test_evaluations_beyond_a_hundred_thousand_are_refused():
    # Else 10^10 steps at eval_every 50 would list 2*10^8 steps while Snakemake plans.
    with pytest.raises(SettingsError, match=r"eval_every: gives 200000000 evaluations of 10000000000 steps, "
                                            r"more than 100000 rows of metrics; make it at least 100000 "):
        Settings.from_dict({"steps": 10**10})
