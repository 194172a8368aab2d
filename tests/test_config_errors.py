"""A bad config is refused before any job runs, with a message that names the key.

Every case is judged in-process by rnnadd.ops.workflowconfig.load, the function
the Snakefile calls while it is read: the override is written to a file and
merged over config.yaml and the smoke preset as Snakemake merges
`--configfile tests/smoke.yaml bad.yaml` (mappings key by key, lists
replaced). The refusal must be one line that names the key and what is
allowed. A few cases go through the real Snakemake CLI to prove the wiring:
a refusal from a config file (run for real: nothing is planned, results/ is
left byte-identical), one from `--config`, and the warnings, printed before
any job is planned.
Settings that have no effect where they are set are a warning, not an error.
"""

from __future__ import annotations

import copy
import functools
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from conftest import REPO, SMOKE, snakemake
from rnnadd.ops.workflowconfig import ConfigError, load, rule_names
from rnnadd.study.plan import load_study

PLANNED = "Building DAG of jobs"  # printed once the config is accepted

# (case id, override YAML, substrings the output must contain)
CASES = [
    # -- the schema: unknown keys wherever a typo could hide ---------------------------
    ("typo_in_defaults", "defaults: {learnig_rate: 0.01}\n",
     ["defaults.learnig_rate: unknown key", "'learnig_rate' was unexpected",
      "allowed keys are: maxlen, split,", " lr, "]),
    ("typo_at_top_level", "seed: [0]\n",
     ["seed: unknown key",
      "allowed keys are: seeds, defaults, verify, stability, max_seeds, override, labels, experiments"]),
    ("typo_in_experiment", "experiments:\n  fig07_layers: {swep: {layers: [1, 2]}}\n",
     ["experiments.fig07_layers.swep: unknown key",
      "allowed keys are: kind, title, caption, seeds, set, sweep, threshold, plot"]),
    ("typo_in_experiment_set", "experiments:\n  fig07_layers: {set: {hiden: 8}}\n",
     ["experiments.fig07_layers.set.hiden: unknown key", "allowed keys are: maxlen,", " hidden, "]),
    ("lr_negative", "defaults: {lr: -0.1}\n",
     ["defaults.lr: -0.1 is less than or equal to the minimum of 0"]),
    ("lr_infinite", "defaults: {lr: .inf}\n",
     ["defaults.lr: must be a finite number above 0 (got inf)"]),
    ("lr_string", "defaults: {lr: '0.001'}\n",
     ["defaults.lr: '0.001' is not of type 'number'"]),
    ("maxlen_1", "defaults: {maxlen: 1}\n",
     ["defaults.maxlen: 1 is less than the minimum of 2"]),
    ("maxlen_fraction", "defaults: {maxlen: 2.5}\n",
     ["defaults.maxlen: 2.5 is not of type 'integer'"]),
    ("layers_0", "defaults: {layers: 0}\n",
     ["defaults.layers: 0 is less than the minimum of 1"]),
    ("steps_0", "defaults: {steps: 0}\n",
     ["defaults.steps: 0 is less than the minimum of 1"]),
    ("eval_every_0", "defaults: {eval_every: 0}\n",
     ["defaults.eval_every: 0 is less than the minimum of 1"]),
    ("eval_every_above_steps", "defaults: {steps: 100, eval_every: 200}\n",
     ["defaults.eval_every: must not exceed steps (100) (got 200)"]),
    # The smoke preset's `override` forces steps and eval_every on every run;
    # a value the full study would reject must not hide behind it.
    ("eval_every_above_steps_in_set_under_override",
     "experiments:\n  fig07_layers: {set: {steps: 20, eval_every: 50}}\n",
     ["experiments.fig07_layers (layers=1).eval_every: must not exceed steps (20) (got 50)"]),
    ("seeds_empty", "seeds: []\n", ["seeds: [] should be non-empty"]),
    ("seeds_repeated", "seeds: [1, 1]\n", ["seeds: [1, 1] has non-unique elements"]),
    ("seeds_negative", "seeds: [-1]\n", ["seeds[0]: -1 is less than the minimum of 0"]),
    # -- enumerations ----------------------------------------------------------------
    ("cell_unknown", "defaults: {cell: transformer}\n",
     ["defaults.cell: 'transformer' is not one of ['rnn', 'lstm', 'gru', 'none']"]),
    ("nonlinearity_unknown", "defaults: {nonlinearity: sigmoid}\n",
     ["defaults.nonlinearity: 'sigmoid' is not one of ['relu', 'tanh']"]),
    ("hidden_mode_unknown", "defaults: {hidden_mode: keep}\n",
     ["defaults.hidden_mode: 'keep' is not one of ['carry', 'default', 'zero', 'frozen', 'fresh', 'carry_bptt']"]),
    ("h0_init_unknown", "defaults: {h0_init: ones}\n",
     ["defaults.h0_init: 'ones' is not one of ['normal', 'normal_x10', 'zeros', "
      "'xavier_uniform', 'kaiming_uniform']"]),
    ("split_unknown", "defaults: {split: random}\n",
     ["defaults.split: 'random' is not one of ['report', 'iid']"]),
    ("name_with_slash", "experiments:\n  fig/x: {kind: curves, sweep: {layers: [1]}}\n",
     ["experiments.fig/x: name not allowed",
      "names are lower-case letters, digits and _, starting with a letter"]),
    ("name_with_semicolon", "experiments:\n  'fig;rm': {kind: curves, sweep: {layers: [1]}}\n",
     ["experiments.fig;rm: name not allowed", "names are lower-case letters, digits and _"]),
    ("name_with_uppercase", "experiments:\n  FigX: {kind: curves, sweep: {layers: [1]}}\n",
     ["experiments.FigX: name not allowed", "names are lower-case letters, digits and _"]),
    ("name_with_space", "experiments:\n  'fig x': {kind: curves, sweep: {layers: [1]}}\n",
     ["experiments.fig x: name not allowed", "names are lower-case letters, digits and _"]),
    ("swept_key_not_a_setting", "experiments:\n  fig07_layers: {sweep: {depth: [1, 2]}}\n",
     ["experiments.fig07_layers.sweep.depth: name not allowed", "is not one of ['maxlen', 'split',"]),
    ("heatmap_one_axis", "experiments:\n  heat_one: {kind: heatmap, sweep: {lr: [0.01, 0.1]}}\n",
     ["experiments.heat_one.sweep: a heatmap figure sweeps exactly 2 axes (got 1)"]),
    ("heatmap_three_axes",
     "experiments:\n  heat_three: {kind: heatmap, sweep: {lr: [0.01], maxlen: [3], layers: [1]}}\n",
     ["experiments.heat_three.sweep: a heatmap figure sweeps exactly 2 axes (got 3)"]),
    ("curves_two_axes",
     "experiments:\n  curves_two: {kind: curves, sweep: {layers: [1, 2], lr: [0.01, 0.1]}}\n",
     ["experiments.curves_two.sweep: a curves figure sweeps exactly 1 axis (got 2)"]),
    ("swept_maxlen_1", "experiments:\n  fig05_maxlen: {sweep: {maxlen: [5, 1]}}\n",
     ["experiments.fig05_maxlen (maxlen=1).maxlen: must be an integer of at least 2 (got 1)"]),
    ("swept_lr_negative", "experiments:\n  fig06_lr: {sweep: {lr: [0.01, -1]}}\n",
     ["experiments.fig06_lr (lr=-1).lr: must be a finite number above 0 (got -1)"]),
    ("level_without_label",
     "experiments:\n  fig09_cells:\n    sweep:\n      cell:\n"
     "        - {set: {cell: rnn, nonlinearity: tanh}}\n        - lstm\n",
     ["experiments.fig09_cells.sweep.cell[0]: 'label' is a required property"]),
    # -- claims: named experiments, levels and metrics must exist ---------------------
    ("claim_unknown_experiment", "claims:\n  c03_modes_alike_at_maxlen50: {experiment: fig99}\n",
     ["claims.c03_modes_alike_at_maxlen50.experiment: 'fig99' is not an experiment of the study"]),
    ("claim_unknown_level", "claims:\n  c02a_not_passed_loss_falls_faster: {a: sideways}\n",
     ["claims.c02a_not_passed_loss_falls_faster.a: 'sideways' is not a level of "
      "fig01_hidden_maxlen5.hidden_mode; its levels are: 'carry', 'default', 'zero'"]),
    ("claim_unknown_metric", "claims:\n  c02a_not_passed_loss_falls_faster: {metric: speed}\n",
     ["claims.c02a_not_passed_loss_falls_faster.metric: 'speed' is not a metric of fig01_hidden_maxlen5 "
      "(a curves experiment); its metrics are: auc_accuracy,"]),
    ("claim_margin_negative", "claims:\n  c03_modes_alike_at_maxlen50: {margin: -0.1}\n",
     ["claims.c03_modes_alike_at_maxlen50.margin: -0.1 is less than or equal to the minimum of 0"]),
    ("claim_margin_not_a_number", "claims:\n  c03_modes_alike_at_maxlen50: {margin: wide}\n",
     ["claims.c03_modes_alike_at_maxlen50.margin: 'wide' is not of type 'number'"]),
    ("claim_metric_absent_at_a_level",
     "claims:\n  c17a_first_layer_holds_the_carry: {metric: probe_nonlocal_layer2}\n",
     ["claims.c17a_first_layer_holds_the_carry.metric: 'probe_nonlocal_layer2' does not exist at "
      "level 1 of probe_controls_layers (run ", "so the claim could never be judged"]),
    ("claim_unknown_test", "claims:\n  c03_modes_alike_at_maxlen50: {test: faster}\n",
     ["claims.c03_modes_alike_at_maxlen50.test: 'faster' is not one of ['better', 'same',"]),
]
CASE_IDS = [case[0] for case in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS)

