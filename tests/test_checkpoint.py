"""Checkpoints: the saved model is the trained model, and bad files are refused by name."""

import pytest
import torch

from rnnadd.checkpoint import FORMAT, CheckpointError, load_checkpoint, save_checkpoint
from rnnadd.data import make_set
from rnnadd.evaluation import evaluate_set
from rnnadd.settings import Settings
from rnnadd.training import train_run, write_outputs


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
    with pytest.raises(CheckpointError, match=rf"{made}: not a readable checkpoint .*; delete it and rerun: "
                                              rf"rm {made}, then the same snakemake command again$"):
        load_checkpoint(made)
    text = tmp_path / "notes.pt"
    text.write_text("not a model\n")
    with pytest.raises(CheckpointError, match=rf"{text}: not a readable checkpoint") as refused:
        load_checkpoint(text)
    assert "rm " not in str(refused.value) and "delete" not in str(refused.value)
    assert str(refused.value).endswith("; it is not in a results/ folder, so not the workflow's to make "
                                       "again: check that it is the file you meant")

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[:500])
    with pytest.raises(CheckpointError, match=rf"{truncated}: not a readable checkpoint"):
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
    with pytest.raises(CheckpointError, match=rf"{missing}: checkpoint file does not exist"):
        load_checkpoint(missing)


def test_saving_is_atomic_and_loading_runs_no_code(tmp_path):
    settings = tiny()
    _, _, path = trained(settings, tmp_path)
    checkpoint = load_checkpoint(path)
    again = tmp_path / "again.pt"
    save_checkpoint(again, settings, checkpoint.model, checkpoint.state, checkpoint.step)
    assert not list(tmp_path.glob(".*.partial"))

    class Evil:
        def __reduce__(self):
            return (print, ("ran code",))

    evil = tmp_path / "evil.pt"
    torch.save({"format": 1, "settings": {}, "model": Evil(), "state": None, "step": 0}, evil)
    with pytest.raises(CheckpointError, match=rf"{evil}: not a readable checkpoint"):
        load_checkpoint(evil)


def test_cli_refuses_a_file_it_was_named_in_one_line_and_never_says_delete_it(tmp_path, capsys):
    from rnnadd.cli import main

    readme = tmp_path / "README.md"
    readme.write_text("# notes\n")
    assert main(["add", "--checkpoint", str(readme), "1", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {readme}: not a readable checkpoint") and err.count("\n") == 1
    assert "rm " not in err and "delete" not in err and "Traceback" not in err


def test_every_user_error_is_a_user_error():
    """One base class: the CLI and the job logs catch it once, print one line, no traceback."""
    from rnnadd.aggregate import MetricsError
    from rnnadd.claims import ClaimError
    from rnnadd.cluster import SlurmTargetError
    from rnnadd.data import DatasetError
    from rnnadd.errors import UserError
    from rnnadd.evaluation import OperandError
    from rnnadd.io import DiskFullError
    from rnnadd.seedtable import SeedTableError
    from rnnadd.settings import SettingsError
    from rnnadd.study import StudyError

    for error in (SettingsError, StudyError, ClaimError, CheckpointError, DatasetError, MetricsError,
                  SeedTableError, OperandError, DiskFullError, SlurmTargetError):
        assert issubclass(error, UserError) and issubclass(error, ValueError), error
    full = DiskFullError(28, "out.csv: no space left on device while writing it")
    assert isinstance(full, OSError) and full.errno == 28 and str(full).startswith("out.csv: no space")


def test_the_delete_and_rerun_remedy_has_one_wording_in_one_place():
    """io.rerun_hint is the only source of the remedy; every damaged-file message calls it."""
    import re

    from conftest import REPO
    from rnnadd.io import rerun_hint

    wording = re.compile(r"delete (it|\{)|and rerun|\brm \{", re.IGNORECASE)
    for path in sorted((REPO / "workflow").rglob("*.py")):
        if path.name != "io.py":
            assert not wording.search(path.read_text()), f"{path}: words its own remedy; call io.rerun_hint"
    assert rerun_hint("results/runs/x_0123abcd/seed0.csv") == (
        "delete it and rerun: rm results/runs/x_0123abcd/seed0.csv, then the same snakemake command again")
    assert rerun_hint("/abs/results/a b.csv").startswith("delete it and rerun: rm '/abs/results/a b.csv', then")
    for named in ("README.md", "runs/mine/seed0.pt", "results", "/tmp/results.pt"):
        assert "rm " not in rerun_hint(named) and "delete" not in rerun_hint(named)
