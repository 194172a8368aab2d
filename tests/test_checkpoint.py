"""Checkpoints: the saved model is the trained model, and bad files are refused by name."""

import pytest
import torch

from rnnadd.core.checkpoint import FORMAT, CheckpointError, load_checkpoint, save_checkpoint
from rnnadd.core.data import make_set
from rnnadd.core.evaluation import evaluate_set
from rnnadd.core.settings import Settings
from rnnadd.core.training import train_run, write_outputs


def tiny(**changes):
    # 300 test sums in chunks of 64: the last chunk is short, as in the study.
    values = dict(maxlen=4, steps=20, eval_every=10, train_size=2000, test_size=300, hidden=16,
                  embedding=8, batch=64, lr=0.01)
    values.update(changes)
    return Settings.from_dict(values)


def trained(settings, tmp_path, seed=0):
    train = make_set(settings.maxlen, settings.split, "train", seed, settings.train_size)
    test = make_set(settings.maxlen, settings.split, "test", seed, settings.test_size)
    result = train_run(settings, seed, train, test)
    paths = {name: tmp_path / f"seed{seed}.{name}" for name in ("csv", "json", "pt")}
    write_outputs(result, paths["csv"], paths["json"], paths["pt"])
    return result, test, paths["pt"]


@pytest.mark.parametrize("mode", ["carry", "default", "zero", "frozen", "fresh", "carry_bptt"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_loaded_checkpoint_reproduces_the_last_csv_row_exactly(cell, mode, tmp_path):
    settings = tiny(cell=cell, hidden_mode=mode)
    result, test, path = trained(settings, tmp_path)
    checkpoint = load_checkpoint(path)
    assert checkpoint.settings == settings and checkpoint.step == settings.steps
    assert (checkpoint.state is None) == (mode == "default")
    score = evaluate_set(checkpoint.model, checkpoint.settings, checkpoint.state, test)
    last = result.rows[-1]
    assert score["accuracy"] == last["accuracy"]
    assert score["digit_accuracy"] == last["digit_accuracy"]
    # It learned something (chance is about 0.1 a digit): the equality is not of two trivial values.
    assert last["digit_accuracy"] > 0.2


def test_same_seed_gives_equal_weights_and_another_seed_does_not(tmp_path):
    settings = tiny(cell="lstm")
    first = load_checkpoint(trained(settings, tmp_path / "a")[2])
    again = load_checkpoint(trained(settings, tmp_path / "b")[2])
    other = load_checkpoint(trained(settings, tmp_path / "c", seed=1)[2])
    weights, same = first.model.state_dict(), again.model.state_dict()
    assert weights.keys() == same.keys()
    assert all(torch.equal(weights[k], same[k]) for k in weights)
    assert all(torch.equal(a, b) for a, b in zip(first.state, again.state))
    assert not torch.equal(weights["readout.weight"], other.model.state_dict()["readout.weight"])


def test_newer_format_and_files_that_are_not_checkpoints_name_the_file(tmp_path):
    settings = tiny()
    _, _, path = trained(settings, tmp_path)
    payload = torch.load(path, weights_only=True)

    newer = tmp_path / "newer.pt"
    torch.save({**payload, "format": FORMAT + 1}, newer)
    with pytest.raises(CheckpointError, match=rf"{newer}: checkpoint format {FORMAT + 1} is newer"):
        load_checkpoint(newer)

    # A file the workflow made (under results/) may be deleted and made again;
    # any other file is the user's, and deleting it is never the advice.
    made = tmp_path / "results" / "runs" / "some-run_0123abcd" / "seed0.pt"
    made.parent.mkdir(parents=True)
    made.write_text("not a model\n")
    with pytest.raises(CheckpointError, match=rf"{made}: not a checkpoint .*; delete it and rerun: "
                                              rf"rm {made}, then the same snakemake command again$"):
        load_checkpoint(made)
    text = tmp_path / "notes.pt"
    text.write_text("not a model\n")
    with pytest.raises(CheckpointError, match=rf"{text}: not a checkpoint") as refused:
        load_checkpoint(text)
    assert "rm " not in str(refused.value) and "delete" not in str(refused.value)
    assert str(refused.value).endswith("; it is not in a results/ folder, so not the workflow's to make "
                                       "again: check that it is the file you meant")

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[:500])
    with pytest.raises(CheckpointError, match=rf"{truncated}: not a checkpoint"):
        load_checkpoint(truncated)

    other_dict = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other_dict)
    with pytest.raises(CheckpointError, match=rf"{other_dict}: not a checkpoint of this project"):
        load_checkpoint(other_dict)

    wrong_shape = tmp_path / "wrong_shape.pt"
    torch.save({**payload, "settings": {**payload["settings"], "hidden": 32}}, wrong_shape)
    with pytest.raises(CheckpointError, match=rf"{wrong_shape}: weights do not fit"):
        load_checkpoint(wrong_shape)

    missing = tmp_path / "missing.pt"
    with pytest.raises(CheckpointError, match=rf"{missing}: no such file"):
        load_checkpoint(missing)


