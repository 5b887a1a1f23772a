"""Tests for nn.training: the loop, history, metrics, schedules, callbacks and checkpoints.

Scripted tests use ``Scale`` (y = w * x, one weight) and a validation "loader" whose loss is a
chosen number per epoch, so early stopping and best-model checkpoints can be checked against a
known curve; the rest train real nn models with real optim optimizers.
"""

import io
import math
import sys

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn import checkpoint
from nn.data import DataLoader, TensorDataset
from nn.training import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    Trainer,
    TrainingDivergedError,
    accuracy,
    binary_accuracy,
    fit,
)


class Scale:
    """y = w * x: a model with one weight that records the mode of every forward call."""

    def __init__(self, w=0.0):
        self.w = ag.tensor([w], requires_grad=True)
        self.training = True
        self.calls = []  # (training, grad enabled) per forward

    def __call__(self, x):
        self.calls.append((self.training, ag.is_grad_enabled()))
        return x * self.w

    def parameters(self):
        return [self.w]

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def state_dict(self):
        return {"w": self.w.detach()}

    def load_state_dict(self, state):
        with ag.no_grad():
            self.w.copy_(np.asarray(state["w"]))


class ScriptedVal:
    """One validation batch per pass; with a zero input the model outputs 0, so the MSE
    validation loss of pass k is exactly curve[k] (up to float32 rounding)."""

    def __init__(self, curve):
        self.curve = list(curve)
        self.passes = 0

    def __iter__(self):
        value = self.curve[self.passes]
        self.passes += 1
        yield ag.zeros(1, 1), ag.tensor([[math.sqrt(value)]])


def mse(out, y):
    return ((out - y) ** 2).mean()


def _train_loader(batches=2, batch_size=2):
    n = batches * batch_size
    x = np.ones((n, 1), dtype=np.float32)
    return DataLoader(TensorDataset(x, 2 * x), batch_size=batch_size)


def _scale_trainer(curve=None, lr=0.1, **kwargs):
    model = Scale()
    opt = optim.SGD(model.parameters(), lr=lr)
    return model, opt, Trainer(model, mse, opt, verbose=False, **kwargs)


def _weights_per_epoch(model):
    weights = []
    recorder = LambdaCallback(
        on_epoch_end=lambda trainer, epoch, logs: weights.append(model.w._data.copy())
    )
    return weights, recorder


# -- the loop on real models ------------------------------------------------------------------
def test_fit_learns_linear_regression_and_records_history():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    true_w = np.array([[1.5, -2.0, 0.5]], dtype=np.float32)
    y = x @ true_w.T + 0.3
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, seed=0)
    history = fit(model, nn.MSELoss(), opt, loader, epochs=30, val_loader=DataLoader(
        TensorDataset(x, y), batch_size=64), verbose=False)
    assert isinstance(history, History)
    assert len(history["loss"]) == len(history["val_loss"]) == len(history["lr"]) == 30
    assert history.epochs == list(range(30))
    assert len(history.batch_loss) == 30 * len(loader)
    assert history["loss"][-1] < 1e-3 * history["loss"][0]
    assert history["val_loss"][-1] < 1e-4
    np.testing.assert_allclose(model.weight.detach().numpy(), true_w, atol=1e-2)
    np.testing.assert_allclose(model.bias.detach().numpy(), [0.3], atol=1e-2)


