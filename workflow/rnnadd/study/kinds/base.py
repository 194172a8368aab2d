"""The one protocol every kind of experiment implements (class Kind), and the options kinds share.

A kind (curves, heatmap, length, positions, probe) says, in its own file:

- ``options``: which keys of an experiment entry it reads, their defaults and checks;
- ``axes``: how many axes it sweeps;
- ``reads``: what each per-seed input is: the metrics CSV that training wrote
  (METRICS), or the run's checkpoint, analysed by one job per (run, seed)
  (CHECKPOINT: ``path_part``, ``job_options``, ``run_metrics``, ``measure``);
- ``metric_names``, ``lower_is_better``, ``describe_metric``: its per-seed metrics;
- ``aggregate``: the tables of one experiment, ``read_table``, ``figure``;
- ``caption``: the reStructuredText file beside its module (kinds/<name>.rst)
  that says what the figure shows, with ``{{ snakemake.params.<name> }}``
  filled from ``caption_values``.

Kind modules import pandas, matplotlib and torch inside the methods that use
them: the registry is read whenever Snakemake parses the workflow, and the
claims job judges without pandas.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rnnadd.study.resources import evaluation_memory_mb

METRICS = "metrics"        # per seed: results/runs/<run>/seed<N>.csv, written by training
CHECKPOINT = "checkpoint"  # per seed: a job reads results/runs/<run>/seed<N>.pt and writes a CSV

# Where the kinds' modules and their captions (<name>.rst beside <name>.py) live.
CAPTIONS = Path(__file__).resolve().parent
# Placeholders of a caption, filled from caption_values (caption_text) for the figure's report caption.
PLACEHOLDER = re.compile(r"\{\{\s*snakemake\.params\.(\w+)\s*\}\}")


class OptionError(ValueError):
    """An experiment entry's kind options are wrong; the message names the key."""


@dataclass(frozen=True)
class Option:
    """A key of an experiment entry that some kinds read.

    ``read(where, value)`` checks a given value and returns it as the kind
    keeps it; ``default`` is used when the key is absent (REQUIRED: it must be
    given). Given to a kind that does not read it, the entry is refused with
    ``refused`` (or, if ``warn_elsewhere``, checked and then warned about),
    naming the kinds that read it. ``schema``: the JSON schema of its value,
    with a ``description``, written into the config schema (the kinds that read
    it appended) by ``python -m rnnadd.report.settingsdoc``; ``read`` stays the
    authority, with messages that name the key.
    """
    key: str
    read: Callable[[str, Any], Any]
    default: Any
    refused: tuple[str, str]  # (said by one kind, said by several): "{kinds}" is filled in
    warn_elsewhere: bool = False
    schema: dict = field(default_factory=dict, hash=False, compare=False)


REQUIRED = object()


