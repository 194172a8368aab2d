"""probe_controls: the carry probe per layer against controls, overall and where the carry is not local.

One job per (run, seed) reads the checkpoint and fits, per layer, the linear
probe of the ``probe`` kind on ``examples`` fixed random sums; it is scored on
as many other random sums (``probe_layer<k>``) and on ``examples`` sums built
so that the carry at the scored position is not decided by the digits at t
and t-1 (``probe_nonlocal_layer<k>``; rnnadd.probe_controls says why those
positions). Controls on the same sums: the same probe on the untrained network
of the same shape and seed (``untrained_layer<k>``, ``untrained_nonlocal_layer<k>``)
and on the one-hot digits at t, at t and t-1, at t to t-2
(``digits_window<w>``, ``digits_nonlocal_window<w>``). Claims compare a layer
with its controls seed by seed (test ``better_than``).
"""

from __future__ import annotations

import re

from ..probe_names import metric_names
from .base import EXAMPLES, OptionError
from .probe import Probe


def checkpoint_seed(checkpoint) -> int:
    """The run's seed, from its checkpoint's name (results/runs/<run>/seed<N>.pt)."""
    match = re.fullmatch(r"seed(\d+)", checkpoint.path.stem if checkpoint.path else "")
    if not match:
        raise ValueError(f"{checkpoint.path}: the untrained control needs the run's seed, "
                         "read from a checkpoint named seed<N>.pt")
    return int(match.group(1))


class ProbeControls(Probe):
    name = "probe_controls"
    axes = (1,)
    options = (EXAMPLES,)
    job_minutes = 10
    job_mem_mb = 1500
    state_sets = 4  # the probe's, for the trained and the untrained network

    def check_run(self, where: str, label: str, settings, fixed: dict, levels) -> None:
        super().check_run(where, label, settings, fixed, levels)
        if settings.maxlen < 4:
            raise OptionError(f"{where}: a probe with controls needs maxlen 4 or more: below it no position "
                              f"has a carry the digits at t and t-1 do not decide ({label}: maxlen "
                              f"{settings.maxlen})")

    def run_metrics(self, settings, options: dict) -> list[str]:
        return metric_names(settings.layers)

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        from ..probe_controls import probe_with_controls, untrained_network

        untrained, untrained_state = untrained_network(checkpoint.settings, checkpoint_seed(checkpoint))
        return probe_with_controls(checkpoint.model, checkpoint.settings, checkpoint.state, untrained,
                                   untrained_state, options["examples"])

    def describe_metric(self, metric: str) -> str | None:
        where = {"": "on held-out random sums",
                 "nonlocal_": "on positions whose carry the digits at t and t-1 do not decide"}
        match = re.match(r"(probe|untrained)_(nonlocal_)?layer(\d+)$", metric)
        if match:
            net = "trained" if match.group(1) == "probe" else "untrained (same shape and seed)"
            return (f"accuracy of a linear probe reading the carry from layer {match.group(3)} of the {net} "
                    f"network, {where[match.group(2) or '']}")
        match = re.match(r"digits_(nonlocal_)?window(\d+)$", metric)
        if match:
            window = {"1": "t", "2": "t and t-1", "3": "t, t-1 and t-2"}.get(match.group(2), match.group(2))
            return (f"accuracy of a linear probe reading the carry from the one-hot input digits at {window}, "
                    f"{where[match.group(1) or '']}")
        return None

    def figure(self, table, plot: dict, paths: dict) -> None:
        """Two panels (random sums, non-local positions): trained and untrained layers per line,
        the digit-window probes as horizontal lines."""
        import numpy as np

        from ..plotting import axis_names, colors, legend_below, lines, plt, save_figure, suptitle

        axis_name, value_names = axis_names(plot["labels"], table["axis0"].iloc[0])
        n_seeds = int(table["n_seeds"].max())
        figure, axes = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
        palette = colors()
        for ax, infix, title in ((axes[0], "", "held-out random sums"),
                                 (axes[1], "nonlocal_", "positions not decided by the digits at t and t-1")):
            for prefix, style, what in (("probe_", "-o", "trained"), ("untrained_", ":x", "untrained")):
                for index, (label, series) in enumerate(lines(table, f"{prefix}{infix}layer")):
                    color = palette[index % len(palette)]
                    ax.plot(series["x"], series["mean"], style, color=color, lw=1.5,
                            ms=5, label=f"{value_names.get(label, label)} ({what})")
                    if n_seeds > 1:
                        ax.errorbar(series["x"], series["mean"],
                                    yerr=[series["mean"] - series["ci95_low"].clip(0, 1),
                                          series["ci95_high"].clip(0, 1) - series["mean"]],
                                    fmt="none", ecolor=color, capsize=3, lw=1)
            for w, style in zip((1, 2, 3), ("--", "-.", (0, (1, 1)))):
                values = table[table["metric"] == f"digits_{infix}window{w}"]["mean"]
                if len(values):
                    ax.axhline(float(np.mean(values)), color="0.3", ls=style, lw=1.2,
                               label=f"digits at {['t', 't, t-1', 't, t-1, t-2'][w - 1]} ({np.mean(values):.3f})")
            layers = sorted(set(table.loc[table["metric"].str.startswith("probe_layer"), "x"].astype(int)))
            ax.set_xticks(layers)
            ax.set_xlabel("recurrent layer probed (1 = nearest the input)")
            ax.set_ylabel("probe accuracy")
            ax.set_ylim(0.4, 1.005)
            ax.set_title(title, fontsize=9)
            ax.grid(alpha=0.3)
        legend_below(figure, axes[1], axis_name)
        suptitle(figure, f"{plot['title']}\n{plot['subtitle']}", n_seeds, mark="bars")
        save_figure(figure, paths)


KIND = ProbeControls()

