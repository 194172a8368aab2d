"""Send a job's output and errors to its log file; a known error is one line, not a trace."""

from __future__ import annotations

import contextlib
import sys
import traceback


@contextlib.contextmanager
def logged(path, known=()):
    """``known``: more error classes whose message is enough (besides damaged data and metrics)."""
    from .aggregate import MetricsError
    from .data import DatasetError
    from .io import DiskFullError
    from .settings import SettingsError

    with open(path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        except (MetricsError, DatasetError, SettingsError, DiskFullError, *known) as error:
            print(f"error: {error}", file=log)
            print(f"error: {error}", file=sys.__stderr__)
            raise SystemExit(2) from None
        except Exception:
            traceback.print_exc(file=log)
            raise