def _read_threshold(where: str, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not 0 < value <= 1:
        raise OptionError(f"{where}.threshold: must be a number above 0 and at most 1 (got {value!r})")
    return value


def read_lengths(key: str, values, minimum: int, unit: str = "") -> list[int]:
    """A non-empty list of distinct integers of at least ``minimum``, sorted (``key``: where.option).

    ``unit`` follows the number in a message about one value, e.g. "operands of length-1 digits".
    """
    if not isinstance(values, list) or not values:
        raise OptionError(f"{key}: must be a non-empty list of integers of at least {minimum} (got {values!r})")
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            why = f"{unit}; got {value!r}" if unit else f"got {value!r}"
            raise OptionError(f"{key}[{index}]: must be an integer of at least {minimum} ({why})")
    if len(set(values)) != len(values):
        raise OptionError(f"{key}: {sorted(values)} repeats a length")
    return sorted(values)


def _read_test_lengths(where: str, lengths):
    if lengths is REQUIRED:
        raise OptionError(f"{where}.test_lengths: a length figure needs a non-empty list of "
                          "test lengths (operands of length-1 digits), e.g. [10, 100, 1000]")
    return read_lengths(f"{where}.test_lengths", lengths, 2, "operands of length-1 digits")


def _read_examples(where: str, examples):
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise OptionError(f"{where}.examples: must be an integer of at least 1 (got {examples!r})")
    return examples


# Heatmaps: the accuracy whose first step each cell shows; curves record it too (first_step_<t>).
THRESHOLD = Option("threshold", _read_threshold, 1.0,
                   ("has no effect, only {kinds}s use a threshold",
                    "has no effect, only {kinds} figures use a threshold"), warn_elsewhere=True,
                   schema={"description": "the accuracy whose first step a heatmap shows (first step with "
                                          "accuracy >= threshold)",
                           "type": "number", "exclusiveMinimum": 0, "maximum": 1})
# Length: the operand lengths (plus one) of the fixed test sums.
TEST_LENGTHS = Option("test_lengths", _read_test_lengths, REQUIRED,
                      ("only a {kinds} figure has test lengths", "only {kinds} figures have test lengths"),
                      schema={"description": "test lengths L (operands of exactly L-1 digits), at least one",
                              "type": "array", "minItems": 1, "uniqueItems": True,
                              "items": {"type": "integer", "minimum": 2}})
# Length, probe: how many sums a job draws (per test length; per fit and score set).
EXAMPLES = Option("examples", _read_examples, 1000,
                  ("only a {kinds} figure draws its own sums", "only {kinds} figures draw their own sums"),
                  schema={"description": "how many sums an analysis job draws (per test length, per fit and "
                                         "score set, per chain length: see the kind)",
                          "type": "integer", "minimum": 1})


class Kind:
    """One kind of experiment. Subclasses set the class attributes and the methods marked so."""

    name: ClassVar[str]
    axes: ClassVar[tuple[int, ...]]   # how many axes an experiment of this kind may sweep
    reads: ClassVar[str]              # METRICS or CHECKPOINT
    options: ClassVar[tuple[Option, ...]] = ()
    # Options it reads but that change nothing the reader sees: given, they earn a warning.
    inert_options: ClassVar[tuple[str, ...]] = ()
    # What one line or cell is called when two of them turn out to be one run.
    entry: ClassVar[str] = "a legend entry"
    # Plot options it ignores (plot.cmap on curves): given, they earn a warning.
    unused_plot_options: ClassVar[tuple[str, ...]] = ()
    # Per-seed metrics that are better when smaller (every other one: larger).
    lower_is_better_prefixes: ClassVar[tuple[str, ...]] = ()
    # CHECKPOINT kinds: whether a job also reads the run's own test set, and its resources.
    reads_test_set: ClassVar[bool] = False
    job_minutes: ClassVar[int] = 5
    job_mem_mb: ClassVar[int] = 1000

    # -- config --------------------------------------------------------------------

    def read_options(self, where: str, entry: dict, warnings: list) -> dict:
        """The values of this kind's options in an experiment entry, checked, defaults filled in."""
        values = {}
        for option in self.options:
            if option.key in entry:
                values[option.key] = option.read(where, entry[option.key])
                if option.key in self.inert_options:
                    warnings.append(f"{where}.{option.key}: {self._refusal(option)}")
            elif option.default is REQUIRED:
                option.read(where, REQUIRED)  # raises the message that says what to give
            else:
                values[option.key] = option.default
        return values

    def _refusal(self, option: Option) -> str:
        from rnnadd.study.kinds import KINDS

        users = [kind.name for kind in KINDS.values()
                 if option in kind.options and option.key not in kind.inert_options]
        one, several = option.refused
        text = one if len(users) == 1 else several
        return text.format(kinds=" and ".join(users) if len(users) < 3
                           else ", ".join(users[:-1]) + " and " + users[-1])

    def refuse_foreign(self, where: str, entry: dict, option: Option, warnings: list) -> None:
        """An option of other kinds given to this one: refused, or checked and warned about."""
        if option.key not in entry:
            return
        if option.warn_elsewhere:
            option.read(where, entry[option.key])
            warnings.append(f"{where}.{option.key}: {self._refusal(option)}")
            return
        raise OptionError(f"{where}.{option.key}: {self._refusal(option)} (this one is {self.name})")

    def check_run(self, where: str, label: str, settings, fixed: dict, levels, options: dict) -> None:
        """Refuse a line or cell whose settings this kind cannot use (raise OptionError)."""

    def check_plot_options(self, where: str, options: dict, warnings: list) -> None:
        ymax = options.get("loss_ymax")
        if ymax is not None and (isinstance(ymax, bool) or not isinstance(ymax, (int, float))
                                 or not math.isfinite(ymax) or ymax <= 0):
            raise OptionError(f"{where}.plot.loss_ymax: must be a finite number above 0 (got {ymax!r})")
        if "cmap" in options:
            from matplotlib import colormaps  # only when a colormap is named: it costs a third of a second

            if options["cmap"] not in colormaps:
                raise OptionError(f"{where}.plot.cmap: unknown colormap {options['cmap']!r}; "
                                  "see matplotlib's list, e.g. viridis, magma, cividis, Blues")
        for unused in self.unused_plot_options:
            if unused in options:
                warnings.append(f"{where}.plot.{unused}: has no effect on a {self.name} figure")

    # -- per-seed jobs of CHECKPOINT kinds -------------------------------------------

    def path_part(self, options: dict) -> str:
        """The folder, under results/analysis/<kind>/, that names what a job computes besides
        its (run, seed); '' for none. Adding a test length makes new jobs, old files stay."""
        return ""

    def job_options(self, part: str) -> dict:
        """The inverse of path_part: what a job with this path part computes with.

        The rule passes them to the job as params ``test_lengths`` and
        ``examples`` (the sums it draws; [] and 0 where it draws none), which
        ``measure`` and ``run_metrics`` read from ``options``.
        """
        if part:
            raise ValueError(f"{part!r}: a {self.name} analysis has no sub-folder")
        return {}

    def run_metrics(self, settings, options: dict) -> list[str]:
        """The metrics one job writes for a run with these settings, in order."""
        raise NotImplementedError

    def measure(self, checkpoint, options: dict, test_path) -> dict:
        """One (run, seed) checkpoint's metrics (names of run_metrics, in order)."""
        raise NotImplementedError

    # -- per-seed table ----------------------------------------------------------------

    def metric_names(self, layout: dict, runs: dict) -> list[str]:
        """Every metric its per-seed table holds (runs: run id -> Settings)."""
        names: dict[str, None] = {}
        for cell in layout["cells"]:
            for name in self.run_metrics(runs[cell["run"]], layout):
                names[name] = None
        return list(names)

    def lower_is_better(self, metric: str) -> bool:
        return metric.startswith(self.lower_is_better_prefixes)

    def describe_metric(self, metric: str) -> str | None:
        """What a metric is, in words; None if it is not one of this kind's."""
        return None

    # -- aggregate, figure, caption ------------------------------------------------------

    def aggregate(self, layout: dict, seeds: list[int], runs: dict, path_of, table_path, seeds_path) -> None:
        """Write the experiment's summary table and its per-seed table.

        ``path_of(run, seed)`` gives each seed's input (metrics CSV or analysis
        CSV); ``runs`` maps run id -> Settings.
        """
        raise NotImplementedError

    def read_table(self, path, layout: dict):
        """The summary table, checked against the layout where the kind can; errors name the file."""
        from rnnadd.analyses.aggregate import read_aggregate

        return read_aggregate(path)

    def figure(self, table, plot: dict, paths: dict) -> None:
        """Draw the figure into paths (format -> path). plot: title, subtitle, options, labels."""
        raise NotImplementedError

    @property
    def caption(self) -> Path:
        """The caption beside the kind's own module: kinds/<name>.py -> kinds/<name>.rst."""
        return Path(inspect.getfile(type(self))).resolve().with_suffix(".rst")

    def caption_values(self, experiment, fixed: dict) -> dict:
        """Values of the caption's placeholders (fixed: settings shared by every line or cell)."""
        return {}

    def caption_text(self, experiment, fixed: dict) -> str:
        """The caption as one line of text, its placeholders filled in."""
        values = self.caption_values(experiment, fixed)
        text = " ".join(self.caption.read_text().split())
        return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)


class CheckpointKind(Kind):
    """A kind whose per-seed input is a job that analyses the run's checkpoint (rnnadd.analyses.analysis).

    Each job writes ``metric,value`` rows (run_metrics); the summary table has
    one row per line and metric (mean over seeds, 95% interval, and ``x``: the
    number at the end of the metric's name, which figures plot against).
    """
    reads = CHECKPOINT

    def job_memory_mb(self, settings, options: dict) -> float:
        """Peak memory of one job (rnnadd.study.resources' measured estimate): the sums it draws.
        A kind that draws none reads the run's own test set, which training held too."""
        lengths = options.get("test_lengths") or [settings.maxlen]
        return evaluation_memory_mb(options.get("examples") or settings.test_size, max(lengths))

    def aggregate(self, layout, seeds, runs, path_of, table_path, seeds_path) -> None:
        from rnnadd.analyses.analysis import aggregate_analysis, write_tables

        summary, seed_table = aggregate_analysis(self, layout, seeds, runs, path_of)
        write_tables(summary, seed_table, table_path, seeds_path)