def test_fit_learns_xor_with_an_mlp_and_adam_and_reports_accuracy():
    ag.manual_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 8, dtype=np.float32)
    y = (x[:, 0] != x[:, 1]).astype(np.int64)
    model = nn.MLP([2, 16, 2])
    opt = optim.Adam(model.parameters(), lr=0.05)
    data = TensorDataset(x, y)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, metrics={"accuracy": accuracy},
                      verbose=False)
    history = trainer.fit(DataLoader(data, batch_size=8, shuffle=True, seed=1), epochs=60,
                          val_loader=DataLoader(data, batch_size=32))
    assert trainer.history is history
    assert history["val_accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    assert len(history["accuracy"]) == 60
    assert trainer.evaluate(DataLoader(data, batch_size=5))["accuracy"] == 1.0


def test_epoch_values_are_sample_weighted_means_of_batch_values():
    x = np.arange(5, dtype=np.float32).reshape(5, 1)
    loader = DataLoader(TensorDataset(x, np.zeros_like(x)), batch_size=2)
    model = Scale(1.0)
    opt = optim.SGD(model.parameters(), lr=0.0)
    history = fit(model, mse, opt, loader, val_loader=loader, verbose=False)
    assert history.batch_loss == [0.5, 6.5, 16.0]
    assert history["loss"] == [pytest.approx((0.5 * 2 + 6.5 * 2 + 16.0) / 5)]
    assert history["val_loss"] == [pytest.approx(np.mean(x**2))]


def test_each_batch_zeroes_gradients_then_steps_once():
    events = []
    model = Scale()
    inner = optim.SGD(model.parameters(), lr=0.1)

    class Recording:
        param_groups = inner.param_groups

        def zero_grad(self):
            events.append("zero_grad")
            inner.zero_grad()

        def step(self):
            events.append(("step", float(model.w.grad.item())))
            inner.step()

    fit(model, mse, Recording(), _train_loader(batches=3), epochs=2, verbose=False)
    assert [e if isinstance(e, str) else e[0] for e in events] == ["zero_grad", "step"] * 6
    # with fresh gradients, the first step's gradient is d/dw (w*1 - 2)^2 at w=0
    assert events[1][1] == pytest.approx(-4.0)


def test_validation_runs_in_eval_mode_without_grad_and_mode_is_restored():
    model, opt, trainer = _scale_trainer()
    model.eval()
    trainer.fit(_train_loader(batches=2), epochs=2, val_loader=ScriptedVal([1.0, 1.0]))
    per_epoch = [(True, True), (True, True), (False, False)]
    assert model.calls == per_epoch * 2
    assert model.training is False
    model.train()
    trainer.fit(_train_loader(batches=1), epochs=1, val_loader=ScriptedVal([1.0]))
    assert model.training is True


def test_extra_loss_is_added_to_the_loss_and_its_gradient_used():
    def l1_pull_up(model):
        return -model.w.sum()  # constant slope: a penalty that pushes w upward

    model = Scale()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(np.zeros((2, 1), np.float32), np.zeros((2, 1), np.float32)),
                        batch_size=2)
    history = fit(model, mse, opt, loader, epochs=1, extra_loss=l1_pull_up, verbose=False)
    # data loss is 0 with zero inputs; only the penalty moves w: w = 0 - 0.1 * (-1)
    assert model.w.item() == pytest.approx(0.1)
    assert history.batch_loss == [0.0]


def test_metrics_for_training_batches_and_validation():
    model, opt, trainer = _scale_trainer(metrics={"w_seen": lambda out, y: model.w.item()})
    trainer.fit(_train_loader(batches=1), epochs=1, val_loader=ScriptedVal([1.0]))
    assert trainer.history["w_seen"] == [0.0]  # computed before the step moved w
    assert trainer.history["val_w_seen"] == [pytest.approx(0.4)]


# -- NaN -------------------------------------------------------------------------------------
def test_a_nan_loss_stops_with_the_epoch_and_batch_and_no_update():
    calls = []

    def loss_fn(out, y):
        calls.append(None)
        value = mse(out, y)
        return value * float("nan") if len(calls) == 7 else value

    model = Scale()
    opt = optim.SGD(model.parameters(), lr=0.1)
    weights, recorder = _weights_per_epoch(model)
    seen = []
    batch_end = LambdaCallback(on_batch_end=lambda t, b, logs: seen.append(model.w.item()))
    with pytest.raises(TrainingDivergedError, match=r"loss is nan at epoch 2/4, batch 3/4"):
        fit(model, loss_fn, opt, _train_loader(batches=4), epochs=4, verbose=False,
            callbacks=[recorder, batch_end])
    assert np.isfinite(model.w.item()) and model.w.item() == seen[-1]
    assert len(weights) == 1


def test_an_infinite_loss_stops_too():
    model = Scale()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match="loss is inf at epoch 1/1, batch 1/2"):
        fit(model, lambda out, y: mse(out, y) + float("inf"), opt, _train_loader(), verbose=False)


