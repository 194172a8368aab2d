"""What a run's numbers depend on besides its settings: library versions and the float path.

Library versions are read from package metadata, nothing imported: the
verdict table's light job states them without loading torch. The float path
(the CPU, and the instruction set torch's CPU kernels use, which
ATEN_CPU_CAPABILITY can lower) needs torch. Both are recorded with every
training run (its timing file), so `verify` can tell "other library
versions" or "other float path" from "edited".
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


# The environment variable that lowers the instruction set of torch's CPU kernels.
CAPABILITY_VARIABLE = "ATEN_CPU_CAPABILITY"


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what the platform says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def float_path() -> dict:
    """The CPU and torch's CPU capability (e.g. AVX512, AVX2, DEFAULT) this process computes with.

    Runs agree byte for byte only on one float path with one set of libraries.
    """
    import torch

    return {"cpu": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability()}


def second_float_path(capability: str) -> str:
    """The ATEN_CPU_CAPABILITY value of another float path on this machine: avx2 below
    AVX-512, else the plain kernels (`default`)."""
    return "avx2" if capability.upper().startswith("AVX512") else "default"
