"""Learning core of the RNN-addition study: data, model and training.

Plain Python on top of numpy and torch; it imports no Snakemake, so it can be
used, tested and debugged on its own (see ``python -m rnnadd --help``).
"""

from .settings import DEFAULTS, Settings, SettingsError

__all__ = ["DEFAULTS", "Settings", "SettingsError"]
