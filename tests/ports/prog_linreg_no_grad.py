"""Linear regression by hand: tensors with requires_grad, backward, and an update under no_grad.

The first program of most courses: the weights are plain tensors, the model is ``X @ w + b``,
and each step subtracts ``lr * grad`` inside ``torch.no_grad()`` and zeroes the gradients.
Mini-batches come from a ``data_iter`` generator that shuffles a list of indices with Python's
``random`` (seeded, so both libraries see the same batches) and indexes the features with a
tensor of indices.
"""

import random

import numpy as np

RTOL, ATOL = 1e-10, 1e-12


def run(lib, epochs=20, batch_size=16, lr=0.05):
    torch = lib.torch

    rng = np.random.default_rng(0)
    true_w = np.array([[2.0], [-3.4], [1.5]])
    true_b = 4.2
    features = rng.standard_normal((96, 3))
    labels = features @ true_w + true_b + 0.01 * rng.standard_normal((96, 1))

    X = torch.from_numpy(features)
    y = torch.from_numpy(labels)
    w = torch.tensor(rng.normal(0.0, 0.01, (3, 1)), requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)

    def data_iter(batch_size, features, labels, shuffle_rng):
        num_examples = len(features)
        indices = list(range(num_examples))
        shuffle_rng.shuffle(indices)
        for i in range(0, num_examples, batch_size):
            batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
            yield features[batch_indices], labels[batch_indices]

    def linreg(X, w, b):
        return torch.matmul(X, w) + b

    def squared_loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    shuffle_rng = random.Random(0)
    epoch_losses, log = [], []
    for epoch in range(epochs):
        for X_batch, y_batch in data_iter(batch_size, X, y, shuffle_rng):
            loss = squared_loss(linreg(X_batch, w, b), y_batch).mean()
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
        with torch.no_grad():
            train_l = squared_loss(linreg(X, w, b), y)
            epoch_losses.append(float(train_l.mean()))
            log.append(f"epoch {epoch + 1}, loss {train_l.mean():f}")

    return {
        "epoch_losses": epoch_losses,
        "log": log,
        "w": w.detach().numpy().ravel().tolist(),
        "b": b.item(),
        "w_error": (torch.from_numpy(true_w) - w).abs().max().item(),
        "w_is_leaf": w.is_leaf,
        "w_requires_grad": w.requires_grad,
        "grad_after_zero": w.grad.sum().item(),
    }


def check(res):
    assert res["epoch_losses"][-1] < 1e-3 < res["epoch_losses"][0]
    assert res["w_error"] < 0.05 and abs(res["b"] - 4.2) < 0.05
    assert res["w_is_leaf"] and res["w_requires_grad"] and res["grad_after_zero"] == 0.0
