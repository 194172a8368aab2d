"""chains: trained models tested, without retraining, on sums built to carry through K positions.

One job per (run, seed) reads the checkpoint and scores it, for each chain
length K of ``chain_lengths``, on ``examples`` fixed sums of operands of
``chain_test_length - 1`` digits whose carry must travel through exactly K
positions, and on as many controls with the same layout that carry nothing
(rnnadd.analyses.chains): ``chain_accuracy_k<K>`` and ``nocarry_accuracy_k<K>``, the
fraction of sums whose digits on the chain are all right, and ``paired_chain_accuracy_k<K>``,
the fraction of sums right together with their own control (a model that writes a carry
along every run of 9-sums scores 1 on the first and 0 on this one). The same sums for
every model. The figure draws the first two against K (log scale).
"""

from __future__ import annotations

import re

from rnnadd.study.kinds.base import EXAMPLES, REQUIRED, CheckpointKind, Option, OptionError, read_lengths


def _read_chain_lengths(where: str, chains):
    if chains is REQUIRED:
        raise OptionError(f"{where}.chain_lengths: a chains figure needs a non-empty list of chain "
                          "lengths K (positions a carry must travel through), e.g. [1, 10, 100]")
    return read_lengths(f"{where}.chain_lengths", chains, 1)


def _read_chain_test_length(where: str, length):
    if isinstance(length, bool) or not isinstance(length, int) or length < 4:
        raise OptionError(f"{where}.chain_test_length: must be an integer of at least 4 "
                          f"(operands of chain_test_length-1 digits; got {length!r})")
    return length


CHAIN_LENGTHS = Option("chain_lengths", _read_chain_lengths, REQUIRED,
                       ("only a {kinds} figure has chain lengths", "only {kinds} figures have chain lengths"),
                       schema={"description": "chain lengths K (positions a carry must travel through), "
                                              "at least one",
                               "type": "array", "minItems": 1, "uniqueItems": True,
                               "items": {"type": "integer", "minimum": 1}})
# 1000: the longest length test (999-digit operands), where random sums scored 1.000.
CHAIN_TEST_LENGTH = Option("chain_test_length", _read_chain_test_length, 1000,
                           ("only a {kinds} figure has a chain test length",
                            "only {kinds} figures have a chain test length"),
                           schema={"description": "the test length L of the chain sums (operands of exactly "
                                                  "L-1 digits)",
                                   "type": "integer", "minimum": 4})


def chain_set_id(chains, length: int, examples: int) -> str:
    """``n300_len1000_k1-10-100``: the fixed chain sums of a chains experiment."""
    return f"n{examples}_len{length}_k" + "-".join(str(k) for k in sorted(chains))


def parse_chain_set(text: str) -> dict:
    match = re.fullmatch(r"n(\d+)_len(\d+)_k(\d+(?:-\d+)*)", text)
    if not match:
        raise ValueError(f"{text!r} is not a chain test set name like n300_len1000_k1-10-100")
    return {"examples": int(match.group(1)), "chain_test_length": int(match.group(2)),
            "chain_lengths": [int(k) for k in match.group(3).split("-")]}