def refused(workdir: Path, *args: str) -> str:
    """Run Snakemake, expect it to refuse the config; returns stdout + stderr."""
    result = snakemake(workdir, "--cores", "1", *args, check=False, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"the config was accepted:\n{output[-3000:]}"
    assert "Invalid configuration: " in output, output[-3000:]
    assert PLANNED not in output, f"jobs were planned:\n{output[-3000:]}"
    return output


def assert_mentions(output: str, expected: list[str]) -> None:
    missing = [text for text in expected if text not in output]
    assert not missing, f"missing {missing} in:\n{output[-3000:]}"


@functools.cache
def parse_yaml(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def judge(folder: Path, *texts: str, files=(REPO / "config.yaml", REPO / "tests" / "smoke.yaml"),
          command_line: dict | None = None, **options):
    """What the Snakefile makes of `--configfile <files> <texts as files> --config <command_line>`.

    Each text becomes a file in folder; the files are merged as Snakemake
    merges them, then handed to rnnadd.ops.workflowconfig.load, as common.smk does.
    """
    paths = list(files)
    for index, text in enumerate(texts):
        paths.append(folder / f"override{index}.yaml")
        paths[-1].write_text(text)
    config = {}
    for path in paths:
        update_config(config, copy.deepcopy(parse_yaml(Path(path).read_text())))
    if command_line:
        update_config(config, copy.deepcopy(command_line))  # Snakemake merges them as strings first
    return load(config, command_line=command_line, configfiles=[str(p) for p in paths], **options)


def refusal(folder: Path, *texts: str, **options) -> str:
    """The one line a refused config gives the user."""
    with pytest.raises(ConfigError) as error:
        judge(folder, *texts, **options)
    message = str(error.value)
    assert message.startswith("Invalid configuration: ") and "\n" not in message, message
    return message


@pytest.mark.parametrize("case, text, expected", CASES, ids=CASE_IDS)
def test_bad_config_is_refused_before_any_job(tmp_path, case, text, expected):
    assert_mentions(refusal(tmp_path, text), expected)


def test_reserved_names_are_the_workflows_own_rule_names(tmp_path):
    """An experiment becomes a rule of its own name: a rule's name is refused, listed."""
    names = rule_names()
    assert {"all", "train", "aggregate", "claims", "figure", "analyse"} <= names
    message = refusal(tmp_path, "experiments:\n  train: {kind: curves, sweep: {layers: [1]}}\n")
    assert_mentions(message, ["experiments.train: this name is taken by a workflow rule; reserved names are "
                              + ", ".join(sorted(names))])
    # Any other valid name is free.
    assert "fig99_layers" in judge(tmp_path, "experiments:\n  fig99_layers: "
                                             "{kind: curves, sweep: {layers: [1]}}\n").study.experiments


@pytest.mark.snakemake
def test_rule_names_read_from_the_rule_files_are_the_rules_snakemake_defines(tmp_path):
    from conftest import copy_workflow

    workdir = copy_workflow(tmp_path / "study")
    listed = snakemake(workdir, "--list-rules", *SMOKE).stdout.split()
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(config, yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()))
    # Besides the workflow's rules, each experiment is a target rule of its own name.
    assert set(listed) == set(rule_names()) | set(config["experiments"])


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_existing_results_are_left_byte_identical(workdir):
    """Through Snakemake, for real: a refused config plans nothing and leaves earlier results as they were."""
    results = workdir / "results"
    (results / "runs" / "some_run").mkdir(parents=True)
    (results / "runs" / "some_run" / "seed0.csv").write_text("step,loss\n0,1.5\n")
    (results / "figures").mkdir()
    (results / "figures" / "fig05_maxlen.png").write_bytes(bytes(range(256)))
    before = snapshot(results)
    (workdir / "bad.yaml").write_text("experiments:\n  'fig;rm -rf results': {kind: curves, sweep: {layers: [1]}}\n")
    output = refused(workdir, *SMOKE, "bad.yaml")
    assert_mentions(output, ["Invalid configuration: experiments.fig;rm -rf results: name not allowed"])
    assert snapshot(results) == before


def test_a_bad_value_on_the_command_line_is_refused_before_any_job(workdir):
    """Through Snakemake: `--config` values are read as numbers (a string would fail differently)."""
    output = refused(workdir, "-n", *SMOKE, "--config", "defaults={lr: -0.1}")
    assert_mentions(output, ["Invalid configuration: defaults.lr: -0.1 is less than or equal to the minimum of 0"])


def test_experiment_named_twice_in_one_file_is_refused(tmp_path):
    """YAML would keep only the last of two equal keys; the check refuses the file."""
    text = (REPO / "config.yaml").read_text()
    marker = "\n# Words for legends"
    assert text.count(marker) == 1 and "\n  fig07_layers:\n" in text
    again = "\n  fig07_layers:\n    kind: curves\n    title: again\n    sweep: {layers: [5, 6]}\n"
    duplicated = text.replace(marker, again + marker)
    # Without the check it would load quietly, the first fig07_layers lost.
    assert yaml.safe_load(duplicated)["experiments"]["fig07_layers"]["sweep"] == {"layers": [5, 6]}
    full = tmp_path / "full.yaml"
    full.write_text(duplicated)
    message = refusal(tmp_path, files=(full, REPO / "tests" / "smoke.yaml"))
    assert_mentions(message, [f"{full}, line", "key 'fig07_layers' appears twice (first on line"])


# -- settings without effect: a warning, and the runs collapse into one --------------

def merged_config(*overrides: dict) -> dict:
    """config.yaml, then the smoke preset, then overrides, merged as Snakemake does."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for layer in (yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()), *overrides):
        update_config(config, copy.deepcopy(layer))
    return config


NO_EFFECT = [
    ("h0_init_without_carry",
     "experiments:\n  fig08_h0_init: {set: {hidden_mode: zero}}\n",
     "experiments.fig08_h0_init: setting 'h0_init' has no effect here "
     "(hidden_mode is zero, the initial state is only drawn in carry mode)",
     "fig08_h0_init"),
    ("nonlinearity_with_lstm",
     "experiments:\n  fig09_cells:\n    set: {nonlinearity: tanh}\n    sweep: {cell: [lstm, gru]}\n"
     # The claims about fig09_cells name levels this sweep drops.
     "claims:\n  c13a_tanh_reaches_1_first: {a: lstm, b: [gru]}\n"
     "  c13d_gru_accuracy_rises_fastest_early: {b: [lstm]}\n"
     "  c13b_gru_loss_converges_first: {b: [lstm]}\n"
     "  c13c_relu_loss_falls_fastest_early: {a: lstm, b: [gru]}\n",
     "experiments.fig09_cells: setting 'nonlinearity' has no effect here "
     "(cell is lstm, only rnn has a nonlinearity setting)",
     "fig09_cells"),
]


@pytest.mark.parametrize("case, text, warning, name", NO_EFFECT, ids=[c[0] for c in NO_EFFECT])
def test_setting_without_effect_is_a_warning_before_any_job(tmp_path, case, text, warning, name):
    warnings = judge(tmp_path, text).warnings
    assert any(w.startswith(warning) for w in warnings), warnings
    assert warning.startswith(f"experiments.{name}: ")


def test_runs_differing_only_in_an_inert_setting_are_one_run():
    # Smoke's fig08 sweeps h0_init over two values: two runs in carry mode, one without.
    carry = load_study(merged_config())
    assert len(carry.experiments["fig08_h0_init"].runs()) == 2
    zero = load_study(merged_config(yaml.safe_load(NO_EFFECT[0][1])))
    assert len(zero.experiments["fig08_h0_init"].runs()) == 1

    # An LSTM or GRU run is the same run whatever nonlinearity is set.
    plain = {"experiments": {"fig09_cells": {"sweep": {"cell": ["lstm", "gru"]}}}}
    without = load_study(merged_config(plain)).experiments["fig09_cells"]
    tanh = load_study(merged_config(yaml.safe_load(NO_EFFECT[1][1]))).experiments["fig09_cells"]
    assert len(without.runs()) == 2
    assert tanh.runs() == without.runs()


def test_real_config_loads_with_one_warning(tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    study = judge(tmp_path, files=(REPO / "config.yaml",)).study
    assert list(study.experiments) == list(config["experiments"])  # every figure and analysis
    assert len(study.warnings) == 1, study.warnings
    assert study.warnings[0].startswith("experiments.fig03_no_rnn: setting 'hidden_mode' has no effect")
    # ... and fig03's lines are one run, trained once, while fig01's hidden-state modes are a run each.
    assert len(config["experiments"]["fig03_no_rnn"]["sweep"]["hidden_mode"]) > 1
    assert len(study.experiments["fig03_no_rnn"].runs()) == 1
    modes = config["experiments"]["fig01_hidden_maxlen5"]["sweep"]["hidden_mode"]
    assert len(study.experiments["fig01_hidden_maxlen5"].runs()) == len(modes) > 1


# -- issue 10: values the checks used to accept and a job then failed on --------------
ACCEPTED_THEN_FAILED = [
    ("threshold_nan", "experiments:\n  heatmap_lr_maxlen: {threshold: .nan}\n",
     "experiments.heatmap_lr_maxlen.threshold: must be a number above 0 and at most 1 (got nan)"),
    ("unknown_colormap", "experiments:\n  heatmap_lr_maxlen: {plot: {cmap: viridiss}}\n",
     "experiments.heatmap_lr_maxlen.plot.cmap: unknown colormap 'viridiss'"),
    ("seed_too_large", "seeds: [18446744073709551615]\n",
     "seeds[0]: 18446744073709551615 is greater than the maximum of 4294967295"),
    ("name_too_long", "experiments:\n  " + "f" * 80 + ": {kind: curves, sweep: {layers: [1]}}\n",
     "experiments." + "f" * 80 + ": name not allowed, '" + "f" * 80 + "' is too long"),
    ("train_size_below_batch", "defaults: {train_size: 100}\n",
     "defaults.train_size: must be at least batch (200), or a batch repeats examples (got 100)"),
    ("two_levels_same_settings",
     "experiments:\n  fig09_cells:\n    sweep:\n      cell: [{label: GRU again, set: {cell: gru, lr: 0.001}}, gru]\n",
     "experiments.fig09_cells: (cell=GRU again) and (cell=gru) have the same settings, so are one run; "
     "a legend entry would have no run of its own"),
    ("same_value_written_twice", "experiments:\n  fig06_lr: {sweep: {lr: [0.01, 0.010]}}\n",
     "experiments.fig06_lr.sweep.lr: value '0.01' appears twice"),
    ("same_group_written_twice",
     "experiments:\n  fig09_cells:\n    sweep:\n      cell: [{label: GRU, set: {cell: gru}}, gru]\n",
     "experiments.fig09_cells.sweep.cell[1]: sets the same as cell[0] ('GRU'); each value of an axis must differ"),
]


@pytest.mark.parametrize("case, text, message", ACCEPTED_THEN_FAILED, ids=[c[0] for c in ACCEPTED_THEN_FAILED])
def test_values_a_job_would_fail_on_are_refused_by_the_config_check(tmp_path, case, text, message):
    assert_mentions(refusal(tmp_path, text), [f"Invalid configuration: {message}"])


# -- issue 10: nothing without effect, or overridden, passes in silence ----------------
SILENT_BEFORE = """
experiments:
  fig07_layers: {set: {layers: 3}, threshold: 0.9, plot: {cmap: magma}}
  heatmap_lr_maxlen:
    sweep:
      lr: [0.005, {label: fast, set: {lr: 0.05, maxlen: 4}}]
      maxlen: [3, 5]
  fig06_lr:
    sweep:
      lr: [0.01, {label: late, set: {lr: 0.01, lr_milestones: [100]}}]
labels:
  batch: {name: batch size}
  cell: {values: {rnnn: RNN}}
claims:  # the claims about fig06_lr, on the two levels left
  c08b_lr_01_blows_up: {levels: [0.01]}
  c08c_lr_05_blows_up: {levels: [0.01]}
  c08d_small_lr_slower: {b: [late]}
  c08f_schedule_reaches_1_first: {a: late, b: [0.01]}
  c08g_lr_001_best: {b: [late]}
  c08i_schedule_loss_falls_fastest: {a: late, b: [0.01]}
  c08h_small_lr_loss_converges: {levels: [0.01, late]}
  c08k_schedule_loss_falls_fastest_of_all: {a: late, b: [0.01]}
  # the heatmap claims, on the levels left
  c09b_middle_rate_fastest_at_maxlen5: {b: [{lr: fast, maxlen: 5}]}
  c09b_middle_rate_fastest_at_maxlen10: {b: [{lr: fast, maxlen: 5}]}
  c09b_middle_rate_fastest_at_maxlen25: {b: [{lr: fast, maxlen: 5}]}
  c09b_middle_rate_fastest_at_maxlen50: {b: [{lr: fast, maxlen: 5}]}
  c09b_middle_rate_fastest_at_maxlen70: {b: [{lr: fast, maxlen: 5}]}
"""


def silent_before_warnings() -> list[str]:
    """The warnings SILENT_BEFORE must give; counts come from the configs."""
    config = merged_config(yaml.safe_load(SILENT_BEFORE))
    return [
        "experiments.fig07_layers.set.layers: overridden by the sweep for 2 of its 2 values (layers=1, layers=2)",
        "experiments.fig07_layers.threshold: has no effect, only heatmaps use a threshold",
        "experiments.fig07_layers.plot.cmap: has no effect on a curves figure",
        "experiments.heatmap_lr_maxlen.sweep.lr[1].set.maxlen: maxlen is also an axis of this figure, "
        "whose values override it",
        f"experiments.fig06_lr (lr=late).lr_milestones: milestone 100 is not below steps "
        f"({config['override']['steps']}), so it never changes the learning rate of a step",
        "labels.batch: no figure sweeps batch, so these words are never shown",
        "labels.cell.values.rnnn: no figure has this value of cell",
    ]


def test_overridden_or_unused_settings_each_give_a_warning_naming_the_key(tmp_path):
    warnings = judge(tmp_path, SILENT_BEFORE).warnings
    missing = [w for w in silent_before_warnings() if not any(given.startswith(w) for given in warnings)]
    assert not missing, f"{missing}\n{warnings}"


def test_warnings_are_printed_before_any_job_is_planned(workdir):
    """Through Snakemake: each warning of the loader, as a line before the plan."""
    (workdir / "quiet.yaml").write_text(SILENT_BEFORE)
    result = snakemake(workdir, "-n", "--cores", "1", *SMOKE, "quiet.yaml")
    output = result.stdout + result.stderr
    expected = silent_before_warnings()
    missing = [w for w in expected if f"Config warning: {w}" not in output]
    assert not missing, f"{missing}\n{output[:4000]}"
    assert all(output.index(w) < output.index(PLANNED) for w in expected)


# -- issue 10: overrides from the command line -----------------------------------------

def test_command_line_values_are_read_as_yaml_in_a_file_would_be(tmp_path):
    # As Snakemake hands them over: every scalar a string.
    study = judge(tmp_path, command_line={"seeds": ["0"], "defaults": {"lr": "0.02"}}).study
    assert study.seeds == [0]
    assert any(run.startswith("rnn-relu_1x16_carry-normal_len5_lr0.02_30steps_")
               for run in study.experiments["fig07_layers"].runs())
    # Free text stays text.
    titled = judge(tmp_path, command_line={"experiments": {"fig07_layers": {"title": "2024"}}}).study
    assert titled.experiments["fig07_layers"].title == "2024"


def test_config_on_the_command_line_sets_lists_and_nested_settings(workdir):
    result = snakemake(workdir, "-n", "--cores", "1", *SMOKE,
                       "--config", "seeds=[0]", "defaults={lr: 0.02}")
    output = result.stdout + result.stderr
    assert "Invalid configuration" not in output
    # fig07b_layers_zero_state sets no lr and no seeds of its own (and shares no run with an
    # experiment that does): the command line's lr is used, the other defaults kept, and its
    # runs train seed 0 alone (the list replaced the preset's [0, 1]).
    import re

    seeds = set(re.findall(r"run=rnn-relu_\dx16_zero_len5_lr0\.02_30steps_\w+, seed=(\d+)", output))
    assert seeds == {"0"}, seeds


def test_a_quick_preset_warns_only_about_what_the_user_can_act_on(tmp_path):
    """The preset overrides steps and drops sweep values on purpose: no warning says so.
    Without the preset, the same override is worth a warning."""
    quick = judge(tmp_path).warnings
    assert not [w for w in quick if w.startswith(("override.", "labels.h0_init.values."))], quick
    full = judge(tmp_path, "override: {steps: 100}\n", files=(REPO / "config.yaml",)).warnings
    assert any(w.startswith("override.steps: replaces the value that") for w in full), full


def test_a_mistyped_target_gets_the_nearest_name_in_one_line(workdir):
    result = snakemake(workdir, "fig05_maxln", "-n", "--cores", "1", *SMOKE, check=False)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "fig05_maxln" in line]
    assert len(lines) == 1 and lines[0].startswith("Unknown target 'fig05_maxln'; did you mean fig05_maxlen? "
                                                    "Targets: all, claims,"), result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr and PLANNED not in result.stdout


def test_a_config_error_is_one_line_without_the_engine_header(workdir):
    result = snakemake(workdir, "-n", "--cores", "1", *SMOKE, "--config", "seeds=[-1]", check=False)
    assert result.returncode == 1
    assert "Invalid configuration: seeds[0]: -1 is less than the minimum of 0\n" in result.stderr
    assert "WorkflowError" not in result.stderr and 'File "' not in result.stderr, result.stderr[-2000:]


def test_a_sweep_the_quick_preset_collapses_is_drawn_as_one_run_with_a_warning(tmp_path):
    entry = "experiments:\n  my_steps: {kind: curves, set: {maxlen: 5}, sweep: {steps: [100, 200]}}\n"
    loaded = judge(tmp_path, entry)  # the smoke preset forces steps 30
    runs = {cell.run for cell in loaded.study.experiments["my_steps"].cells}
    assert len(runs) == 1
    assert any(w.startswith("experiments.my_steps: (steps=100) and (steps=200) are one run under this quick "
                            "preset") for w in loaded.warnings), loaded.warnings
    # Without a quick preset the same collapse misleads: refused, naming the override.
    refused_without = refusal(tmp_path, entry, "override: {steps: 100}\n", files=(REPO / "config.yaml",))
    assert "are one run because override.steps (100) replaces the swept value" in refused_without


@pytest.mark.parametrize("name, content, words", [
    ("missing.yaml", None, "missing.yaml: no such config file"),
    ("empty.yaml", "", "empty.yaml: is empty; a config file is a mapping"),
    ("list.yaml", "- a\n- b\n", "list.yaml: holds a list, not a mapping"),
    ("unclosed.yaml", "seeds: [0\n", "unclosed.yaml, line 2, column 1: not valid YAML: expected ',' or ']'"),
    ("tab.yaml", "seeds:\n\t- 0\n", "tab.yaml, line 2, column 1: not valid YAML: a tab character; YAML indents "
                                    "with spaces only"),
    ("nul.yaml", "seeds: [0]\n\0\n", "nul.yaml: not a text file"),
    ("binary.yaml", bytes(range(128, 256)), "binary.yaml: not a text file"),
    ("folder.yaml", "folder", "folder.yaml: is a folder, not a config file"),
    ("typo.yaml", "seedz: [0]\n", "Invalid configuration: seedz: unknown key"),
])
def test_check_config_names_a_bad_config_file_in_one_line(name, content, words, tmp_path, capsys, monkeypatch):
    """What Snakemake reads before the workflow runs (its own message or traceback), named by
    the documented entry point `python -m rnnadd check-config FILE`."""
    from rnnadd.ops.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    if content == "folder":
        (tmp_path / name).mkdir()
    elif isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    elif content is not None:
        (tmp_path / name).write_text(content)
    assert main(["check-config", name]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1, err


def test_check_config_accepts_the_smoke_preset(capsys, monkeypatch):
    from rnnadd.ops.cli import main

    monkeypatch.chdir(REPO)
    assert main(["check-config", "tests/smoke.yaml"]) == 0
    assert capsys.readouterr().out.startswith("config OK: ")


@pytest.mark.parametrize("items, words", [
    (["seeds"], "--config seeds: not KEY=VALUE (e.g. --config seeds=[0,1]); put targets before --config"),
    # A target after --config is read as a config item by Snakemake, which ends it in a traceback.
    (["seeds=[0]", "fig05_maxlen"], "--config fig05_maxlen: not KEY=VALUE"),
    (["9seeds=[0]"], "--config 9seeds=[0]: '9seeds' is not a config key"),
    (["seeds=[-1]"], "Invalid configuration: seeds[0]: -1 is less than the minimum of 0"),
    (["defaults={learnig_rate: 0.01}"], "Invalid configuration: defaults.learnig_rate: unknown key"),
])
def test_check_config_names_a_bad_config_item_in_one_line(items, words, capsys, monkeypatch):
    """`--config` items as Snakemake reads them; an item without `=` is a traceback in Snakemake."""
    from rnnadd.ops.cli import main

    monkeypatch.chdir(REPO)
    assert main(["check-config", "--configfile", "tests/smoke.yaml", "--config", *items]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1, err


def test_check_config_takes_configfiles_and_items_as_snakemake_does(tmp_path, capsys, monkeypatch):
    from rnnadd.ops.cli import main

    monkeypatch.chdir(REPO)
    (tmp_path / "more.yaml").write_text("seeds: [3]\n")
    assert main(["check-config", "tests/smoke.yaml", "--configfile", str(tmp_path / "more.yaml"),
                 "--config", "seeds=[0,1]", "defaults={lr: 0.01}"]) == 0
    assert capsys.readouterr().out.startswith("config OK: 24 experiments")
    # Each file named by --configfile is read too: the second one here is a folder.
    assert main(["check-config", "--configfile", "tests/smoke.yaml", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: is a folder, not a config file\n"


@pytest.mark.parametrize("text, words", [
    ("", "empty.yaml: is empty; a config file is a mapping"),
    ("- a\n", "empty.yaml: holds a list, not a mapping"),
    ("seeds:\n\t- 0\n", "empty.yaml, line 2, column 1: not valid YAML: a tab character"),
])
def test_the_snakefiles_own_check_names_a_config_file_it_is_given(text, words, tmp_path):
    """What reaches the Snakefile (workflow.configfiles, through load) is named too, not only by check-config."""
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load(yaml.safe_load((REPO / "config.yaml").read_text()), configfiles=[str(path)])
    assert words in str(error.value) and "\n" not in str(error.value)


def test_a_run_too_big_names_the_sweep_key_that_makes_it_so(tmp_path):
    """The size refusals name the key to change, not only the experiment."""
    message = refusal(tmp_path, "experiments:\n  my_big: {kind: curves, sweep: {hidden: [8, 100000]}}\n",
                      files=(REPO / "config.yaml",))
    assert "experiments.my_big (hidden=100000): one training job" in message
    assert "; make experiments.my_big.sweep.hidden (100000) smaller, or run it on a cluster" in message
    message = refusal(tmp_path, "experiments:\n  my_big: {kind: curves, set: {train_size: 2000000000}, "
                                "sweep: {hidden: [8, 16]}}\n", files=(REPO / "config.yaml",))
    assert "; make experiments.my_big.set.train_size (2000000000) smaller" in message
    message = refusal(tmp_path, "defaults: {train_size: 2000000000}\n", files=(REPO / "config.yaml",))
    assert "; make defaults.train_size (2000000000) smaller" in message


def test_an_analysis_too_big_names_its_option(tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for name, change, key in (("length_cells", {"test_lengths": [10, 100, 1000, 100_000_000]},
                               "experiments.length_cells.test_lengths ([10, 100, 1000, 100000000])"),
                              ("probe_layers", {"examples": 2_000_000_000},
                               "experiments.probe_layers.examples (2000000000)")):
        changed = copy.deepcopy(config)
        changed["experiments"][name].update(change)
        with pytest.raises(ConfigError) as error:
            load(changed, memory_mb=24_000)
        assert "): one analysis job needs about" in str(error.value)
        assert f"; make {key} smaller, or run it on a cluster" in str(error.value), str(error.value)


def make(*args: str) -> subprocess.CompletedProcess:
    """`make -n ARGS` in the repository: what it would run, or its refusal (-B: whatever .venv holds)."""
    # As a user types it: not as a sub-make of `make test`, which would print "Entering directory" lines.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(["make", "-n", "-B", *args], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env=env)


@pytest.mark.parametrize("preset", ["smok", "full", "smoke smoke2"])
def test_make_figure_refuses_an_unknown_preset_in_one_line(preset):
    """PRESET=smok quietly ran the full study; it is refused when the Makefile is read, before setup."""
    result = make("figure", "FIGURE=fig05_maxlen", f"PRESET={preset}")
    assert result.returncode == 2 and result.stdout == "", result.stdout
    assert result.stderr.count("\n") == 1 and (
        f"*** PRESET={preset}: make figure takes PRESET=smoke (tiny settings) or no PRESET (the full study)"
        in result.stderr), result.stderr


# make calls every tool as ".venv/bin/python" -m ...: pip's wrappers would hand the checkout's path to a shell.
CHECK = 'PYTHONPATH=workflow ".venv/bin/python" -m rnnadd check-config'
BUILD = '".venv/bin/python" -m snakemake'


@pytest.mark.parametrize("target, check, build", [
    (["run"], CHECK, f"{BUILD} --cores all"),
    (["smoke"], f"{CHECK} tests/smoke.yaml", f"{BUILD} --cores all --configfile=tests/smoke.yaml"),
    (["figure", "FIGURE=fig05_maxlen", "PRESET=smoke"], f"{CHECK} tests/smoke.yaml",
     f"set -f; {BUILD} $FIGURE --cores all --configfile=tests/smoke.yaml"),
    (["figure", "FIGURE=fig05_maxlen"], f"{CHECK} ", f"set -f; {BUILD} $FIGURE --cores all "),
])
def test_make_checks_the_config_before_snakemake_reads_it(target, check, build):
    commands = make(*target).stdout.splitlines()
    assert check in commands and build in commands, commands
    assert commands.index(check) < commands.index(build)
