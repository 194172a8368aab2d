"""Atomic file output: write to a temporary name, then rename into place.

A job killed mid-write leaves at most a hidden ``.*.partial`` file, never a
complete-looking output. A full disk is one clear error naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
from pathlib import Path

from rnnadd.core import paths
from rnnadd.core.errors import UserError

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(OSError, UserError):
    """No space left (or quota exceeded) while writing an output (an OSError still, for its errno)."""

    def __str__(self) -> str:
        return self.strerror


def rerun_hint(path) -> str:
    """The remedy for a damaged file, to follow "; " in the message that names it.

    For a file the workflow made: "delete it and rerun: rm <path>, then the
    same snakemake command again", commands that work when pasted.  For any
    other file, such as one a user named on the command line, deleting it is
    no remedy (the workflow would not make it again), so it is not offered.
    """
    if not paths.made_by_workflow(path):
        return (f"it is not in a {paths.RESULTS}/ folder, so not the workflow's to make again: "
                "check that it is the file you meant")
    return f"delete it and rerun: {rm_and_rerun([path])}"


def rm_and_rerun(files) -> str:
    """The command that makes files of the workflow again: "rm <files>, then the same snakemake
    command again" (pasteable: each path quoted for the shell)."""
    return f"rm {' '.join(shlex.quote(str(f)) for f in files)}, then the same snakemake command again"


# What torch.save's stream writer says when a write fails, without the OS's words.
_TORCH_WRITE_FAILED = ("unexpected pos", "PytorchStreamWriter failed")


def _is_disk_full(error: BaseException, folder=None) -> bool:
    if isinstance(error, OSError) and error.errno in _NO_SPACE:
        return True
    if not isinstance(error, RuntimeError):
        return False
    # torch.save reports a failed write as a RuntimeError, with the OS's words or without.
    if "No space left on device" in str(error):
        return True
    if folder is not None and any(words in str(error) for words in _TORCH_WRITE_FAILED):
        import shutil

        try:
            return shutil.disk_usage(folder).free < 64 * 2**20
        except OSError:
            return False
    return False


def is_disk_full(error: BaseException, folder=None) -> bool:
    """Whether an error from writing under ``folder`` is a full disk (or quota)."""
    return isinstance(error, DiskFullError) or _is_disk_full(error, folder)


@contextlib.contextmanager
def atomic_path(path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield tmp
        os.replace(tmp, path)
    except (OSError, RuntimeError) as error:
        if _is_disk_full(error, tmp.resolve().parent):  # where the bytes went, through any link
            raise DiskFullError(errno.ENOSPC, f"{path}: no space left on device while writing it; "
                                "free some space, then run the same command again") from None
        raise
    finally:
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink()


def write_text(path, text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
