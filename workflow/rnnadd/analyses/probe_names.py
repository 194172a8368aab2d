"""The metrics of a probe with controls, by name: plain Python, for the config check
(which must not import torch) and for the computation (rnnadd.analyses.probe_controls) alike."""

from __future__ import annotations

# The digit windows the controls read: the digits at t; at t and t-1; at t, t-1 and t-2.
WINDOWS = (1, 2, 3)

# The lookup-table controls (the best function of the digits in the window, see
# rnnadd.analyses.probe_controls.fit_window_table): the digits at t .. t-w+1 for each w.
TABLE_WINDOWS = (1, 2, 3, 4)
# The "beyond" positions: carry decided by a chain of at least this many 9-sums, so that no
# digit window of the controls (the widest: TABLE_WINDOWS[-1]) decides it.
BEYOND_WINDOW = TABLE_WINDOWS[-1]

# Chain lengths scored by default: at MAXLEN 5 (operands of 4 digits) every chain that fits.
# K = 1 is decided by the digits at t and t-1, K = 2 by those at t to t-2, K = 3 by none of the windows.
DEFAULT_CHAIN_LENGTHS = [1, 2, 3]


def metric_names(layers: int, chain_lengths=()) -> list[str]:
    """Every metric of a probe with controls, in order: random sums and non-local positions, then
    each chain length K (``*_chain<K>_*``: positions whose carry came through exactly K 9-sums);
    then, added later and so after them (the earlier columns keep their place), the lookup-table
    controls (``digits_<infix>table<w>``) on each of those sets and the "beyond" positions
    (``*_beyond_*``: carry decided by a chain of BEYOND_WINDOW or more 9-sums)."""
    names = []
    for k in range(1, layers + 1):
        names += [f"probe_layer{k}", f"probe_nonlocal_layer{k}"]
    for k in range(1, layers + 1):
        names += [f"untrained_layer{k}", f"untrained_nonlocal_layer{k}"]
    for w in WINDOWS:
        names += [f"digits_window{w}", f"digits_nonlocal_window{w}"]
    for chain in chain_lengths:
        names += [f"probe_chain{chain}_layer{k}" for k in range(1, layers + 1)]
        names += [f"untrained_chain{chain}_layer{k}" for k in range(1, layers + 1)]
        names += [f"digits_chain{chain}_window{w}" for w in WINDOWS]
    for infix in ["", "nonlocal_"] + [f"chain{chain}_" for chain in chain_lengths]:
        names += [f"digits_{infix}table{w}" for w in TABLE_WINDOWS]
    names += [f"probe_beyond_layer{k}" for k in range(1, layers + 1)]
    names += [f"untrained_beyond_layer{k}" for k in range(1, layers + 1)]
    names += [f"digits_beyond_table{w}" for w in TABLE_WINDOWS]
    return names
