"""Training for a number of steps (mini-batches) rather than epochs, as papers count it.

:class:`nn.Trainer` runs the batches; a callback counts steps across epochs, evaluates every
``eval_every`` steps (and before the first) under ``no_grad``, drives one progress bar for the
whole run and stops the trainer after the last step, mid-epoch if need be.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from nn.data import DataLoader, TensorDataset
from nn.module import Module
from nn.training import Callback, Metric, Trainer


@dataclass
class Curves:
    """Evaluations during training: ``values["test_loss"][i]`` was measured after
    ``steps[i]`` optimizer steps (step 0: before training)."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: int, logs: Mapping[str, float]) -> None:
        self.steps.append(step)
        for key, value in logs.items():
            self.values.setdefault(key, []).append(float(value))

    def last(self, key: str) -> float:
        return self.values[key][-1]

    def to_dict(self) -> dict[str, list]:
        return {"step": list(self.steps), **{k: list(v) for k, v in self.values.items()}}


@dataclass
class TrainingRun:
    """What one model's training produced and how long it took."""

    curves: Curves
    batch_loss: list[float]
    steps: int
    batch_size: int
    seconds: float  # wall time of the whole run, evaluations included
    eval_seconds: float  # the part of `seconds` spent evaluating

    @property
    def ms_per_step(self) -> float:
        return 1000.0 * (self.seconds - self.eval_seconds) / max(self.steps, 1)


class _StepBudget(Callback):
    def __init__(self, steps: int, eval_every: int, evaluate: Callable[[int], dict[str, float]],
                 bar: tqdm, watch: str | None) -> None:
        self.steps = steps
        self.eval_every = eval_every
        self.evaluate = evaluate
        self.bar = bar
        self.watch = watch
        self.done = 0

    def on_train_begin(self, trainer: Trainer) -> None:
        self._evaluate(0)

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, Any]) -> None:
        self.done += 1
        self.bar.update(1)
        if self.done % self.eval_every == 0 or self.done == self.steps:
            self._evaluate(self.done)
        else:
            self.bar.set_postfix_str(f"loss {logs['loss']:.3f}", refresh=False)
        if self.done >= self.steps:
            trainer.stop_training = True

    def _evaluate(self, step: int) -> None:
        logs = self.evaluate(step)
        text = f"loss {logs.get('train_loss', math.nan):.3f}"
        if self.watch is not None and self.watch in logs:
            value = logs[self.watch]
            shown = f"{100 * value:.1f}%" if "accuracy" in self.watch else f"{value:.4f}"
            text += f", {self.watch.replace('_', ' ')} {shown}"
        self.bar.set_postfix_str(text, refresh=False)


# Training steps go through ag.compile (nn.Trainer's compile option): the same numbers, faster.
# The command line's --no-compile sets it to False.
COMPILE = True


def train_for_steps(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any,
    train: TensorDataset,
    evaluation: Mapping[str, TensorDataset],
    *,
    steps: int,
    batch_size: int,
    eval_every: int,
    seed: int,
    metrics: Mapping[str, Metric] | None = None,
    description: str = "training",
    progress: bool = True,
    watch: str | None = None,
    scheduler: Any = None,
) -> TrainingRun:
    """Train `model` for exactly `steps` optimizer steps on shuffled mini-batches of `train`.

    Every `eval_every` steps, at step 0 and at the end, the mean loss and `metrics` over each
    dataset in `evaluation` are logged as ``"<name>_<quantity>"`` (``test_loss``, ...).
    Batches are drawn by a DataLoader seeded with `seed`, so a run is reproducible given the
    model's initial weights. `watch` names the logged quantity shown beside the progress bar.
    A `scheduler` is stepped after every optimizer step, so its period counts steps too.
    """
    if steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps}")
    if eval_every < 1:
        raise ValueError(f"eval_every must be a positive integer; got {eval_every}")
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, seed=seed)
    eval_loaders = {name: DataLoader(ds, batch_size=1000) for name, ds in evaluation.items()}
    trainer = Trainer(model, loss_fn, optimizer, metrics=metrics, verbose=False,
                      scheduler=scheduler, scheduler_interval="batch", compile=COMPILE)
    curves = Curves()
    eval_seconds = 0.0

    def evaluate(step: int) -> dict[str, float]:
        nonlocal eval_seconds
        start = time.perf_counter()
        logs = {f"{name}_{key}": value for name, dl in eval_loaders.items()
                for key, value in trainer.evaluate(dl).items()}
        curves.add(step, logs)
        eval_seconds += time.perf_counter() - start
        return logs

    interactive = sys.stderr.isatty()
    bar = tqdm(total=steps, desc=description, unit="step", file=sys.stderr,
               disable=not progress, dynamic_ncols=True, leave=True,
               mininterval=0.1 if interactive else 5.0)
    budget = _StepBudget(steps, eval_every, evaluate, bar, watch)
    trainer.callbacks.append(budget)
    epochs = math.ceil(steps / len(loader))
    start = time.perf_counter()
    try:
        trainer.fit(loader, epochs=epochs)
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    return TrainingRun(curves, list(trainer.history.batch_loss), budget.done, batch_size,
                       seconds, eval_seconds)
