"""What computed a run's numbers, and whether its files are still the ones its job wrote.

Code fingerprint
    Each run records the fingerprint of the code and float path that computed
    it (rnnadd.core.fingerprint) in its timing file. A figure or verdict
    drawn from runs of more than one fingerprint mixes code (an edit
    mid-study, or cluster nodes on other float paths): ``check_one_fingerprint``
    refuses it in one line that names the runs not of the fingerprint trained
    last and the command that retrains them.

Source digest
    ``source_digest()`` hashes the package's source files (standard library
    only, about a millisecond): the training server compares the digest it
    loaded with the one a job finds on disk, and a job whose code has changed
    since runs in its own process (rnnadd.ops.trainserver).

Checksums
    The training job records the SHA-256 of its metrics CSV in its timing
    file (``checksums``); ``check_unchanged`` reports a file that
    was changed after its job wrote it, with the command that recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from rnnadd.core import paths
from rnnadd.core.errors import UserError
from rnnadd.core.io import rerun_hint, rm_and_rerun

PACKAGE = Path(__file__).resolve().parents[1]  # the rnnadd package this process imported

class MixedCodeError(UserError):
    """A figure or verdict would be built from runs computed by different code or float paths."""


class EditedFileError(UserError):
    """A result file is not the one its job wrote."""


# -- source digest (standard library only) -------------------------------------

def source_digest(package=PACKAGE) -> str:
    """SHA-256 of every .py file of the package (relative path and bytes), in path order."""
    package = Path(package)
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# -- what a run recorded -----------------------------------------------------------

def timing_file_of(metrics_path) -> Path:
    """seed<N>.csv -> seed<N>.timing.json beside it."""
    metrics_path = Path(metrics_path)
    seed = metrics_path.name.removeprefix("seed").removesuffix(".csv")
    return metrics_path.with_name(paths.TIMING_FILE.format(seed=seed))


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _timing(timing_path) -> dict:
    try:
        value = json.loads(Path(timing_path).read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def recorded_fingerprint(timing_path) -> str | None:
    """The fingerprint id a run's timing file recorded; None for a run trained before they were."""
    found = _timing(timing_path).get("fingerprint")
    return found.get("id") if isinstance(found, dict) else None


def check_unchanged(path) -> None:
    """Refuse a file changed after the job that wrote it (its checksum in the timing file
    beside it); a file whose job recorded none (trained before checksums were) passes."""
    path = Path(path)
    timing = timing_file_of(path)
    recorded = _timing(timing).get("checksums", {})
    key = os.path.relpath(path, timing.parent)
    if not isinstance(recorded, dict) or key not in recorded:
        return
    if sha256_of(path) != recorded[key]:
        raise EditedFileError(f"{path}: changed after the job that wrote it (its SHA-256 is not the one "
                              f"recorded in {timing.name}); {rerun_hint(path)}")


def check_one_fingerprint(pairs, what: str, runs_folder=paths.RUNS) -> None:
    """Refuse ``what`` (a figure's table, a verdict) built from (run, seed) pairs of more than one
    code fingerprint. Names the runs of every fingerprint but that of the run trained last, and
    the command that retrains them with the code here. Runs trained before fingerprints were
    recorded count as one fingerprint of their own ("unrecorded")."""
    groups: dict[str, list[tuple[Path, float]]] = {}
    for run, seed in dict.fromkeys((str(run), int(seed)) for run, seed in pairs):
        files = paths.seed_files(Path(runs_folder) / run, seed)
        timing = files["timing"]
        try:
            when = timing.stat().st_mtime
        except OSError:
            when = 0.0
        groups.setdefault(recorded_fingerprint(timing) or "unrecorded", []).append((files["metrics"], when))
    if len(groups) < 2:
        return
    last = max(groups, key=lambda code: max(when for _, when in groups[code]))
    older = [metrics for code, found in sorted(groups.items()) if code != last for metrics, _ in found]
    named = ", ".join(f"{code} ({len(found)} (run, seed) pair{'s' if len(found) > 1 else ''})"
                      for code, found in sorted(groups.items()))
    raise MixedCodeError(f"{what}: built from runs of {len(groups)} code fingerprints, {named}: other code "
                         f"or another float path; retrain those not of {last} (the fingerprint trained last) "
                         f"with the code here: {rm_and_rerun(older)}")
