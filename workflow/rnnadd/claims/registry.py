"""The claim vocabulary: `test:` value -> the test that checks and judges it, found by scanning
rnnadd/claims/checks/: each module <name>.py defines TEST, the instance of its ClaimTest subclass
named <name>, and may set ORDER (a number: where messages and the schema list the test); a
module without one comes after those with, by name. Adding a test is adding one file there."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from rnnadd.claims import checks
from rnnadd.claims.base import ClaimTest


def discover(path, package: str) -> dict[str, ClaimTest]:
    """Every <name>.py's TEST of a package (its path and name), by ORDER, then by name; a module that
    is not one refused."""
    found = []
    for info in pkgutil.iter_modules(path):
        if info.name.startswith("_"):
            continue
        module = import_module(f"{package}.{info.name}")
        test = getattr(module, "TEST", None)
        if not isinstance(test, ClaimTest) or getattr(test, "name", None) != info.name:
            raise ImportError(f"{module.__file__}: a claim test module defines TEST, an instance of rnnadd."
                              f"claims.base.ClaimTest named {info.name!r} (a helper module's name starts with _)")
        found.append((getattr(module, "ORDER", float("inf")), info.name, test))
    return {name: test for _, name, test in sorted(found, key=lambda t: (t[0], t[1]))}


TESTS: dict[str, ClaimTest] = discover(checks.__path__, checks.__name__)
