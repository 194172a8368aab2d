"""Training and analysis jobs without the start-up: forked children of one process that
imported torch once.

A training job of the study's short runs computes for 2-8 s, and starting
Python and importing torch cost about 1.5 s more (30% of such a job); an
analysis job (length, probe, chains, ...) computes for well under a second on
small settings and paid the same import. The workflow therefore starts one
server per local Snakemake run (its ``onstart``): it imports the learning
package and torch, runs no torch operation (so no thread pool exists to be
copied into children), and waits on a Unix socket.
``workflow/scripts/train.py`` and ``workflow/scripts/analyse.py``, still the
commands of those jobs, ask it first (``relay``): each sends its task, its
arguments, its working folder and its standard output and error (as file
descriptors), and the server forks a child that runs exactly what the script
runs in-process (``TASKS``) and whose exit code the script passes on. Without
a server (Slurm, a dry run, a job started by hand, ``RNNADD_TRAIN_SERVER=off``)
the script runs the task in its own process as before; the results are the
same bytes either way.

The server is private: its socket lies in a folder only its user can enter
(``private_folder``: created with mode 0700, refused when it exists with
another owner or mode), the socket itself is created with mode 0600, and every
connection is checked with the peer's credentials (``SO_PEERCRED``): a process
of another user is refused with one line in the server's log, before anything
is read from it. A request is JSON (the task's name, its command-line
arguments, the working folder and environment); nothing a client sends is
unpickled. A client checks the server's credentials in turn before it sends
its environment and standard output.

Nothing is left behind: a child whose client goes away (Snakemake killed the
job) is killed with SIGKILL, and so is every child whose server dies; the
server stops when asked (SIGTERM, the workflow's onsuccess/onerror), when the
Snakemake process that started it ends, or after ``--idle`` seconds without
a job. Outputs are written atomically (``rnnadd.core.io``), so a killed child
leaves nothing that looks complete.

A job runs only the code the server loaded: the server hashes the package's
source files before it imports them (``rnnadd.core.provenance.source_digest``)
and each request carries the digest of the files on disk when the job
starts. A job whose code differs (the checkout was edited while Snakemake
ran) is refused with exit code ``CODE_CHANGED`` and one line in the server's
log, before the child reads or writes anything of it; its script then runs
it in its own process, with the code on disk. The server also computes the
code fingerprint of what it loaded once, in a child of its own
(``rnnadd.core.fingerprint``), and its job children inherit it, so each
training run records what computed it without paying for it.

This module imports only the standard library at the top: train.py imports
it before it knows whether it will need torch.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import stat
import struct
import sys
import time
import traceback

ENV = "RNNADD_TRAIN_SERVER"  # the socket's path; "off": start no server
FOLDER_NAME = "train-server"  # in .snakemake/ of the working folder: only its user may enter
SOCKET_NAME = "train-server.sock"  # in that folder
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid
_HEADER = struct.Struct("!I")  # length of the JSON request that follows
# A child's exit code: the job's code on disk is not what this server loaded; run it in its own process.
CODE_CHANGED = 75
_LOADED = {"code": None}  # the source digest of the code this server imported


def _address(path: str) -> str:
    """A Unix socket path is limited to 107 bytes; a relative one is usually shorter."""
    if len(os.fsencode(path)) < 100:
        return path
    return os.path.relpath(path)


class NotPrivate(Exception):
    """The server's folder is not one that only this user can enter."""


def private_folder(path) -> str:
    """Make path a folder only this user can enter, or check that it is one; return it.

    Created with mode 0700 from the start (a umask only takes bits away), never chmod-ed
    after; a folder (or anything else) already there with another owner or mode, or a
    symbolic link, raises NotPrivate with one line naming it.
    """
    path = os.fspath(path)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    found = os.lstat(path)
    mode = stat.S_IMODE(found.st_mode)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid() or mode != 0o700:
        what = "a folder" if stat.S_ISDIR(found.st_mode) else "not a folder"
        raise NotPrivate(f"{path}: the training server's folder must be a folder of uid {os.geteuid()} "
                         f"with mode 0700; found {what} of uid {found.st_uid} with mode {mode:04o} "
                         f"(remove it, and the workflow makes it again)")
    return path


