"""Fitting sin(x) with a third-order polynomial, updating through ``.data`` (the older idiom).

    y_pred = a + b x + c x^2 + d x^3,  loss = sum((y_pred - y)^2)

Each step writes ``p.data -= lr * p.grad`` and clears the gradient with
``p.grad.data.zero_()``, as PyTorch code written before ``no_grad`` existed does.
"""

import math

import numpy as np

RTOL, ATOL = 1e-9, 1e-12


def run(lib, steps=400, lr=1e-6):
    torch = lib.torch

    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)

    rng = np.random.default_rng(1)
    a, b, c, d = (torch.tensor(v, dtype=torch.float64, requires_grad=True)
                  for v in rng.standard_normal(4))

    losses = []
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 50 == 49:
            losses.append(loss.item())
        loss.backward()

        a.data -= lr * a.grad
        b.data -= lr * b.grad
        c.data -= lr * c.grad
        d.data -= lr * d.grad

        a.grad.data.zero_()
        b.grad.data.zero_()
        c.grad.data.zero_()
        d.grad.data.zero_()

    result = f"y = {a.item():.6f} + {b.item():.6f} x + {c.item():.6f} x^2 + {d.item():.6f} x^3"
    return {
        "losses": losses,
        "coefficients": [a.item(), b.item(), c.item(), d.item()],
        "result": result,
        "data_is_leaf_without_grad": (not a.data.requires_grad) and a.data.is_leaf,
        "a_requires_grad": a.requires_grad,
    }


def check(res):
    losses = res["losses"]
    assert all(l1 < l0 for l0, l1 in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.5 * losses[0]
    assert res["data_is_leaf_without_grad"] and res["a_requires_grad"]
