"""probe_controls: the carry probe per layer against controls, overall and where the carry is not local.

One job per (run, seed) reads the checkpoint and fits, per layer, the linear
probe of the ``probe`` kind on ``examples`` fixed random sums; it is scored on
as many other random sums (``probe_layer<k>``) and on ``examples`` sums built
so that the carry at the scored position is not decided by the digits at t
and t-1 (``probe_nonlocal_layer<k>``; rnnadd.analyses.probe_controls says why those
positions). Controls on the same sums: the same probe on the untrained network
of the same shape and seed (``untrained_layer<k>``, ``untrained_nonlocal_layer<k>``)
and on the one-hot digits at t, at t and t-1, at t to t-2
(``digits_window<w>``, ``digits_nonlocal_window<w>``). And by chain length:
for each K of ``chain_lengths`` (default 1, 2, 3), the same probes scored on
``examples`` sums whose carry at the scored position came through exactly K
positions of digit sum 9 (``*_chain<K>_*``; rnnadd.analyses.probe_controls.chain_probe_set).
The strongest controls: a lookup table from the digits at t .. t-w+1 (w = 1 to 4) to the
majority carry, the best function of those digits (``digits_<set>table<w>``, on every set
above). And the "beyond" positions, whose carry came through 4 or more 9-sums, so that no digit
window of the controls decides it (``probe_beyond_layer<k>``, ``untrained_beyond_layer<k>``,
``digits_beyond_table<w>``; operands of at least 5 digits, see
rnnadd.analyses.probe_controls.beyond_window_set): a state that remembers only the last four
digit positions is at chance there.
Claims compare a layer with its controls seed by seed (test ``better_than``).
"""

from __future__ import annotations

import re

from rnnadd.analyses.probe_names import DEFAULT_CHAIN_LENGTHS, metric_names
from rnnadd.study.kinds.base import EXAMPLES, OptionError
from rnnadd.study.kinds.chains import CHAIN_LENGTHS
from rnnadd.study.kinds.probe import Probe


def checkpoint_seed(checkpoint) -> int:
    """The run's seed, from its checkpoint's name (results/runs/<run>/seed<N>.pt)."""
    match = re.fullmatch(r"seed(\d+)", checkpoint.path.stem if checkpoint.path else "")
    if not match:
        raise ValueError(f"{checkpoint.path}: the untrained control needs the run's seed, "
                         "read from a checkpoint named seed<N>.pt")
    return int(match.group(1))


# How each digit-window control is drawn (the digits at t; t and t-1; t to t-2).
WINDOW_STYLES = {1: "--", 2: "-.", 3: (0, (1, 1))}
# The lookup-table controls drawn (the widest two: the others are below them wherever they differ).
TABLE_STYLES = {3: (0, (1, 1)), 4: "--"}
TABLE_WORDS = {3: "t to t-2", 4: "t to t-3"}


