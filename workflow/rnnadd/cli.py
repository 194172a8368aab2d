"""Command line: make a dataset, or train one run from a settings file.

    python -m rnnadd make-dataset --maxlen 5 --seed 0 --out data/
    python -m rnnadd train --settings run.yaml --seed 0 --out runs/mine/

Run from the repository with ``PYTHONPATH=workflow`` (or after
``pip install -e .``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .data import DatasetError, dataset_paths, load_set, make_set, save_set
from .io import DiskFullError
from .settings import Settings, SettingsError, load_settings_file


def make_dataset(maxlen: int, split: str, seed: int, train_size: int, test_size: int,
                 train_path, test_path) -> None:
    for part, size, path in (("train", train_size, train_path), ("test", test_size, test_path)):
        save_set(make_set(maxlen, split, part, seed, size), path, seed=seed, split=split, part=part)


def train(settings: Settings, seed: int, train_path, test_path, metrics_path, timing_path,
          checkpoint_path=None) -> dict:
    from .training import train_run, write_outputs

    if train_path is None:
        train_set = make_set(settings.maxlen, settings.split, "train", seed, settings.train_size)
        test_set = make_set(settings.maxlen, settings.split, "test", seed, settings.test_size)
    else:
        train_set = load_set(train_path, settings.maxlen)
        test_set = load_set(test_path, settings.maxlen)
        if len(train_set) != settings.train_size or len(test_set) != settings.test_size:
            raise DatasetError(
                f"{train_path}, {test_path}: hold {len(train_set)}/{len(test_set)} examples, "
                f"settings ask for {settings.train_size}/{settings.test_size}")
    def progress(row):
        print(f"step {row['step']}: loss {row['loss']} accuracy {row['accuracy']}", flush=True)

    result = train_run(settings, seed, train_set, test_set, on_row=progress)
    write_outputs(result, metrics_path, timing_path, checkpoint_path)
    last = result.rows[-1]
    return {"run": settings.run_id(), "seed": seed, "final_accuracy": last["accuracy"],
            "diverged": result.diverged, "diverged_at": result.diverged_at,
            "step_ms": round(result.timing["step_ms"], 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnadd", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    make = commands.add_parser("make-dataset", help="write train.npz and test.npz")
    make.add_argument("--maxlen", type=int, required=True)
    make.add_argument("--split", default="report", choices=("report", "iid"))
    make.add_argument("--seed", type=int, required=True)
    make.add_argument("--train-size", type=int, default=Settings.train_size)
    make.add_argument("--test-size", type=int, default=Settings.test_size)
    make.add_argument("--out", help="folder for train.npz and test.npz")
    make.add_argument("--train", help="path of the training file (instead of --out)")
    make.add_argument("--test", help="path of the test file (instead of --out)")

    run = commands.add_parser("train", help="train one run and write its metrics CSV")
    run.add_argument("--settings", required=True, help="YAML or JSON file of settings")
    run.add_argument("--seed", type=int, required=True)
    run.add_argument("--out", help="folder for seed<N>.csv and seed<N>.timing.json")
    run.add_argument("--data", help="folder with train.npz and test.npz (default: generate)")
    run.add_argument("--train", help="training data file (instead of --data)")
    run.add_argument("--test", help="test data file (instead of --data)")
    run.add_argument("--metrics", help="metrics CSV path (instead of --out)")
    run.add_argument("--timing", help="timing JSON path (instead of --out)")
    run.add_argument("--checkpoint", help="trained model path (default with --out: seed<N>.pt)")

    args = parser.parse_args(argv)
    try:
        if args.command == "make-dataset":
            Settings.from_dict({"maxlen": args.maxlen, "split": args.split,
                                "train_size": args.train_size, "test_size": args.test_size})
            train_path, test_path = (args.train, args.test) if args.train else dataset_paths(args.out)
            make_dataset(args.maxlen, args.split, args.seed, args.train_size, args.test_size,
                         train_path, test_path)
        else:
            settings = load_settings_file(args.settings)
            train_path, test_path = (args.train, args.test)
            if args.data:
                train_path, test_path = dataset_paths(args.data)
            metrics, timing, checkpoint = args.metrics, args.timing, args.checkpoint
            if args.out:
                metrics = metrics or str(Path(args.out) / f"seed{args.seed}.csv")
                timing = timing or str(Path(args.out) / f"seed{args.seed}.timing.json")
                checkpoint = checkpoint or str(Path(args.out) / f"seed{args.seed}.pt")
            if not metrics or not timing:
                parser.error("train needs --out, or both --metrics and --timing")
            print(json.dumps(train(settings, args.seed, train_path, test_path, metrics, timing,
                                   checkpoint)))
    except (SettingsError, DatasetError, DiskFullError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