def peer_credentials(connection: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a Unix socket, as the kernel saw it connect."""
    return _CREDENTIALS.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size))


# -- client (train.py) --------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (OSError, IndexError):
        return False


def _wait_for_server(path: str, limit_s: float = 120.0) -> bool:
    """Whether the socket exists, waiting while the server still imports torch.

    A job that came before the server listens would import torch itself: the
    same wait, and a core taken from the server's start.
    """
    deadline = time.monotonic() + limit_s
    while not os.path.exists(path):
        try:
            with open(f"{path}.starting") as handle:
                pid = int(handle.read())
        except (OSError, ValueError):
            return False
        if not _alive(pid) or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# What a child runs for each task: the same function the task's script runs without a server.
TASKS = {
    "train": ("train.py", "rnnadd.ops.cli", "train_command"),
    "analyse": ("analyse.py", "rnnadd.ops.analyse_job", "analyse_command"),
    "aggregate": ("aggregate.py", "rnnadd.ops.drawing_jobs", "aggregate_command"),
    "figure": ("plot.py", "rnnadd.ops.drawing_jobs", "figure_command"),
}


def run_task(task: str, argv: list[str]) -> int | None:
    """Run a task in this process (its script without a server, or the server's child)."""
    import importlib

    _, module, function = TASKS[task]
    return getattr(importlib.import_module(module), function)(argv)


def run_served_or_here(task: str, argv: list[str]) -> int:
    """What every job script does: the task in the server's child when there is a server, else here."""
    code = relay(argv, task=task)
    return run_task(task, argv) if code is None else code


def relay(argv: list[str], task: str = "train") -> int | None:
    """Run the task on argv in the server's child and return its exit code; None: no server, run it here."""
    path = os.environ.get(ENV, "")
    if not path or path == "off":
        return None
    if not _wait_for_server(path):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(_address(path))
    except OSError:  # gone (killed), or not ours to enter: the job trains in its own process
        connection.close()
        return None
    with connection:
        # Our environment and output go only to a server of our own user.
        _, uid, _ = peer_credentials(connection)
        if uid != os.geteuid():
            print(f"warning: {path} is served by uid {uid}, not this user ({os.geteuid()}): "
                  "the job runs in its own process", file=sys.stderr)
            return None
        from rnnadd.core.provenance import source_digest

        request = json.dumps({"task": task, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                              "code": source_digest()}).encode()
        sys.stdout.flush(), sys.stderr.flush()
        try:
            socket.send_fds(connection, [_HEADER.pack(len(request)) + request], [1, 2])
        except OSError:  # nothing was started: train here
            return None
        reply = b""
        while chunk := connection.recv(64):
            reply += chunk
    if not reply:
        print(f"error: the training server ({path}) stopped before this job ended", file=sys.stderr)
        return 1
    if int(reply) == CODE_CHANGED:
        print(f"note: the training server ({path}) loaded the package before its code changed: this job "
              "runs in its own process, with the code on disk", file=sys.stderr)
        return None
    return int(reply)


# -- server -------------------------------------------------------------------

def _preload() -> None:
    """Everything a job imports (training, analysis, aggregate, figure); importing runs no torch
    operation, and plotting's import selects the Agg backend and draws nothing."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import torch  # noqa: F401
    import yaml  # noqa: F401

    from rnnadd.analyses import analysis, chains, plotting, probe, probe_controls  # noqa: F401
    from rnnadd.core import checkpoint, evaluation, training  # noqa: F401
    from rnnadd.ops import analyse_job, cli, drawing_jobs, verify  # noqa: F401
    from rnnadd.study import kinds  # noqa: F401


def _fingerprint_in_a_child() -> str:
    """The code fingerprint of what the server loaded, computed in a child (the server itself runs
    no torch operation) and handed to every job child; left to each job if the child fails.
    Returns a line for the server's log."""
    from rnnadd.core import fingerprint

    started = time.monotonic()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            data = json.dumps(fingerprint.compute_fingerprint()).encode()
            while data:
                data = data[os.write(write, data):]
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    try:
        value = json.loads(data)
    except ValueError:
        return "the code fingerprint could not be computed here: each job computes its own"
    fingerprint.set_fingerprint(value)
    return (f"code fingerprint {value['id']} (its tiny runs took {value['ms']} ms; with the fork "
            f"{1000 * (time.monotonic() - started):.0f} ms)")


def _die_with_parent() -> None:
    """SIGKILL this child when the server (its parent) ends, however it ends."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(connection, 65536, 2)
    if len(data) < _HEADER.size:
        raise EOFError("no request")
    (size,) = _HEADER.unpack_from(data)
    data = data[_HEADER.size:]
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("request cut short")
        data += chunk
    return json.loads(data), fds


def _child(connection: socket.socket, server_pid: int) -> None:
    """Run one job as its script would in its own process; never returns."""
    code = 1
    try:
        _die_with_parent()
        if os.getppid() != server_pid:  # the server ended before prctl
            os._exit(1)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        request, fds = _receive(connection)
        if request.get("code") != _LOADED["code"]:  # before anything of the job is touched
            print(f"refused a {request.get('task')} job: its code on disk is not the code this server "
                  "loaded (edited since); it runs in its own process", flush=True)
            for fd in fds:
                os.close(fd)
            code = CODE_CHANGED
            return
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in (null, *fds):
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        task = request.get("task", "train")
        sys.argv = [TASKS[task][0], *request["argv"]]
        try:
            code = run_task(task, request["argv"])
        except SystemExit as exit_:  # what the interpreter does with sys.exit's value
            code = exit_.code
        except BaseException:
            traceback.print_exc()
            code = 1
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush(), sys.stderr.flush()
        finally:
            os._exit(code & 0xFF)


class Server:
    def __init__(self, path: str, parent_pid: int | None, idle_s: float):
        self.path = path
        self.idle_s = idle_s
        self.poll = select.poll()
        self.jobs: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, connection)
        self.by_connection: dict[int, int] = {}  # connection fd -> pidfd
        self.started: dict[int, float] = {}  # pid -> when its job began
        self.parent = os.pidfd_open(parent_pid) if parent_pid else None
        if self.parent is not None:
            self.poll.register(self.parent, select.POLLIN)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Bind under a temporary name and rename: a client never finds a socket that does not answer.
        # The socket is 0600 from its creation (its folder, 0700, is what keeps others out).
        temporary = f"{path}.{os.getpid()}.tmp"
        _remove(temporary)
        umask = os.umask(0o177)
        try:
            self.listener.bind(_address(temporary))
        finally:
            os.umask(umask)
        self.listener.listen(128)
        os.replace(temporary, path)
        self.inode = os.stat(path).st_ino
        _remove(f"{path}.starting")
        self.poll.register(self.listener, select.POLLIN)

    def serve(self) -> None:
        last_activity = time.monotonic()
        while True:
            timeout_s = None if self.jobs else max(0.0, last_activity + self.idle_s - time.monotonic())
            events = self.poll.poll(None if timeout_s is None else 1000 * timeout_s)
            if not events and not self.jobs:
                return  # idle
            accept = False
            for fd, _ in events:
                if fd == self.parent:
                    return  # the Snakemake process that started us has ended
                if fd == self.listener.fileno():
                    accept = True
                elif fd in self.jobs:
                    self._finish_job(fd)
                elif fd in self.by_connection:  # the client went away: its job must not go on
                    signal.pidfd_send_signal(self.by_connection[fd], signal.SIGKILL)
                    self.poll.unregister(fd)
            if accept:  # last: a new connection may reuse the number of one closed above
                self._start_job()
            last_activity = time.monotonic()

    def _start_job(self) -> None:
        connection, _ = self.listener.accept()
        pid, uid, gid = peer_credentials(connection)
        if uid != os.geteuid():  # before anything is read from it
            print(f"refused a connection from pid {pid} (uid {uid}, gid {gid}): "
                  f"this server runs jobs of uid {os.geteuid()} only", flush=True)
            connection.close()
            return
        sys.stdout.flush(), sys.stderr.flush()
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            for pidfd, (_, other) in self.jobs.items():
                os.close(pidfd)
                other.close()
            self.listener.close()
            if self.parent is not None:
                os.close(self.parent)
            _child(connection, server_pid)
        pidfd = os.pidfd_open(pid)
        self.started[pid] = time.monotonic()
        self.jobs[pidfd] = (pid, connection)
        self.by_connection[connection.fileno()] = pidfd
        self.poll.register(pidfd, select.POLLIN)
        # Only a hang-up: the request itself is the child's to read.
        self.poll.register(connection, select.POLLRDHUP)

    def _finish_job(self, pidfd: int) -> None:
        pid, connection = self.jobs.pop(pidfd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:  # killed by a signal: what a shell reports
            code = 128 - code
        print(f"job {pid}: exit {code} after {time.monotonic() - self.started.pop(pid):.2f} s", flush=True)
        self.poll.unregister(pidfd)
        os.close(pidfd)
        if self.by_connection.pop(connection.fileno(), None) is not None:
            try:
                self.poll.unregister(connection)
            except KeyError:  # already unregistered after a hang-up
                pass
        try:
            connection.sendall(f"{code}\n".encode())
        except OSError:
            pass
        connection.close()

    def close(self) -> None:
        for pidfd, (pid, connection) in list(self.jobs.items()):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(pidfd)
            connection.close()
        self.jobs.clear()
        self.listener.close()
        try:  # only our own socket: a newer server may have taken the name
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except FileNotFoundError:
            pass


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _stop(signum, frame):
    raise SystemExit(0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnadd.ops.trainserver", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--socket", required=True, help="path of the Unix socket to listen on")
    parser.add_argument("--parent", type=int, help="stop when this process ends")
    parser.add_argument("--idle", type=float, default=600.0,
                        help="stop after this many seconds without a job (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        private_folder(os.path.dirname(os.path.abspath(args.socket)))
    except NotPrivate as error:
        print(f"error: {error}", file=sys.stderr)
        _remove(f"{args.socket}.starting")
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # Ctrl-C reaches it with the jobs
        signal.signal(sig, _stop)
    try:
        from rnnadd.core.provenance import source_digest

        # Before the imports: a file edited while they run makes every job differ from it (refused).
        _LOADED["code"] = source_digest()
        _preload()
        computed = _fingerprint_in_a_child()
        server = Server(args.socket, args.parent, args.idle)
    finally:  # clients stop waiting for a server that will not listen
        _remove(f"{args.socket}.starting")
    print(f"training server {os.getpid()} listening on {args.socket}", flush=True)
    print(computed, flush=True)
    try:
        server.serve()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
