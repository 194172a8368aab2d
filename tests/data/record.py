"""Record the study's run names and tiny runs' bytes, as the code computes them now.

Run from the repository root: `.venv/bin/python tests/data/record.py tests/data`. The files in
tests/data were recorded at commit 026ad81, before run identity and settings were refactored;
tests compare against them, so a refactor that renames a run or changes a number fails.
"""
import json
import sys
from pathlib import Path

import yaml

from rnnadd.core.data import make_set
from rnnadd.core.evaluation import add_pairs, evaluate_set, length_test_set
from rnnadd.core.metrics import rows_to_csv
from rnnadd.core.settings import Settings
from rnnadd.core.training import train_run
from rnnadd.study.plan import load_study

out = Path(sys.argv[1])
study = load_study(yaml.safe_load(Path("config.yaml").read_text()))
names = sorted(study.runs)
print(len(names))
(out / "study_run_names.txt").write_text("".join(n + "\n" for n in names))

TINY = {"maxlen": 4, "train_size": 300, "test_size": 70, "batch": 30, "steps": 12, "eval_every": 5,
        "hidden": 8, "embedding": 4}
VARIANTS = {
    "carry_normal": {},
    "default": {"hidden_mode": "default"},
    "zero": {"hidden_mode": "zero"},
    "lstm_carry_kaiming": {"cell": "lstm", "h0_init": "kaiming_uniform"},
    "gru_zero": {"cell": "gru", "hidden_mode": "zero", "layers": 1},
    "norec": {"cell": "none", "lr": 0.01},
    "tanh_schedule": {"nonlinearity": "tanh", "lr": 0.01, "lr_milestones": [4, 8], "lr_gamma": 0.5},
    "diverges": {"lr": 50.0},
}
record = {}
for name, extra in VARIANTS.items():
    s = Settings.from_dict({**TINY, **extra})
    train = make_set(s.maxlen, s.split, "train", 3, s.train_size)
    test = make_set(s.maxlen, s.split, "test", 3, s.test_size)
    result = train_run(s, 3, train, test)
    csv = rows_to_csv(result.rows)
    t = result.trainer
    lengths = evaluate_set(t.model, s, t.state, length_test_set(7, 45, 0))
    added = add_pairs(t.model, s, t.state, [("98", "7"), ("123", "999"), ("0", "0")])
    record[name] = {"settings": {**TINY, **extra}, "run_id": s.run_id(), "csv": csv,
                    "length7": lengths, "add": added}
(out / "tiny_runs.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
