"""Measure what training and dataset jobs cost, to fit rnnadd.study.resources.

    python workflow/scripts/measure_resources.py measure   # -> workflow/resources/measured.tsv
    python workflow/scripts/measure_resources.py fit       # coefficients for rnnadd/study/resources.py
    python workflow/scripts/measure_resources.py study results/benchmarks   # rows (no header) from a study that ran

`measure` runs each point of a small grid of settings (maxlen, layers, hidden,
cell, batch, train_size, steps; source "grid"), then the study's own longest
runs and each cell kind at full length (source "study"), as the workflow
does: one child process makes the dataset (workflow/scripts/make_dataset.py),
another trains on it (workflow/scripts/train.py). Each child's peak resident
memory and CPU time (user + system) come from the kernel (os.wait4), so a
busy machine slows the measurement without changing it much. About five
minutes of CPU. `measure-study` redoes only the second part, appended.

`study` prints rows of the same table from Snakemake's benchmark files of a
study that ran (results/benchmarks/train/<run>/seed<N>.tsv and each run's
settings.yaml), one per run (the median over its seeds), to compare with the
estimates (`fit --table`). They are not in the committed table: Snakemake
samples them, and with two jobs per two cores on a shared machine the seeds
of one run differed up to twofold.

`fit` fits the formulas of rnnadd.study.resources to the table by least squares on
the relative error, and prints the coefficients to paste there and the range
of estimate / measured.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rnnadd.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

SETTING_COLUMNS = ("maxlen", "cell", "layers", "hidden", "embedding", "batch", "train_size",
                   "test_size", "steps", "eval_every")
COLUMNS = ("job", "source", *SETTING_COLUMNS, "cpu_s", "max_rss_mb")

BASE = dict(maxlen=5, cell="rnn", layers=2, hidden=64, embedding=32, batch=200,
            train_size=20000, test_size=2000, steps=60, eval_every=30)
# One change from BASE per point, plus a few combined; steps are few, as the
# per-step cost is what matters and startup is measured at every point.
GRID = [
    {},
    {"steps": 240, "eval_every": 60},
    {"maxlen": 10}, {"maxlen": 25}, {"maxlen": 50}, {"maxlen": 70, "steps": 30, "eval_every": 15},
    {"layers": 1}, {"layers": 4},
    {"hidden": 16}, {"hidden": 256, "steps": 30, "eval_every": 15},
    {"hidden": 1024, "steps": 6, "eval_every": 3, "test_size": 400},
    {"cell": "lstm"}, {"cell": "gru"}, {"cell": "none"},
    {"batch": 50}, {"batch": 800, "steps": 30, "eval_every": 15},
    {"train_size": 200000}, {"train_size": 1000000, "maxlen": 25, "steps": 20, "eval_every": 10},
    {"maxlen": 50, "layers": 3, "cell": "lstm", "steps": 30, "eval_every": 15},
    {"test_size": 20000, "steps": 20, "eval_every": 10},
]
# The study's own settings, at full length: its longest runs and each cell kind.
STUDY = dict(train_size=200000, steps=1000, eval_every=50)
STUDY_GRID = [
    {**STUDY, "maxlen": 70, "layers": 3, "steps": 500},
    {**STUDY, "maxlen": 10, "layers": 5, "steps": 1500},
    {**STUDY, "maxlen": 10, "layers": 3, "steps": 500},
    {**STUDY, "maxlen": 50, "steps": 300},
    {**STUDY, "maxlen": 5, "layers": 4},
    {**STUDY, "maxlen": 5, "cell": "lstm"},
    {**STUDY, "maxlen": 5, "cell": "gru"},
    {**STUDY, "maxlen": 5, "cell": "none", "steps": 300},
]


def run_child(command: list[str]) -> tuple[float, float]:
    """CPU seconds and peak RSS in MB of one child process, from the kernel."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss is in KiB


