"""The training server (rnnadd.ops.trainserver): same bytes as training alone, nothing left behind.

Every process these tests signal or wait for is one they started (the server,
train.py clients, a stand-in parent) or a child of a server they started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_workflow, snakemake
from rnnadd.core.settings import Settings, load_settings_file

TRAIN = REPO / "workflow" / "scripts" / "train.py"
ANALYSE = REPO / "workflow" / "scripts" / "analyse.py"
ENV = "RNNADD_TRAIN_SERVER"


def write_settings(folder: Path, name: str, **values) -> Path:
    settings = Settings.from_dict(dict(maxlen=5, train_size=2000, test_size=200, lr=0.01, **values))
    path = folder / name
    path.write_text(json.dumps(settings.as_dict()))
    return path


def train_command(settings: Path, out: Path, seed: int = 0) -> list[str]:
    return [sys.executable, str(TRAIN), "--settings", str(settings), "--seed", str(seed),
            "--metrics", str(out / f"seed{seed}.csv"), "--timing", str(out / f"seed{seed}.timing.json"),
            "--checkpoint", str(out / f"seed{seed}.pt")]


# This checkout's rnnadd in every Python started here (as the workflow gives its jobs), whatever
# the environment has installed.
OWN = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}


def run_train(command, log: Path, server: str | None, own: dict = OWN) -> int:
    env = {k: v for k, v in own.items() if k != ENV}
    if server is not None:
        env[ENV] = server
    with open(log, "w") as handle:
        return subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, env=env,
                              timeout=300).returncode


def start_server(socket_path: Path, *extra: str, own: dict = OWN) -> subprocess.Popen:
    env = {**own, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with open(socket_path.with_suffix(".log"), "w") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "rnnadd.ops.trainserver", "--socket", str(socket_path),
                                 *extra], stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running server of our own; yields its socket path and process."""
    socket_path = tmp_path_factory.mktemp("server") / "train.sock"
    process = start_server(socket_path, "--idle", "300")
    wait_until(lambda: socket_path.exists() or process.poll() is not None, 120, "the server to listen")
    assert process.poll() is None, socket_path.with_suffix(".log").read_text()
    yield socket_path, process
    stop(process)
    assert not socket_path.exists(), "a stopped server removes its socket"


def test_a_seed_trained_by_the_server_equals_the_seed_trained_alone(server, tmp_path):
    socket_path, process = server
    settings = write_settings(tmp_path, "run.yaml", steps=60, eval_every=20)
    for seed in (0, 3):
        alone, served = tmp_path / "alone", tmp_path / "served"
        assert run_train(train_command(settings, alone, seed), tmp_path / "alone.log", None) == 0
        assert run_train(train_command(settings, served, seed), tmp_path / "served.log", str(socket_path)) == 0
        for suffix in (".csv", ".pt"):
            assert (alone / f"seed{seed}{suffix}").read_bytes() == (served / f"seed{seed}{suffix}").read_bytes()
        # The job's log is the client's standard output: the child wrote its progress there.
        alone_log, served_log = (tmp_path / "alone.log").read_text(), (tmp_path / "served.log").read_text()
        assert served_log.splitlines()[:-1] == alone_log.splitlines()[:-1]
        assert "step 60:" in served_log
    assert "job " in socket_path.with_suffix(".log").read_text(), "the jobs went through the server"


def test_a_failing_job_fails_the_same_way_through_the_server(server, tmp_path):
    socket_path, _ = server
    bad = tmp_path / "bad.yaml"
    bad.write_text("maxlen: 1\n")
    codes, logs = [], []
    for name, via in (("alone", None), ("served", str(socket_path))):
        codes.append(run_train(train_command(bad, tmp_path / name), tmp_path / f"{name}.log", via))
        logs.append((tmp_path / f"{name}.log").read_text())
    assert codes[0] == codes[1] == 2
    assert logs[0] == logs[1] and logs[0].startswith("error: ")


