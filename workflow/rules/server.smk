# The training server of local runs (rnnadd.ops.trainserver): started when Snakemake
# starts jobs here (cluster.smk's onstart calls start_train_server), stopped when
# the run ends. Training jobs fork from it and skip importing torch.
import os
import subprocess

from rnnadd.ops import trainserver

# Locally, a training, analysis, table or figure job does not import torch,
# pandas and matplotlib (about 1.5 s, a third of a short run and most of the
# others): its script hands the job to a server that imported them once and
# forks a child per job (rnnadd.ops.trainserver), and runs it in its own process
# when there is none. Same command, same results; on Slurm each training job runs in its own
# process as before. RNNADD_TRAIN_SERVER=off: no server.
_train_server = []
# What Snakemake sets for a one-thread job: numpy's import then starts no
# OpenBLAS threads in the server (each job sets torch's own thread count).
ONE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "GOTO_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
}


def start_train_server():
    """Called by onstart (cluster.smk), i.e. never in a dry run nor inside a submitted job."""
    if os.environ.get(trainserver.ENV) == "off" or workflow.remote_exec:
        return
    if workflow.executor_plugin is None or workflow.executor_plugin.name != "local":
        return
    # Worth its own start (importing torch, about 2 s, while the first jobs wait) when there is
    # a training or analysis job, or a few aggregates and figures (about 1.3 s saved each).
    names = [job.rule.name for job in workflow.dag.needrun_jobs()]
    if not {"train", "analyse"} & set(names) and sum(name in ("aggregate", "figure") for name in names) < 4:
        return
    # In this working folder's .snakemake/: parallel studies never share a server. Its socket
    # lies in a folder only this user can enter (made 0700), and it serves this user only.
    folder = Path(".snakemake").resolve()
    try:
        private = Path(trainserver.private_folder(folder / trainserver.FOLDER_NAME))
    except trainserver.NotPrivate as error:
        logger.warning(f"No training server (each job runs in its own process): {error}")
        return
    socket_path = private / trainserver.SOCKET_NAME
    starting = Path(f"{socket_path}.starting")
    socket_path.unlink(missing_ok=True)  # left by a server that was killed
    with open(folder / "train-server.log", "w") as log:
        _train_server.append(
            subprocess.Popen(
                [PYTHON, "-m", "rnnadd.ops.trainserver", "--socket", str(socket_path), "--parent", str(os.getpid())],
                # In Snakemake's process group, like its jobs: what stops them all stops it too.
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **ONE_THREAD},
            )
        )
    # Jobs that come while it imports torch wait for it (rnnadd.ops.trainserver.relay).
    # (The server takes a second or more to import torch: it cannot be listening yet.)
    starting.write_text(str(_train_server[-1].pid))
    os.environ[trainserver.ENV] = str(socket_path)


def stop_train_server():
    while _train_server:
        server = _train_server.pop()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        socket_path = os.environ.pop(trainserver.ENV, None)
        if socket_path:
            Path(f"{socket_path}.starting").unlink(missing_ok=True)


onsuccess:
    stop_train_server()


onerror:
    stop_train_server()
