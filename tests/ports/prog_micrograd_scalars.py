"""A micrograd-style network built from scalars: every weight is its own 0-d tensor.

``Neuron``, ``Layer`` and ``MLP`` are plain Python classes holding lists of 0-d tensors;
a neuron computes ``sum((wi * xi for wi, xi in zip(self.w, x)), self.b)`` with Python floats
as inputs and applies ``.tanh()`` or ``.relu()``; the loss is a Python ``sum`` of squared
errors; the update is ``p.data -= lr * p.grad`` followed by ``p.grad = None``. Weights come
from a seeded NumPy generator as Python floats, made float64 tensors with
``torch.tensor(v, dtype=torch.float64, requires_grad=True)``.
"""

import numpy as np

RTOL, ATOL = 1e-10, 1e-13


def run(lib, steps=25, lr=0.05):
    torch = lib.torch
    rng = np.random.default_rng(20)

    def scalar(v):
        return torch.tensor(float(v), dtype=torch.float64, requires_grad=True)

    class Module:
        def zero_grad(self):
            for p in self.parameters():
                p.grad = None

        def parameters(self):
            return []

    class Neuron(Module):
        def __init__(self, nin, nonlin="tanh"):
            self.w = [scalar(rng.uniform(-1, 1)) for _ in range(nin)]
            self.b = scalar(0)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            if self.nonlin == "tanh":
                return act.tanh()
            if self.nonlin == "relu":
                return act.relu()
            return act

        def parameters(self):
            return self.w + [self.b]

    class Layer(Module):
        def __init__(self, nin, nout, **kwargs):
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x):
            out = [n(x) for n in self.neurons]
            return out[0] if len(out) == 1 else out

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP(Module):
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            kinds = ["tanh", "relu", "linear"]
            self.layers = [Layer(sz[i], sz[i + 1], nonlin=kinds[i]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    n = MLP(3, [4, 4, 1])
    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]

    losses, first_grads = [], None
    for _ in range(steps):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))

        n.zero_grad()
        loss.backward()
        if first_grads is None:
            first_grads = [p.grad.item() for p in n.parameters()]

        for p in n.parameters():
            p.data -= lr * p.grad

        losses.append(loss.item())

    n.zero_grad()
    grads_cleared = all(p.grad is None for p in n.parameters())
    return {
        "n_parameters": len(n.parameters()),
        "losses": losses,
        "first_grads": first_grads,
        "predictions": [n(x).item() for x in xs],
        "weights": [p.item() for p in n.parameters()],
        "grads_cleared": grads_cleared,
        "scalar_shape": list(n.parameters()[0].shape),
    }


def check(res):
    assert res["n_parameters"] == 4 * 4 + 4 * 5 + 5
    l = res["losses"]
    assert l[-1] < 0.2 * l[0], l
    assert res["grads_cleared"] and res["scalar_shape"] == []
