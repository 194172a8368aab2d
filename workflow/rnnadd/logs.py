"""Send a job's output and errors to its log file; a user's error is one line, not a trace."""

from __future__ import annotations

import contextlib
import sys
import traceback

from .errors import UserError


@contextlib.contextmanager
def logged(path, known=()):
    """``known``: more error classes whose message is enough, besides every UserError."""
    with open(path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        except Exception as error:
            if not isinstance(error, (UserError, *known)):
                traceback.print_exc(file=log)
                raise
            print(f"error: {error}", file=log)
            print(f"error: {error}", file=sys.__stderr__)
            raise SystemExit(2) from None
