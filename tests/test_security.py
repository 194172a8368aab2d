"""Nothing runs that the user did not ask for (issue 26, items 1 and 2).

A private training server: its socket in a folder only its user can enter, created 0700 under
any umask, and every connection checked with the peer's credentials, tried from a second local
uid (created here when the tests run as root, removed after). And a checkout whose path holds a
space, quotes, `$(...)`, backticks and `;`, with its virtualenv inside it, builds a figure and
runs none of that text.

Every process these tests signal or wait for is one they started; the second user is one they
created, with a name of its own, and is removed after.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import REPO, _launching, copy_workflow, snakemake
from rnnadd.ops import trainserver

ENV = trainserver.ENV
# This checkout's rnnadd in every Python started here (as the workflow gives its jobs), whatever
# the environment has installed.
OWN = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}


def wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    """Ask a process we started to stop; kill it if it does not (a loaded machine)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# -- the server's folder ----------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o000, 0o002, 0o022, 0o077])
def test_the_server_folder_is_made_0700_whatever_the_umask(tmp_path, umask):
    folder = tmp_path / "train-server"
    old = os.umask(umask)
    try:
        assert trainserver.private_folder(folder) == str(folder)
    finally:
        os.umask(old)
    assert mode(folder) == 0o700 and folder.stat().st_uid == os.geteuid()
    assert trainserver.private_folder(folder) == str(folder), "an existing private folder is used again"
    assert mode(folder) == 0o700


def test_a_server_folder_open_to_others_or_not_a_folder_is_refused_in_one_line(tmp_path):
    cases = {}
    for name, make in (("open", lambda p: (p.mkdir(), p.chmod(0o770))),
                       ("world", lambda p: (p.mkdir(), p.chmod(0o777))),
                       ("file", lambda p: p.write_text("")),
                       ("link", lambda p: p.symlink_to(tmp_path / "elsewhere"))):
        path = tmp_path / name
        make(path)
        with pytest.raises(trainserver.NotPrivate) as refused:
            trainserver.private_folder(path)
        cases[name] = str(refused.value)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    with pytest.raises(trainserver.NotPrivate):
        trainserver.private_folder(tmp_path / "link")  # a link to a private folder is still a link
    for name, message in cases.items():
        assert message.count("\n") == 0 and message.startswith(str(tmp_path / name)), message
    assert "mode 0770" in cases["open"] and "mode 0777" in cases["world"] and "not a folder" in cases["file"]
    assert mode(tmp_path / "open") == 0o770, "a refused folder is left as it was"


def test_a_server_whose_folder_is_not_private_does_not_start(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o775)
    result = subprocess.run([sys.executable, "-m", "rnnadd.ops.trainserver", "--socket", str(folder / "s.sock")],
                            capture_output=True, text=True, timeout=120, env=OWN)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {folder}: the training server's folder must be")
    assert result.stderr.count("\n") == 1 and not (folder / "s.sock").exists()


# -- a second local user ----------------------------------------------------------------------

ATTACKER = """
import json, socket, struct, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    client.connect(sys.argv[1])
except OSError as error:
    print("connect refused:", error.errno)
    sys.exit(3)
request = json.dumps({"task": "train", "argv": ["--help"], "cwd": "/", "env": {}}).encode()
try:
    socket.send_fds(client, [struct.pack("!I", len(request)) + request], [1, 2])
    reply = client.recv(64)
except OSError as error:
    print("request refused:", error.errno)
    sys.exit(4)
print("reply:", reply)
sys.exit(0 if reply else 5)
"""


@pytest.fixture(scope="module")
def second_user():
    """(uid, gid) of a local user created for these tests (and removed after); needs root."""
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("useradd", "userdel", "setpriv")):
        reason = "a second local user needs root, useradd, userdel and setpriv"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the second-user tests must run in CI: {reason}")
        pytest.skip(reason)
    name = f"rnnsec{uuid.uuid4().hex[:10]}"
    subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name],
                   check=True, capture_output=True, timeout=60)
    try:
        import pwd

        entry = pwd.getpwnam(name)
        yield entry.pw_uid, entry.pw_gid
    finally:
        subprocess.run(["userdel", name], check=True, capture_output=True, timeout=60)
    import pwd

    with pytest.raises(KeyError):
        pwd.getpwnam(name)


def as_user(user, *command, timeout: int = 60) -> subprocess.CompletedProcess:
    uid, gid = user
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *command],
                          capture_output=True, text=True, timeout=timeout, cwd="/")


