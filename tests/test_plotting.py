"""Curve figures: equal lines both visible, an exploding loss kept off the axis range, legend off the data."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import yaml

from conftest import REPO
from rnnadd.analyses.aggregate import read_aggregate
from rnnadd.study.kinds.curves import curves_figure

LABELS = yaml.safe_load((REPO / "config.yaml").read_text())["labels"]


def _legend_texts(figure) -> list[str]:
    return [text.get_text() for legend in figure.legends for text in legend.get_texts()]


def _legend_clear_of_the_panels(figure) -> bool:
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend_box = figure.legends[0].get_window_extent(renderer)
    return all(not legend_box.overlaps(ax.get_window_extent(renderer)) for ax in figure.axes)


def test_identical_lines_are_both_drawn_and_named_and_the_legend_is_off_the_panels(smoke_run):
    # In the smoke run, "not passed" and "all-zeros" train the same network: equal rows.
    table = read_aggregate(smoke_run / "results" / "aggregate" / "fig01_hidden_maxlen5.csv")
    default, zero = (table[table["label0"] == mode].drop(columns=["label0", "run"]).reset_index(drop=True)
                     for mode in ("default", "zero"))
    assert default.equals(zero)

    figure = curves_figure(table, "fig01", LABELS, {})
    texts = _legend_texts(figure)
    assert "all-zeros passed (Zero) — identical to not passed (False)" in texts
    assert not any("identical" in text for text in texts if text.startswith(("not passed", "carried")))
    loss_ax = figure.axes[0]
    by_label = {line.get_label(): line for line in loss_ax.get_lines()}
    first, second = by_label["not passed (False)"], by_label[texts[2]]
    np.testing.assert_array_equal(first.get_ydata(), second.get_ydata())
    # The second is drawn over the first in a way that leaves the first visible.
    assert second.get_linestyle() != first.get_linestyle() and second.get_fillstyle() == "none"
    assert not any(ax.get_legend() for ax in figure.axes)
    assert _legend_clear_of_the_panels(figure)
    matplotlib.pyplot.close(figure)


def _curves(label: str, loss: list[float], accuracy: list[float], diverged_from: int | None) -> list[dict]:
    rows = []
    for metric, values in (("loss", loss), ("accuracy", accuracy)):
        for index, value in enumerate(values):
            step = 50 * index
            rows.append({"axis0": "lr", "label0": label, "run": f"run-{label}", "n_seeds": 5, "metric": metric,
                         "step": step, "n_diverged": 5 if diverged_from is not None and step >= diverged_from else 0,
                         "n_finite": 5, "mean": value, "std": 0.1,
                         "ci95_low": value - 0.05 if math.isfinite(value) else value,
                         "ci95_high": value + 0.05 if math.isfinite(value) else value})
    return rows


def test_an_exploding_loss_stays_inside_the_range_of_the_others_and_is_marked_on_both_panels():
    nan = math.nan
    table = pd.DataFrame(
        _curves("0.01", [nan, 2.0, 0.8, 0.3, 0.1], [0.0, 0.1, 0.5, 0.9, 1.0], None)
        + _curves("0.5", [nan, 2.2, 5e4, 3e9, nan], [0.0, 0.0, 0.0, 0.0, 0.0], 200))
    figure = curves_figure(table, "learning rate", LABELS, {})
    loss_ax, acc_ax = figure.axes
    low, top = loss_ax.get_ylim()
    assert top <= 2.2 * 1.3 + 1e-9 and low > 0  # the finite range of the line that did not diverge
    exploding = next(line for line in loss_ax.get_lines() if line.get_label().startswith("0.5"))
    assert max(exploding.get_ydata()) <= top  # clipped to the panel, not off it
    above = [line for line in loss_ax.get_lines() if line.get_marker() == "^"]
    assert [list(line.get_xdata()) for line in above if len(line.get_xdata())] == [[100, 150]]
    assert "0.5 (diverged, 5/5 seeds)" in _legend_texts(figure)
    for ax in (loss_ax, acc_ax):
        crosses = [line for line in ax.get_lines() if line.get_marker() == "x"]
        assert [list(line.get_xdata()) for line in crosses] == [[200]]
        y = crosses[0].get_ydata()[0]
        assert ax.get_ylim()[0] <= y <= ax.get_ylim()[1]
    assert _legend_clear_of_the_panels(figure)
    matplotlib.pyplot.close(figure)


def test_identical_lines_of_an_analysis_figure_are_found_and_drawn_visibly():
    """Two modes that compute the same network (not passed, all-zeros) give one line: the
    second is found, and drawn dotted with large hollow markers so both stay visible."""
    import pandas as pd

    from rnnadd.analyses.plotting import identical_lines, line_style

    rows = []
    for label, values in (("carry", [0.1, 0.2]), ("default", [0.3, 0.4]), ("zero", [0.3, 0.4])):
        rows += [{"label0": label, "metric": f"error_pos{x}", "x": x, "mean": v} for x, v in enumerate(values)]
    same = identical_lines(pd.DataFrame(rows))
    assert same == {"carry": None, "default": None, "zero": "default"}
    plain, repeat = line_style(0, "C0", None), line_style(2, "C2", "default")
    assert repeat["fillstyle"] == "none" and repeat["ms"] > plain["ms"] and repeat["ls"] != plain.get("ls", "-")


def test_a_presets_figure_title_is_made_from_the_settings_it_ran():
    import copy

    import yaml

    from conftest import REPO
    from rnnadd.ops.workflowconfig import merge
    from rnnadd.report.describe import figure_title
    from rnnadd.study.plan import load_study

    full = yaml.safe_load((REPO / "config.yaml").read_text())
    study = load_study(full)
    experiment = study.experiments["fig02_hidden_maxlen50"]
    assert figure_title(experiment, full, study) == experiment.title  # the full study: as written
    smoke = copy.deepcopy(full)
    merge(smoke, yaml.safe_load((REPO / "tests" / "smoke.yaml").read_text()))  # as Snakemake merges them
    study = load_study(smoke)
    title = figure_title(study.experiments["fig02_hidden_maxlen50"], smoke, study)
    assert title == ("Loss and exact-match accuracy over training by hidden_mode (carry / default / zero): "
                     "trained at MAXLEN 8, RNN, relu, 2 layers, lr 0.01, 30 steps")
    chains = figure_title(study.experiments["chains_cells"], smoke, study)
    assert chains.startswith("Carry chains of K = 1 and 5 positions in 19-digit operands by cell")
