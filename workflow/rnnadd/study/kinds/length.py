"""length: trained models tested, without retraining, on fixed sums longer than they saw.

One job per (run, seed) reads the checkpoint and scores it on ``examples``
fixed sums per test length L (operands of exactly L-1 digits; the same sums
for every model): ``accuracy_len<L>`` and ``digit_accuracy_len<L>``. The
figure draws both against L (log scale), the training MAXLEN marked.
"""

from __future__ import annotations

import re

from rnnadd.study.kinds.base import EXAMPLES, TEST_LENGTHS, CheckpointKind


def length_set_id(lengths, examples: int) -> str:
    """``n1000_len10-20-50``: the fixed test sums of a length experiment."""
    return f"n{examples}_len" + "-".join(str(length) for length in sorted(lengths))


def parse_length_set(text: str) -> tuple[list[int], int]:
    """The inverse of ``length_set_id``."""
    match = re.fullmatch(r"n(\d+)_len(\d+(?:-\d+)*)", text)
    if not match:
        raise ValueError(f"{text!r} is not a length test set name like n1000_len10-20-50")
    return [int(x) for x in match.group(2).split("-")], int(match.group(1))


class Length(CheckpointKind):
    name = "length"
    axes = (1,)
    options = (TEST_LENGTHS, EXAMPLES)
    job_minutes = 10
    job_mem_mb = 1500

    def path_part(self, options: dict) -> str:
        return length_set_id(options["test_lengths"], options["examples"])

    def job_options(self, part: str) -> dict:
        lengths, examples = parse_length_set(part)
        return {"test_lengths": lengths, "examples": examples}

    def run_metrics(self, settings, options: dict) -> list[str]:
        lengths = options["test_lengths"]
        return [f"accuracy_len{L}" for L in lengths] + [f"digit_accuracy_len{L}" for L in lengths]

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        from rnnadd.core.evaluation import evaluate_lengths

        lengths = list(options["test_lengths"])
        scores = evaluate_lengths(checkpoint.model, checkpoint.settings, checkpoint.state, lengths,
                                  options["examples"])
        out = {f"accuracy_len{L}": scores[L]["accuracy"] for L in lengths}
        out.update({f"digit_accuracy_len{L}": scores[L]["digit_accuracy"] for L in lengths})
        return out

    def describe_metric(self, metric: str) -> str | None:
        match = re.match(r"accuracy_len(\d+)$", metric)
        if match:
            return (f"exact-match accuracy on fixed sums of operands of {int(match.group(1)) - 1} digits "
                    "(trained model, no retraining)")
        match = re.match(r"digit_accuracy_len(\d+)$", metric)
        if match:
            return f"fraction of sum digits right on operands of {int(match.group(1)) - 1} digits"
        return None

    def figure(self, table, plot: dict, paths: dict) -> None:
        """Exact-match and digit accuracy against test length (log x), the training length marked."""
        from rnnadd.analyses.plotting import (
            axis_names,
            band,
            colors,
            identical_lines,
            legend_below,
            line_style,
            lines,
            plt,
            save_figure,
            suptitle,
        )

        axis_name, value_names = axis_names(plot["labels"], table["axis0"].iloc[0])
        n_seeds = int(table["n_seeds"].max())
        figure, (exact_ax, digit_ax) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
        palette = colors()
        same = identical_lines(table)
        for ax, prefix in ((exact_ax, "accuracy_len"), (digit_ax, "digit_accuracy_len")):
            for index, (label, series) in enumerate(lines(table, prefix)):
                color = palette[index % len(palette)]
                name = value_names.get(label, label)
                if same.get(label):
                    name += f" — identical to {value_names.get(same[label], same[label])}"
                ax.plot(series["x"], series["mean"], label=name, **line_style(index, color, same.get(label)))
                band(ax, series, color, n_seeds)
            for maxlen in sorted(set(table["train_maxlen"])):
                ax.axvline(maxlen, color="0.4", ls=":", lw=1.3,
                           label=f"training MAXLEN ({maxlen}: operands up to {maxlen - 1} digits)")
            ax.set_xscale("log")
            lengths = sorted(set(table["x"].dropna().astype(int)))
            ax.set_xticks(lengths, [str(x) for x in lengths])
            ax.minorticks_off()
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel("test length L (operands of exactly L-1 digits)")
            ax.grid(alpha=0.3, which="both")
        exact_ax.set_title("exact-match accuracy (every digit of the sum right)")
        exact_ax.set_ylabel("fraction of test sums")
        digit_ax.set_title("digit accuracy")
        digit_ax.set_ylabel("fraction of sum digits right")
        legend_below(figure, exact_ax, axis_name)
        suptitle(figure, f"{plot['title']}\n{plot['subtitle']}", n_seeds)
        save_figure(figure, paths)


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 30
KIND = Length()