@pytest.fixture(scope="module")
def user_python(second_user):
    """A Python the second user may run (this one may sit in root's home)."""
    for candidate in (os.path.realpath(sys.executable), shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")):
        if candidate and as_user(second_user, candidate, "-I", "-S", "-c", "pass").returncode == 0:
            return candidate
    pytest.fail("no Python the second user may run")


@pytest.fixture
def open_folder():
    """A folder every user may pass through (the tests' own temporary folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="rnnadd-security-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize("umask", [0o000, 0o002], ids=["umask000", "umask002"])
def test_a_second_user_cannot_run_a_job_on_the_server(second_user, user_python, open_folder, umask):
    uid, gid = second_user
    snakemake_folder = open_folder / ".snakemake"
    snakemake_folder.mkdir(mode=0o755)
    snakemake_folder.chmod(0o755)
    folder = snakemake_folder / trainserver.FOLDER_NAME
    socket_path = folder / trainserver.SOCKET_NAME
    log_path = snakemake_folder / "train-server.log"
    attacker = open_folder / "client.py"
    attacker.write_text(ATTACKER)
    attacker.chmod(0o644)
    env = {**OWN, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with open(log_path, "w") as log:
        # The server makes its folder under the umask of a group-shared (002) or open (000) checkout.
        server = subprocess.Popen([sys.executable, "-m", "rnnadd.ops.trainserver", "--socket", str(socket_path),
                                   "--idle", "300"], stdout=log, stderr=subprocess.STDOUT, env=env, umask=umask)
    try:
        wait_until(lambda: socket_path.exists() or server.poll() is not None, 300, "the server to listen")
        assert server.poll() is None, log_path.read_text()
        assert mode(folder) == 0o700 and mode(socket_path) == 0o600, (oct(mode(folder)), oct(mode(socket_path)))

        # As the server made them: the second user cannot even reach the socket.
        tried = as_user(second_user, user_python, "-I", "-S", str(attacker), str(socket_path))
        assert tried.returncode == 3 and tried.stdout == "connect refused: 13\n", tried

        # Made reachable on purpose (as a careless chmod would): the server itself refuses it.
        if umask == 0o002:  # a group-shared checkout: the second user is in the folder's group
            for path, opened in ((folder, 0o770), (socket_path, 0o660)):
                os.chown(path, -1, gid)
                path.chmod(opened)
        else:
            folder.chmod(0o777)
            socket_path.chmod(0o666)
        tried = as_user(second_user, user_python, "-I", "-S", str(attacker), str(socket_path))
        assert tried.returncode in (4, 5) and "reply: b'" not in tried.stdout, tried
        wait_until(lambda: "refused" in log_path.read_text(), 120, "the server to log the refusal")
        lines = log_path.read_text().splitlines()
        refused = [line for line in lines if "refused" in line]
        assert len(refused) == 1, lines
        assert refused[0].startswith("refused a connection from pid ")
        assert f"(uid {uid}, gid {gid}): this server runs jobs of uid {os.geteuid()} only" in refused[0]
        assert not any(line.startswith("job ") for line in lines), "no job ran"
        assert server.poll() is None, "the server goes on serving"

        # Its own user's jobs still run through it.
        folder.chmod(0o700)
        own = subprocess.run([sys.executable, str(REPO / "workflow" / "scripts" / "train.py"), "--help"],
                             capture_output=True, text=True, timeout=300, env={**env, ENV: str(socket_path)})
        assert own.returncode == 0 and "--settings" in own.stdout
        wait_until(lambda: "job " in log_path.read_text(), 120, "the job's exit line")
        (ran,) = [line for line in log_path.read_text().splitlines() if line.startswith("job ")]
        assert " exit 0 after " in ran
    finally:
        stop(server)
    assert not socket_path.exists()
    print(f"umask {umask:03o}: folder 0700, socket 0600; refused: {refused[0]}")


def test_a_client_sends_nothing_to_a_server_of_another_user(second_user, user_python, open_folder):
    """The other way round: a job does not hand its environment and output to another user's socket."""
    uid, gid = second_user
    folder = open_folder / "theirs"
    folder.mkdir()
    os.chown(folder, uid, gid)
    socket_path = folder / "s.sock"
    listener = f"""
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind({str(socket_path)!r}); s.listen(1)
import os; os.chmod({str(socket_path)!r}, 0o666)
connection, _ = s.accept(); data = connection.recv(65536)
print("received", len(data)); sys.stdout.flush()
"""
    theirs = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", user_python,
                               "-I", "-S", "-c", listener], stdout=subprocess.PIPE, text=True, cwd="/")
    try:
        wait_until(lambda: socket_path.exists(), 120, "the other user's socket")
        result = subprocess.run([sys.executable, str(REPO / "workflow" / "scripts" / "train.py"), "--help"],
                                capture_output=True, text=True, timeout=300, env={**OWN, ENV: str(socket_path)})
        assert result.returncode == 0 and "--settings" in result.stdout, "the job ran in its own process"
        assert result.stderr.startswith(f"warning: {socket_path} is served by uid {uid}, not this user")
        out, _ = theirs.communicate(timeout=120)
        assert out == "received 0\n", out
    finally:
        if theirs.poll() is None:
            theirs.kill()
            theirs.wait()


# -- plain data, not pickles ------------------------------------------------------------------

