"""Command line: make a dataset, train one run, use a trained model.

    python -m rnnadd make-dataset --maxlen 5 --seed 0 --out data/
    python -m rnnadd train --settings run.yaml --seed 0 --out runs/mine/ [--force]
    python -m rnnadd add --checkpoint runs/mine/seed0.pt 98765 43210 [A B ...]
    python -m rnnadd evaluate --checkpoint runs/mine/seed0.pt --length 100
    python -m rnnadd evaluate --checkpoint runs/mine/seed0.pt --length 1000 --carry-chain 50 [--no-carry]

A command that writes files checks first, before any work, that each can be
written and is not there already (``--force`` replaces it); a refusal is one
line on stderr, exit 2.

Run from the repository with ``PYTHONPATH=workflow`` (or after
``pip install -e .``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from rnnadd.core import paths
from rnnadd.core.data import DatasetError, load_set, make_set, save_set
from rnnadd.core.errors import UserError
from rnnadd.core.settings import SPLITS, Settings, load_settings_file


def make_dataset(maxlen: int, split: str, seed: int, train_size: int, test_size: int,
                 train_path, test_path) -> None:
    for part, size, path in (("train", train_size, train_path), ("test", test_size, test_path)):
        save_set(make_set(maxlen, split, part, seed, size), path, seed=seed, split=split, part=part)


def train(settings: Settings, seed: int, train_path, test_path, metrics_path, timing_path,
          checkpoint_path=None) -> dict:
    from rnnadd.core.fingerprint import fingerprint
    from rnnadd.core.training import train_run, write_outputs

    # What computes the run, named before it trains (computed once per process: the training
    # server's children inherit the server's); recorded beside the metrics, never in them.
    code = fingerprint()
    if train_path is None:
        train_set = make_set(settings.maxlen, settings.split, "train", seed, settings.train_size)
        test_set = make_set(settings.maxlen, settings.split, "test", seed, settings.test_size)
    else:
        train_set = load_set(train_path, settings.maxlen, named_by_user=True)
        test_set = load_set(test_path, settings.maxlen, named_by_user=True)
        if len(train_set) != settings.train_size or len(test_set) != settings.test_size:
            raise DatasetError(
                f"{train_path}, {test_path}: hold {len(train_set)}/{len(test_set)} examples, "
                f"settings ask for {settings.train_size}/{settings.test_size}")
    def progress(row):
        print(f"step {row['step']}: loss {row['loss']} accuracy {row['accuracy']}", flush=True)

    result = train_run(settings, seed, train_set, test_set, on_row=progress)
    write_outputs(result, metrics_path, timing_path, checkpoint_path, code)
    last = result.rows[-1]
    return {"run": settings.run_id(), "seed": seed, "final_accuracy": last["accuracy"],
            "diverged": result.diverged, "diverged_at": result.diverged_at,
            "step_ms": round(result.timing["step_ms"], 3)}


def read_pairs(operands: list[str], stdin) -> list[tuple[str, str]]:
    """Pairs from the arguments, or one ``A B`` pair per line of standard input."""
    from rnnadd.core.evaluation import OperandError

    if operands:
        if len(operands) % 2:
            raise OperandError(f"operands come in pairs (A B); got {len(operands)}")
        return list(zip(operands[::2], operands[1::2]))
    pairs = []
    for number, line in enumerate(stdin, 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise OperandError(f"standard input, line {number}: expected two numbers 'A B', got {line.strip()!r}")
        pairs.append((fields[0], fields[1]))
    if not pairs:
        raise OperandError("no operands: give pairs A B as arguments or one pair per line on standard input")
    return pairs


def add_command(checkpoint_path, operands, as_json: bool, stdin=None) -> None:
    from rnnadd.core.checkpoint import load_checkpoint
    from rnnadd.core.evaluation import add_pairs, parse_operand

    pairs = read_pairs(operands, stdin if stdin is not None else sys.stdin)
    for a, b in pairs:  # every operand checked before the model is loaded
        parse_operand(a), parse_operand(b)
    checkpoint = load_checkpoint(checkpoint_path, named_by_user=True)
    for result in add_pairs(checkpoint.model, checkpoint.settings, checkpoint.state, pairs):
        if as_json:
            print(json.dumps(result))
            continue
        verdict = "right" if result["correct"] else (
            "WRONG at digit position" + ("s " if len(result["wrong_positions"]) > 1 else " ")
            + ", ".join(map(str, result["wrong_positions"][:20]))
            + (" ..." if len(result["wrong_positions"]) > 20 else "")
            + " (0 = least significant)")
        print(f"{result['a']} + {result['b']}\n  model: {result['predicted']}\n  true:  {result['true']}\n  {verdict}")


def evaluate_command(checkpoint_path, length: int, examples: int, seed: int) -> dict:
    from rnnadd.core.checkpoint import load_checkpoint
    from rnnadd.core.evaluation import evaluate_set, length_test_set

    checkpoint = load_checkpoint(checkpoint_path, named_by_user=True)
    score = evaluate_set(checkpoint.model, checkpoint.settings, checkpoint.state,
                         length_test_set(length, examples, seed))
    return {"checkpoint": str(checkpoint_path), "run": checkpoint.settings.run_id(),
            "trained_seed": checkpoint.seed, "trained_maxlen": checkpoint.settings.maxlen, "length": length,
            "examples": examples, "seed": seed, **score}


def chain_evaluate_command(checkpoint_path, length: int, chain: int, carry: bool, examples: int,
                           seed: int) -> dict:
    """Scores on sums whose carry travels through exactly ``chain`` positions (rnnadd.analyses.chains),
    or on their no-carry controls."""
    from rnnadd.analyses.chains import check_chain_request, evaluate_chain
    from rnnadd.core.checkpoint import load_checkpoint

    check_chain_request(length, chain, examples)  # before the model is loaded
    checkpoint = load_checkpoint(checkpoint_path, named_by_user=True)
    score = evaluate_chain(checkpoint.model, checkpoint.settings, checkpoint.state, length, chain,
                           examples, carry=carry, seed=seed)
    return {"checkpoint": str(checkpoint_path), "run": checkpoint.settings.run_id(),
            "trained_seed": checkpoint.seed, "trained_maxlen": checkpoint.settings.maxlen, "length": length,
            "carry_chain": chain,
            "carry": carry, "examples": examples, "seed": seed, **score}


def check_evaluation_size(length: int, examples: int) -> None:
    """Refuse, before any sum is drawn, sums that would not fit in this machine's memory."""
    from rnnadd.study.resources import describe_memory, evaluation_memory_mb, machine_memory_mb

    needed, available = evaluation_memory_mb(examples, length), machine_memory_mb()
    if needed > available:
        from rnnadd.core.evaluation import OperandError

        raise OperandError(f"--length {length} with --examples {examples}: the sums need about "
                           f"{describe_memory(needed)} of memory (estimate), more than this machine's "
                           f"{describe_memory(available)}; make --length or --examples smaller")