# -- learning-rate schedules -------------------------------------------------------------------
@pytest.mark.parametrize("interval, steps", [("epoch", 3), ("batch", 12)])
def test_schedulers_step_per_epoch_or_per_batch(interval, steps):
    model = Scale()
    opt = optim.SGD(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(model, lambda out, y: 0.0 * mse(out, y), opt, _train_loader(batches=4),
                  epochs=3, scheduler=scheduler, scheduler_interval=interval, verbose=False)
    assert opt.param_groups[0]["lr"] == 0.5**steps
    if interval == "epoch":
        assert history["lr"] == [1.0, 0.5, 0.25]
        assert history.batch_lr == [1.0] * 4 + [0.5] * 4 + [0.25] * 4
    else:
        assert history.batch_lr == [0.5**i for i in range(12)]
        assert history["lr"] == [1.0, 0.5**4, 0.5**8]


def test_reduce_lr_on_plateau_is_stepped_with_the_validation_loss():
    model, opt, trainer = _scale_trainer(lr=1.0)
    trainer.scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    # val loss improves twice, then stays flat: one reduction after patience+1 flat epochs
    trainer.fit(_train_loader(), epochs=5, val_loader=ScriptedVal([3.0, 2.0, 2.0, 2.0, 2.0]))
    assert trainer.history["lr"] == [1.0, 1.0, 1.0, 1.0, 0.5]


def test_reduce_lr_on_plateau_can_monitor_another_quantity():
    model = Scale()
    opt = optim.SGD(model.parameters(), lr=1.0)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    fit(model, lambda out, y: 0.0 * mse(out, y), opt, _train_loader(), epochs=3,
        scheduler=plateau, plateau_monitor="loss", verbose=False)
    # "loss" is constantly 0: no epoch beats the first in max mode, so two reductions
    assert opt.param_groups[0]["lr"] == 0.25


def test_reduce_lr_on_plateau_per_batch_is_refused():
    model = Scale()
    opt = optim.SGD(model.parameters(), lr=1.0)
    with pytest.raises(ValueError, match="epoch-level metric"):
        Trainer(model, mse, opt, scheduler=optim.lr_scheduler.ReduceLROnPlateau(opt),
                scheduler_interval="batch")


# -- early stopping --------------------------------------------------------------------------
def test_early_stopping_stops_after_patience_epochs_without_improvement():
    curve = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 1.0, 0.5]
    model, opt, trainer = _scale_trainer(callbacks=[stop := EarlyStopping(patience=3)])
    trainer.fit(_train_loader(), epochs=8, val_loader=ScriptedVal(curve))
    assert len(trainer.history["val_loss"]) == 6  # epochs 3, 4, 5 did not improve on epoch 2
    assert stop.best_epoch == 2 and stop.stopped_epoch == 5
    assert stop.best == pytest.approx(3.0)


def test_early_stopping_min_delta_and_max_mode():
    model, opt, trainer = _scale_trainer(
        callbacks=[stop := EarlyStopping(patience=2, min_delta=0.5)])
    trainer.fit(_train_loader(), epochs=9, val_loader=ScriptedVal([5.0, 4.0, 3.8, 3.6, 3.0]))
    assert stop.best_epoch == 1 and stop.stopped_epoch == 3

    model, opt, trainer = _scale_trainer(
        callbacks=[stop := EarlyStopping(monitor="val_loss", mode="max", patience=1)])
    trainer.fit(_train_loader(), epochs=9, val_loader=ScriptedVal([1.0, 2.0, 1.5, 3.0]))
    assert stop.best_epoch == 1 and stop.stopped_epoch == 2


