"""The code fingerprint: what computed a run's numbers (rnnadd.core.provenance says how it is used).

A run's metrics depend on its settings and seed, and on what computed them:
the learning code (data, model, training, evaluation), the library versions
and the float path (rnnadd.core.libraries). ``fingerprint()`` names all of it
in 12 hex digits: it trains a few fixed tiny runs (every cell type, carried,
fresh and zero states, a learning-rate schedule), hashes their metric rows,
trained weights and a length evaluation, and adds the versions and torch's
CPU capability. It measures behaviour, not text: a refactor that keeps every
number keeps the fingerprint; a changed constant changes it. Computed once
per process (the training server computes it once for all its jobs, in a
child, so that it runs no torch operation itself) and written into each
run's timing file.
"""

from __future__ import annotations

import hashlib
import json
import time

# Tiny runs whose outputs fingerprint the learning code: each takes a few milliseconds.
_BASE = {"maxlen": 4, "train_size": 24, "test_size": 8, "layers": 2, "hidden": 4, "embedding": 2,
         "batch": 6, "steps": 4, "eval_every": 2, "lr": 0.05}
TINY_RUNS = (
    {**_BASE},  # rnn (relu), carried state
    {**_BASE, "cell": "lstm", "hidden_mode": "fresh", "lr_milestones": [2], "lr_gamma": 0.5},
    {**_BASE, "cell": "gru", "hidden_mode": "carry_bptt", "layers": 1},
    {**_BASE, "nonlinearity": "tanh", "hidden_mode": "zero", "split": "iid"},
)


def behaviour_digest() -> str:
    """SHA-256 of the outputs of TINY_RUNS: metric rows, trained weights, a length evaluation."""
    import torch

    from rnnadd.core.data import make_set
    from rnnadd.core.evaluation import evaluate_set, length_test_set
    from rnnadd.core.metrics import rows_to_csv
    from rnnadd.core.settings import Settings
    from rnnadd.core.training import train_run

    threads = torch.get_num_threads()
    digest = hashlib.sha256()
    try:
        for index, values in enumerate(TINY_RUNS):
            settings = Settings.from_dict(values)
            data = [make_set(settings.maxlen, settings.split, part, index, size)
                    for part, size in (("train", settings.train_size), ("test", settings.test_size))]
            result = train_run(settings, index, *data)
            trainer = result.trainer
            digest.update(rows_to_csv(result.rows).encode())
            for name, tensor in trainer.model.state_dict().items():
                digest.update(name.encode() + tensor.detach().contiguous().numpy().tobytes())
            scores = evaluate_set(trainer.model, settings, trainer.state,
                                  length_test_set(settings.maxlen + 2, 6, seed=index))
            digest.update(json.dumps(scores, sort_keys=True, default=repr).encode())
    finally:
        torch.set_num_threads(threads)
    return digest.hexdigest()


def compute_fingerprint() -> dict:
    """``{"id", "behaviour", "cpu_capability", "versions", "ms"}``; id names the other three."""
    from rnnadd.core.libraries import float_path, library_versions

    started = time.perf_counter()
    parts = {"behaviour": behaviour_digest()[:16], "cpu_capability": float_path()["cpu_capability"],
             "versions": library_versions()}
    code = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]
    return {"id": code, **parts, "ms": round(1000 * (time.perf_counter() - started), 1)}


_KNOWN: dict = {}


def fingerprint() -> dict:
    """This process's fingerprint (computed at the first call, or given by the training server)."""
    if "value" not in _KNOWN:
        _KNOWN["value"] = compute_fingerprint()
    return _KNOWN["value"]


def set_fingerprint(value: dict) -> None:
    """The training server's children inherit the fingerprint it computed for the code it loaded."""
    _KNOWN["value"] = value


