"""Do the verdicts survive a second floating-point path?

Bytes agree only on one machine type with one set of libraries: another CPU,
or torch's CPU kernels on another instruction set, round differently, and
every metric moves a little. A verdict that such a change flips was never
decided. The `stability` target (workflow/rules/stability.smk) retrains the
runs that the chosen claims read, under ``ATEN_CPU_CAPABILITY=<second path>``,
in a study of its own (``results/stability/<path>/``, its own Snakemake run of
this workflow with the same config), judges the claims there, and compares the
verdicts claim by claim with this study's.

Datasets are integers drawn by numpy, the same on every float path: the
second study starts from hard links to this study's (a file replaced there is
replaced, never written through).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rnnadd.core import paths
from rnnadd.core.errors import UserError
from rnnadd.core.io import write_text
from rnnadd.core.libraries import CAPABILITY_VARIABLE, float_path, second_float_path

# ATEN_CPU_CAPABILITY's values (torch/aten, cpu/vec); `auto`: the other of this
# machine's own path and the one below it (libraries.second_float_path).
FLOAT_PATHS = ("auto", "default", "avx2", "avx512")
DEFAULTS = {"float_path": "auto", "experiments": "all"}
COLUMNS = ("id", "group", "experiment", "verdict", "second_verdict", "same", "estimate", "second_estimate")


@dataclass(frozen=True)
class Plan:
    float_path: str  # an ATEN_CPU_CAPABILITY value, or `auto` until the job resolves it
    experiments: tuple  # the experiments whose claims are judged again

    @property
    def folder(self) -> str:
        return f"{paths.STABILITY}/{self.float_path}"

    def resolved(self, capability: str | None = None) -> Plan:
        """`auto` made concrete, from this machine's own capability (imports torch: in the job,
        never while the Snakefile is read)."""
        if self.float_path != "auto":
            return self
        return Plan(second_float_path(capability or float_path()["cpu_capability"]), self.experiments)


def plan(section, experiments_with_claims, capability: str | None = None) -> Plan:
    """The config's `stability:` mapping (may be absent) as a Plan, or a UserError naming the key."""
    section = {} if section is None else section
    if not isinstance(section, dict):
        raise UserError(f"stability: must be a mapping with float_path and experiments (got {section!r})")
    unknown = sorted(set(section) - set(DEFAULTS))
    if unknown:
        raise UserError(f"stability.{unknown[0]}: unknown key; allowed: {', '.join(DEFAULTS)}")
    values = {**DEFAULTS, **section}
    chosen = values["float_path"]
    if chosen not in FLOAT_PATHS:
        raise UserError(f"stability.float_path: must be one of {', '.join(FLOAT_PATHS)} (got {chosen!r})")
    if chosen == "auto" and capability is not None:
        chosen = second_float_path(capability)
    names = values["experiments"]
    if names == "all":
        names = list(experiments_with_claims)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise UserError(f"stability.experiments: `all` or a list of experiments with claims (got {names!r})")
    strangers = [n for n in names if n not in experiments_with_claims]
    if strangers:
        raise UserError(f"stability.experiments: {strangers[0]!r} is not an experiment with claims; "
                        f"those are: {', '.join(experiments_with_claims)}")
    return Plan(chosen, tuple(dict.fromkeys(names)))


def link_datasets(source: Path, target: Path) -> int:
    """Hard-link (else copy) every dataset file of ``source`` into ``target``; returns how many."""
    import shutil

    count = 0
    for file in sorted(Path(source).glob("*/*")):
        destination = Path(target) / file.parent.name / file.name
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(file, destination)
        except OSError:
            shutil.copy2(file, destination)
        count += 1
    return count


