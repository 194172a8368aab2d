"""Words about a study, generated from its config: which preset made it, what a
figure shows and with which settings.  Used for figure subtitles, the figures'
report captions and the verdict tables, so no caption is written by hand per
figure; what a kind of figure shows is its caption file,
workflow/rnnadd/study/kinds/<kind>.rst.
"""

from __future__ import annotations

from rnnadd.core.settings import FIELD_NAMES
from rnnadd.study.kinds import KINDS

# The settings worth a figure's subtitle, in reading order.
SUBTITLE_KEYS = ("maxlen", "cell", "nonlinearity", "layers", "hidden", "hidden_mode", "h0_init", "lr",
                 "lr_milestones", "steps", "batch", "test_size")


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
    own = sorted(name for name, entry in (config.get("experiments") or {}).items()
                 if isinstance(entry, dict) and "seeds" in entry)
    # Experiments that set their own seeds: the line says so, and where (a count per row).
    also = f" ({len(own)} experiments set their own: a claim's n says how many it used)" if own else ""
    if override:
        forced = ", ".join(f"{key} {_text(value)}" for key, value in override.items())
        name = "smoke preset"
        line = (f"SMOKE PRESET, not the study's results: tiny settings forced on every run ({forced}); "
                f"seeds {_text(seeds)}" + (f", at most {config['max_seeds']} per experiment"
                                           if config.get("max_seeds") else ""))
    else:
        name, forced = "full study", ""
        line = f"full study; seeds {_text(seeds)}{also}"
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
    # The experiment's own seeds (it may set them), not the study's.
    return f"{head}: " + ", ".join(parts) + f"; {len(experiment.seeds or info['seeds'])} seeds"


def figure_caption(experiment, study, config: dict) -> dict:
    """What a figure's report caption says (workflow/report/figure.rst), from the config only.

    No claim and no verdict is in it: it becomes a param of the figure rule, and
    a changed claim must not redraw a figure. The claims about a figure and their
    verdicts are a report item of their own beside it (rule figure_claims).
    """
    fixed = fixed_settings(experiment, study)
    info = preset(config)
    return {
        # What the figure shows: its kind's caption (workflow/rnnadd/study/kinds/<kind>.rst), filled in.
        "what": KINDS[experiment.kind].caption_text(experiment, fixed),
        "swept": "; ".join(f"{axis} {', '.join(levels)}" for axis, levels in swept(experiment)),
        "fixed": ", ".join(f"{key} {_text(value)}" for key, value in fixed.items() if key not in experiment.axes),
        "seeds": ", ".join(str(seed) for seed in (experiment.seeds or info["seeds"])),
        "made_by": "SMOKE PRESET, not the study's results" if info["override"] else info["name"],
    }


def preset_label(config: dict) -> str:
    """The line every page of a preset's report carries (figure captions, verdict pages):
    which preset, that its verdicts are not the study's, and what it forces; for the full
    study, its seeds."""
    info = preset(config)
    if not info["override"]:
        return f"Full study; seeds {', '.join(str(seed) for seed in info['seeds'])}"
    return (f"{info['name'].split()[0].upper()} preset: tiny settings, not the study's verdicts "
            f"(forced on every run: {info['override']}; seeds {', '.join(str(seed) for seed in info['seeds'])})")


def _and(words) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _lengths(values) -> str:
    """Test lengths L as operand digits (L-1): '4 and 19', '9, 19 and 49'."""
    return _and(str(int(value) - 1) for value in values)


# What each kind of figure shows, from its options, for a title made from the settings
# (figure_title); a kind not named here is called by its name.
KIND_HEADS = {
    "curves": lambda options: "Loss and exact-match accuracy over training",
    "heatmap": lambda options: f"Steps to exact-match accuracy {options['threshold']:g}",
    "length": lambda options: f"Tested on {_lengths(options['test_lengths'])}-digit operands",
    "chains": lambda options: (f"Carry chains of K = {_and(str(k) for k in options['chain_lengths'])} "
                               f"positions in {_lengths([options['chain_test_length']])}-digit operands"),
    "positions": lambda options: "Error rate per digit position",
    "probe": lambda options: "Is the carry in the hidden state? Linear probe per layer",
    "probe_controls": lambda options: ("Is the carry in the hidden state? Probe per layer against "
                                       "untrained networks and input digits"),
}
# The fixed settings a title made from the settings names, and how.
TITLE_SETTINGS = {
    "maxlen": lambda v: f"trained at MAXLEN {v}",
    "cell": lambda v: "no recurrent layer" if v == "none" else v.upper(),
    "nonlinearity": lambda v: v,
    "layers": lambda v: f"{v} layer{'s' if v != 1 else ''}",
    "hidden_mode": lambda v: f"hidden state {v}",
    "lr": lambda v: f"lr {_text(v)}",
    "steps": lambda v: f"{v} steps",
}


def settings_title(experiment, study) -> str:
    """A title made from the settings that were run: what the kind shows, what is swept
    (with its levels) and the main fixed settings; so no number in it is another config's."""
    head = KIND_HEADS.get(experiment.kind, lambda options: experiment.kind)(experiment.kind_options)
    axes = swept(experiment)
    by = [f"{axis} ({' / '.join(levels)})" for axis, levels in axes if len(levels) > 1]
    fixed = fixed_settings(experiment, study)
    # An axis of one level is a fixed setting here (the full study may sweep it).
    shown = set(fixed) - {axis for axis, levels in axes if len(levels) > 1}
    at = [words(fixed[key]) for key, words in TITLE_SETTINGS.items() if key in shown]
    return head + (f" by {' and '.join(by)}" if by else "") + (f": {', '.join(at)}" if at else "")


def figure_title(experiment, config: dict, study) -> str:
    """The figure's title: the full study's own, written for its settings; a preset's is made
    from the settings it ran (settings_title), since the full study's numbers (MAXLEN 50,
    999-digit operands, 1 to 4 layers) are not its own."""
    if preset(config)["name"] == "full study":
        return experiment.title
    return settings_title(experiment, study)