def same(a, b) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True would not do)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("preset", ["study", "smoke"])
def test_every_mapping_a_table_or_figure_job_gets_survives_its_json_word_exactly(preset):
    """The aggregate and figure commands get each mapping as JSON (drawing_jobs.JSONParam): every
    experiment's values come back the same, types and key order included, so the jobs compute
    what they computed from the values the `script:` rules were given; and Snakemake records
    and reports the mapping as the plain dict it was (its repr), so no finished job reruns."""
    import argparse
    import shlex

    import yaml
    from snakemake.logging import format_dict
    from snakemake.utils import format as snakemake_format
    from snakemake.utils import update_config

    from rnnadd.ops.drawing_jobs import JSONParam, aggregate_parser, figure_parser
    from rnnadd.report.describe import figure_title, subtitle
    from rnnadd.study.plan import load_study

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    if preset == "smoke":
        update_config(config, yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()))
    study = load_study(config)
    for name, experiment in study.experiments.items():
        layout = experiment.layout()
        runs = {run: study.runs[run].recorded() for run in experiment.runs()}
        plot = {"title": figure_title(experiment, config, study), "subtitle": subtitle(experiment, study, config),
                "options": experiment.options, "labels": config.get("labels", {})}
        for value in (layout, runs, plot):
            param = JSONParam(value)
            assert repr(param) == repr(value) and f"{param}" == str(value)
            # How Snakemake's log and report show a job's params.
            assert format_dict({"x": param}) == format_dict({"x": value})
        # As Snakemake formats the rules' commands, and the shell splits them.
        words = shlex.split(snakemake_format("--layout {layout:jsonq} --runs {runs:jsonq} --seeds {seeds}"
                                             " --inputs a --table t --seeds-table s --log l",
                                             layout=JSONParam(layout), runs=JSONParam(runs), seeds=experiment.seeds))
        parsed = aggregate_parser().parse_args(words)
        assert same(parsed.layout, layout) and same(parsed.runs, runs), name
        assert parsed.seeds == experiment.seeds
        words = shlex.split(snakemake_format("--kind {kind:q} --layout {layout:jsonq} --plot {plot:jsonq}"
                                             " --table t --png p --pdf q --log l",
                                             kind=experiment.kind, layout=JSONParam(layout), plot=JSONParam(plot)))
        parsed = figure_parser().parse_args(words)
        assert same(parsed.layout, layout) and same(parsed.plot, plot), name
    assert isinstance(parsed, argparse.Namespace)


# -- a checkout path with everything in it ----------------------------------------------------

ODD = "odd dir 'q' \"dq\" $(touch PWNED1) `touch PWNED2`; touch PWNED3"


@pytest.mark.snakemake
def test_a_checkout_with_shell_text_in_its_path_and_its_venv_inside_builds_a_figure(tmp_path):
    """The virtualenv inside the odd path (as `make setup` makes it), so Snakemake's own Python and every
    job's command carry that text; a figure and its aggregate are built and none of it runs."""
    workdir = copy_workflow(tmp_path / ODD)
    venv = workdir / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # This environment's packages, without a download: a .pth line in the new venv's site-packages.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _launching()
    result = subprocess.run([str(python), "-m", "snakemake", "fig05_maxlen", "--cores", "2",
                             "--configfile=tests/smoke.yaml"], cwd=workdir, capture_output=True, text=True,
                            timeout=600, env={k: v for k, v in os.environ.items() if k != ENV})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-6000:]
    text = result.stdout + result.stderr
    assert '"$RNNADD_PYTHON" "$RNNADD_SCRIPTS/aggregate.py"' in text and "plot.py" in text
    for suffix in ("png", "pdf"):
        assert (workdir / "results" / "figures" / f"fig05_maxlen.{suffix}").stat().st_size > 0
    assert (workdir / "results" / "aggregate" / "fig05_maxlen.csv").stat().st_size > 0
    # The jobs went through the server started with this venv's Python, in its private folder.
    log = (workdir / ".snakemake" / "train-server.log").read_text()
    assert log.count(": exit 0 after") >= 2, log
    assert mode(workdir / ".snakemake" / trainserver.FOLDER_NAME) == 0o700
    planted = [path for folder in (tmp_path, workdir, REPO, Path.cwd(), Path("/"))
               for path in folder.glob("PWNED*")] + list(tmp_path.rglob("PWNED*"))
    assert not planted, planted


@pytest.mark.snakemake
def test_a_command_too_long_to_run_inline_is_refused_in_a_folder_with_shell_text(tmp_path):
    """Past 65,535 bytes Snakemake runs a command from a file named by the folder's path in double
    quotes: in such a folder an experiment that big is refused in one line, before any job."""
    workdir = copy_workflow(tmp_path / "a $(touch PWNED) b")
    (workdir / "many.yaml").write_text("experiments:\n  fig00_baseline:\n    seeds: 1000\n")
    result = snakemake(workdir, "fig00_baseline", "-n", "--configfile", "many.yaml", check=False)
    assert result.returncode == 1
    refusal = [line for line in result.stderr.splitlines() if line.startswith("experiments.")]
    assert len(refusal) == 1 and refusal[0].startswith("experiments.fig00_baseline: its aggregate command would be")
    assert "Traceback" not in result.stderr and not (workdir / "results").exists()
    assert not list(tmp_path.rglob("PWNED*"))
