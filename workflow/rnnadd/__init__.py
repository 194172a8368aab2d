"""The RNN-addition study in plain Python: it imports no Snakemake, so it can be
used, tested and debugged on its own (see ``python -m rnnadd --help``).

The package is laid out by layer; a module imports only from its own layer and
the layers before it (tests/test_package.py checks every import):

- ``core``: the learning core: settings, data, model, training, evaluation, checkpoints, files.
- ``analyses``: what is computed from trained runs: seed tables and their statistics,
  analyses of checkpoints (length, probe, chains), plotting.
- ``study``: a study config turned into runs and figures: the kinds of figure, resources.
- ``claims``: the claim tests, their engine and the verdict tables.
- ``report``: words generated from the config and the verdicts (captions, findings, docs).
- ``ops``: running it: the config loader the Snakefile calls, the training server,
  the cluster, verification and the command line.
"""

from rnnadd.core.settings import DEFAULTS, Settings, SettingsError

LAYERS = ("core", "analyses", "study", "claims", "report", "ops")

__all__ = ["DEFAULTS", "LAYERS", "Settings", "SettingsError"]
