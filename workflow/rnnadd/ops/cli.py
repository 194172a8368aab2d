"""Command line: make a dataset, train one run, use a trained model.

    python -m rnnadd make-dataset --maxlen 5 --seed 0 --out data/
    python -m rnnadd train --settings run.yaml --seed 0 --out runs/mine/
    python -m rnnadd add --checkpoint runs/mine/seed0.pt 98765 43210 [A B ...]
    python -m rnnadd evaluate --checkpoint runs/mine/seed0.pt --length 100
    python -m rnnadd evaluate --checkpoint runs/mine/seed0.pt --length 1000 --carry-chain 50 [--no-carry]

Run from the repository with ``PYTHONPATH=workflow`` (or after
``pip install -e .``).
"""

from __future__ import annotations

import argparse
import json
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
    from rnnadd.core.training import train_run, write_outputs

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
    write_outputs(result, metrics_path, timing_path, checkpoint_path)
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


def read_config_file(path) -> dict:
    """One config file as a mapping, or a UserError naming the file and what is wrong with it."""
    import yaml

    from rnnadd.core.errors import UserError

    where = Path(path)
    if not where.exists():
        raise UserError(f"{path}: no such config file")
    if where.is_dir():
        raise UserError(f"{path}: is a folder, not a config file")
    try:
        text = where.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a text file (a config file is YAML or JSON)") from None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        first = str(error).strip().splitlines()
        raise UserError(f"{path}: not valid YAML ({' '.join(line.strip() for line in first[:3])})") from None
    if value is None:
        raise UserError(f"{path}: is empty; a config file is a mapping of keys such as seeds, experiments")
    if not isinstance(value, dict):
        raise UserError(f"{path}: holds a {type(value).__name__}, not a mapping of keys (seeds, experiments, ...)")
    return value


def check_config_command(base, files) -> int:
    """`check-config`: every file read, merged and checked; one line, exit 2, on the first problem."""
    from rnnadd.core.errors import UserError
    from rnnadd.ops.workflowconfig import ConfigError, load, merge

    try:
        config = {}
        for path in [base, *files]:
            merge(config, read_config_file(path))
        loaded = load(config, configfiles=[base, *files])
    except (UserError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"config OK: {len(loaded.study.experiments)} experiments, {len(loaded.study.runs)} runs, "
          f"{len(loaded.claims)} claims")
    return 0


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
    check.add_argument("--base", default="config.yaml", help="the workflow's own config (default: config.yaml)")

    args = parser.parse_args(argv)
    if args.command == "check-config":
        return check_config_command(args.base, args.files)
    # Every mistake a user can fix is a UserError with a one-line message.
    try:
        if args.command in ("add", "evaluate"):
            use_model(args)
        elif args.command == "make-dataset":
            Settings.from_dict({"maxlen": args.maxlen, "split": args.split,
                                "train_size": args.train_size, "test_size": args.test_size})
            train_path, test_path = (args.train, args.test) if args.train else paths.dataset_files(args.out)
            make_dataset(args.maxlen, args.split, args.seed, args.train_size, args.test_size,
                         train_path, test_path)
        else:
            settings = load_settings_file(args.settings)
            train_path, test_path = (args.train, args.test)
            if args.data:
                train_path, test_path = paths.dataset_files(args.data)
            metrics, timing, checkpoint = args.metrics, args.timing, args.checkpoint
            if args.out:
                files = paths.seed_files(args.out, args.seed)
                metrics = metrics or str(files["metrics"])
                timing = timing or str(files["timing"])
                checkpoint = checkpoint or str(files["checkpoint"])
            if not metrics or not timing:
                parser.error("train needs --out, or both --metrics and --timing")
            print(json.dumps(train(settings, args.seed, train_path, test_path, metrics, timing,
                                   checkpoint)))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def train_command(argv: list[str]) -> int:
    """`train` with argv: what workflow/scripts/train.py runs (here or in the server's child)."""
    return main(["train", *argv])
