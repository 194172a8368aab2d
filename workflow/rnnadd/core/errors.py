"""The one base class of the errors a user can fix: a bad setting, a damaged file, a full disk.

Its message is complete in one line (which key or file, what is wrong, what to
do), so whoever catches a ``UserError`` prints ``error: <message>`` and exits,
without a traceback; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(ValueError):
    """A mistake in a config, an argument or an input file; the message says which and what to do."""