def test_early_stopping_restores_the_best_weights():
    model, opt, trainer = _scale_trainer()
    weights, recorder = _weights_per_epoch(model)
    trainer.callbacks = [recorder, EarlyStopping(patience=2, restore_best=True)]
    trainer.fit(_train_loader(), epochs=10, val_loader=ScriptedVal([4.0, 1.0, 2.0, 3.0]))
    assert len(weights) == 4 and not np.array_equal(weights[1], weights[3])
    np.testing.assert_array_equal(model.w._data, weights[1])


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, opt, trainer = _scale_trainer()
    weights, recorder = _weights_per_epoch(model)
    trainer.callbacks = [recorder, EarlyStopping(patience=2, restore_best=False)]
    trainer.fit(_train_loader(), epochs=10, val_loader=ScriptedVal([4.0, 1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(model.w._data, weights[-1])


def test_a_monitored_quantity_that_is_not_logged_is_named():
    model, opt, trainer = _scale_trainer(callbacks=[EarlyStopping()])
    with pytest.raises(KeyError, match=r"'val_loss' is not in the epoch logs.*needs a val_loader"):
        trainer.fit(_train_loader(), epochs=1)


# -- checkpoints -----------------------------------------------------------------------------
def test_model_checkpoint_keeps_the_best_weights(tmp_path):
    path = tmp_path / "best.npz"
    model, opt, trainer = _scale_trainer()
    weights, recorder = _weights_per_epoch(model)
    saver = ModelCheckpoint(path)
    trainer.callbacks = [recorder, saver]
    trainer.fit(_train_loader(), epochs=5, val_loader=ScriptedVal([3.0, 2.0, 2.5, 1.0, 1.5]))
    assert saver.saved == [str(path)] * 3 and saver.best_epoch == 3
    fresh = Scale(7.0)
    fresh.load_state_dict(nn.load(path))
    np.testing.assert_array_equal(fresh.w._data, weights[3])
    assert not np.array_equal(model.w._data, weights[3])


def test_model_checkpoint_every_epoch_with_optimizer_state_and_formatted_names(tmp_path):
    model, opt, trainer = _scale_trainer()
    saver = ModelCheckpoint(str(tmp_path / "ep{epoch:02d}-{val_loss:.1f}.npz"),
                            save_best_only=False, save_optimizer=True)
    trainer.callbacks = [saver]
    trainer.fit(_train_loader(), epochs=2, val_loader=ScriptedVal([3.0, 4.0]))
    assert [p.rsplit("/", 1)[-1] for p in saver.saved] == ["ep01-3.0.npz", "ep02-4.0.npz"]
    state = nn.load(saver.saved[1])
    assert state["epoch"] == 2 and state["val_loss"] == pytest.approx(4.0)
    assert set(state) == {"model", "optimizer", "epoch", "val_loss"}
    np.testing.assert_array_equal(np.asarray(state["model"]["w"]), model.w._data)
    assert state["optimizer"]["param_groups"][0]["lr"] == 0.1


def _resume_setup(seed=0):
    ag.manual_seed(seed)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.int64)
    model = nn.MLP([4, 8, 2])
    opt = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=5)
    return model, opt, scheduler, loader


def _params(model):
    return {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}


def test_resuming_from_a_checkpoint_continues_training_identically(tmp_path):
    model, opt, scheduler, loader = _resume_setup()
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=scheduler, verbose=False,
                      callbacks=[ModelCheckpoint(tmp_path / "c.npz", save_best_only=False,
                                                 save_optimizer=True)])
    trainer.fit(loader, epochs=2)
    trainer.callbacks = []
    trainer.fit(loader, epochs=2)
    straight = _params(model)

    model2, opt2, scheduler2, loader2 = _resume_setup(seed=99)  # different initial weights
    state = nn.load(tmp_path / "c.npz")
    model2.load_state_dict(state["model"])
    opt2.load_state_dict(state["optimizer"])
    scheduler2.load_state_dict(state["scheduler"])
    history = fit(model2, nn.CrossEntropyLoss(), opt2, loader2, epochs=2, scheduler=scheduler2,
                  initial_epoch=state["epoch"], verbose=False)
    assert history.epochs == [2, 3]
    resumed = _params(model2)
    assert resumed.keys() == straight.keys()
    for key in straight:
        np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)


# -- callbacks -------------------------------------------------------------------------------
def test_callback_hooks_run_in_order_with_zero_based_numbers():
    events = []

    class Recorder(Callback):
        def on_train_begin(self, trainer):
            events.append("train_begin")

        def on_epoch_begin(self, trainer, epoch):
            events.append(("epoch_begin", epoch))

        def on_batch_end(self, trainer, batch, logs):
            events.append(("batch_end", batch, sorted(logs)))

        def on_epoch_end(self, trainer, epoch, logs):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, trainer):
            events.append("train_end")

    model, opt, trainer = _scale_trainer(callbacks=[Recorder()])
    trainer.fit(_train_loader(batches=2), epochs=2, val_loader=ScriptedVal([1.0, 1.0]))
    batch_keys = ["loss", "lr", "size"]
    epoch_keys = ["loss", "lr", "val_loss"]
    assert events == [
        "train_begin",
        ("epoch_begin", 0), ("batch_end", 0, batch_keys), ("batch_end", 1, batch_keys),
        ("epoch_end", 0, epoch_keys),
        ("epoch_begin", 1), ("batch_end", 0, batch_keys), ("batch_end", 1, batch_keys),
        ("epoch_end", 1, epoch_keys),
        "train_end",
    ]


