"""The metrics of a probe with controls, by name: plain Python, for the config check
(which must not import torch) and for the computation (rnnadd.probe_controls) alike."""

from __future__ import annotations

# The digit windows the controls read: the digits at t; at t and t-1; at t, t-1 and t-2.
WINDOWS = (1, 2, 3)


def metric_names(layers: int) -> list[str]:
    """Every metric of a probe with controls, in order."""
    names = []
    for k in range(1, layers + 1):
        names += [f"probe_layer{k}", f"probe_nonlocal_layer{k}"]
    for k in range(1, layers + 1):
        names += [f"untrained_layer{k}", f"untrained_nonlocal_layer{k}"]
    for w in WINDOWS:
        names += [f"digits_window{w}", f"digits_nonlocal_window{w}"]
    return names
