"""`snakemake verify`: retrained samples match byte for byte, and a hand edit is caught."""

from __future__ import annotations

from conftest import SMOKE, snakemake
from rnnadd.ops.verify import sample_pairs


def test_verify_passes_on_untouched_results_and_catches_a_hand_edited_accuracy(smoke_copy):
    workdir = smoke_copy
    runs = workdir / "results" / "runs"
    # K and the seed of the draw are settings, given here on the command line.
    choose = ("--config", "verify={samples: 3, seed: 11}")

    result = snakemake(workdir, "verify", "--cores", "2", *SMOKE, *choose)
    output = result.stdout + result.stderr
    assert "verify: OK, all 3 (run, seed) pairs sampled (samples=3, seed=11) retrain to " \
           "byte-identical metrics" in output, output[-3000:]
    assert "Nothing to be done" not in output

    # Change one accuracy of a sampled file, as a hand would: the figure would show it.
    run, seed = sample_pairs(runs, 3, 11)[1]
    victim = runs / run / f"seed{seed}.csv"
    header, *rows = victim.read_text().splitlines(keepends=True)
    column = header.split(",").index("accuracy")
    last = rows[-1].split(",")
    original = last[column]
    last[column] = "0.999"
    victim.write_text(header + "".join(rows[:-1]) + ",".join(last))

    result = snakemake(workdir, "verify", "--cores", "2", *SMOKE, *choose, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "verify: FAILED, 1 of 3 (run, seed) pairs sampled (samples=3, seed=11) differ" in output
    step = last[0]
    assert (f"  results/runs/{run}/seed{seed}.csv: step {step}, accuracy: 0.999 in the file, "
            f"{original} retrained; edited by hand (differs from its own checkpoint's "
            "re-evaluation)") in output, output[-3000:]
    # The retrained copy is kept for a look, in the scratch folder.
    assert (workdir / "results" / "verify" / run / f"seed{seed}.csv").exists()


def test_library_versions_have_one_home():
    from rnnadd.claims import verdicts
    from rnnadd.core import libraries
    from rnnadd.ops import verify

    assert verify.library_versions is libraries.library_versions
    assert verdicts.versions is libraries.versions_text
    found = libraries.library_versions()
    assert set(found) == {"python", "torch", "numpy"}
    assert libraries.versions_text().startswith(f"Python {found['python']}, torch {found['torch']}, "
                                                f"numpy {found['numpy']}")


def test_a_run_trained_on_another_float_path_is_named_as_such(tmp_path):
    """Trained under a second ATEN_CPU_CAPABILITY, the bytes differ and verify says why."""
    import json
    import os
    import subprocess
    import sys

    from rnnadd.core.libraries import float_path, second_float_path
    from rnnadd.ops.verify import verify_pair

    run = tmp_path / "runs" / "tiny"
    run.mkdir(parents=True)
    (run / "settings.yaml").write_text(
        "maxlen: 5\nlr: 0.01\nsteps: 60\neval_every: 30\ntrain_size: 6000\ntest_size: 300\nhidden: 16\nembedding: 8\n")
    here = float_path()["cpu_capability"]
    other = second_float_path(here)
    subprocess.run([sys.executable, "-m", "rnnadd", "train", "--settings", str(run / "settings.yaml"),
                    "--seed", "0", "--out", str(run)], check=True, capture_output=True,
                   env={**os.environ, "ATEN_CPU_CAPABILITY": other})
    recorded = json.loads((run / "seed0.timing.json").read_text())["float_path"]
    assert recorded["cpu_capability"] == other.upper() != here
    path, why = verify_pair(tmp_path / "runs", "tiny", 0, tmp_path / "scratch")
    assert why is not None and why.endswith(
        f"; other float path (cpu_capability {other.upper()} then, {here} here)"), why
