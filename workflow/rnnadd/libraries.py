"""The versions of the libraries a run's numbers depend on, read from the installed packages.

Read from package metadata, nothing imported: the verdict table's light job
states them without loading torch. Recorded with every training run (its
timing file), so `verify` can tell "other library versions" from "edited".
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

# What the numbers of a run depend on.
NUMERIC = ("torch", "numpy")


def library_versions(packages=NUMERIC) -> dict:
    """``{"python": ..., package: version}`` for each installed one of ``packages``."""
    found = {"python": platform.python_version()}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def versions_text() -> str:
    """'Python 3.11.9, torch 2.3.0, numpy 1.26.4, snakemake 9.0.0': what made a table."""
    found = library_versions((*NUMERIC, "snakemake"))
    return ", ".join(f"Python {v}" if name == "python" else f"{name} {v}" for name, v in found.items())
