"""A training loop: ``fit`` and the :class:`Trainer` behind it, with metrics and callbacks.

The loop is the one every PyTorch script writes by hand (zero_grad, forward, loss, backward,
step), plus what those scripts keep getting slightly wrong: evaluation under ``no_grad`` in eval
mode, sample-weighted epoch averages, a learning-rate schedule stepped at the right time, a
stop with a useful message when the loss turns NaN, and early stopping and best-model
checkpoints that restore what they promise.

Epochs and batches are numbered from 0 in callbacks and in ``History`` (as in Keras); messages
for people count from 1.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from tqdm import tqdm

import autograd_core as ag
from autograd_core import Tensor

from . import checkpoint
from .module import Module

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "Trainer",
    "TrainingDivergedError",
    "accuracy",
    "binary_accuracy",
    "fit",
]

Metric = Callable[[Any, Any], Any]


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite; the message names the epoch and batch."""


# -- metrics ----------------------------------------------------------------------------------
def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def accuracy(output: Any, target: Any) -> float:
    """Fraction of samples whose highest score (argmax over dim 1) is the target class.

    ``target`` holds integer class indices, or one-hot / probability rows of ``output``'s shape.
    """
    out, tgt = _array(output), _array(target)
    if out.ndim < 2:
        raise ValueError(
            f"accuracy: output must hold class scores of shape (N, C, ...); got shape "
            f"{out.shape} (for one score per sample use binary_accuracy)"
        )
    predicted = out.argmax(axis=1)
    if tgt.shape == out.shape:
        tgt = tgt.argmax(axis=1)
    if tgt.shape != predicted.shape:
        raise ValueError(
            f"accuracy: target of shape {tgt.shape} does not match output of shape {out.shape}; "
            f"expected class indices of shape {predicted.shape}"
        )
    return float(np.mean(predicted == tgt))


def binary_accuracy(output: Any, target: Any, threshold: float = 0.5) -> float:
    """Fraction of samples on the right side of ``threshold`` (0.5 for probabilities; use 0 for
    logits) against 0/1 targets."""
    out, tgt = _array(output), _array(target)
    if out.shape != tgt.shape and out.reshape(-1).shape != tgt.reshape(-1).shape:
        raise ValueError(
            f"binary_accuracy: output of shape {out.shape} and target of shape {tgt.shape} "
            "hold different numbers of samples"
        )
    return float(np.mean((out.reshape(-1) > threshold) == (tgt.reshape(-1) > 0.5)))


# -- history ----------------------------------------------------------------------------------
class History(dict):
    """Per-epoch logs keyed by name (``history["loss"][e]``, ``history["val_accuracy"]``, ...).

    ``batch_loss`` and ``batch_lr`` hold every training batch's loss and learning rate, across
    all epochs; ``epochs`` the epoch index of each entry.
    """

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []
        self.batch_loss: list[float] = []
        self.batch_lr: list[float | None] = []

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return f"History({dict.__repr__(self)})"


# -- callbacks --------------------------------------------------------------------------------
class Callback:
    """Hooks into :class:`Trainer`; subclasses override what they need.

    Each hook receives the trainer (for ``trainer.model``, ``trainer.optimizer``,
    ``trainer.history``); setting ``trainer.stop_training = True`` ends training after the
    current batch and epoch.
    """

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        pass

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, Any]) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, trainer: Trainer) -> None:
        pass