class ProbeControls(Probe):
    name = "probe_controls"
    axes = (1,)
    options = (EXAMPLES, CHAIN_LENGTHS)
    job_minutes = 10
    job_mem_mb = 1500

    def read_options(self, where: str, entry: dict, warnings: list) -> dict:
        # chain_lengths is the chains kind's option, required there; here it has a default.
        if "chain_lengths" not in entry:
            entry = {**entry, "chain_lengths": list(DEFAULT_CHAIN_LENGTHS)}
        return super().read_options(where, entry, warnings)

    def state_set_count(self, options: dict) -> int:
        # Per network (trained, then untrained): the fit and score sets, the non-local set, one
        # set per chain length, and the beyond set with its fit set (up to two positions longer).
        return 2 * (5 + len(options["chain_lengths"]))

    def check_run(self, where: str, label: str, settings, fixed: dict, levels, options: dict) -> None:
        super().check_run(where, label, settings, fixed, levels, options)
        if settings.maxlen < 4:
            raise OptionError(f"{where}: a probe with controls needs maxlen 4 or more: below it no position "
                              f"has a carry the digits at t and t-1 do not decide ({label}: maxlen "
                              f"{settings.maxlen})")
        longest = max(options["chain_lengths"])
        if longest > settings.maxlen - 2:
            raise OptionError(f"{where}.chain_lengths: {longest} does not fit maxlen {settings.maxlen} ({label}): "
                              f"operands of {settings.maxlen - 1} digits hold chains of at most "
                              f"{settings.maxlen - 2} positions above the one that decides the carry")

    def path_part(self, options: dict) -> str:
        return f"n{options['examples']}_k" + "-".join(str(k) for k in options["chain_lengths"])

    def job_options(self, part: str) -> dict:
        match = re.fullmatch(r"n(\d+)_k(\d+(?:-\d+)*)", part)
        if not match:
            raise ValueError(f"{part!r} is not a probe-with-controls set name like n1000_k1-2-3")
        return {"examples": int(match.group(1)), "chain_lengths": [int(k) for k in match.group(2).split("-")]}

    def run_metrics(self, settings, options: dict) -> list[str]:
        return metric_names(settings.layers, options["chain_lengths"])

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        from rnnadd.analyses.probe_controls import probe_with_controls, untrained_network

        untrained, untrained_state = untrained_network(checkpoint.settings, checkpoint_seed(checkpoint))
        return probe_with_controls(checkpoint.model, checkpoint.settings, checkpoint.state, untrained,
                                   untrained_state, options["examples"], options["chain_lengths"])

    def describe_metric(self, metric: str) -> str | None:
        def where(infix: str | None) -> str:
            if not infix:
                return "on held-out random sums"
            if infix == "nonlocal_":
                return "on positions whose carry the digits at t and t-1 do not decide"
            if infix == "beyond_":
                return ("on positions whose carry came through 4 or more positions of digit sum 9, "
                        "which no window of the digits at t to t-3 decides")
            return f"on positions whose carry came through exactly {infix[5:-1]} positions of digit sum 9"

        match = re.match(r"(probe|untrained)_(nonlocal_|chain\d+_|beyond_)?layer(\d+)$", metric)
        if match:
            net = "trained" if match.group(1) == "probe" else "untrained (same shape and seed)"
            return (f"accuracy of a linear probe reading the carry from layer {match.group(3)} of the {net} "
                    f"network, {where(match.group(2))}")
        windows = {"1": "t", "2": "t and t-1", "3": "t, t-1 and t-2", "4": "t to t-3"}
        match = re.match(r"digits_(nonlocal_|chain\d+_)?window(\d+)$", metric)
        if match:
            window = windows.get(match.group(2), match.group(2))
            return (f"accuracy of a linear probe reading the carry from the one-hot input digits at {window}, "
                    f"{where(match.group(1))}")
        match = re.match(r"digits_(nonlocal_|chain\d+_|beyond_)?table(\d+)$", metric)
        if match:
            window = windows.get(match.group(2), match.group(2))
            return (f"accuracy of the best function of the input digits at {window} (a lookup table to the "
                    f"majority carry of the fit sums), {where(match.group(1))}")
        return None

    def figure(self, table, plot: dict, paths: dict) -> None:
        """Three panels: per layer on random sums and on non-local positions (trained and untrained
        layers per line, the digit-window probes as horizontal lines); then by chain length, the
        top layer of each depth against the digit windows."""
        import numpy as np

        from rnnadd.analyses.plotting import axis_names, colors, legend_below, lines, plt, save_figure, suptitle

        axis_name, value_names = axis_names(plot["labels"], table["axis0"].iloc[0])
        n_seeds = int(table["n_seeds"].max())
        chained = table["metric"].str.startswith("probe_chain").any()
        beyond = table["metric"].str.startswith("probe_beyond_").any()
        panels = 2 + chained + beyond
        figure, axes = plt.subplots(1, panels, figsize=(5.8 * panels, 4.6), constrained_layout=True)
        palette = colors()

        def with_bars(ax, x, series, style, color, label):
            ax.plot(x, series["mean"], style, color=color, lw=1.5, ms=5, label=label)
            if n_seeds > 1:
                ax.errorbar(x, series["mean"], yerr=[series["mean"] - series["ci95_low"].clip(0, 1),
                                                     series["ci95_high"].clip(0, 1) - series["mean"]],
                            fmt="none", ecolor=color, capsize=3, lw=1)

        per_layer = [(axes[0], "", "held-out random sums"),
                     (axes[1], "nonlocal_", "positions not decided by the digits at t and t-1")]
        if beyond:
            per_layer.append((axes[-1], "beyond_", "positions whose carry came through 4+ 9-sums\n"
                                                   "(no window of the digits at t to t-3 decides it)"))
        for ax, infix, title in per_layer:
            for prefix, style, what in (("probe_", "-o", "trained"), ("untrained_", ":x", "untrained")):
                for index, (label, series) in enumerate(lines(table, f"{prefix}{infix}layer")):
                    with_bars(ax, series["x"], series, style, palette[index % len(palette)],
                              f"{value_names.get(label, label)} ({what})")
            for w, style in WINDOW_STYLES.items():
                values = table[table["metric"] == f"digits_{infix}window{w}"]["mean"]
                if len(values):
                    ax.axhline(float(np.mean(values)), color="0.3", ls=style, lw=1.2,
                               label=f"digits at {['t', 't, t-1', 't, t-1, t-2'][w - 1]} ({np.mean(values):.3f})")
            # The best function of the digits at t to t-2 and t to t-3 (a lookup table), in brown.
            for w, style in TABLE_STYLES.items():
                values = table[table["metric"] == f"digits_{infix}table{w}"]["mean"]
                if len(values):
                    ax.axhline(float(np.mean(values)), color="#8c564b", ls=style, lw=1.4,
                               label=f"best function of the digits at {TABLE_WORDS[w]} ({np.mean(values):.3f})")
            layers = sorted(set(table.loc[table["metric"].str.startswith("probe_layer"), "x"].astype(int)))
            ax.set_xticks(layers)
            ax.set_xlabel("recurrent layer probed (1 = nearest the input)")
            ax.set_title(title, fontsize=9)
        if chained:
            ax = axes[2]
            found = table["metric"].str.extract(r"^(probe|untrained|digits)_chain(\d+)_(layer|window)(\d+)$")
            rows = table.assign(net=found[0], chain=found[1].astype(float), unit=found[3].astype(float))
            rows = rows[rows["net"].notna()]
            for index, (_, level) in enumerate(rows[rows["net"] != "digits"].groupby("label0", sort=False)):
                top = level["unit"].max()  # the layer the read-out sees
                for net, style in (("probe", "-o"), ("untrained", ":x")):
                    series = level[(level["net"] == net) & (level["unit"] == top)].sort_values("chain")
                    with_bars(ax, series["chain"], series, style, palette[index % len(palette)], "_nolegend_")
            digits = rows[rows["net"] == "digits"].groupby(["unit", "chain"])["mean"].mean()
            for w, style in WINDOW_STYLES.items():
                if w in digits.index.get_level_values(0):
                    ax.plot(digits[w].index, digits[w].values, color="0.3", ls=style, lw=1.2)
            ax.set_xticks(sorted(rows["chain"].unique()))
            ax.set_xlabel("chain length K: positions of digit sum 9 the carry came through")
            ax.set_title("carry through a chain of K 9-sums: the top layer of each depth\n"
                         "(lines as in the legend; grey: the digit windows at each K)", fontsize=9)
        for ax in axes:
            ax.set_ylabel("probe accuracy")
            ax.set_ylim(0.4, 1.005)
            ax.grid(alpha=0.3)
        # The other panels draw the same lines (the numbers in the legend are the non-local panel's).
        legend_below(figure, axes[1], axis_name)
        suptitle(figure, f"{plot['title']}\n{plot['subtitle']}", n_seeds, mark="bars")
        save_figure(figure, paths)


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 70
KIND = ProbeControls()

