"""Recovery that recovers: delete a file, rerun the usual command, get it back exactly.

Also: a damaged file's error names that file and gives a command that works as
printed; a truncated aggregate is refused, not drawn; a full disk is one line.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from test_pipeline import study_of

from conftest import SMOKE, snakemake


@pytest.fixture
def built(smoke_copy) -> Path:
    """A private copy of the complete smoke study, to break."""
    workdir = smoke_copy
    return workdir


def one(paths):
    paths = sorted(paths)
    assert paths, "nothing matched"
    return paths[0]


def test_each_kind_of_deleted_file_is_recomputed_exactly_by_the_usual_command(built):
    results = built / "results"
    # One file of each kind; the dataset is one few runs read (fig02's longer numbers), to keep this short.
    study = study_of(built)
    fig02_run = study.experiments["fig02_hidden_maxlen50"].runs()[0]
    victims = {
        "seed CSV": one((results / "runs").glob("rnn-relu_1x16_*/seed1.csv")),
        "checkpoint": one((results / "runs").glob("rnn-relu_2x16_zero_*/seed0.pt")),
        "dataset": results / "data" / study.runs[fig02_run].dataset_id(study.seeds[-1]) / "test.npz",
        "settings file": one((results / "runs").glob("gru_*/settings.yaml")),
        "aggregate": results / "aggregate" / "heatmap_lr_maxlen.csv",
        "per-seed table": results / "aggregate" / "fig05_maxlen.seeds.csv",
        "probe analysis": one((results / "analysis" / "probe").glob("*/*/seed0.csv")),
    }
    before = {kind: path.read_bytes() for kind, path in victims.items()}
    figures = {p: p.stat().st_mtime_ns for p in (results / "figures").glob("*.png")}
    for path in victims.values():
        path.unlink()

    snakemake(built, "--cores", "2", *SMOKE)  # the usual command; figures exist all along

    for kind, path in victims.items():
        assert path.exists(), f"{kind} {path} was not recomputed"
        if kind == "checkpoint":  # same weights and state, whatever the pickling
            import torch
            again, first = torch.load(path, weights_only=True), None
            path.write_bytes(before[kind])
            first = torch.load(path, weights_only=True)
            assert all(torch.equal(again["model"][k], first["model"][k]) for k in first["model"])
        else:
            assert path.read_bytes() == before[kind], f"{kind} {path} differs after recomputing"
    # Everything after the deleted files was redone too: their figures are new.
    redrawn = {p for p, mtime in figures.items() if p.stat().st_mtime_ns != mtime}
    assert results / "figures" / "heatmap_lr_maxlen.png" in redrawn
    assert results / "figures" / "fig02_hidden_maxlen50.png" in redrawn  # read the deleted dataset
    # ... and a second run has nothing left to do.
    again = snakemake(built, "--cores", "2", *SMOKE)
    assert "Nothing to be done" in again.stdout + again.stderr


def printed_command(output: str) -> str:
    match = re.search(r"rm (\S+), then the same snakemake command again", output)
    assert match, output[-3000:]
    return f"rm {match.group(1)}"


def test_emptied_settings_file_is_named_and_the_printed_command_repairs_it(built):
    victim = one((built / "results" / "runs").glob("lstm_*/settings.yaml"))
    relative = victim.relative_to(built)
    good = victim.read_bytes()
    victim.write_text("")
    os.utime(victim)
    result = snakemake(built, "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: {relative}: the settings file is empty; delete it and rerun: rm {relative}, " \
           "then the same snakemake command again" in output
    assert "Traceback" not in output
    assert "npz" not in "\n".join(line for line in output.splitlines() if line.startswith("error:"))
    # The printed command, as printed, then the usual command: repaired exactly.
    subprocess.run(printed_command(output), shell=True, cwd=built, check=True)
    snakemake(built, "--cores", "2", *SMOKE)
    assert victim.read_bytes() == good


def test_hand_edited_settings_file_is_refused_naming_it(built):
    victim = one((built / "results" / "runs").glob("gru_*/settings.yaml"))
    victim.write_text(victim.read_text().replace("hidden: 16", "hidden: 17"))
    result = snakemake(built, "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: {victim.relative_to(built)}: holds the settings of run gru_2x17" in output
    assert "(edited by hand?); delete it and rerun: rm " in output


def test_truncated_aggregate_is_refused_not_drawn(built):
    victim = built / "results" / "aggregate" / "fig05_maxlen.csv"
    lines = victim.read_text().splitlines(keepends=True)
    victim.write_text("".join(lines[: len(lines) // 2]))  # whole lines: it still parses
    figure = built / "results" / "figures" / "fig05_maxlen.png"
    drawn = figure.read_bytes()
    result = snakemake(built, "fig05_maxlen", "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    expected = len(lines) - 1
    assert f"error: results/aggregate/fig05_maxlen.csv: has {len(lines) // 2 - 1} rows, expected " \
           f"{expected} (truncated or edited?); delete it and rerun: rm results/aggregate/fig05_maxlen.csv" in output
    # Not drawn from the broken table (Snakemake removes a failed job's outputs).
    assert not figure.exists() or figure.read_bytes() == drawn
    subprocess.run(printed_command(output), shell=True, cwd=built, check=True)
    snakemake(built, "fig05_maxlen", "--cores", "2", *SMOKE)
    assert len(victim.read_text().splitlines(keepends=True)) == len(lines)


def test_heatmap_aggregate_with_a_missing_value_is_a_clear_error(built):
    victim = built / "results" / "aggregate" / "heatmap_layers_hidden.csv"
    header, first, *rest = victim.read_text().splitlines(keepends=True)
    columns = header.strip().split(",")
    values = first.rstrip("\n").split(",")
    values[columns.index("mean")] = ""
    victim.write_text(header + ",".join(values) + "\n" + "".join(rest))
    result = snakemake(built, "heatmap_layers_hidden", "--cores", "2", "--retries", "0", *SMOKE,
                       check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: results/aggregate/heatmap_layers_hidden.csv: heatmap cell " \
           f"({values[columns.index('label0')]}, {values[columns.index('label1')]}) has no value" in output
    assert "Traceback" not in output


def test_failed_aggregate_takes_its_old_figure_with_it(built):
    victim = one((built / "results" / "runs").glob("rnn-relu_2x16_carry-normal_len3_*/seed0.csv"))
    victim.write_text(victim.read_text()[:40])
    result = snakemake(built, "fig05_maxlen", "--cores", "2", "--retries", "0", *SMOKE, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and f"error: {victim.relative_to(built)}:" in output
    assert not (built / "results" / "aggregate" / "fig05_maxlen.csv").exists()
    assert not (built / "results" / "figures" / "fig05_maxlen.png").exists()


def train_onto_a_full_device(tmp_path, capsys, name):
    """A tiny `train --out` whose output `name` is written to /dev/full: (exit code, stderr, out folder)."""
    from rnnadd.ops.cli import main

    (tmp_path / "run.yaml").write_text("maxlen: 3\nsteps: 4\neval_every: 2\ntrain_size: 400\n"
                                       "test_size: 50\nbatch: 50\nhidden: 8\nembedding: 4\n")
    out = tmp_path / "out"
    out.mkdir()
    # atomic_path writes to .<name>.<pid>.partial first: make that the full device.
    (out / f".{name}.{os.getpid()}.partial").symlink_to("/dev/full")
    code = main(["train", "--settings", str(tmp_path / "run.yaml"), "--seed", "0", "--out", str(out)])
    return code, capsys.readouterr().err, out


def test_full_disk_is_one_clear_line_naming_the_file(tmp_path, capsys):
    """A real ENOSPC: the file being written is /dev/full."""
    code, error, out = train_onto_a_full_device(tmp_path, capsys, "seed0.timing.json")
    assert code == 2
    assert error == (f"error: {out}/seed0.timing.json: no space left on device while writing it; "
                     "free some space, then run the same command again\n")
    assert not list(out.iterdir())  # nothing complete-looking, no leftovers


def test_full_disk_mid_checkpoint_is_one_line_and_leaves_nothing(tmp_path, capsys):
    """torch.save on a full device fails without the OS's words: still one line naming the file."""
    code, error, out = train_onto_a_full_device(tmp_path, capsys, "seed0.pt")
    assert code == 2
    assert error == (f"error: {out}/seed0.pt: no space left on device while writing it; "
                     "free some space, then run the same command again\n")
    assert sorted(p.name for p in out.iterdir()) == ["seed0.timing.json"]  # no CSV: the job is not done


@pytest.mark.parametrize("full", ["log", "output", "both"])
def test_full_disk_under_a_job_and_its_log_is_one_line(full, tmp_path):
    """A job run through rnnadd.core.logs.logged: the output, the log or both on a full device."""
    import sys
    import textwrap

    log, output = tmp_path / "job.log", tmp_path / "out.csv"
    if full in ("log", "both"):
        log.symlink_to("/dev/full")
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        import os
        from pathlib import Path
        from rnnadd.core.io import write_text
        from rnnadd.core.logs import logged
        output = Path({str(output)!r})
        if {full!r} in ("output", "both"):
            partial = output.with_name(f".out.csv.{{os.getpid()}}.partial")
            partial.symlink_to("/dev/full")
        with logged({str(log)!r}):
            print("progress " * 2000)
            write_text(output, "metric,value\\n" * 2000)
    """))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "no space left on device while writing it" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and not output.exists()
