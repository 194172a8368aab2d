"""The claim vocabulary: `test:` value -> the test that checks and judges it, found by scanning
rnnadd/claims/checks/: each module <name>.py defines TEST, the instance of its ClaimTest subclass
named <name>, and may set ORDER (a number: where messages and the schema list the test); a
module without one comes after those with, by name. Adding a test is adding one file there."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from rnnadd.claims import checks
from rnnadd.claims.base import ClaimTest


def _discover() -> dict[str, ClaimTest]:
    found = []
    for info in pkgutil.iter_modules(checks.__path__):
        if info.name.startswith("_"):
            continue
        module = import_module(f"{checks.__name__}.{info.name}")
        test = getattr(module, "TEST", None)
        if not isinstance(test, ClaimTest) or getattr(test, "name", None) != info.name:
            raise ImportError(f"{module.__file__}: a claim test module defines TEST, an instance of "
                              f"rnnadd.claims.base.ClaimTest named {info.name!r}")
        found.append((getattr(module, "ORDER", float("inf")), info.name, test))
    return {name: test for _, name, test in sorted(found, key=lambda t: (t[0], t[1]))}


TESTS: dict[str, ClaimTest] = _discover()
