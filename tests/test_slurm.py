"""The Slurm profile on a real single-node Slurm cluster (tests/slurm/start_cluster.sh).

In CI (CI=true) these must run; elsewhere they are skipped when Slurm or root
is missing.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, copy_workflow, snakemake

pytestmark = pytest.mark.slurm

SLURM_DIR = REPO / "tests" / "slurm"
# The README's form: conftest's SMOKE ("--configfile", path) would take a following target as a config file.
SMOKE_PRESET = "--configfile=tests/smoke.yaml"


def _why_not_available():
    if os.geteuid() != 0:
        return "the local Slurm cluster needs root"
    for tool in ("slurmctld", "slurmd", "munged", "sbatch"):
        if not (shutil.which(tool) or Path("/usr/sbin", tool).exists()):
            return f"{tool} is not installed (apt-get install slurm-wlm munge)"
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = _why_not_available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Slurm tests must run in CI: {reason}")
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("slurm")
    started = subprocess.run([str(SLURM_DIR / "start_cluster.sh"), str(state)],
                             capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stdout + started.stderr
    env = dict(line.split("=", 1) for line in started.stdout.split() if "=" in line)
    env["PATH"] = f"{Path(os.sys.executable).parent}:{os.environ['PATH']}:/usr/sbin"
    try:
        yield {"env": env, "state": state}
    finally:
        subprocess.run([str(SLURM_DIR / "stop_cluster.sh"), str(state)], capture_output=True, timeout=180)


# The profile waits 10 s before the first status check and 10 s between checks,
# right for a real cluster; the test cluster answers at once. Polling every
# second tests the same behaviour about 40 s sooner.
QUICK_POLLING = ("--slurm-init-seconds-before-status-checks", "1", "--seconds-between-status-checks", "1")


def submissions(state: Path) -> int:
    """Batch jobs the scheduler accepted, from its own log."""
    log = (state / "log" / "slurmctld.log").read_text()
    return len(set(re.findall(r"_slurm_rpc_submit_batch_job: JobId=(\d+)", log)))


def one_experiment_per_kind(workdir):
    """The first experiment of each kind that trains (reads training metrics) in the smoke study.

    Only training goes to the cluster; analyses, aggregates and figures are local
    rules whichever the executor, and the local build tests them.
    """
    from test_pipeline import study_of

    from rnnadd.study.kinds import KINDS, METRICS

    names = {}
    for name, experiment in study_of(workdir).experiments.items():
        if KINDS[experiment.kind].reads == METRICS:
            names.setdefault(experiment.kind, name)
    return sorted(names.values())


def test_smoke_preset_through_the_slurm_profile_matches_the_local_run(cluster, smoke_run, tmp_path):
    workdir = copy_workflow(tmp_path / "slurm-study")
    targets = one_experiment_per_kind(workdir)
    before = submissions(cluster["state"])
    dry = snakemake(workdir, "-n", "--cores", "2", SMOKE_PRESET, *targets)
    train_jobs = int(re.search(r"^train\s+(\d+)$", dry.stdout, re.M).group(1))
    result = snakemake(workdir, "--profile", "profiles/slurm", SMOKE_PRESET, *QUICK_POLLING, *targets,
                       env=cluster["env"], timeout=1200)
    output = result.stdout + result.stderr

    for name in targets:
        assert (workdir / "results" / "figures" / f"{name}.png").exists(), name
        for table in (f"{name}.csv", f"{name}.seeds.csv"):
            built, local = workdir / "results" / "aggregate" / table, smoke_run / "results" / "aggregate" / table
            assert built.read_bytes() == local.read_bytes(), table

    # Every training job ran on the cluster and gave the local run's bytes.
    trained = sorted((workdir / "results" / "runs").rglob("seed*.csv"))
    assert len(trained) == train_jobs > 0
    local = []
    for path in trained:
        relative = path.relative_to(workdir)
        assert (smoke_run / relative).read_bytes() == path.read_bytes(), relative
        local.append(smoke_run / relative)

    # Training is bundled, one run (all its seeds) to a submission; everything
    # else runs locally. squeue's comment names the rule and the run.
    runs = {path.parent.name for path in local}
    assert submissions(cluster["state"]) - before == len(runs)
    assert "group" in output.lower()
    job_ids = re.findall(r"submitted with SLURM jobid (\d+)", output)
    comments = subprocess.run(["squeue", "--noheader", "--states=all", "--jobs", ",".join(job_ids),
                               "--format=%k"], capture_output=True, text=True, env={**os.environ, **cluster["env"]},
                              check=True).stdout.split()
    assert sorted(comments) == sorted(f"rule_train_{run}_train" for run in runs)


def test_a_wrong_partition_stops_before_anything_is_submitted(cluster, tmp_path):
    workdir = copy_workflow(tmp_path / "study")
    before = submissions(cluster["state"])
    result = snakemake(workdir, "--profile", "profiles/slurm", SMOKE_PRESET, "fig01_hidden_maxlen5", check=False,
                       env={**cluster["env"], "SLURM_PARTITION": "cpu"})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert ("Nothing was submitted. Slurm partition 'cpu' (SLURM_PARTITION) does not exist on this cluster; "
            "its partitions are: debug (default).") in output, output[-3000:]
    assert "Traceback" not in output and "Error in" not in output
    assert submissions(cluster["state"]) == before
    assert not (workdir / "results").exists()  # not even the local jobs ran


def test_a_request_slurm_refuses_stops_before_anything_is_submitted_with_sbatchs_own_words(cluster, tmp_path):
    workdir = copy_workflow(tmp_path / "study")
    before = submissions(cluster["state"])
    # More memory than the node has: sbatch would refuse it at submission. Asked first with
    # `sbatch --test-only` (onstart), so nothing is submitted and sbatch's words are the message.
    result = snakemake(workdir, "--profile", "profiles/slurm", SMOKE_PRESET, "fig01_hidden_maxlen5",
                       "--set-resources", "train:mem_mb=99999999", "train:group_slots=1", "--retries", "0",
                       check=False, env=cluster["env"])
    output = result.stdout + result.stderr
    assert result.returncode == 1
    refusals = [line for line in output.splitlines() if "Nothing was submitted." in line]
    assert len(refusals) == 1 and re.search(
        r"Nothing was submitted\. Slurm refuses the jobs of rule train \(--mem=99999999 --time=\d+ "
        r"--cpus-per-task=1, the most they ask for\); sbatch says: .*"
        r"Requested node configuration is not available\. Ask for less", refusals[0]), output[-3000:]
    assert "Traceback" not in output and "Error in" not in output
    assert submissions(cluster["state"]) == before
    assert not (workdir / "results").exists()  # not even the local jobs ran


def test_a_failed_job_is_retried_with_more_time(cluster, tmp_path):
    """A test-only workflow whose seed-0 job fails on its first attempt."""
    before = submissions(cluster["state"])
    result = subprocess.run(
        [os.sys.executable, "-m", "snakemake", "-s", str(SLURM_DIR / "retry_workflow" / "Snakefile"),
         "-d", str(tmp_path), "--profile", str(REPO / "profiles" / "slurm"),
         "--workflow-profile", str(REPO / "profiles" / "default"), *QUICK_POLLING],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={**os.environ, **cluster["env"]})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line.split(",") for line in (tmp_path / "results" / "summary.txt").read_text().split()]
    assert len(rows) == 3
    for _run, _seed, attempt, runtime, _job, _limit in rows:
        assert attempt == "2"  # the group failed once and was resubmitted as a whole
        assert runtime == "4"  # 2 minutes times the attempt
    assert submissions(cluster["state"]) - before == 2
