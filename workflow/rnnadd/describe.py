"""Words about a study, generated from its config: which preset made it, what a
figure shows and with which settings.  Used for figure subtitles, figure pages
and the report's front page, so no caption is written by hand per figure.
"""

from __future__ import annotations

from .settings import FIELD_NAMES

# The settings worth a figure's subtitle, in reading order.
SUBTITLE_KEYS = ("maxlen", "cell", "nonlinearity", "layers", "hidden", "hidden_mode", "h0_init", "lr",
                 "lr_milestones", "steps", "batch", "test_size")

KIND_TEXT = {
    "curves": (
        "Left: training loss, the mean cross-entropy per digit over the training steps since the "
        "previous evaluation (log scale). Right: exact-match accuracy, the fraction of the fixed test "
        "set whose every sum digit is right. Each line is the mean over seeds; the shaded band is the "
        "95% confidence interval of that mean (Student t). A dashed line and a cross mark a run whose "
        "loss became non-finite (diverged); the legend says how many seeds diverged."),
    "heatmap": (
        "Each cell: for each seed, the first evaluated step s (0, {every}, {every2}, ...: the number "
        "of training updates done before that evaluation) at which exact-match accuracy on the test "
        "set reached {threshold}; a seed that never reached it counts as the run's length ({cap}, the "
        "cap). The cell prints the mean over seeds, the interquartile range over seeds and how many "
        "seeds reached the threshold. Darker is faster. The report's 'accuracy 1.0' was measured on "
        "200 fresh random sums; here {threshold} is measured on the fixed test set (README, "
        "'Heatmaps'). Unlike the report, the evaluation at step 0 counts as 0, not 50."),
    "length": (
        'Each trained model (every seed of every line) is tested, without retraining, on fixed sets o'
        'f sums whose operands have exactly L-1 digits (uniform digits, the leading one not zero), th'
        'e same sums for every model. Left: exact-match accuracy, the fraction of sums with every dig'
        'it right; right: the fraction of sum digits right. The test length L is on a log scale; the '
        'dotted line marks the training MAXLEN (training operands have at most MAXLEN-1 digits). Line'
        's are means over seeds, bands the 95% confidence interval of the mean (Student t). A model t'
        'rained with a carried state starts each test sum i from row i mod (training batch size) of i'
        'ts last carried state, as its own evaluation did.'
    ),
    "positions": (
        'Where the trained models go wrong: for each digit position of the sum (0 = least significant'
        ', as the network reads it), the fraction of test sums whose digit at that position is wrong,'
        " after the last training step, on the run's fixed test set (the one its accuracy curve uses;"
        ' the legend repeats its final exact-match accuracy). Lines are means over seeds, bands the 9'
        '5% confidence interval of the mean (Student t). Errors that grow with the position point at '
        'carries that are lost along the way; errors at the first positions point at the starting sta'
        'te.'
    ),
    "probe": (
        'Does the hidden state hold the carry? For each trained model and each of its recurrent layer'
        's, a logistic regression (a linear probe) is fitted to read the carry out of each digit posi'
        "tion (1 when that column's digits plus the incoming carry reach 10) from the layer's output "
        'at that position. It is fitted on one fixed set of sums and scored on another; the figure sh'
        'ows its accuracy on the second, per layer, one line per model depth. The dashed line is a ba'
        'seline probe that sees only the two input digits of the position: it is right unless they su'
        'm to 9, where only the incoming carry decides. A layer above the baseline holds information '
        'about the carry that the inputs of the position alone do not give. Points are means over see'
        'ds, bars the 95% confidence interval of the mean (Student t).'
    ),
}


def _text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]" if value else "none"
    return str(value)


def preset(config: dict) -> dict:
    """Which config made the results: the full study, or a quick preset forcing tiny settings."""
    override = dict(config.get("override") or {})
    seeds = list(config.get("seeds") or [])
    if override:
        forced = ", ".join(f"{key} {_text(value)}" for key, value in override.items())
        name = "smoke preset"
        line = (f"SMOKE PRESET, not the study's results: tiny settings forced on every run ({forced}); "
                f"seeds {_text(seeds)}")
    else:
        name, forced = "full study", ""
        line = f"full study; seeds {_text(seeds)}"
    return {"name": name, "seeds": seeds, "override": forced, "line": line}


def fixed_settings(experiment, study) -> dict:
    """Settings shared by every line or cell of the experiment, after any override.

    Settings without effect in every run (a state mode with no recurrent layer)
    are left out, so the reader is not told about layers a model does not have.
    """
    settings = [study.runs[cell.run] for cell in experiment.cells]
    runs = [s.as_dict() for s in settings]
    inert = set.intersection(*(set(s.inert_keys()) for s in settings))
    return {key: runs[0][key] for key in FIELD_NAMES
            if key not in inert and all(run[key] == runs[0][key] for run in runs)}


def swept(experiment) -> list[tuple[str, list[str]]]:
    return [(axis, list(dict.fromkeys(cell.levels[index].label for cell in experiment.cells)))
            for index, axis in enumerate(experiment.axes)]


def subtitle(experiment, study, config: dict) -> str:
    """One line of the effective settings, so a preset's figure never claims the full study's."""
    fixed = fixed_settings(experiment, study)
    parts = [f"{key} {_text(fixed[key])}" for key in SUBTITLE_KEYS
             if key in fixed and not (key == "lr_milestones" and not fixed[key])]
    info = preset(config)
    head = "SMOKE PRESET" if info["override"] else "settings"
    return f"{head}: " + ", ".join(parts) + f"; {len(info['seeds'])} seeds"


def figure_page(experiment, study, config: dict, claims: list[dict]) -> dict:
    """Everything a figure's page says, from the config (verdicts are added by the job)."""
    fixed = fixed_settings(experiment, study)
    what = KIND_TEXT.get(experiment.kind, "")
    if experiment.kind == "heatmap":
        every = fixed.get("eval_every", "")
        what = what.format(every=every, every2=2 * every if isinstance(every, int) else "",
                           threshold=f"{experiment.threshold:g}", cap=fixed.get("steps", "the last step"))
    axes = swept(experiment)
    return {
        "name": experiment.name,
        "title": experiment.title,
        "kind": experiment.kind,
        "what": what,
        "swept": [{"axis": axis, "levels": ", ".join(levels)} for axis, levels in axes],
        "fixed": [{"setting": key, "value": _text(value)} for key, value in fixed.items()
                  if key not in experiment.axes],
        "subtitle": subtitle(experiment, study, config),
        "preset": preset(config),
        "claims": [{"id": c["id"], "section": c["section"], "claim": c["claim"]} for c in claims],
    }
