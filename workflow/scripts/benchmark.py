"""Speed checks that print numbers (no pass/fail: shared machines are noisy).

    python workflow/scripts/benchmark.py step   # package step vs a plain PyTorch loop
    python workflow/scripts/benchmark.py noop   # a no-op rerun of the full config
    python workflow/scripts/benchmark.py study  # a fixed part of the study, in a fresh copy
    python workflow/scripts/benchmark.py scheduler  # Snakemake's own CPU per job, every job tiny

`step` times the package's training step (data handling included) against a
plain loop (nn.Embedding + nn.RNN + nn.Linear + torch.optim.Adam on the same
shapes, batches prepared in advance) in the same process on one thread, at
maxlen 5 and 50 with 2 layers and batch 200. Rounds alternate between the two
and the median round is kept. It also reports the share of a step spent on
data handling, and what the default evaluation cadence costs. The last line
is `step_time_ratio=<x>`: the package over the plain loop, the worse maxlen.

`study` copies the workflow into a fresh temporary folder and builds
STUDY_TARGETS there at the config's own settings (85 training jobs, 119 jobs
in all with config.yaml) with `--cores N`. It prints the wall time; the
in-process sum (the `total_s` of every timing.json: training and evaluation
inside the job); the floor, that sum over the cores; wall over floor; the mean
start-up per training job (its benchmark file's wall time minus its
`total_s`: starting the job, Python, imports, writing); the job counts and how
many training jobs the training server ran (rnnadd.ops.trainserver).
`--targets`, `--configfile` (e.g. tests/smoke.yaml) and `--cores` make a
quicker, smaller check; `--no-server` trains every job in its own process
(RNNADD_TRAIN_SERVER=off), to compare.

`scheduler` measures what Snakemake itself costs per job. It builds the whole
study's DAG (or `--targets`) in a fresh temporary copy with every job made tiny
by an override preset (TINY_PRESET: one training step on small data sets,
analyses of few sums; the same jobs but for the runs and data sets that differ only in those settings,
1623 of the full study's 1653), once per `--settings` entry (Snakemake
arguments on top of the default profile, each in a copy of its own), at
`--cores N`. For each it prints the job count, the wall time and the CPU time
of Snakemake's main process (user + system of all its threads, read from
/proc/<pid>/stat when it has exited, before it is reaped: not its jobs, not the
training server), over the jobs. The machine's load average before and after
each run comes with it: CPU seconds depend less on a busy machine than the
wall time, but not nothing.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def plain_loop(maxlen: int, batch: int, layers: int, steps: int):
    import torch
    from torch import nn

    torch.manual_seed(0)
    embed, rnn, readout = nn.Embedding(10, 32), nn.RNN(64, 64, layers), nn.Linear(64, 10)
    params = [*embed.parameters(), *rnn.parameters(), *readout.parameters()]
    optimizer = torch.optim.Adam(params, lr=0.001)
    batches = [tuple(torch.randint(0, 10, (maxlen + 1, batch)) for _ in range(3)) for _ in range(8)]
    state = torch.randn(layers, batch, 64)

    def run(n):
        nonlocal state
        for i in range(n):
            a, b, target = batches[i % len(batches)]
            x = torch.cat((embed(a), embed(b)), dim=-1)
            y, final = rnn(x, state)
            loss = nn.functional.cross_entropy(readout(y).reshape(-1, 10), target.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            state = final.detach()
    return run


def package_loop(maxlen: int, batch: int, layers: int):
    from rnnadd.core.data import make_set
    from rnnadd.core.settings import Settings
    from rnnadd.core.training import Trainer

    settings = Settings.from_dict(dict(maxlen=maxlen, layers=layers, batch=batch, lr=0.001,
                                       train_size=20000, test_size=2000))
    trainer = Trainer(settings, 0, make_set(maxlen, "report", "train", 0, 20000),
                      make_set(maxlen, "report", "test", 0, 2000))

    def run(n):
        for _ in range(n):
            trainer.train_step(trainer.next_batch())

    def data_only(n):
        for _ in range(n):
            trainer.next_batch()

    return run, data_only, trainer


def per_step(run, steps: int) -> float:
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def bench_step(rounds: int, steps: int) -> None:
    import torch

    torch.set_num_threads(1)
    ratios = []
    for maxlen in (5, 50):
        plain = plain_loop(maxlen, 200, 2, steps)
        ours, data_only, trainer = package_loop(maxlen, 200, 2)
        plain(5), ours(5)  # warm up
        plain_times, our_times = [], []
        for _ in range(rounds):
            plain_times.append(per_step(plain, steps))
            our_times.append(per_step(ours, steps))
        plain_ms = 1000 * statistics.median(plain_times)
        our_ms = 1000 * statistics.median(our_times)
        data_ms = 1000 * statistics.median(per_step(data_only, 200) for _ in range(5))
        eval_ms = 1000 * statistics.median(per_step(lambda n, t=trainer: [t.evaluate() for _ in range(n)], 3)
                                           for _ in range(3))
        cadence = trainer.settings.eval_every
        ratios.append(our_ms / plain_ms)
        print(f"maxlen={maxlen}: plain_loop_ms={plain_ms:.3f} package_ms={our_ms:.3f} "
              f"ratio={our_ms / plain_ms:.3f} data_ms={data_ms:.4f} "
              f"data_share={data_ms / our_ms:.2%} eval_ms={eval_ms:.2f} "
              f"eval_cost_at_every_{cadence}={eval_ms / (cadence * our_ms):.2%}")
    print(f"step_time_ratio={max(ratios):.3f}")


def _median_run_s(args: list[str], repeats: int) -> tuple[float, str]:
    """Median wall time of `python -m snakemake ARGS` in the project folder, and the last output."""
    times, output = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        output = result.stdout + result.stderr
    return statistics.median(times), output


def bench_noop(repeats: int) -> None:
    """Time a rerun of the full config with everything already built, and where it goes:
    Snakemake's own start (`--version`), reading the Snakefile and checking the config
    (`--list-rules`, less the start), and building and checking the DAG (the rest)."""
    noop_s, output = _median_run_s(["--cores", "2"], repeats)
    if "Nothing to be done" not in output:
        sys.exit("the full study is not built yet: run `snakemake --cores 8` first")
    start_s, _ = _median_run_s(["--version"], repeats)
    read_s, _ = _median_run_s(["--list-rules"], repeats)
    print(f"noop_rerun_s={noop_s:.2f} snakemake_start_s={start_s:.2f} snakefile_read_s={read_s - start_s:.2f} "
          f"dag_s={noop_s - read_s:.2f}")


STUDY_TARGETS = ("fig01_hidden_maxlen5", "fig04_hidden_1layer", "fig06_lr", "fig09_cells")
# What a study needs to run: the same files the tests copy.
WORKFLOW_FILES = ("Snakefile", "config.yaml", "workflow", "profiles")


def copy_workflow(target: Path) -> None:
    for name in WORKFLOW_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)


def training_jobs(results: Path) -> list[tuple[float, float]]:
    """(in-process total_s, benchmark wall s) of every training job that ran."""
    jobs = []
    for timing in sorted(results.glob("runs/*/seed*.timing.json")):
        run, seed = timing.parent.name, timing.name.split(".")[0]
        total_s = json.loads(timing.read_text())["total_s"]
        with open(results / "benchmarks" / "train" / run / f"{seed}.tsv") as handle:
            wall_s = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
        jobs.append((total_s, wall_s))
    return jobs


def bench_study(targets, cores: int, configfile, server: bool, keep: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rnnadd-benchmark-"))
    try:
        copy_workflow(folder)
        command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *targets]
        if configfile:
            command += ["--configfile", str(Path(configfile).resolve())]
        env = dict(os.environ)
        env.pop("RNNADD_TRAIN_SERVER", None)
        if not server:
            env["RNNADD_TRAIN_SERVER"] = "off"
        start = time.perf_counter()
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
        wall_s = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"snakemake failed ({result.returncode}) in {folder}:\n{result.stderr[-3000:]}")
        done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", result.stderr + result.stdout)
        jobs = training_jobs(folder / "results")
        in_process_s = sum(total for total, _ in jobs)
        floor_s = in_process_s / cores
        startup_s = statistics.mean(wall - total for total, wall in jobs) if jobs else float("nan")
        print(f"targets={' '.join(targets)} cores={cores}" + ("" if server else " RNNADD_TRAIN_SERVER=off")
              + (f" configfile={configfile}" if configfile else ""))
        print(f"wall_s={wall_s:.1f}")
        print(f"in_process_s={in_process_s:.1f}")
        print(f"floor_s={floor_s:.1f}")
        print(f"ratio={wall_s / floor_s:.2f}" if floor_s else "ratio=nan")
        print(f"startup_per_training_job_s={startup_s:.2f}")
        server_log = folder / ".snakemake" / "train-server.log"
        served = server_log.read_text().count(": exit ") if server_log.exists() else 0
        print(f"training_jobs={len(jobs)} jobs={done[-1][1] if done else '?'} trained_by_server={served}")
    finally:
        if keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# Every job of the study made tiny: one training step, evaluated once, on small data sets;
# analyses of as few sums as the smoke preset's (tests/smoke.yaml). Runs that differ only in
# these settings become one (88 runs, 108 data sets; 1623 jobs).
TINY_PRESET = """\
override: {steps: 1, eval_every: 1, train_size: 200, test_size: 50}
experiments:
  length_cells: {examples: 50}
  length_hidden: {examples: 50}
  probe_layers: {examples: 200}
  chains_cells: {examples: 20}
  chains_hidden: {examples: 20}
  probe_controls_layers: {examples: 200}