def parse_config_items(items) -> dict:
    """`--config` items as Snakemake reads them (KEY=VALUE, the value as its YAML base loader
    reads it), or a UserError naming the item: Snakemake itself ends such an item in a traceback."""
    from snakemake.cli import parse_config

    for item in items:
        key, equals, _ = item.partition("=")
        if not equals:
            raise UserError(f"--config {item}: not KEY=VALUE (e.g. --config seeds=[0,1]); put targets "
                            "before --config, which takes every word after it")
        if not re.fullmatch(r"[a-zA-Z_][\w-]*\w", key):
            raise UserError(f"--config {item}: {key!r} is not a config key (letters, digits, _ and -, "
                            "starting with a letter or _)")
    try:
        return parse_config(list(items))
    except ValueError as error:  # what the checks above missed: still one line
        raise UserError(f"--config: {error}") from None


def check_config_command(base, files, items=()) -> int:
    """`check-config`: every file read, merged and checked as `snakemake --configfile FILES
    --config ITEMS` would; one line, exit 2, on the first problem."""
    from rnnadd.ops.workflowconfig import load, merge
    from rnnadd.study.configcheck import read_config_file

    try:
        config = {}
        for path in [base, *files]:
            try:
                merge(config, read_config_file(path))
            except ValueError as error:
                raise UserError(str(error)) from None
        command_line = parse_config_items(items)
        merge(config, command_line)  # Snakemake merges the strings first; load reads them as YAML
        loaded = load(config, command_line=command_line, configfiles=[base, *files])
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"config OK: {len(loaded.study.experiments)} experiments, {len(loaded.study.runs)} runs, "
          f"{len(loaded.claims)} claims")
    return 0