def test_killing_the_client_kills_its_child_and_leaves_no_output(server, tmp_path):
    socket_path, process = server
    settings = write_settings(tmp_path, "long.yaml", steps=100000, eval_every=10)
    log = tmp_path / "client.log"
    env = {**{k: v for k, v in OWN.items() if k != ENV}, ENV: str(socket_path)}
    before = set(children(process.pid))
    with open(log, "w") as handle:
        client = subprocess.Popen(train_command(settings, tmp_path / "out"), stdout=handle,
                                  stderr=subprocess.STDOUT, env=env)
    try:
        wait_until(lambda: "step 10:" in log.read_text(), 120, "the job to train")
        (child,) = set(children(process.pid)) - before
    finally:
        client.kill()
        client.wait()
    wait_until(lambda: child not in children(process.pid), 30, "the child to be killed")
    assert not Path(f"/proc/{child}").exists()
    out = tmp_path / "out"
    assert not any(out.glob("seed0.*")), sorted(p.name for p in out.glob("*"))
    assert process.poll() is None, "the server goes on serving"


def test_without_a_server_train_py_trains_in_its_own_process(tmp_path):
    settings = write_settings(tmp_path, "run.yaml", steps=20, eval_every=10)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    # No socket; a socket file nobody listens on; a server that died while starting; switched off.
    stale = tmp_path / "stale.sock"
    import socket

    with socket.socket(socket.AF_UNIX) as unbound:
        unbound.bind(str(stale))
    starting = tmp_path / "starting.sock"
    Path(f"{starting}.starting").write_text(str(dead.pid))
    for name, value in (("missing", str(tmp_path / "none.sock")), ("stale", str(stale)),
                        ("starting", str(starting)), ("off", "off")):
        started = time.monotonic()
        assert run_train(train_command(settings, tmp_path / name), tmp_path / f"{name}.log", value) == 0
        assert time.monotonic() - started < 100
        assert (tmp_path / name / "seed0.csv").exists()
        assert (tmp_path / name / "seed0.csv").read_bytes() == (tmp_path / "missing" / "seed0.csv").read_bytes()


def test_the_server_stops_when_idle_and_when_its_parent_ends(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        with_parent = start_server(tmp_path / "parent.sock", "--parent", str(parent.pid), "--idle", "600")
        idle = start_server(tmp_path / "idle.sock", "--idle", "1")
        wait_until(lambda: (tmp_path / "parent.sock").exists(), 120, "the server to listen")
        assert with_parent.poll() is None
        parent.kill()
        parent.wait()
        assert with_parent.wait(timeout=30) == 0
        assert idle.wait(timeout=120) == 0
        assert not (tmp_path / "parent.sock").exists() and not (tmp_path / "idle.sock").exists()
    finally:
        for process in (parent, locals().get("with_parent"), locals().get("idle")):
            if process is not None:
                stop(process)


def served_jobs(socket_path: Path) -> int:
    return socket_path.with_suffix(".log").read_text().count(": exit 0 after")


def test_an_analysis_by_the_server_equals_the_analysis_alone_and_fails_alike(server, tmp_path):
    socket_path, _ = server
    settings = write_settings(tmp_path, "run.yaml", steps=40, eval_every=20)
    assert run_train(train_command(settings, tmp_path / "run"), tmp_path / "train.log", str(socket_path)) == 0
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"not a checkpoint")
    results = {}
    for where, env in (("served", str(socket_path)), ("alone", None)):
        before = served_jobs(socket_path)
        for name, checkpoint in (("good", tmp_path / "run" / "seed0.pt"), ("damaged", damaged)):
            out = tmp_path / where / name / "analysis" / "probe_controls" / "n40_k1-2" / "run" / "seed0.csv"
            command = [sys.executable, str(ANALYSE), "--kind", "probe_controls", "--checkpoint", str(checkpoint),
                       "--out", str(out), "--log", str(tmp_path / f"{where}-{name}.log"), "--examples", "40"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                    env={**{k: v for k, v in OWN.items() if k != ENV},
                                         **({ENV: env} if env else {})})
            results[where, name] = (result.returncode, result.stderr, out.read_bytes() if out.exists() else None)
        # The served jobs ran in the server's children (one exit line each; the failed one: exit 2).
        assert served_jobs(socket_path) - before == (1 if env else 0)
    assert results["served", "good"] == results["alone", "good"]
    assert results["served", "good"][0] == 0 and results["served", "good"][2].startswith(b"metric,value\n")
    assert results["served", "damaged"] == results["alone", "damaged"]
    code, stderr, out = results["served", "damaged"]
    assert code == 2 and out is None and stderr.count("\n") == 1 and "damaged.pt" in stderr, stderr


