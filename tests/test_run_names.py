"""Run names: safe and one-to-one for every legal value; one home for the defaults."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import REPO
from rnnadd.core.settings import (
    CELLS,
    FIELD_NAMES,
    FROZEN_SETTINGS,
    H0_INITS,
    HIDDEN_MODES,
    MAX_EVALUATIONS,
    NONLINEARITIES,
    SETTINGS,
    SPLITS,
    PositiveNumber,
    Settings,
    SettingsError,
    setting,
)
from rnnadd.report import settingsdoc
from rnnadd.study import plan as study_module
from rnnadd.study.plan import StudyError, describe, load_study

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


STUDY_NAMES = REPO / "tests" / "data" / "study_run_names.txt"  # recorded at 026ad81 (tests/data/record.py)


def study_names() -> list[str]:
    return sorted(load_study(yaml.safe_load((REPO / "config.yaml").read_text())).runs)


def test_study_run_names_are_unchanged():
    """The full study's 83 names, as trained: a change here would retrain it all."""
    recorded = STUDY_NAMES.read_text().split()
    assert len(recorded) == 83
    # Every run trained before keeps its name; experiments added since may add runs.
    assert not set(recorded) - set(study_names())
    assert "rnn-relu_2x64_carry-normal_len5_lr0.01_300steps_c1421378" in recorded
    assert "norec_len5_lr0.01_300steps_2a396a6e" in recorded


def extended_settings(default, **baseline):
    """Settings with one more setting, `noise`, as a developer would add it."""
    @dataclasses.dataclass(frozen=True)
    class Extended(Settings):
        noise: float = setting(default, PositiveNumber(), "a setting added after the names were frozen",
                               **baseline)
    Extended.definition()  # checks the definition, as importing settings.py would
    return Extended


def test_adding_a_setting_renames_no_run_and_a_changed_value_renames_every_run(monkeypatch):
    extended = extended_settings(0.5, baseline=0.5)
    monkeypatch.setattr(study_module, "Settings", extended)
    monkeypatch.setattr(study_module, "FIELD_NAMES", tuple(s.name for s in extended.definition()))
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    study = load_study(config)
    assert all(isinstance(settings, extended) for settings in study.runs.values())
    assert sorted(study.runs) == study_names()
    assert not set(STUDY_NAMES.read_text().split()) - set(study.runs)
    # The new setting is not in a run's identity at its baseline, and is once it differs.
    first = next(iter(study.runs.values()))
    assert "noise" in first.as_dict() and "noise" not in first.identity()
    # What the rules record for the run (the train rule's params) is what it was before
    # the setting existed, so Snakemake's params trigger retrains nothing either.
    before = Settings.from_dict({k: v for k, v in first.as_dict().items() if k != "noise"})
    assert first.recorded() == before.as_dict() == before.recorded()
    assert "noise" in extended.from_dict({**first.as_dict(), "noise": 0.25}).recorded()
    assert extended.from_dict({**first.as_dict(), "noise": 0.25}).identity()["noise"] == 0.25
    changed = sorted(load_study({**config, "defaults": {"noise": 0.25}}).runs)
    assert len(changed) == len(study.runs) and not set(changed) & set(study.runs)
    # Its default may change later (the baseline never does): runs at the
    # baseline keep their names, runs at the new default are new runs.
    later = extended_settings(0.25, baseline=0.5)
    assert later.from_dict({"noise": 0.5}).run_id() == Settings().run_id()
    assert later().run_id() != Settings().run_id()


def test_a_new_setting_without_a_baseline_is_refused_and_a_frozen_one_takes_none():
    with pytest.raises(TypeError, match="setting 'noise' is new since run names were frozen: give it baseline="):
        extended_settings(0.5)

    @dataclasses.dataclass(frozen=True)
    class Rebased(Settings):
        lr: float = setting(0.001, PositiveNumber(), "learning rate", baseline=0.001)
    with pytest.raises(TypeError, match="setting 'lr' is frozen"):
        Rebased.definition()


def test_the_frozen_settings_are_todays_and_always_named():
    assert FROZEN_SETTINGS == FIELD_NAMES  # no setting added yet; a new one must come with a baseline
    assert Settings().identity() == Settings().effective()


def test_config_yaml_sets_no_default_again():
    """One home for each default, the code: config.yaml only overrides."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    repeated = {k: v for k, v in (config.get("defaults") or {}).items() if Settings().as_dict()[k] == v}
    assert not repeated, f"config.yaml repeats the code's defaults: {repeated}"


def test_schema_and_readme_are_written_from_the_definition():
    """`python -m rnnadd.report.settingsdoc` wrote them; run it after changing a setting."""
    for path, markers, wanted in settingsdoc.targets():
        assert settingsdoc.generated_part(path, markers) == wanted, f"{path}: run python -m rnnadd.report.settingsdoc"
    schema = yaml.safe_load(settingsdoc.SCHEMA.read_text())
    assert {k: schema["definitions"][k] for k in ("settings", "setting_name")} == settingsdoc.settings_schema()
    assert list(schema["definitions"]["settings"]["properties"]) == list(FIELD_NAMES)
    assert "defaults" not in schema["required"]
    readme = (REPO / "docs" / "config.md").read_text()
    for s in SETTINGS:
        assert f"| `{s.name}` | {s.doc} |" in readme


def test_settingsdoc_check_names_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "README.md"
    stale.write_text(f"intro\n{settingsdoc.README_MARKERS[0]}\n| old table |\n{settingsdoc.README_MARKERS[1]}\nend\n")
    monkeypatch.setattr(settingsdoc, "targets",
                        lambda: [(stale, settingsdoc.README_MARKERS, settingsdoc.readme_table())])
    assert settingsdoc.main(["--check"]) == 1 and str(stale) in capsys.readouterr().err
    assert settingsdoc.main([]) == 0
    assert stale.read_text() == (f"intro\n{settingsdoc.README_MARKERS[0]}\n{settingsdoc.readme_table()}"
                                 f"{settingsdoc.README_MARKERS[1]}\nend\n")
    assert settingsdoc.main(["--check"]) == 0


@pytest.mark.parametrize("name", FIELD_NAMES)
def test_every_domain_refuses_in_validation_as_in_the_schema(name):
    """A value outside a setting's domain: the schema and Settings.from_dict both refuse it."""
    import jsonschema

    outside = {"maxlen": 1, "split": "x", "cell": "x", "nonlinearity": "x", "hidden_mode": "x", "h0_init": "x",
               "lr": 0, "lr_gamma": -1, "lr_milestones": [0]}.get(name, 0)
    schema = settingsdoc.settings_schema()["settings"]
    assert not jsonschema.Draft202012Validator(schema).is_valid({name: outside})
    with pytest.raises(SettingsError, match=rf"^{name}: must "):
        Settings.from_dict({name: outside})
    assert jsonschema.Draft202012Validator(schema).is_valid(Settings().as_dict())


def test_train_size_below_batch_is_refused():
    with pytest.raises(SettingsError, match=r"train_size: must be at least batch \(200\)"):
        Settings.from_dict({"train_size": 100})


def test_evaluations_beyond_a_hundred_thousand_are_refused():
    # Else 10^10 steps at eval_every 50 would list 2*10^8 steps while Snakemake plans.
    with pytest.raises(SettingsError, match=r"eval_every: gives 200000000 evaluations of 10000000000 steps, "
                                            r"more than 100000 rows of metrics; make it at least 100000 "):
        Settings.from_dict({"steps": 10**10})