"""
# What `scheduler` compares by default: Snakemake's own default (the ILP) and its greedy
# scheduler, both with Snakemake's own re-evaluation timers (RNNADD_REEVALUATION=each, see
# rnnadd.ops.engine.coalesce_reevaluations), and the default profile as it is (greedy, coalesced).
SCHEDULER_SETTINGS = ("RNNADD_REEVALUATION=each --scheduler ilp", "RNNADD_REEVALUATION=each --scheduler greedy", "")


def _own_cpu_s(process: subprocess.Popen) -> float:
    """User + system CPU seconds of a child process (all its threads, not its children) once it
    has exited: read while it is a zombie (waitid WNOWAIT), then reaped."""
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{process.pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    process.wait()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def bench_scheduler(settings: list[str], targets, cores: int, configfile, keep: bool) -> None:
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # kill PID: Snakemake and the copy go too
    print(f"cpu={cpu_model()!r} cpus={os.cpu_count()} cores={cores} targets={' '.join(targets) or 'all'}"
          + (f" configfile={configfile}" if configfile else ""))
    for setting in settings:
        folder = Path(tempfile.mkdtemp(prefix="rnnadd-scheduler-"))
        try:
            copy_workflow(folder)
            (folder / "tiny.yaml").write_text(TINY_PRESET)
            configs = [str(Path(configfile).resolve())] if configfile else []
            words = shlex.split(setting)
            assigned = list(itertools.takewhile(lambda word: re.match(r"[A-Z_][A-Z0-9_]*=", word), words))
            arguments = words[len(assigned):]
            command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *arguments,
                       "--configfile", *configs, "tiny.yaml", "--", *targets]
            env = {key: value for key, value in os.environ.items()
                   if key not in ("RNNADD_TRAIN_SERVER", "RNNADD_REEVALUATION")}
            env.update(word.split("=", 1) for word in assigned)
            load_before = os.getloadavg()[0]
            start = time.perf_counter()
            with open(folder / "snakemake.log", "w") as log:
                process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
                try:
                    cpu_s = _own_cpu_s(process)
                except BaseException:  # stopped (Ctrl-C, or SIGTERM below): Snakemake stops its jobs and ends
                    process.terminate()
                    process.wait()
                    raise
            wall_s = time.perf_counter() - start
            output = (folder / "snakemake.log").read_text()
            if process.returncode != 0:
                sys.exit(f"snakemake failed ({process.returncode}) in {folder}:\n{output[-3000:]}")
            done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", output)
            jobs = int(done[-1][1]) if done else 0
            per_job_ms = 1000 * cpu_s / jobs if jobs else float("nan")
            print(f"setting={setting or '(the default profile)'!r} jobs={jobs} snakemake_cpu_s={cpu_s:.1f} "
                  f"cpu_per_job_ms={per_job_ms:.1f} wall_s={wall_s:.1f} "
                  f"load_before={load_before:.2f} load_after={os.getloadavg()[0]:.2f}", flush=True)
        finally:
            if keep:
                print(f"kept: {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("step", "noop", "study", "scheduler"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=60, help="steps per timed round")
    parser.add_argument("--targets", nargs="+", help="study and scheduler: what to build "
                        f"(study: {' '.join(STUDY_TARGETS)}; scheduler: the whole study)")
    parser.add_argument("--cores", type=int, default=2, help="study and scheduler: --cores for Snakemake")
    parser.add_argument("--configfile",
                        help="study and scheduler: a config on top of config.yaml (tests/smoke.yaml)")
    parser.add_argument("--settings", nargs="+", default=SCHEDULER_SETTINGS,
                        help="scheduler: Snakemake arguments to compare, one string each ('' is the default profile)")
    parser.add_argument("--no-server", action="store_true",
                        help="study: every training job in its own process (RNNADD_TRAIN_SERVER=off)")
    parser.add_argument("--keep", action="store_true", help="study: keep the temporary folder")
    args = parser.parse_args()
    if args.what == "step":
        bench_step(args.rounds, args.steps)
    elif args.what == "study":
        bench_study(args.targets or STUDY_TARGETS, args.cores, args.configfile, not args.no_server, args.keep)
    elif args.what == "scheduler":
        bench_scheduler(args.settings, args.targets or [], args.cores, args.configfile, args.keep)
    else:
        bench_noop(3)


if __name__ == "__main__":
    main()