def writable_folder_problem(path: Path):
    """None if a file can be made at path (its folder exists or can be made, and can be written
    in), else why not, in words."""
    folder = path.parent
    try:
        while not folder.exists():
            if folder.is_symlink():
                return f"{folder} is a link to nothing"
            folder = folder.parent
    except OSError as error:  # a folder on the way that cannot be looked into
        return f"{error.filename or folder}: {error.strerror}"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"no permission to write in {folder}{os.sep}"
    return None


def check_outputs(outputs, force: bool = False) -> None:
    """Before any work: each output path can be written and is not there already (unless
    --force). outputs: (option, path) pairs; a path None is not written. A UserError in one line."""
    seen = {}
    for option, path in outputs:
        if path is None:
            continue
        where = Path(path)
        key = os.path.realpath(where)
        if key in seen:
            raise UserError(f"{option} {path}: the same file as {seen[key]}; give each output its own path")
        seen[key] = f"{option} {path}"
        if where.is_dir():
            raise UserError(f"{option} {path}: is a folder; give the path of a file")
        if os.path.lexists(where) and not force:
            raise UserError(f"{option} {path}: already exists; give another path, or add --force to "
                            "replace it")
        why = writable_folder_problem(where)
        if why:
            raise UserError(f"{option} {path}: cannot be written: {why}")


def check_out_folder(folder, writes: str) -> None:
    """`--out` names a folder: refused in one line when it is a file."""
    if folder is not None and os.path.lexists(folder) and not Path(folder).is_dir():
        raise UserError(f"--out {folder}: is a file, not a folder; --out names the folder for {writes}")