class LambdaCallback(Callback):
    """A callback made of plain functions with the hooks' signatures."""

    def __init__(
        self,
        on_train_begin: Callable[[Trainer], None] | None = None,
        on_epoch_begin: Callable[[Trainer, int], None] | None = None,
        on_batch_end: Callable[[Trainer, int, dict], None] | None = None,
        on_epoch_end: Callable[[Trainer, int, dict], None] | None = None,
        on_train_end: Callable[[Trainer], None] | None = None,
    ) -> None:
        hooks = {
            "on_train_begin": on_train_begin,
            "on_epoch_begin": on_epoch_begin,
            "on_batch_end": on_batch_end,
            "on_epoch_end": on_epoch_end,
            "on_train_end": on_train_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class _Monitor:
    """Tracks the best value of one logged quantity."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'; got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0; got {min_delta}")
        self.monitor = monitor
        self.mode = mode
        self.min_delta = float(min_delta)
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None

    def value(self, logs: Mapping[str, float], who: str) -> float:
        if self.monitor not in logs:
            raise KeyError(
                f"{who}: monitored quantity {self.monitor!r} is not in the epoch logs; available: "
                f"{sorted(logs)} (val_* needs a val_loader)"
            )
        return float(logs[self.monitor])

    def improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def record(self, logs: Mapping[str, float], epoch: int, who: str) -> bool:
        """Whether this epoch improved on the best, which it then becomes."""
        value = self.value(logs, who)
        if not self.improved(value):
            return False
        self.best, self.best_epoch = value, epoch
        return True


class _MonitorCallback(Callback):
    """A callback that watches one logged quantity and exposes its best value and epoch."""

    _monitor: _Monitor

    @property
    def best(self) -> float:
        return self._monitor.best

    @property
    def best_epoch(self) -> int | None:
        return self._monitor.best_epoch


def _snapshot(model: Any) -> dict[str, Any]:
    """A copy of the model's state that later training cannot change."""
    return {
        k: np.array(_array(v), copy=True) if isinstance(v, (Tensor, np.ndarray)) else v
        for k, v in model.state_dict().items()
    }


class EarlyStopping(_MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs. With ``restore_best``, the model ends training holding the weights of its best
    epoch."""

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "min",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0; got {patience}")
        self._monitor = _Monitor(monitor, mode, min_delta)
        self.monitor = monitor
        self.patience = int(patience)
        self.restore_best = bool(restore_best)
        self.on_train_begin(None)

    def on_train_begin(self, trainer: Trainer | None) -> None:
        self._monitor.reset()
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, Any] | None = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self._monitor.record(logs, epoch, "EarlyStopping"):
            self.wait = 0
            if self.restore_best:
                self.best_state = _snapshot(trainer.model)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)


class ModelCheckpoint(_MonitorCallback):
    """Save the model with :func:`nn.checkpoint.save` after epochs where ``monitor`` improved
    (or after every epoch when ``save_best_only=False``).

    The file holds ``model.state_dict()`` (load it with ``model.load_state_dict(nn.load(p))``),
    or with ``save_optimizer=True`` a dict ``{"model", "optimizer", "epoch", monitor}`` (plus
    ``"scheduler"`` when the trainer has one) where
    ``epoch`` counts the epochs completed, ready for ``fit(..., initial_epoch=ckpt["epoch"])``.
    ``path`` may hold ``{epoch}`` (1-based) and log names: ``"ckpt-{epoch:03d}-{val_loss:.3f}"``.
    """

    def __init__(
        self,
        path: str,
        monitor: str = "val_loss",
        mode: str = "min",
        save_best_only: bool = True,
        save_optimizer: bool = False,
        min_delta: float = 0.0,
    ) -> None:
        self.path = str(path)
        self.monitor = monitor
        self._monitor = _Monitor(monitor, mode, min_delta)
        self.save_best_only = bool(save_best_only)
        self.save_optimizer = bool(save_optimizer)
        self.saved: list[str] = []

    def on_train_begin(self, trainer: Trainer) -> None:
        self._monitor.reset()

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best_only and not self._monitor.record(logs, epoch, "ModelCheckpoint"):
            return
        path = self.path.format(epoch=epoch + 1, **logs) if "{" in self.path else self.path
        state = trainer.model.state_dict()
        if self.save_optimizer:
            state = {
                "model": state,
                "optimizer": trainer.optimizer.state_dict(),
                "epoch": epoch + 1,
            }
            if trainer.scheduler is not None and hasattr(trainer.scheduler, "state_dict"):
                state["scheduler"] = trainer.scheduler.state_dict()
            if self.monitor in logs:
                state[self.monitor] = float(logs[self.monitor])
        checkpoint.save(state, path)
        self.saved.append(path)


# -- the loop ---------------------------------------------------------------------------------
def _is_plateau(scheduler: Any) -> bool:
    return any(cls.__name__ == "ReduceLROnPlateau" for cls in type(scheduler).__mro__)


def _lr(optimizer: Any) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if not groups or "lr" not in groups[0]:
        return None
    return float(groups[0]["lr"])


def _num_samples(x: Any, y: Any) -> int:
    for part in (y, x):
        shape = getattr(part, "shape", None)
        if shape:
            return int(shape[0])
    return 1


def _scalar_loss(loss: Any) -> float:
    if not isinstance(loss, Tensor):
        raise TypeError(
            f"the loss must be a Tensor to call backward() on; loss_fn returned "
            f"{type(loss).__name__}"
        )
    if loss._data.size != 1:
        raise ValueError(
            f"the loss must be a scalar Tensor; got shape {loss.shape} (reduce it with "
            ".mean() or .sum())"
        )
    return float(loss._data.reshape(()))


class Trainer:
    """Owns one model's training: ``Trainer(model, loss_fn, optimizer, ...).fit(loader, epochs)``.

    ``metrics`` maps names to ``fn(output, target) -> float`` (batch means, averaged over an
    epoch weighted by batch size); they are logged as ``name`` (training batches) and
    ``val_name``. ``extra_loss(model)`` is added to every batch's loss (training and
    validation), e.g. an activity or weight penalty. ``scheduler`` is stepped after every
    optimizer step (``scheduler_interval="batch"``) or after each epoch's validation
    (``"epoch"``); a ``ReduceLROnPlateau`` is stepped per epoch with ``plateau_monitor``
    (default ``"val_loss"``, or ``"loss"`` without validation data). ``verbose=None`` shows a
    progress bar only when stderr is a terminal. ``compile=True`` runs each batch's forward,
    loss and backward through ``ag.compile`` when the model is an ``nn.Module`` and the batch a
    pair of Tensors: the same numbers, without a Tensor per op after the first two batches of a
    shape; a step that cannot be traced runs eagerly (with one warning). A replay runs the
    recorded ops, not other Python in the model or the loss (a counter, a print):
    ``compile=False`` runs every step eagerly.

    A training loader with ``set_epoch`` (as :class:`nn.data.DataLoader`) is told each epoch's
    number before the epoch, so a seeded shuffle depends on ``(seed, epoch)`` alone and a run
    resumed with ``initial_epoch`` sees the same batches as one that never stopped.
    """

    def __init__(
        self,
        model: Any,
        loss_fn: Callable[[Any, Any], Tensor],
        optimizer: Any,
        *,
        metrics: Mapping[str, Metric] | None = None,
        callbacks: Iterable[Callback] | None = None,
        scheduler: Any = None,
        scheduler_interval: str = "epoch",
        verbose: bool | None = None,
        extra_loss: Callable[[Any], Tensor] | None = None,
        plateau_monitor: str | None = None,
        compile: bool = True,  # noqa: A002
    ) -> None:
        if scheduler_interval not in ("epoch", "batch"):
            raise ValueError(
                f"scheduler_interval must be 'epoch' or 'batch'; got {scheduler_interval!r}"
            )
        if scheduler is not None and _is_plateau(scheduler) and scheduler_interval == "batch":
            raise ValueError(
                "ReduceLROnPlateau needs an epoch-level metric; use scheduler_interval='epoch'"
            )
        metrics = dict(metrics or {})
        for name, fn in metrics.items():
            if not callable(fn):
                raise TypeError(f"metric {name!r} must be callable fn(output, target) -> float")
            if name == "loss" or name.startswith("val_") or name == "lr":
                raise ValueError(f"metric name {name!r} clashes with a logged quantity")
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = metrics
        self.callbacks = list(callbacks or [])
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.verbose = verbose
        self.extra_loss = extra_loss
        self.plateau_monitor = plateau_monitor
        self.compile = compile
        # forward, loss and backward, traced once per batch shape and replayed
        # (ag.compile); a batch it cannot trace runs eagerly. zero_grad and the update stay
        # outside, the update after the check that the loss is finite.
        self._compiled = ag.compile(self._forward_backward, fallback=True)
        self.history = History()
        self.epoch = 0
        self.stop_training = False

    # -- public ---------------------------------------------------------------------------------
    def fit(
        self,
        train_loader: Iterable[Any],
        epochs: int = 1,
        val_loader: Iterable[Any] | None = None,
        initial_epoch: int | None = None,
    ) -> History:
        """Train for ``epochs`` more epochs, numbered on from ``initial_epoch`` (default: where
        the last call stopped). Returns the trainer's History, which accumulates across calls.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer; got {epochs!r}")
        if initial_epoch is not None:
            self.epoch = int(initial_epoch)
        show = sys.stderr.isatty() if self.verbose is None else bool(self.verbose)
        was_training = getattr(self.model, "training", None)
        self.stop_training = False
        self._call("on_train_begin")
        first = self.epoch
        try:
            for epoch in range(first, first + epochs):
                logs = self._run_epoch(train_loader, val_loader, epoch, first + epochs, show)
                self.epoch = epoch + 1
                self.history.append(epoch, logs)
                self._call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
            self._call("on_train_end")
        finally:
            if was_training is not None:
                self.model.train() if was_training else self.model.eval()
        return self.history

    def evaluate(self, loader: Iterable[Any]) -> dict[str, float]:
        """Mean loss and metrics over ``loader``, in eval mode and without recording graphs."""
        was_training = getattr(self.model, "training", None)
        _set_mode(self.model, train=False)
        totals: dict[str, float] = {}
        count = 0
        try:
            with ag.no_grad():
                for batch_index, batch in enumerate(loader):
                    x, y = _unpack(batch, "evaluation", batch_index)
                    out = self.model(x)
                    loss = self._loss(out, y)
                    n = _num_samples(x, y)
                    count += n
                    for key, value in self._batch_logs(out, y, _scalar_loss(loss)).items():
                        totals[key] = totals.get(key, 0.0) + value * n
        finally:
            if was_training:
                _set_mode(self.model, train=True)
        if count == 0:
            raise ValueError("evaluate: the loader yielded no batches")
        return {key: total / count for key, total in totals.items()}

    # -- internals ------------------------------------------------------------------------------
    def _call(self, hook: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)

    def _loss(self, out: Any, y: Any) -> Tensor:
        loss = self.loss_fn(out, y)
        if self.extra_loss is not None:
            loss = loss + self.extra_loss(self.model)
        return loss

    def _forward_backward(self, x: Tensor, y: Tensor, training: bool) -> tuple[Tensor, Any]:
        """One batch's forward, loss and backward; `training` (the model's mode) keys the
        trace, since dropout and batch norm trace differently in each mode."""
        out = self.model(x)
        loss = self._loss(out, y)
        _scalar_loss(loss)  # its type and shape errors, before backward
        loss.backward()
        return loss, out

    def _batch_logs(self, out: Any, y: Any, loss: float) -> dict[str, float]:
        logs = {"loss": loss}
        for name, fn in self.metrics.items():
            logs[name] = float(fn(out, y))
        return logs

    def _run_epoch(
        self, loader: Iterable[Any], val_loader: Iterable[Any] | None, epoch: int, last: int,
        show: bool,
    ) -> dict[str, float]:
        if hasattr(loader, "set_epoch"):
            loader.set_epoch(epoch)
        self._call("on_epoch_begin", epoch)
        _set_mode(self.model, train=True)
        total = len(loader) if hasattr(loader, "__len__") else None
        bar = tqdm(total=total, desc=f"epoch {epoch + 1}/{last}", file=sys.stderr,
                   disable=not show, unit="batch", dynamic_ncols=True, leave=True)
        lr = _lr(self.optimizer)
        try:
            logs = self._train_batches(loader, epoch, last, total, bar)
            if lr is not None:
                logs["lr"] = lr
            if val_loader is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(val_loader).items()})
            self._step_epoch_scheduler(logs)
            bar.set_postfix({k: _fmt(v) for k, v in logs.items() if v is not None})
        finally:
            bar.close()
        return logs

    def _train_batches(
        self, loader: Iterable[Any], epoch: int, last: int, total: int | None, bar: tqdm
    ) -> dict[str, float]:
        totals: dict[str, float] = {}
        count = 0
        batches = 0
        for batch_index, batch in enumerate(loader):
            x, y = _unpack(batch, f"epoch {epoch + 1}", batch_index)
            lr = _lr(self.optimizer)
            compiled = (self.compile and isinstance(self.model, Module) and isinstance(x, Tensor)
                        and isinstance(y, Tensor))
            self.optimizer.zero_grad()  # any optimizer's, so it runs here, not in the trace
            if compiled:  # the gradients are computed before the loss is checked
                loss, out = self._compiled(x, y, bool(getattr(self.model, "training", True)))
            else:
                out = self.model(x)
                loss = self._loss(out, y)
            value = _scalar_loss(loss)
            if not math.isfinite(value):
                of_total = f"/{total}" if total is not None else ""
                raise TrainingDivergedError(
                    f"training loss is {value} at epoch {epoch + 1}/{last}, batch "
                    f"{batch_index + 1}{of_total} (counting from 1); stopped before this "
                    "batch's update. Try a lower learning rate, check the data for NaN/inf, or "
                    "run under ag.detect_anomaly() to find the op that produced it"
                )
            with ag.no_grad():
                logs = self._batch_logs(out.detach() if isinstance(out, Tensor) else out, y,
                                        value)
            if not compiled:
                loss.backward()
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler_interval == "batch":
                self.scheduler.step()
            n = _num_samples(x, y)
            count += n
            batches += 1
            for key, v in logs.items():
                totals[key] = totals.get(key, 0.0) + v * n
            self.history.batch_loss.append(value)
            self.history.batch_lr.append(lr)
            self._call("on_batch_end", batch_index, {**logs, "lr": lr, "size": n})
            bar.set_postfix(loss=_fmt(totals["loss"] / count), lr=_fmt(lr), refresh=False)
            bar.update(1)
            if self.stop_training:
                break
        if batches == 0:
            raise ValueError(
                f"epoch {epoch + 1}: the training loader yielded no batches (an empty dataset, "
                "or drop_last with batch_size larger than the dataset?)"
            )
        return {key: total / count for key, total in totals.items()}

    def _step_epoch_scheduler(self, logs: dict[str, float]) -> None:
        if self.scheduler is None or self.scheduler_interval != "epoch":
            return
        if _is_plateau(self.scheduler):
            monitor = self.plateau_monitor or ("val_loss" if "val_loss" in logs else "loss")
            if monitor not in logs:
                raise KeyError(
                    f"ReduceLROnPlateau monitors {monitor!r}, which is not in the epoch logs "
                    f"{sorted(logs)}"
                )
            self.scheduler.step(logs[monitor])
        else:
            self.scheduler.step()


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _set_mode(model: Any, train: bool) -> None:
    method = getattr(model, "train" if train else "eval", None)
    if callable(method):
        method()


