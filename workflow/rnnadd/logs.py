"""Send a job's output and errors to its log file; a known error is one line, not a trace."""

from __future__ import annotations

import contextlib
import sys
import traceback


def _known(error: Exception, known=()) -> bool:
    """A damaged input file, a full disk: the message says which file and what to do."""
    # Imported only when something failed, so light jobs do not load numpy and pandas.
    from .seedtable import SeedTableError

    if isinstance(error, (SeedTableError, *known)):
        return True
    from .aggregate import MetricsError
    from .data import DatasetError
    from .io import DiskFullError
    from .settings import SettingsError

    return isinstance(error, (MetricsError, DatasetError, SettingsError, DiskFullError))


@contextlib.contextmanager
def logged(path, known=()):
    """``known``: more error classes whose message is enough (besides damaged data and metrics)."""
    with open(path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        except Exception as error:
            if not _known(error, known):
                traceback.print_exc(file=log)
                raise
            print(f"error: {error}", file=log)
            print(f"error: {error}", file=sys.__stderr__)
            raise SystemExit(2) from None