def use_model(args) -> None:
    """`add` and `evaluate` (they import torch; making a dataset does not)."""
    from rnnadd.core.evaluation import OperandError

    if args.command == "evaluate" and args.carry_chain is not None:
        if args.seed < 0:
            raise OperandError("--seed must be at least 0")
        print(json.dumps(chain_evaluate_command(args.checkpoint, args.length, args.carry_chain,
                                                not args.no_carry, args.examples, args.seed)))
    elif args.command == "evaluate" and args.no_carry:
        raise OperandError("--no-carry needs --carry-chain K (the control of a carry chain)")
    elif args.command == "add":
        add_command(args.checkpoint, args.operands, args.json)
    else:
        for option, value, least in (("--length", args.length, 2), ("--examples", args.examples, 1),
                                     ("--seed", args.seed, 0)):
            if value < least:
                raise OperandError(f"{option} must be at least {least} (got {value})")
        check_evaluation_size(args.length, args.examples)
        print(json.dumps(evaluate_command(args.checkpoint, args.length, args.examples, args.seed)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnadd", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    make = commands.add_parser("make-dataset", help="write train.npz and test.npz")
    make.add_argument("--maxlen", type=int, required=True)
    make.add_argument("--split", default=Settings.split, choices=SPLITS)
    make.add_argument("--seed", type=int, required=True)
    make.add_argument("--train-size", type=int, default=Settings.train_size)
    make.add_argument("--test-size", type=int, default=Settings.test_size)
    make.add_argument("--out", help="folder for train.npz and test.npz")
    make.add_argument("--train", help="path of the training file (instead of --out)")
    make.add_argument("--test", help="path of the test file (instead of --out)")
    make.add_argument("--force", action="store_true", help="replace output files that exist already")

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
    run.add_argument("--force", action="store_true",
                     help="replace output files that exist already (without it they are refused before "
                          "training)")

    add = commands.add_parser(
        "add", help="add numbers with a trained model",
        description="Print the model's sum, the true sum and the digits that differ (0 = least "
                    "significant). Exit code 0 whether or not the model is right.")
    add.add_argument("--checkpoint", required=True, help="a trained model, results/runs/<run>/seed<N>.pt")
    add.add_argument("--json", action="store_true",
                     help="one JSON object per pair: a, b, predicted, true, correct, wrong_positions")
    add.add_argument("operands", nargs="*", metavar="A B",
                     help="pairs of non-negative integers; none: read 'A B' lines from standard input")

    evaluate = commands.add_parser(
        "evaluate", help="accuracy of a trained model on fresh sums of one length",
        description="One JSON line: exact-match accuracy, digit accuracy and accuracy per position "
                    "(0 = least significant) on sums of two operands of exactly LENGTH-1 digits.")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--length", type=int, required=True,
                          help="operands of exactly LENGTH-1 digits (at least 2)")
    evaluate.add_argument("--examples", type=int, default=1000)
    evaluate.add_argument("--seed", type=int, default=0,
                          help="seed of the sums (0: the sums of the length and chains figures)")
    evaluate.add_argument("--carry-chain", type=int, metavar="K",
                          help="instead of random sums: sums whose carry travels through exactly K "
                               "positions (digit pairs summing to 9), scored on the chain's digits "
                               "(chain_accuracy) and on the whole sum (accuracy)")
    evaluate.add_argument("--no-carry", action="store_true",
                          help="with --carry-chain: the control sums, the same layout with no carry "
                               "entering the chain")

    check = commands.add_parser(
        "check-config", help="check config files as the workflow would, one line per problem",
        description="Merge config.yaml and FILES as `snakemake --configfile FILES` does and check the "
                    "result with the workflow's own checks. Snakemake reads a config file before this "
                    "workflow's code runs, so a file that is missing, a folder, binary, empty or not a "
                    "mapping ends there in the engine's own message; this names the file instead.")
    check.add_argument("files", nargs="*", metavar="FILE", help="config files, in the order Snakemake merges them")
    check.add_argument("--configfile", "--configfiles", nargs="+", action="extend", default=[], metavar="FILE",
                       help="config files too, as given to snakemake (after the FILEs)")
    check.add_argument("--config", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                       help="the items of snakemake's --config, checked as Snakemake reads them")
    check.add_argument("--base", default="config.yaml", help="the workflow's own config (default: config.yaml)")

    args = parser.parse_args(argv)
    if args.command == "check-config":
        return check_config_command(args.base, [*args.files, *args.configfile], args.config)
    # Every mistake a user can fix is a UserError with a one-line message.
    try:
        if args.command in ("add", "evaluate"):
            use_model(args)
        elif args.command == "make-dataset":
            if args.out is None and not (args.train and args.test):
                raise UserError("make-dataset needs --out FOLDER, or both --train and --test")
            check_out_folder(args.out, "train.npz and test.npz")
            train_path, test_path = (args.train, args.test) if args.train else paths.dataset_files(args.out)
            check_outputs([("--train" if args.train else "--out", train_path),
                           ("--test" if args.test else "--out", test_path)], args.force)
            Settings.from_dict({"maxlen": args.maxlen, "split": args.split,
                                "train_size": args.train_size, "test_size": args.test_size})
            make_dataset(args.maxlen, args.split, args.seed, args.train_size, args.test_size,
                         train_path, test_path)
        else:
            metrics, timing, checkpoint = args.metrics, args.timing, args.checkpoint
            named = {"--metrics": metrics, "--timing": timing, "--checkpoint": checkpoint}
            if args.out:
                check_out_folder(args.out, f"seed{args.seed}.csv, seed{args.seed}.timing.json and seed{args.seed}.pt")
                files = paths.seed_files(args.out, args.seed)
                metrics = metrics or str(files["metrics"])
                timing = timing or str(files["timing"])
                checkpoint = checkpoint or str(files["checkpoint"])
            if not metrics or not timing:
                raise UserError("train needs --out FOLDER, or both --metrics and --timing")
            # Before the settings, the data and any training: a run is never lost to its output path.
            check_outputs([(option if named[option] else "--out", path) for option, path in
                           (("--metrics", metrics), ("--timing", timing), ("--checkpoint", checkpoint))],
                          args.force)
            settings = load_settings_file(args.settings)
            train_path, test_path = (args.train, args.test)
            if bool(args.train) != bool(args.test):
                raise UserError("train needs both --train and --test (or --data FOLDER), or neither (generate)")
            if args.data:
                train_path, test_path = paths.dataset_files(args.data)
            print(json.dumps(train(settings, args.seed, train_path, test_path, metrics, timing,
                                   checkpoint)))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def train_command(argv: list[str]) -> int:
    """`train` with argv: what workflow/scripts/train.py runs (here or in the server's child)."""
    return main(["train", *argv])