class Chains(CheckpointKind):
    name = "chains"
    axes = (1,)
    options = (CHAIN_LENGTHS, CHAIN_TEST_LENGTH, EXAMPLES)
    job_minutes = 10
    job_mem_mb = 1500

    def read_options(self, where: str, entry: dict, warnings: list) -> dict:
        values = super().read_options(where, entry, warnings)
        from rnnadd.analyses.chains import CHAIN_DIGIT_BUDGET

        length, longest, examples = values["chain_test_length"], max(values["chain_lengths"]), values["examples"]
        if longest > length - 3:
            raise OptionError(f"{where}.chain_lengths: {longest} does not fit operands of {length - 1} digits "
                              f"(chain_test_length {length}): a chain needs a start, K positions and an end, "
                              f"so K is at most {length - 3}")
        if examples * (length + 1) > CHAIN_DIGIT_BUDGET:
            raise OptionError(f"{where}.examples: {examples} sums of length {length} are "
                              f"{examples * (length + 1):,} digits, over the budget of {CHAIN_DIGIT_BUDGET:,}")
        return values

    def job_memory_mb(self, settings, options: dict) -> float:
        from rnnadd.study.resources import evaluation_memory_mb

        # One set of sums at a time: each chain length's, then its control's.
        return evaluation_memory_mb(options["examples"], options["chain_test_length"])

    def path_part(self, options: dict) -> str:
        return chain_set_id(options["chain_lengths"], options["chain_test_length"], options["examples"])

    def job_options(self, part: str) -> dict:
        return parse_chain_set(part)

    def run_metrics(self, settings, options: dict) -> list[str]:
        chains = options["chain_lengths"]
        # The paired metric was added after the first two: last, so they keep their place.
        return ([f"chain_accuracy_k{k}" for k in chains] + [f"nocarry_accuracy_k{k}" for k in chains]
                + [f"paired_chain_accuracy_k{k}" for k in chains])

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        from rnnadd.analyses.chains import evaluate_chain_pair

        scores = {k: evaluate_chain_pair(checkpoint.model, checkpoint.settings, checkpoint.state,
                                         options["chain_test_length"], k, options["examples"])
                  for k in options["chain_lengths"]}
        out = {}
        for name, prefix in (("chain_accuracy", "chain_accuracy_k"), ("nocarry_accuracy", "nocarry_accuracy_k"),
                             ("paired_accuracy", "paired_chain_accuracy_k")):
            for k in options["chain_lengths"]:
                out[f"{prefix}{k}"] = scores[k][name]
        return out

    def describe_metric(self, metric: str) -> str | None:
        match = re.match(r"chain_accuracy_k(\d+)$", metric)
        if match:
            return (f"fraction of fixed sums whose carry travels through exactly {match.group(1)} positions "
                    "(digit pairs summing to 9) with every sum digit of the chain right")
        match = re.match(r"paired_chain_accuracy_k(\d+)$", metric)
        if match:
            return (f"fraction of fixed sums whose carry travels through exactly {match.group(1)} positions with "
                    "every sum digit of the chain right and also every digit of the same run right in its "
                    "no-carry control (the same sum but for the start pair)")
        match = re.match(r"nocarry_accuracy_k(\d+)$", metric)
        if match:
            return (f"fraction of fixed control sums with a run of {match.group(1)} digit pairs summing to 9 "
                    "and no carry entering it, with every sum digit of the run right")
        return None

    def figure(self, table, plot: dict, paths: dict) -> None:
        """Chain accuracy against K (log x): carry chains solid, no-carry controls dashed."""
        from rnnadd.analyses.plotting import axis_names, band, colors, legend_below, lines, plt, save_figure, suptitle

        axis_name, value_names = axis_names(plot["labels"], table["axis0"].iloc[0])
        n_seeds = int(table["n_seeds"].max())
        figure, ax = plt.subplots(figsize=(8, 4.8), constrained_layout=True)
        palette = colors()
        for prefix, style, what in (("chain_accuracy_k", "-o", "carry"), ("nocarry_accuracy_k", "--s", "no carry")):
            for index, (label, series) in enumerate(lines(table, prefix)):
                color = palette[index % len(palette)]
                ax.plot(series["x"], series["mean"], style, ms=3.5, color=color, lw=1.6,
                        label=f"{value_names.get(label, label)} ({what})")
                band(ax, series, color, n_seeds)
        ax.set_xscale("log")
        chains = sorted(set(table["x"].dropna().astype(int)))
        ax.set_xticks(chains, [str(k) for k in chains])
        ax.minorticks_off()
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("chain length K (positions the carry must travel through)")
        ax.set_ylabel("fraction of sums with the chain's digits right")
        ax.grid(alpha=0.3, which="both")
        legend_below(figure, ax, f"{axis_name} (solid: carry, dashed: no carry)")
        suptitle(figure, f"{plot['title']}\n{plot['subtitle']}", n_seeds)
        save_figure(figure, paths)


# Where messages and the schema list this kind (rnnadd.study.kinds).
ORDER = 60
KIND = Chains()