def _unpack(batch: Any, where: str, index: int) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    kind = f"a {type(batch).__name__}"
    if isinstance(batch, (tuple, list)):
        kind += f" of {len(batch)} items"
    raise ValueError(
        f"{where}, batch {index + 1}: expected an (input, target) pair from the loader; got "
        f"{kind} (for an autoencoder use TensorDataset(x, x))"
    )


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    optimizer: Any,
    train_loader: Iterable[Any],
    epochs: int = 1,
    val_loader: Iterable[Any] | None = None,
    metrics: Mapping[str, Metric] | None = None,
    callbacks: Iterable[Callback] | None = None,
    scheduler: Any = None,
    scheduler_interval: str = "epoch",
    verbose: bool | None = None,
    extra_loss: Callable[[Any], Tensor] | None = None,
    initial_epoch: int = 0,
    plateau_monitor: str | None = None,
    compile: bool = True,  # noqa: A002
) -> History:
    """Train ``model`` and return its :class:`History`; see :class:`Trainer` for the details."""
    trainer = Trainer(
        model, loss_fn, optimizer, metrics=metrics, callbacks=callbacks, scheduler=scheduler,
        scheduler_interval=scheduler_interval, verbose=verbose, extra_loss=extra_loss,
        plateau_monitor=plateau_monitor, compile=compile,
    )
    return trainer.fit(train_loader, epochs, val_loader=val_loader, initial_epoch=initial_epoch)
