"""Every result knows what computed it (the code fingerprint), and a hand edit is caught (issue 26).

The study test edits the learning code of its own copy of the workflow between
Snakemake calls that train different seeds, as a user editing mid-study would.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, SMOKE, copy_workflow, snakemake
from rnnadd.core import paths
from rnnadd.core.provenance import MixedCodeError, check_one_fingerprint, recorded_fingerprint

TARGET = "fig00_baseline"


def seeds(n: int) -> tuple[str, ...]:
    return ("--config", f"seeds=[{','.join(map(str, range(n)))}]", f"max_seeds={n}")


def fingerprints(root: Path) -> dict[str, str]:
    """(run/seedN) -> the fingerprint its timing file recorded."""
    return {f"{t.parent.name}/{t.name.split('.')[0]}": recorded_fingerprint(t)
            for t in sorted((root / paths.RUNS).glob("*/seed*.timing.json"))}


@pytest.mark.snakemake
def test_a_study_whose_code_changes_mid_study_is_refused_in_one_line(tmp_path):
    root = copy_workflow(tmp_path / "study")
    training = root / "workflow" / "rnnadd" / "core" / "training.py"
    figure = root / "results" / "figures" / f"{TARGET}.png"
    snakemake(root, TARGET, "--cores", "2", "--retries", "0", *SMOKE, *seeds(1))
    first = fingerprints(root)
    assert len(first) == 1 and None not in first.values()

    # A refactor that keeps every number: a comment, a local variable renamed.
    text = training.read_text()
    refactored = text.replace("loss_sum", "summed_loss").replace(
        "    rows: list[dict] = []\n", "    # One row per evaluated step.\n    rows: list[dict] = []\n")
    assert refactored != text
    training.write_text(refactored)
    result = snakemake(root, TARGET, "--cores", "2", "--retries", "0", *SMOKE, *seeds(2))
    output = result.stdout + result.stderr
    assert "seed=1" in output and "seed=0" not in output, "only the new seed trains"
    assert len(set(fingerprints(root).values())) == 1, fingerprints(root)
    assert figure.exists()

    # A changed constant of the learning code: another fingerprint, and the aggregate refuses.
    changed = refactored.replace("lr=settings.lr)", "lr=settings.lr * 1.5)")
    assert changed != refactored
    training.write_text(changed)
    result = snakemake(root, TARGET, "--cores", "2", "--retries", "0", *SMOKE, *seeds(3), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    found = fingerprints(root)
    new = found.pop(next(key for key in found if key.endswith("seed2")))
    (old,) = set(found.values())
    assert new != old
    (run,) = {key.split("/")[0] for key in found}
    older = [f"{paths.RUNS}/{run}/seed{seed}.csv" for seed in (0, 1)]
    line = (f"error: results/aggregate/{TARGET}.csv: built from runs of 2 code fingerprints, "
            + ", ".join(f"{code} ({n} (run, seed) pair{'s' if n > 1 else ''})"
                        for code, n in sorted({old: 2, new: 1}.items()))
            + f": other code or another float path; retrain those not of {new} (the fingerprint trained "
            f"last) with the code here: rm {' '.join(older)}, then the same snakemake command again")
    (tmp_path / "refused.log").write_text(output)  # kept for a look (pytest --basetemp)
    assert line in output.splitlines(), output[-3000:]
    assert not figure.exists(), "a figure of mixed code is not left behind"

    # The command it gives works: the older seeds retrain with the code here.
    command = line.split("with the code here: ")[1].split(", then")[0]
    subprocess.run(shlex.split(command), cwd=root, check=True)
    snakemake(root, TARGET, "--cores", "2", "--retries", "0", *SMOKE, *seeds(3))
    assert set(fingerprints(root).values()) == {new}
    assert figure.exists()


def test_mixed_fingerprints_are_named_runs_of_one_pass_and_unrecorded_runs_count_as_one(tmp_path):
    runs = tmp_path / "runs"

    def run(name: str, seed: int, code: str | None, when: int) -> None:
        timing = runs / name / f"seed{seed}.timing.json"
        timing.parent.mkdir(parents=True, exist_ok=True)
        timing.write_text(json.dumps({"fingerprint": {"id": code}} if code else {"steps": 1}))
        os.utime(timing, (when, when))

    run("a", 0, "aaaa", 100), run("a", 1, "aaaa", 200), run("b", 0, "aaaa", 150)
    check_one_fingerprint([("a", 0), ("a", 1), ("b", 0)], "table", runs)
    run("b", 1, None, 300)  # trained before fingerprints were recorded, and last
    with pytest.raises(MixedCodeError) as caught:
        check_one_fingerprint([("a", 0), ("a", 1), ("b", 0), ("b", 1)], "table", runs)
    assert str(caught.value) == (
        "table: built from runs of 2 code fingerprints, aaaa (3 (run, seed) pairs), unrecorded (1 (run, seed) "
        "pair): other code or another float path; retrain those not of unrecorded (the fingerprint trained "
        f"last) with the code here: rm {runs}/a/seed0.csv {runs}/a/seed1.csv {runs}/b/seed0.csv, then the same "
        "snakemake command again")
    run("c", 0, None, 1), run("c", 1, None, 2)  # a study from before fingerprints: one of its own
    check_one_fingerprint([("c", 0), ("c", 1)], "table", runs)


def test_the_smoke_study_records_one_fingerprint_and_a_checksum_per_file(smoke_run):
    """What every aggregate of the untouched smoke build checked (and passed)."""
    timings = sorted((smoke_run / paths.RUNS).glob("*/seed*.timing.json"))
    assert timings
    codes = set()
    for timing in timings:
        recorded = json.loads(timing.read_text())
        codes.add(recorded["fingerprint"]["id"])
        seed = timing.name.split(".")[0]
        assert set(recorded["checksums"]) == {f"{seed}.csv"}
    assert len(codes) == 1, codes


def test_another_float_path_is_another_fingerprint():
    """Cluster nodes whose torch takes other CPU kernels compute other numbers: their runs differ in
    fingerprint, so a figure drawn from both is refused like one of mixed code."""
    import sys

    from rnnadd.core.fingerprint import fingerprint
    from rnnadd.core.libraries import second_float_path

    here = fingerprint()
    other = second_float_path(here["cpu_capability"])
    command = [sys.executable, "-c", "import json; from rnnadd.core.fingerprint import fingerprint; "
               "print(json.dumps(fingerprint()))"]
    found = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, timeout=300,
                                      env={**os.environ, "ATEN_CPU_CAPABILITY": other,
                                           "PYTHONPATH": str(REPO / "workflow")}).stdout)
    assert found["cpu_capability"] == other.upper() != here["cpu_capability"]
    assert found["id"] != here["id"]