def test_saving_is_atomic_and_loading_runs_no_code(tmp_path):
    settings = tiny()
    _, _, path = trained(settings, tmp_path)
    checkpoint = load_checkpoint(path)
    again = tmp_path / "again.pt"
    save_checkpoint(again, settings, checkpoint.model, checkpoint.state, checkpoint.step, 0)
    assert not list(tmp_path.glob(".*.partial"))

    class Evil:
        def __reduce__(self):
            return (print, ("ran code",))

    evil = tmp_path / "evil.pt"
    torch.save({"format": 1, "settings": {}, "model": Evil(), "state": None, "step": 0}, evil)
    with pytest.raises(CheckpointError, match=rf"{evil}: not a checkpoint"):
        load_checkpoint(evil)


def test_cli_refuses_a_file_it_was_named_in_one_line_and_never_says_delete_it(tmp_path, capsys):
    from rnnadd.ops.cli import main

    readme = tmp_path / "README.md"
    readme.write_text("# notes\n")
    assert main(["add", "--checkpoint", str(readme), "1", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {readme}: not a checkpoint (it looks like a text file)") and err.count("\n") == 1
    assert "rm " not in err and "delete" not in err and "Traceback" not in err


def test_every_user_error_is_a_user_error():
    """One base class: the CLI and the job logs catch it once, print one line, no traceback."""
    from rnnadd.analyses.aggregate import MetricsError
    from rnnadd.analyses.seedtable import SeedTableError
    from rnnadd.claims import ClaimError
    from rnnadd.core.data import DatasetError
    from rnnadd.core.errors import UserError
    from rnnadd.core.evaluation import OperandError
    from rnnadd.core.io import DiskFullError
    from rnnadd.core.settings import SettingsError
    from rnnadd.ops.cluster import SlurmTargetError
    from rnnadd.study.plan import StudyError

    for error in (SettingsError, StudyError, ClaimError, CheckpointError, DatasetError, MetricsError,
                  SeedTableError, OperandError, DiskFullError, SlurmTargetError):
        assert issubclass(error, UserError) and issubclass(error, ValueError), error
    full = DiskFullError(28, "out.csv: no space left on device while writing it")
    assert isinstance(full, OSError) and full.errno == 28 and str(full).startswith("out.csv: no space")


def test_the_delete_and_rerun_remedy_has_one_wording_in_one_place():
    """io.rerun_hint is the only source of the remedy; every damaged-file message calls it."""
    import re

    from conftest import REPO
    from rnnadd.core.io import rerun_hint

    wording = re.compile(r"delete (it|\{)|and rerun|\brm \{", re.IGNORECASE)
    for path in sorted((REPO / "workflow").rglob("*.py")):
        if path.name != "io.py":
            assert not wording.search(path.read_text()), f"{path}: words its own remedy; call io.rerun_hint"
    assert rerun_hint("results/runs/x_0123abcd/seed0.csv") == (
        "delete it and rerun: rm results/runs/x_0123abcd/seed0.csv, then the same snakemake command again")
    assert rerun_hint("/abs/results/a b.csv").startswith("delete it and rerun: rm '/abs/results/a b.csv', then")
    for named in ("README.md", "runs/mine/seed0.pt", "results", "/tmp/results.pt"):
        assert "rm " not in rerun_hint(named) and "delete" not in rerun_hint(named)


@pytest.mark.parametrize("change, words", [
    (lambda p: {**p, "state": torch.zeros(1, 2, 3)}, "start state has shape (1, 2, 3)"),
    (lambda p: {**p, "state": "abc"}, "mode 'carry' needs its start state: a tensor"),
    (lambda p: {**p, "state": None}, "mode 'carry' needs its start state"),
    (lambda p: {**p, "step": 2.5}, "step 2.5 is not a whole number"),
    (lambda p: {**p, "step": -1}, "step -1 is not a whole number"),
    (lambda p: {**p, "format": "abc"}, "not a checkpoint of this project (format 'abc')"),
    (lambda p: {**p, "model": "weights"}, "'model' is not a mapping of tensors"),
    (lambda p: {**p, "settings": [1, 2]}, "settings are not a mapping"),
    (lambda p: {**p, "run": "other_0123abcd"}, "records run 'other_0123abcd', but its settings make"),
    (lambda p: {**p, "seed": "one"}, "seed 'one' is not a whole number"),
    (lambda p: {k: v for k, v in p.items() if k != "seed"}, "checkpoint lacks 'seed'"),
])
def test_a_checkpoint_is_checked_all_the_way_down(change, words, tmp_path):
    settings = tiny(hidden_mode="carry")
    _, _, path = trained(settings, tmp_path)
    damaged = tmp_path / "damaged.pt"
    torch.save(change(torch.load(path, weights_only=True)), damaged)
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint(damaged)
    message = str(refused.value)
    assert message.startswith(f"{damaged}: ") and words in message and "\n" not in message, message


def test_a_checkpoint_records_its_run_and_seed_and_a_copied_one_is_refused(tmp_path):
    settings = tiny()
    _, _, path = trained(settings, tmp_path, seed=1)
    checkpoint = load_checkpoint(path)
    assert checkpoint.seed == 1
    assert load_checkpoint(path, run=settings.run_id(), seed=1).seed == 1
    copied = tmp_path / "results" / "runs" / settings.run_id() / "seed0.pt"
    copied.parent.mkdir(parents=True)
    copied.write_bytes(path.read_bytes())
    with pytest.raises(CheckpointError, match=rf"holds run {settings.run_id()} seed 1, not "
                                              rf"{settings.run_id()} seed 0 \(copied from another run or seed\?\)"):
        load_checkpoint(copied, run=settings.run_id(), seed=0)
    # The analysis jobs read the seed from the path: a copied checkpoint never passes for another seed.
    from rnnadd.analyses.analysis import load_run_checkpoint

    with pytest.raises(CheckpointError, match="seed 1, not"):
        load_run_checkpoint(copied, settings.run_id())
    # Format 1 (before run and seed were recorded) is still read.
    old = tmp_path / "old.pt"
    payload = torch.load(path, weights_only=True)
    torch.save({**{k: v for k, v in payload.items() if k not in ("run", "seed")}, "format": 1}, old)
    assert load_checkpoint(old, seed=0).seed is None


@pytest.mark.parametrize("name, words", [
    ("seed0.csv", "not a checkpoint (it looks like a CSV file (metrics?))"),
    ("settings.yaml", "not a checkpoint (it looks like a YAML file (settings?))"),
    ("train.npz", "not a checkpoint (it looks like a numpy archive (a dataset?))"),
    ("folder", "is a folder, not a checkpoint"),
    ("absent.pt", "no such file"),
])
def test_cli_names_what_a_wrong_file_is_and_what_to_give(name, words, tmp_path, capsys):
    from rnnadd.ops.cli import main

    run = tmp_path / "results" / "runs" / "x_0123abcd"
    run.mkdir(parents=True)
    (run / "seed0.csv").write_text("step,loss\n0,\n")
    (run / "settings.yaml").write_text("maxlen: 5\n")
    (run / "train.npz").write_bytes(b"PK\x03\x04" + bytes(100))
    (run / "folder").mkdir()
    for command in (["add", "--checkpoint", str(run / name), "1", "2"],
                    ["evaluate", "--checkpoint", str(run / name), "--length", "5"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err == f"error: {run / name}: {words}; give a trained model: results/runs/<run>/seed<N>.pt\n"
