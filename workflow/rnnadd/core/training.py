"""Deterministic training of one (settings, seed) run into rows of metrics.

Hidden-state modes (the report's True / False / Zero):

``carry``
    the final state of each training batch is the next batch's initial state,
    detached (truncated back-propagation).  Its first value is drawn by
    ``h0_init``.  Evaluation runs the test set in chunks of the batch size,
    each starting from the current carried state, and leaves that state alone.
``default``
    no initial state is passed; PyTorch starts from zeros.
``zero``
    an explicit all-zeros state is passed.  Same computation as ``default``.

Variants of ``carry`` that take it apart, for the MAXLEN-5 puzzle (docs/puzzle.md):

``frozen``
    the first drawn state starts every training batch and every evaluation:
    a start state that is not zero, but never changes.
``fresh``
    each training batch starts from a new draw (same distribution as the
    first); evaluation starts from the first draw: a start state that changes
    every batch, but whose content is noise, not a previous sum's end.
``carry_bptt``
    carried as in ``carry``, but the previous batch is run again from its own
    (detached) start state so that the gradient flows through it into the
    state the current batch starts from: back-propagation through one
    previous batch, the nearest runnable thing to the report's undetached True.
    Each step costs about two.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch._dynamo  # what torch.optim imports at its first optimiser: see Trainer
import torch.nn.functional as F

from rnnadd.core.checkpoint import save_checkpoint
from rnnadd.core.data import AdditionSet
from rnnadd.core.io import write_text
from rnnadd.core.libraries import float_path, library_versions
from rnnadd.core.metrics import rows_to_csv
from rnnadd.core.model import (
    AdderModel,
    carries_state,
    detach_state,
    draw_initial_state,
    draw_state,
    fresh_state_generator,
    starting_state,
)
from rnnadd.core.settings import Settings


@dataclass
class RunResult:
    rows: list[dict]
    timing: dict
    diverged: bool
    diverged_at: int | None = None
    trainer: Trainer | None = None  # the trained model and its carried state


def _digits_tensor(data: np.ndarray) -> torch.Tensor:
    """(examples, positions) uint8 -> contiguous (positions, examples), sequence-first."""
    return torch.from_numpy(np.ascontiguousarray(data.T))


class Trainer:
    """Holds the model, optimiser, carried state and the position in the data stream."""

    def __init__(self, settings: Settings, seed: int, train: AdditionSet, test: AdditionSet):
        if train.maxlen != settings.maxlen or test.maxlen != settings.maxlen:
            raise ValueError(
                f"data has maxlen {train.maxlen}/{test.maxlen}, settings say {settings.maxlen}")
        self.settings = settings
        self.seed = seed
        torch.manual_seed(seed)
        self.model = AdderModel.from_settings(settings)
        # Default betas and eps, no weight decay; on CPU tensors torch takes its single-tensor path.
        # Making the first optimiser imports torch._dynamo (about 1.5 s); this module imports it
        # at the top instead, so the training server (rnnadd.ops.trainserver), which imports this
        # module before it forks its jobs, pays that once rather than every job.
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.lr)
        # Stepped once per training step: the rate is multiplied by lr_gamma at each milestone.
        self.scheduler = (
            torch.optim.lr_scheduler.MultiStepLR(self.optimizer, settings.lr_milestones, settings.lr_gamma)
            if settings.lr_milestones else None
        )
        # The state the next training batch starts from (see model.starting_state).
        carried = draw_initial_state(settings, seed) if carries_state(settings) else None
        # What evaluation (and the checkpoint) starts from; in carry modes also the next batch.
        self.state = starting_state(settings, carried, 0, settings.batch)
        mode = settings.hidden_mode if carries_state(settings) else None
        self._fresh = fresh_state_generator(seed) if mode == "fresh" else None
        self._previous = None  # carry_bptt: the previous batch's inputs and its detached start state
        self._train = tuple(_digits_tensor(x) for x in (train.a, train.b, train.sum))
        # The test set is small and read at every evaluation: convert it once.
        self._test = tuple(_digits_tensor(x).long() for x in (test.a, test.b, test.sum))
        self.position = 0  # next example of the training stream
        self.step_count = 0

    def next_batch(self):
        """The next batch of the stream; it wraps around at the end of the file."""
        batch, n = self.settings.batch, self._train[0].shape[1]
        start = self.position
        self.position = (start + batch) % n
        if start + batch <= n:
            return tuple(x[:, start:start + batch].long() for x in self._train)
        index = torch.arange(start, start + batch) % n
        return tuple(x[:, index].long() for x in self._train)

    def _training_start(self):
        """The state this training batch starts from (see the module's docstring)."""
        if self._fresh is not None:
            return draw_state(self.settings, self._fresh)
        if self._previous is not None:
            a, b, start = self._previous
            _, state = self.model(a, b, start)  # with the graph: the gradient reaches it
            return state
        return self.state

    def train_step(self, batch) -> torch.Tensor:
        a, b, target = batch
        start = self._training_start()
        logits, final_state = self.model(a, b, start)
        loss = F.cross_entropy(logits.reshape(-1, 10), target.reshape(-1))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        mode = self.settings.hidden_mode
        if mode in ("carry", "carry_bptt") and self.settings.cell != "none":
            self.state = detach_state(final_state)
        if mode == "carry_bptt" and self.settings.cell != "none":
            self._previous = (a, b, detach_state(start))
        self.step_count += 1
        return loss.detach()

    @torch.inference_mode()
    def evaluate(self) -> dict:
        """Test loss and accuracies; chunks of the batch size, state untouched."""
        a_all, b_all, target_all = self._test
        n, batch = a_all.shape[1], self.settings.batch
        loss_sum = 0.0
        exact = digits = 0
        for start in range(0, n, batch):
            a, b, target = (x[:, start:start + batch] for x in (a_all, b_all, target_all))
            logits, _ = self.model(a, b, starting_state(self.settings, self.state, 0, a.shape[1]))
            loss_sum += F.cross_entropy(logits.reshape(-1, 10), target.reshape(-1),
                                        reduction="sum").item()
            right = logits.argmax(-1) == target
            digits += int(right.sum())
            exact += int(right.all(dim=0).sum())
        positions = a_all.shape[0]
        return {
            "test_loss": loss_sum / (n * positions),
            "accuracy": exact / n,
            "digit_accuracy": digits / (n * positions),
        }


def train_run(settings: Settings, seed: int, train: AdditionSet, test: AdditionSet,
              on_row=None) -> RunResult:
    """Train one run and return its metric rows and timings.

    Rows are written at every evaluated step (see ``Settings.eval_steps``).
    ``loss`` is the mean training loss over the steps since the previous row,
    empty at step 0.  A non-finite loss marks the run diverged from that row
    on; training goes on so every row exists.  ``on_row`` sees each row as
    it is made (progress for logs).
    """
    torch.set_num_threads(settings.threads)
    started = time.perf_counter()
    trainer = Trainer(settings, seed, train, test)
    setup_s = time.perf_counter() - started

    rows: list[dict] = []
    eval_steps = set(settings.eval_steps())
    loss_sum = torch.zeros(())
    losses_since_row = 0
    diverged_at = None
    data_s = compute_s = eval_s = 0.0
    for step in range(settings.steps + 1):
        if step in eval_steps:
            t0 = time.perf_counter()
            metrics = trainer.evaluate()
            eval_s += time.perf_counter() - t0
            loss = float(loss_sum) / losses_since_row if losses_since_row else None
            if diverged_at is None and loss is not None and not math.isfinite(loss):
                diverged_at = step
            rows.append({
                "step": step,
                "loss": loss,
                **metrics,
                "lr": trainer.optimizer.param_groups[0]["lr"],
                "diverged": int(diverged_at is not None),
            })
            loss_sum = torch.zeros(())
            losses_since_row = 0
            if on_row is not None:
                on_row(rows[-1])
        if step == settings.steps:
            break
        t0 = time.perf_counter()
        batch = trainer.next_batch()
        t1 = time.perf_counter()
        loss_sum += trainer.train_step(batch)
        t2 = time.perf_counter()
        losses_since_row += 1
        data_s += t1 - t0
        compute_s += t2 - t1

    total_s = time.perf_counter() - started
    train_s = data_s + compute_s
    timing = {
        "steps": settings.steps,
        "threads": settings.threads,
        "total_s": total_s,
        "setup_s": setup_s,
        "train_s": train_s,
        "step_ms": 1000 * train_s / settings.steps,
        "data_ms_per_step": 1000 * data_s / settings.steps,
        "data_fraction_of_step": data_s / train_s if train_s else 0.0,
        "eval_s": eval_s,
        "evaluations": len(eval_steps),
        "eval_fraction_of_training": eval_s / train_s if train_s else 0.0,
        # Not in the metrics CSV; `verify` reads them to explain a difference.
        "versions": library_versions(),
        "float_path": float_path(),
    }
    return RunResult(rows, timing, diverged_at is not None, diverged_at, trainer)


def write_outputs(result: RunResult, metrics_path, timing_path, checkpoint_path=None,
                  fingerprint: dict | None = None) -> None:
    """Metrics (deterministic) and wall-clock times (not) go to separate files.

    The timing file also records what computed the run (``fingerprint``, see
    rnnadd.core.fingerprint) and the SHA-256 of the metrics CSV (``checksums``),
    so that a CSV changed after this job is caught before anything is drawn
    from it (rnnadd.core.provenance). The metrics CSV is written last: it is
    what marks the job complete, so a job killed in between leaves no CSV
    beside a stale checkpoint.
    """
    metrics = rows_to_csv(result.rows)
    timing = dict(result.timing)
    if fingerprint is not None:
        timing["fingerprint"] = fingerprint
    timing["checksums"] = {os.path.relpath(metrics_path, Path(timing_path).parent):
                           hashlib.sha256(metrics.encode()).hexdigest()}
    write_text(timing_path, json.dumps(timing, indent=2, sort_keys=True) + "\n")
    if checkpoint_path is not None:
        trainer = result.trainer
        save_checkpoint(checkpoint_path, trainer.settings, trainer.model, trainer.state,
                        trainer.step_count, trainer.seed)
    write_text(metrics_path, metrics)
