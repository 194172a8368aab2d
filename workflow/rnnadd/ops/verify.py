"""Re-verify results: retrain a random sample of (run, seed) pairs and compare bytes.

Same settings and seed give the same bytes, so any metrics CSV in
``results/runs`` can be checked by training it again from its settings file,
with data generated afresh, into a scratch folder. When a file differs, the
reason is given where it can be known:

- other library versions: the versions recorded when it was trained (in
  ``seed<N>.timing.json``) are not the ones here;
- other float path: the CPU or torch's CPU capability recorded then (same
  file) is not the one here; bytes agree only on one float path;
- other code: the code fingerprint recorded then (same file,
  rnnadd.core.fingerprint) is not the one of the code here;
- edited by hand: the retrained metrics agree with the file's own checkpoint
  (``seed<N>.pt``, re-evaluated on the test set) and the file does not.
"""

from __future__ import annotations

import random
import re
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from rnnadd.core import paths
from rnnadd.core.fingerprint import fingerprint
from rnnadd.core.io import write_text
from rnnadd.core.libraries import float_path, library_versions
from rnnadd.core.settings import SettingsError, load_settings_file

SEED_FILE = re.compile(re.escape(paths.METRICS_FILE).replace(r"\{seed\}", r"(\d+)"))
EVALUATED = ("test_loss", "accuracy", "digit_accuracy")


def find_pairs(runs_dir) -> list[tuple[str, int]]:
    """Every (run, seed) with a metrics CSV in runs_dir, sorted."""
    pairs = []
    for path in Path(runs_dir).glob("*/seed*.csv"):
        match = SEED_FILE.fullmatch(path.name)
        if match:
            pairs.append((path.parent.name, int(match.group(1))))
    return sorted(pairs)


def sample_pairs(runs_dir, samples: int, seed: int) -> list[tuple[str, int]]:
    pairs = find_pairs(runs_dir)
    return sorted(random.Random(seed).sample(pairs, min(samples, len(pairs))))


def _rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


def first_difference(found: str, expected: str) -> str:
    """Where two metrics CSVs first differ, in words."""
    found_rows, expected_rows = _rows(found), _rows(expected)
    header = expected_rows[0]
    for index, (got, want) in enumerate(zip(found_rows, expected_rows)):
        if got != want:
            if index == 0 or len(got) != len(want):
                return f"line {index + 1} differs"
            column = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
            return (f"step {want[0]}, {header[column]}: {got[column] or 'empty'} in the file, "
                    f"{want[column] or 'empty'} retrained")
    return f"{len(found_rows)} lines in the file, {len(expected_rows)} retrained"


def _checkpoint_row(checkpoint_path, settings, seed, train_set, test_set):
    """The file's own checkpoint, evaluated on the test set as training does."""
    import torch

    from rnnadd.core.checkpoint import load_checkpoint
    from rnnadd.core.training import Trainer

    saved = load_checkpoint(checkpoint_path)
    torch.set_num_threads(settings.threads)
    trainer = Trainer(settings, seed, train_set, test_set)
    trainer.model.load_state_dict(saved.model.state_dict())
    trainer.state = saved.state
    return trainer.evaluate()


def _recorded(timing_path, key: str):
    """What a run's timing file recorded under ``key`` (versions, float_path), or None."""
    import json

    try:
        return json.loads(Path(timing_path).read_text()).get(key)
    except (OSError, ValueError, AttributeError):
        return None


def _changes(then: dict, here: dict) -> str:
    return ", ".join(f"{k} {then.get(k)} then, {here[k]} here" for k in here if then.get(k) != here[k])


def verify_pair(runs_dir, run: str, seed: int, scratch) -> tuple[str, str | None]:
    """Retrain one pair; returns (metrics path, None if identical, else why it differs)."""
    import torch

    from rnnadd.core.data import make_set
    from rnnadd.core.metrics import format_value, rows_to_csv
    from rnnadd.core.training import train_run

    folder = Path(runs_dir) / run
    files = paths.seed_files(folder, seed)
    metrics = files["metrics"]
    try:
        settings = load_settings_file(folder / paths.SETTINGS_FILE)
    except (OSError, SettingsError) as error:
        return str(metrics), f"cannot be retrained: {error}"
    train_set = make_set(settings.maxlen, settings.split, "train", seed, settings.train_size)
    test_set = make_set(settings.maxlen, settings.split, "test", seed, settings.test_size)
    result = train_run(settings, seed, train_set, test_set)
    retrained = rows_to_csv(result.rows)
    write_text(paths.seed_files(Path(scratch) / run, seed)["metrics"], retrained)
    found = metrics.read_text()
    if found == retrained:
        return str(metrics), None
    where = first_difference(found, retrained)
    recorded, here = _recorded(files["timing"], "versions"), library_versions()
    if recorded and recorded != here:
        return str(metrics), f"{where}; other library versions ({_changes(recorded, here)})"
    recorded, here = _recorded(files["timing"], "float_path"), float_path()
    if recorded and recorded != here:
        return str(metrics), f"{where}; other float path ({_changes(recorded, here)})"
    recorded, here = _recorded(files["timing"], "fingerprint"), fingerprint()
    if isinstance(recorded, dict) and recorded.get("id") != here["id"]:
        return str(metrics), f"{where}; other code (fingerprint {recorded.get('id')} then, {here['id']} here)"
    try:
        evaluated = _checkpoint_row(files["checkpoint"], settings, seed, train_set, test_set)
    except (OSError, ValueError, RuntimeError) as error:
        return str(metrics), f"{where}; its checkpoint cannot tell why ({str(error).splitlines()[0]})"
    finally:
        torch.set_num_threads(settings.threads)
    last_retrained = dict(zip(_rows(retrained)[0], _rows(retrained)[-1]))
    last_found = dict(zip(_rows(found)[0], _rows(found)[-1]))
    checkpoint = {k: format_value(evaluated[k]) for k in EVALUATED}
    if all(checkpoint[k] == last_retrained[k] for k in EVALUATED):
        if any(checkpoint[k] != last_found.get(k) for k in EVALUATED):
            return str(metrics), f"{where}; edited by hand (differs from its own checkpoint's re-evaluation)"
        return str(metrics), f"{where}; edited by hand (its checkpoint and the retrain agree, the file does not)"
    return str(metrics), f"{where}; its checkpoint differs too: trained differently (other code or machine?)"


def verify(runs_dir, samples: int, seed: int, scratch, jobs: int = 1, say=print) -> bool:
    """Check a random sample; prints one verdict line, then each differing file. True if all match."""
    pairs = sample_pairs(runs_dir, samples, seed)
    if not pairs:
        say(f"verify: no metrics files in {runs_dir} to check")
        return False
    if jobs > 1 and len(pairs) > 1:
        with ProcessPoolExecutor(min(jobs, len(pairs)), mp_context=get_context("spawn")) as pool:
            outcomes = list(pool.map(verify_pair, *zip(*[(runs_dir, run, s, scratch) for run, s in pairs])))
    else:
        outcomes = [verify_pair(runs_dir, run, s, scratch) for run, s in pairs]
    differing = [(path, why) for path, why in outcomes if why is not None]
    of = f"{len(pairs)} (run, seed) pair{'s' if len(pairs) > 1 else ''} sampled (samples={samples}, seed={seed})"
    against = f"checked against code fingerprint {fingerprint()['id']}, the code here"
    if not differing:
        say(f"verify: OK, all {of} retrain to byte-identical metrics ({against})")
        return True
    say(f"verify: FAILED, {len(differing)} of {of} differ ({against})")
    for path, why in differing:
        say(f"  {path}: {why}")
    return False
