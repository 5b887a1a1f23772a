"""Saving and loading a general checkpoint, then resuming training (the PyTorch recipe).

Trains a small regression network with SGD (momentum) and an ExponentialLR schedule, saves
``{'epoch', 'model_state_dict', 'optimizer_state_dict', 'scheduler_state_dict', 'loss'}``
with ``torch.save``, trains on; then builds a fresh model, optimizer and scheduler, restores
them from ``torch.load(PATH, weights_only=True)`` and trains the same epochs again: the
resumed run must repeat the uninterrupted one exactly. Also the Quickstart's
``torch.save(model.state_dict(), "model.pth")`` and ``load_state_dict(torch.load(...))``.
"""

import os
import tempfile

import numpy as np
from ports_lib import numpy_init_

RTOL, ATOL = 1e-10, 1e-13


def run(lib, epochs_before=3, epochs_after=3):
    torch, nn, optim = lib.torch, lib.nn, lib.optim

    class Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))

        def forward(self, x):
            return self.net(x)

    rng = np.random.default_rng(21)
    X = torch.from_numpy(rng.standard_normal((64, 5)))
    y = torch.from_numpy((X.numpy() ** 2).sum(axis=1, keepdims=True) / 5)
    loss_fn = nn.MSELoss()

    def make():
        model = Regressor().double()
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        return model, optimizer, scheduler

    def train_epochs(model, optimizer, scheduler, n):
        losses = []
        model.train()
        for _ in range(n):
            for i in range(0, 64, 16):
                optimizer.zero_grad()
                loss = loss_fn(model(X[i:i + 16]), y[i:i + 16])
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            scheduler.step()
        return losses, loss

    with tempfile.TemporaryDirectory() as tmp:
        PATH = os.path.join(tmp, "checkpoint.pt")

        model, optimizer, scheduler = make()
        numpy_init_(torch, model, seed=22)
        before, loss = train_epochs(model, optimizer, scheduler, epochs_before)
        torch.save({
            "epoch": epochs_before,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "scheduler_state_dict": scheduler.state_dict(),
            "loss": loss,
        }, PATH)
        uninterrupted, _ = train_epochs(model, optimizer, scheduler, epochs_after)
        final_weights = {k: v.numpy().copy() for k, v in model.state_dict().items()}

        model, optimizer, scheduler = make()
        checkpoint = torch.load(PATH, weights_only=True)
        model.load_state_dict(checkpoint["model_state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        scheduler.load_state_dict(checkpoint["scheduler_state_dict"])
        epoch = checkpoint["epoch"]
        saved_loss = checkpoint["loss"]
        resumed, _ = train_epochs(model, optimizer, scheduler, epochs_after)

        torch.save(model.state_dict(), os.path.join(tmp, "model.pth"))
        copy = Regressor().double()
        copy.load_state_dict(torch.load(os.path.join(tmp, "model.pth"), weights_only=True))
        copy.eval()
        with torch.no_grad():
            same_predictions = bool(torch.equal(copy(X), model(X)))

    return {
        "losses_before": before,
        "losses_uninterrupted": uninterrupted,
        "losses_resumed": resumed,
        "final_weights": final_weights,
        "epoch": epoch,
        "saved_loss": saved_loss.item(),
        "lr_after": optimizer.param_groups[0]["lr"],
        "same_predictions": same_predictions,
    }


def check(res):
    assert res["losses_resumed"] == res["losses_uninterrupted"]
    assert res["epoch"] == 3 and res["saved_loss"] == res["losses_before"][-1]
    assert abs(res["lr_after"] - 0.05 * 0.9 ** 6) < 1e-15
    assert res["same_predictions"]
    assert np.mean(res["losses_resumed"][-4:]) < np.mean(res["losses_before"][:4])
