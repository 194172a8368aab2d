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


def figure_title(experiment, config: dict) -> str:
    """The figure's title: the experiment's own; a preset keeps the full study's titles, whose
    numbers (MAXLEN 50, 1 to 4 layers) may not be its own, so it says so."""
    info = preset(config)
    title = experiment.title
    if info["name"] != "full study" and title:
        title += f" [the full study's title; the {info['name']}'s settings below]"
    return title
