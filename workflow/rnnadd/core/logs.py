"""Send a job's output and errors to its log file; a user's error is one line, not a trace.

A full disk is a user's error too, even when it is the log that cannot be
written: then the one line goes to the job's standard error alone.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from pathlib import Path

from rnnadd.core.errors import UserError
from rnnadd.core.io import is_disk_full

NO_SPACE = "no space left on device while writing it; free some space, then run the same command again"


def _stop(message: str, log=None):
    """One line to the log (if it can still be written) and to the job's standard error; exit 2."""
    if log is not None:
        with contextlib.suppress(OSError):
            print(message, file=log)
            log.flush()
    print(message, file=sys.__stderr__)
    raise SystemExit(2) from None


@contextlib.contextmanager
def logged(path, known=()):
    """``known``: more error classes whose message is enough, besides every UserError."""
    folder = Path(path).parent
    try:
        log = open(path, "w")  # noqa: SIM115 - closed in the finally below, where a full disk is caught
    except OSError as error:
        if is_disk_full(error, folder):
            _stop(f"error: {path}: {NO_SPACE}")
        raise
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                yield
            except Exception as error:
                if is_disk_full(error, folder) and not isinstance(error, UserError):
                    _stop(f"error: {_written(error) or path}: {NO_SPACE}", log)
                if not isinstance(error, (UserError, *known)):
                    with contextlib.suppress(OSError):
                        traceback.print_exc(file=log)
                    raise
                _stop(f"error: {error}", log)
    finally:
        stopping = sys.exc_info()[0] is SystemExit  # the one line has been printed already
        try:
            log.close()
        except OSError as error:  # the log's last lines did not fit
            if not is_disk_full(error, folder):
                raise
            if not stopping:
                print(f"error: {path}: {NO_SPACE}", file=sys.__stderr__)
            raise SystemExit(2) from None


def _written(error) -> str | None:
    return getattr(error, "filename", None)