@pytest.mark.snakemake
def test_a_local_study_trains_through_the_server_and_stops_it(tmp_path):
    """Through Snakemake: training, analysis, aggregate and figure jobs use the server, results
    equal those made without it, no server after the run."""
    root = copy_workflow(tmp_path / "study")
    build = ("--cores", "2", "fig01_hidden_maxlen5", "positions_hidden",
             "--configfile", str(REPO / "tests" / "smoke.yaml"), "--config", "seeds=[0]")
    snakemake(root, *build)
    log = (root / ".snakemake" / "train-server.log").read_text()
    pid = int(log.split()[2])
    results = root / "results"
    jobs = [*(results / "runs").glob("*/seed*.csv"), *(results / "analysis").rglob("seed*.csv"),
            *(results / "aggregate").glob("*.seeds.csv"), *(results / "figures").glob("*.png")]
    assert any("analysis" in str(job) for job in jobs) and len(list((results / "figures").glob("*.png"))) == 2
    assert log.count(": exit 0 after") == len(jobs), log
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), 30, "the server to end")
    assert not list((root / ".snakemake" / "train-server").glob("train-server.sock*"))
    # One seed of the study retrained alone, the old way: the same bytes.
    csv = sorted((root / "results" / "runs").glob("*/seed0.csv"))[0]
    run = csv.parent
    command = [sys.executable, str(TRAIN), "--settings", str(run / "settings.yaml"), "--seed", "0",
               "--metrics", str(tmp_path / "seed0.csv"), "--timing", str(tmp_path / "t.json"),
               "--checkpoint", str(tmp_path / "seed0.pt")]
    data = root / "results" / "data" / load_settings_file(run / "settings.yaml").dataset_id(0)
    command += ["--train", str(data / "train.npz"), "--test", str(data / "test.npz")]
    assert run_train(command, tmp_path / "alone.log", None) == 0
    assert (tmp_path / "seed0.csv").read_bytes() == csv.read_bytes()
    assert (tmp_path / "seed0.pt").read_bytes() == (run / "seed0.pt").read_bytes()
    # The aggregates and figures made again without the server: the same bytes.
    made = {path: path.read_bytes() for folder in ("aggregate", "figures") for path in (results / folder).iterdir()}
    for path in made:
        path.unlink()
    snakemake(root, *build, env={ENV: "off"})
    assert {path: path.read_bytes() for path in made} == made
    assert not (root / ".snakemake" / "train-server" / "train-server.sock").exists()


def test_a_job_whose_code_changed_since_the_server_loaded_it_runs_in_its_own_process(tmp_path):
    """The server refuses a job whose code on disk is not what it loaded; the job trains alone, with
    the new code. The edit here is a comment: the fingerprint (behaviour) stays the same."""
    checkout = copy_workflow(tmp_path / "checkout")
    own = {**os.environ, "PYTHONPATH": str(checkout / "workflow")}
    socket_path = tmp_path / "train.sock"
    process = start_server(socket_path, "--idle", "300", own=own)
    try:
        wait_until(lambda: socket_path.exists() or process.poll() is not None, 120, "the server to listen")
        assert process.poll() is None, socket_path.with_suffix(".log").read_text()
        settings = write_settings(tmp_path, "run.yaml", steps=20, eval_every=10)
        command = train_command(settings, tmp_path / "before")
        command[1] = str(checkout / "workflow" / "scripts" / "train.py")
        assert run_train(command, tmp_path / "before.log", str(socket_path), own) == 0
        assert served_jobs(socket_path) == 1
        training = checkout / "workflow" / "rnnadd" / "core" / "training.py"
        training.write_text(training.read_text() + "# A comment: the same behaviour.\n")
        after = [part.replace(str(tmp_path / "before"), str(tmp_path / "after")) for part in command]
        assert run_train(after, tmp_path / "after.log", str(socket_path), own) == 0
    finally:
        stop(process)
    server_log = socket_path.with_suffix(".log").read_text()
    assert "refused a train job: its code on disk is not the code this server loaded" in server_log
    assert served_jobs(socket_path) == 1, server_log
    assert "runs in its own process, with the code on disk" in (tmp_path / "after.log").read_text()
    before, after = tmp_path / "before", tmp_path / "after"
    assert (before / "seed0.csv").read_bytes() == (after / "seed0.csv").read_bytes()
    # Computed once by the server (for its child) and by the job alone: one fingerprint.
    served, alone = (json.loads((folder / "seed0.timing.json").read_text())["fingerprint"]
                     for folder in (before, after))
    assert f"code fingerprint {served['id']}" in server_log
    assert (served["id"], served["behaviour"]) == (alone["id"], alone["behaviour"])
