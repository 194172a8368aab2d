"""Ask Slurm, before anything is submitted, whether it will take our jobs.

A wrong partition or account otherwise shows up only after submission, as a
failed job, and the reason ("invalid partition specified") is easy to miss.
Here `sinfo`, `sacctmgr` (where the cluster keeps accounts) and
`sbatch --test-only` (which asks the controller without submitting) are asked
once, and the first problem becomes one line that says what to change.
"""

from __future__ import annotations

import getpass
import shlex
import subprocess

from rnnadd.core.errors import UserError


class SlurmTargetError(UserError):
    """Slurm would refuse the jobs; the message says why and what to change."""


def _run(command: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise SlurmTargetError(f"`{command[0]}` is not on PATH: the Slurm profile needs Slurm's commands "
                               "(run Snakemake on a node of the cluster)") from None
    except subprocess.TimeoutExpired:
        raise SlurmTargetError(f"`{shlex.join(command)}` did not answer in 60 s: is the Slurm controller up?") from None


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())


def partitions() -> list[str]:
    """The cluster's partitions as `sinfo` names them; the default one ends in '*'."""
    listed = _run(["sinfo", "--noheader", "--format=%P"])
    if listed.returncode != 0:
        raise SlurmTargetError(f"`sinfo` failed, so the partitions cannot be checked: {_one_line(listed.stderr)}")
    return list(dict.fromkeys(listed.stdout.split()))


def user_accounts() -> set[str] | None:
    """The accounts this user may charge, or None where the cluster keeps no accounts."""
    listed = _run(["sacctmgr", "--noheader", "--parsable2", "show", "associations",
                   f"user={getpass.getuser()}", "format=account"])
    accounts = {line.strip().lower() for line in listed.stdout.split() if line.strip()}
    if listed.returncode != 0 or not accounts:
        return None
    return accounts


def check_slurm_target(partition: str, account: str, qos: str = "", *, source: dict | None = None,
                       requests: dict | None = None) -> None:
    """Raise SlurmTargetError (one line) unless Slurm would accept a job for partition/account/qos.

    Empty values mean "the cluster's default". `source` names where each value
    came from (for example {"partition": "SLURM_PARTITION"}) so the message can
    say what to change. `requests` maps a rule to the most its jobs ask for,
    {"mem_mb": ..., "runtime": minutes, "cpus": ...}: each is tried too.
    """
    source = source or {}
    where = {key: f" ({source[key]})" if key in source else "" for key in ("partition", "account", "qos")}
    known = partitions()
    names = [name.rstrip("*") for name in known]
    if partition and partition not in names:
        listing = ", ".join(f"{name.rstrip('*')} (default)" if name.endswith("*") else name for name in known)
        raise SlurmTargetError(
            f"Slurm partition {partition!r}{where['partition']} does not exist on this cluster; "
            f"its partitions are: {listing or 'none'}. Use one of them, or leave it empty for the default")
    if account:
        accounts = user_accounts()
        if accounts is not None and account.lower() not in accounts:
            raise SlurmTargetError(
                f"Slurm account {account!r}{where['account']} is not one of yours "
                f"({', '.join(sorted(accounts))}). Use one of them, or leave it empty for your default")
    # Whatever else the controller would refuse (a partition you may not use,
    # an account it does not take there, a QoS): its own words.
    targeting = [f"--partition={partition}"] if partition else []
    targeting += [f"--account={account}"] if account else []
    targeting += [f"--qos={qos}"] if qos else []
    test_only = ["sbatch", "--test-only", "--ntasks=1", "--job-name=check", *targeting]
    tried = _run(test_only + ["--time=1", "--mem=100", "--wrap=true"])
    if tried.returncode != 0:
        asked = ", ".join(f"{key} {value!r}{where[key]}" for key, value in
                          (("partition", partition), ("account", account), ("qos", qos)) if value)
        raise SlurmTargetError(f"Slurm refuses a test job ({asked or 'cluster defaults'}); "
                               f"sbatch says: {_one_line(tried.stderr) or _one_line(tried.stdout)}")
    # What the jobs ask for, largest first: a request the nodes cannot meet
    # (more memory or cpus than any node has) is refused here with sbatch's
    # words, not at submission.
    for rule, asked in sorted((requests or {}).items()):
        sizes = [f"--mem={int(asked['mem_mb'])}", f"--time={max(1, int(asked['runtime']))}",
                 f"--cpus-per-task={int(asked['cpus'])}"]
        tried = _run(test_only + sizes + ["--wrap=true"])
        if tried.returncode != 0:
            raise SlurmTargetError(
                f"Slurm refuses the jobs of rule {rule} ({' '.join(sizes)}, the most they ask for); sbatch says: "
                f"{_one_line(tried.stderr) or _one_line(tried.stdout)}. Ask for less (the rule's mem_mb, "
                "runtime or threads, or --set-resources) or use a partition whose nodes have room")