def run_second_study(plan: Plan, snakefile: Path, configfile: Path, cores: int, log) -> None:
    """This workflow, in plan.folder, under the second float path, up to the chosen verdicts."""
    folder = Path(plan.folder)
    # The Snakefile's own `configfile: "config.yaml"` is read in the second study's folder: the
    # config this run was given goes there, and again as --configfile (it wins either way).
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "config.yaml", Path(configfile).read_text())
    configfile = folder / "config.yaml"
    linked = link_datasets(Path(paths.RESULTS) / "data", folder / paths.RESULTS / "data")
    print(f"stability: {linked} dataset files linked from {paths.RESULTS}/data", file=log, flush=True)
    targets = [paths.CLAIMS.format(name=name) for name in plan.experiments]
    # Its own training server (the second path must be the server's too), never this run's.
    env = {k: v for k, v in os.environ.items() if k != "RNNADD_TRAIN_SERVER"}
    env[CAPABILITY_VARIABLE] = plan.float_path
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(Path(snakefile).resolve()),
               "--directory", str(folder), "--configfile", str(Path(configfile).resolve()),
               "--rerun-triggers", "mtime", "params", "input", "--cores", str(cores), *targets]
    print("stability: " + " ".join(command[:6]) + " ...", file=log, flush=True)
    result = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise UserError(f"stability: the study under {CAPABILITY_VARIABLE}={plan.float_path} failed "
                        f"(exit {result.returncode}); its log is above, its files in {folder}")
    _check_float_path(folder, plan.float_path)


def _check_float_path(folder: Path, wanted: str) -> None:
    """Every run trained there says it computed on the second path (else the comparison means nothing)."""
    for timing in sorted((folder / paths.RUNS).glob("*/seed*.timing.json")):
        found = json.loads(timing.read_text()).get("float_path", {}).get("cpu_capability")
        if found != wanted.upper():
            raise UserError(f"stability: {timing} was trained on capability {found}, not {wanted.upper()}: "
                            f"{CAPABILITY_VARIABLE} was not honoured (above this CPU's own?)")


def read_verdicts(path) -> dict:
    """{claim id: its row} of a verdict table (claims CSV) or of this module's comparison (COLUMNS)."""
    with open(path, newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def compare(first_files, second_folder) -> list[dict]:
    """One row per claim (COLUMNS): its verdict here and under the second path."""
    rows = []
    for first in first_files:
        second = Path(second_folder) / first
        here, there = read_verdicts(first), read_verdicts(second)
        for claim, row in here.items():
            other = there.get(claim, {})
            rows.append({
                "id": claim, "group": row["group"], "experiment": row["experiment"],
                "verdict": row["verdict"], "second_verdict": other.get("verdict", "missing"),
                "same": "yes" if other.get("verdict") == row["verdict"] else "no",
                "estimate": row["estimate"], "second_estimate": other.get("estimate", ""),
            })
    return rows


def summary(rows, plan: Plan, here: str) -> str:
    changed = [r for r in rows if r["same"] != "yes"]
    line = (f"stability: {len(rows) - len(changed)} of {len(rows)} verdicts stay when the claims' runs are "
            f"retrained with {CAPABILITY_VARIABLE}={plan.float_path} (this study: {here})")
    if changed:
        line += "; changed: " + ", ".join(f"{r['id']} ({r['verdict']} -> {r['second_verdict']})" for r in changed)
    return line


def write_tables(rows, plan: Plan, here: str, csv_path, md_path) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    write_text(csv_path, buffer.getvalue())
    line = summary(rows, plan, here)
    lines = [f"# Verdicts under a second float path ({CAPABILITY_VARIABLE}={plan.float_path})", "", line, "",
             "| claim | group | verdict here | estimate | verdict there | estimate | same |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['id']} | {r['group']} | {r['verdict']} | {_short(r['estimate'])} | {r['second_verdict']} | "
              f"{_short(r['second_estimate'])} | {r['same']} |" for r in rows]
    write_text(md_path, "\n".join(lines) + "\n")
    return line


def _short(number: str) -> str:
    """An estimate as the table shows it: 4 significant digits (the CSV keeps them all)."""
    try:
        return f"{float(number):.4g}"
    except ValueError:
        return number