def test_stop_training_from_a_batch_hook_ends_after_that_batch():
    def stop_at_second(trainer, batch, logs):
        if batch == 1:
            trainer.stop_training = True

    model, opt, trainer = _scale_trainer(callbacks=[LambdaCallback(on_batch_end=stop_at_second)])
    trainer.fit(_train_loader(batches=5), epochs=3)
    assert len(trainer.history.batch_loss) == 2 and len(trainer.history["loss"]) == 1


def test_fit_continues_numbering_across_calls():
    model, opt, trainer = _scale_trainer()
    trainer.fit(_train_loader(), epochs=2)
    trainer.fit(_train_loader(), epochs=1)
    assert trainer.history.epochs == [0, 1, 2] and trainer.epoch == 3


# -- progress bar ----------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("verbose, tty, shown", [
    (None, False, False), (False, True, False), (True, False, True), (None, True, True),
])
def test_progress_bar_follows_verbose_and_the_terminal(monkeypatch, verbose, tty, shown):
    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    model = Scale()
    opt = optim.SGD(model.parameters(), lr=0.1)
    fit(model, mse, opt, _train_loader(batches=3), epochs=2, verbose=verbose)
    text = stream.getvalue()
    if shown:
        assert "epoch 1/2" in text and "epoch 2/2" in text
        assert "loss=" in text and "lr=0.1" in text and "3/3" in text
    else:
        assert text == ""


def test_progress_bar_is_quiet_under_captured_stderr(capsys):
    model = Scale()
    fit(model, mse, optim.SGD(model.parameters(), lr=0.1), _train_loader(), epochs=1)
    assert capsys.readouterr().err == ""


# -- errors ----------------------------------------------------------------------------------
def test_a_loader_that_does_not_yield_pairs_is_named():
    model, opt, trainer = _scale_trainer()
    loader = DataLoader(TensorDataset(np.ones((2, 1), np.float32)), batch_size=1)
    with pytest.raises(ValueError, match=r"epoch 1, batch 1: expected an \(input, target\) pair"):
        trainer.fit(loader)


def test_non_scalar_and_non_tensor_losses_are_refused():
    model, opt, _ = _scale_trainer()
    with pytest.raises(ValueError, match=r"scalar Tensor; got shape \(2, 1\)"):
        fit(model, lambda out, y: (out - y) ** 2, opt, _train_loader(), verbose=False)
    with pytest.raises(TypeError, match="loss_fn returned float"):
        fit(model, lambda out, y: 1.0, opt, _train_loader(), verbose=False)


def test_an_empty_loader_is_an_error():
    model, opt, trainer = _scale_trainer()
    empty = DataLoader(TensorDataset(np.ones((3, 1), np.float32), np.ones((3, 1), np.float32)),
                       batch_size=4, drop_last=True)
    with pytest.raises(ValueError, match="yielded no batches"):
        trainer.fit(empty)
    with pytest.raises(ValueError, match="yielded no batches"):
        trainer.evaluate(empty)


@pytest.mark.parametrize("kwargs, match", [
    ({"scheduler_interval": "step"}, "scheduler_interval"),
    ({"metrics": {"loss": accuracy}}, "clashes"),
    ({"metrics": {"acc": 3}}, "callable"),
])
def test_bad_trainer_options(kwargs, match):
    model = Scale()
    with pytest.raises((ValueError, TypeError), match=match):
        Trainer(model, mse, optim.SGD(model.parameters(), lr=0.1), **kwargs)


# -- metrics ---------------------------------------------------------------------------------
def test_accuracy_counts_argmax_matches():
    scores = ag.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(scores, ag.tensor([1, 0, 0, 0])) == 0.75
    assert accuracy(scores, np.eye(2)[[1, 1, 1, 0]]) == 0.75
    with pytest.raises(ValueError, match="class scores"):
        accuracy(ag.tensor([0.1, 0.2]), ag.tensor([0, 1]))
    with pytest.raises(ValueError, match="does not match"):
        accuracy(scores, ag.tensor([1, 0]))


def test_binary_accuracy_thresholds():
    assert binary_accuracy(np.array([[0.2], [0.7], [0.9]]), np.array([0, 0, 1])) == 2 / 3
    assert binary_accuracy(np.array([-1.0, 2.0]), np.array([0.0, 1.0]), threshold=0.0) == 1.0


def test_checkpoint_module_is_what_nn_exports():
    assert nn.save is checkpoint.save and nn.load is checkpoint.load
    assert nn.fit is fit and nn.Trainer is Trainer
