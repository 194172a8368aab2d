"""The aggregate and figure jobs: command-line entry points (workflow/scripts/aggregate.py, plot.py)
run either in the local server's child (rnnadd.ops.trainserver) or in the script's own process.

The rules (aggregate.smk, figures.smk) are shell commands whose arguments are the job's plain
values: paths and seeds as words, each mapping (the experiment's layout, its runs' settings,
the plot's words) as one JSON word (``JSONParam``, ``{params.name:jsonq}``). Nothing is unpickled, and both ways compute
from exactly the same values. Plotting and pandas are imported once by the server instead of
by every job (about 1.3 s each).

This module imports only the standard library at the top: the rules import ``JSONParam``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path


class JSONParam(dict):
    """A params mapping that a shell command gets as one JSON word: ``{params.layout:jsonq}``.

    Formatted with the spec ``json`` (``q`` after it: Snakemake quotes the word) it is compact
    JSON, in the mapping's own key order. Anything else sees the mapping it is: its ``repr``
    and ``str`` are the plain dict's, so Snakemake records the same params value as for a plain
    dict (a rule that turned from ``script:`` into ``shell:`` reruns nothing) and its log and
    report show it as before.
    """

    def __format__(self, spec: str) -> str:
        if spec == "json":
            return json.dumps(self, separators=(",", ":"), allow_nan=False)
        return super().__format__(spec)


# What double quotes leave the shell to act on, in a path.
SHELL_TEXT = frozenset('$`"\\')


def refuse_long_commands(folder: str, names, words_of, limit: int, refuse) -> None:
    """Refuse, in a folder whose path holds SHELL_TEXT, an experiment with a command longer than limit.

    Snakemake (9.27) runs a command longer than its MAX_ARG_LEN from a script file named by
    its absolute path in double quotes, where such text of the folder's path would act.
    ``words_of(name)`` gives each rule's variable words of the experiment's command (a
    JSONParam is formatted as the rule formats it); ``refuse(message)`` stops the workflow.
    """
    if not SHELL_TEXT & set(folder):
        return
    for name in names:
        for rule, words in words_of(name).items():
            # Each word as Snakemake counts it (quoted, then every ' escaped), and room for the rest.
            size = 2000 + sum(len(shlex.quote(format(word, "json") if isinstance(word, JSONParam) else word)
                                  .replace("'", "'\\''")) + 1 for word in words)
            if size > limit:
                refuse(f"experiments.{name}: its {rule} command would be about {size} bytes, more than the "
                       f"{limit} Snakemake runs directly; it would then run it from a file named by this "
                       "folder's path, whose $, backtick, quote or backslash the shell would act on: give it "
                       "fewer seeds or runs, or use a checkout path without those characters")


def _mapping(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("not a JSON object")
    return value


def aggregate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aggregate.py", description=aggregate_command.__doc__)
    parser.add_argument("--layout", type=_mapping, required=True,
                        help="the experiment's layout (JSON: its kind, cells and the kind's options)")
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="the seeds it averages over")
    parser.add_argument("--runs", type=_mapping, required=True, help="run id -> its recorded settings (JSON)")
    parser.add_argument("--inputs", nargs="+", required=True,
                        help="each (run, seed)'s file, runs in --runs order, seeds in --seeds order")
    parser.add_argument("--figures", nargs="*", default=[],
                        help="the figure files drawn from the table: removed when the table fails")
    parser.add_argument("--table", required=True, help="the summary table to write")
    parser.add_argument("--seeds-table", required=True, help="the per-seed table to write")
    parser.add_argument("--log", required=True, help="the job's log")
    return parser


def figure_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plot.py", description=figure_command.__doc__)
    parser.add_argument("--kind", required=True, help="the experiment's kind")
    parser.add_argument("--layout", type=_mapping, required=True, help="the experiment's layout (JSON)")
    parser.add_argument("--plot", type=_mapping, required=True,
                        help="the drawing's words (JSON: title, subtitle, options, labels)")
    parser.add_argument("--table", required=True, help="the summary table it is drawn from")
    parser.add_argument("--png", required=True)
    parser.add_argument("--pdf", required=True)
    parser.add_argument("--log", required=True, help="the job's log")
    return parser


def aggregate_command(argv: list[str]) -> int:
    """One experiment's summary table and per-seed table, by its kind's aggregate."""
    from rnnadd.core.logs import logged

    args = aggregate_parser().parse_args(argv)
    # The rule's input order (per_seed_jobs in common.smk): every seed of a run, run after run.
    jobs = [f"{run}/{seed}" for run in args.runs for seed in args.seeds]
    if len(jobs) != len(args.inputs):
        aggregate_parser().error(f"{len(args.inputs)} --inputs for {len(jobs)} (run, seed) pairs")
    try:
        with logged(args.log):
            from rnnadd.core.provenance import check_one_fingerprint
            from rnnadd.core.settings import Settings
            from rnnadd.study.kinds import KINDS

            # Nothing is drawn from runs that other code (or another float path) computed.
            check_one_fingerprint([(run, seed) for run in args.runs for seed in args.seeds], args.table)
            runs = {run: Settings.from_dict(values) for run, values in args.runs.items()}
            files = dict(zip(jobs, args.inputs))
            KINDS[args.layout["kind"]].aggregate(args.layout, args.seeds, runs,
                                                 lambda run, seed: files[f"{run}/{seed}"],
                                                 args.table, args.seeds_table)
    except BaseException:
        # Snakemake removes the failed table; a figure drawn from it before must
        # not stay behind as if it were still backed by the data.
        for figure in args.figures:
            if Path(figure).exists():
                Path(figure).unlink()
                print(f"removed {figure}: its data no longer checks out", file=sys.stderr)
        raise
    return 0


def figure_command(argv: list[str]) -> int:
    """Draw one figure (PNG and PDF) from its summary table, by its kind."""
    from rnnadd.core.logs import logged

    args = figure_parser().parse_args(argv)
    with logged(args.log):
        from rnnadd.study.kinds import KINDS

        kind = KINDS[args.kind]
        kind.figure(kind.read_table(args.table, args.layout), args.plot, {"png": args.png, "pdf": args.pdf})
    return 0