def measure(out: Path, grid: list[dict], source: str) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        made = set()
        for index, change in enumerate(grid):
            values = {**BASE, **change}
            settings = Settings.from_dict(values)
            data = scratch / settings.dataset_id(0)
            train, test = data / "train.npz", data / "test.npz"
            if data.name not in made:
                made.add(data.name)
                cpu, rss = run_child([sys.executable, str(ROOT / "workflow/scripts/make_dataset.py"),
                                      "--maxlen", str(settings.maxlen), "--split", settings.split,
                                      "--seed", "0", "--train-size", str(settings.train_size),
                                      "--test-size", str(settings.test_size),
                                      "--train", str(train), "--test", str(test)])
                rows.append({"job": "dataset", "source": source, **values, "cpu_s": cpu, "max_rss_mb": rss})
            settings_file = scratch / f"settings{index}.json"
            settings_file.write_text(json.dumps(settings.as_dict()))
            started = time.perf_counter()
            cpu, rss = run_child([sys.executable, str(ROOT / "workflow/scripts/train.py"),
                                  "--settings", str(settings_file), "--seed", "0",
                                  "--train", str(train), "--test", str(test),
                                  "--metrics", str(scratch / "m.csv"), "--timing", str(scratch / "t.json"),
                                  "--checkpoint", str(scratch / "c.pt")])
            rows.append({"job": "train", "source": source, **values, "cpu_s": cpu, "max_rss_mb": rss})
            print(f"{index + 1}/{len(grid)} {change}: cpu {cpu:.2f} s, rss {rss:.0f} MB, "
                  f"wall {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    write_rows(rows, out, header=source == "grid")


def study_rows(benchmarks: Path) -> list[dict]:
    import yaml

    rows, runs_alike = [], {}
    runs = benchmarks.parent / "runs"
    for tsv in sorted((benchmarks / "train").glob("*/seed*.tsv")):
        settings = yaml.safe_load((runs / tsv.parent.name / "settings.yaml").read_text())
        with open(tsv) as handle:
            bench = next(csv.DictReader(handle, delimiter="\t"))
        # A job trained by the training server (rnnadd.ops.trainserver) is measured without its
        # training: a process that imported torch holds far more than 100 MB.
        if float(bench["max_rss"]) < 100:
            sys.exit(f"{tsv}: this job trained in the training server, so its benchmark file "
                     "measures only train.py's hand-over; run the study with RNNADD_TRAIN_SERVER=off "
                     "to measure its jobs")
        key = tuple(settings[k] for k in SETTING_COLUMNS)
        runs_alike.setdefault(key, []).append((float(bench["cpu_time"]), float(bench["max_rss"])))
    # The seeds of one run cost the same work; on a shared machine their times
    # still vary up to twofold, so each run's median over its seeds is kept.
    for key, measured in runs_alike.items():
        rows.append({"job": "train", "source": "study", **dict(zip(SETTING_COLUMNS, key)),
                     "cpu_s": statistics.median(m[0] for m in measured),
                     "max_rss_mb": statistics.median(m[1] for m in measured)})
    return rows


def write_rows(rows: list[dict], out, header: bool = True) -> None:
    handle = open(out, "w" if header else "a") if out != "-" else sys.stdout  # noqa: SIM115 (closed below)
    writer = csv.DictWriter(handle, COLUMNS, delimiter="\t", lineterminator="\n")
    if header and out != "-":
        writer.writeheader()
    for row in rows:
        writer.writerow({**row, "cpu_s": f"{row['cpu_s']:.3f}", "max_rss_mb": f"{row['max_rss_mb']:.1f}"})
    if out != "-":
        handle.close()


def fit(table: Path) -> None:
    import numpy as np

    from rnnadd.study import resources

    rows = resources.read_measured(table)
    for job, target, features in (("train", "cpu_s", resources.train_cpu_features),
                                  ("train", "max_rss_mb", resources.train_memory_features),
                                  ("dataset", "cpu_s", resources.dataset_cpu_features),
                                  ("dataset", "max_rss_mb", resources.dataset_memory_features)):
        chosen = [r for r in rows if r["job"] == job]
        x = np.array([features(r) for r in chosen], dtype=float)
        y = np.array([r[target] for r in chosen], dtype=float)
        # A factor is what matters, so each row is weighted by 1/y.
        # Coefficients stay non-negative: negative ones are dropped, then refit.
        active = list(range(x.shape[1]))
        while True:
            coef, *_ = np.linalg.lstsq(x[:, active] / y[:, None], np.ones_like(y), rcond=None)
            if (coef >= 0).all():
                break
            active.pop(int(np.argmin(coef)))
        full = np.zeros(x.shape[1])
        full[active] = coef
        ratios = x @ full / y
        print(f"{job} {target}: coefficients {[float(f'{c:.4g}') for c in full]}; "
              f"estimate/measured from {ratios.min():.2f} to {ratios.max():.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("measure", "measure-study", "study", "fit"))
    parser.add_argument("benchmarks", nargs="?", help="results/benchmarks of a finished study (study)")
    parser.add_argument("--out", default=str(ROOT / "workflow/resources/measured.tsv"))
    parser.add_argument("--table", default=str(ROOT / "workflow/resources/measured.tsv"))
    args = parser.parse_args()
    if args.what == "measure":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        measure(Path(args.out), GRID, "grid")
        measure(Path(args.out), STUDY_GRID, "study")
    elif args.what == "measure-study":  # only the second part of `measure`, appended
        measure(Path(args.out), STUDY_GRID, "study")
    elif args.what == "study":
        write_rows(study_rows(Path(args.benchmarks)), "-")
    else:
        fit(Path(args.table))


if __name__ == "__main__":
    main()
