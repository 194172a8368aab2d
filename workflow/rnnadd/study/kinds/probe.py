"""probe: does the hidden state hold the carry? A linear probe per recurrent layer.

One job per (run, seed) reads the checkpoint and fits, per layer, a logistic
regression reading the carry from that layer's state (rnnadd.analyses.probe), on
``examples`` fixed sums, scored on as many others: ``probe_layer<k>`` and the
baseline ``probe_input_baseline`` that sees only the position's input digits.
The figure draws probe accuracy per layer, one line per level, and the baseline.
"""

from __future__ import annotations

import re

from rnnadd.study.kinds.base import EXAMPLES, CheckpointKind, OptionError


class Probe(CheckpointKind):
    name = "probe"
    axes = (1,)
    options = (EXAMPLES,)
    job_mem_mb = 1500

    def check_run(self, where: str, label: str, settings, fixed: dict, levels, options: dict) -> None:
        if settings.cell == "none":
            source = ("set.cell" if "cell" in fixed else
                      next((f"sweep.{lv.axis}" for lv in levels if "cell" in lv.changes), None))
            key = f"{where}.{source}" if source else f"{where} (defaults.cell)"
            raise OptionError(f"{key}: a probe reads the recurrent layers' hidden state; "
                              f"cell none has no recurrent layer ({label})")

    # Sets of every layer's state (float32, copied once to fit) a job holds besides its sums:
    # the fit and the score sets.
    state_sets = 2

    def state_set_count(self, options: dict) -> int:
        return self.state_sets

    def job_memory_mb(self, settings, options: dict) -> float:
        from rnnadd.study.resources import evaluation_memory_mb

        per_digit = self.state_set_count(options) * 2 * 4 * settings.layers * settings.hidden
        return evaluation_memory_mb(options["examples"], settings.maxlen, per_digit)

    def path_part(self, options: dict) -> str:
        return f"n{options['examples']}"

    def job_options(self, part: str) -> dict:
        match = re.fullmatch(r"n(\d+)", part)
        if not match:
            raise ValueError(f"{part!r} is not a probe set name like n1000")
        return {"examples": int(match.group(1))}

    def run_metrics(self, settings, options: dict) -> list[str]:
        return [f"probe_layer{k}" for k in range(1, settings.layers + 1)] + ["probe_input_baseline"]

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        from rnnadd.analyses.probe import probe_model

        return probe_model(checkpoint.model, checkpoint.settings, checkpoint.state, options["examples"])

    def describe_metric(self, metric: str) -> str | None:
        match = re.match(r"probe_layer(\d+)$", metric)
        if match:
            return (f"held-out accuracy of a linear probe reading the carry bit from layer "
                    f"{int(match.group(1))}'s hidden state")
        if metric == "probe_input_baseline":
            return "held-out accuracy of a linear probe reading the carry bit from the two input digits alone"
        return None

    def figure(self, table, plot: dict, paths: dict) -> None:
        import numpy as np

        from rnnadd.analyses.plotting import axis_names, colors, legend_below, lines, plt, save_figure, suptitle

        axis_name, value_names = axis_names(plot["labels"], table["axis0"].iloc[0])
        n_seeds = int(table["n_seeds"].max())
        figure, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
        palette = colors()
        for index, (label, series) in enumerate(lines(table, "probe_layer")):
            color = palette[index % len(palette)]
            ax.plot(series["x"], series["mean"], "-o", color=color, lw=1.6, ms=5,
                    label=value_names.get(label, label))
            if n_seeds > 1:
                ax.errorbar(series["x"], series["mean"],
                            yerr=[series["mean"] - series["ci95_low"].clip(0, 1),
                                  series["ci95_high"].clip(0, 1) - series["mean"]],
                            fmt="none", ecolor=color, capsize=3, lw=1)
        baseline = table[table["metric"] == "probe_input_baseline"]["mean"]
        ax.axhline(float(np.mean(baseline)), color="0.3", ls="--", lw=1.3,
                   label=f"baseline: input digits of the position only ({np.mean(baseline):.3f})")
        layers = sorted(set(table.loc[table["metric"].str.startswith("probe_layer"), "x"].astype(int)))
        ax.set_xticks(layers)
        ax.set_xlabel("recurrent layer probed (1 = nearest the input)")
        ax.set_ylabel("probe accuracy on held-out sums")
        ax.set_title("linear probe (logistic regression) for the carry out of each digit position",
                     fontsize=9)
        low = min(0.5, float(table["ci95_low"].min()) - 0.02) if len(table) else 0.5
        ax.set_ylim(max(0.0, low), 1.005)
        ax.grid(alpha=0.3)
        legend_below(figure, ax, axis_name)
        suptitle(figure, f"{plot['title']}\n{plot['subtitle']}", n_seeds, mark="bars")
        save_figure(figure, paths)


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 50
KIND = Probe()
