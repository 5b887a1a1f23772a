"""The workloads written once in PyTorch's API, for every library that offers that API.

``reference_torch.py`` builds them with ``torch``; ``engine_impl.py`` with ``autograd_core``,
``nn`` and ``optim``, the code a PyTorch user would have after changing the imports. So the two
engines run the same model definitions, optimizer calls and training loop, and differ only in
the library underneath.

Every runner has the interface described in ``reference_numpy.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
from workloads import ADAM_BETAS, ADAM_EPS, run_chain


def _numpy(t: Any) -> np.ndarray:
    """A copy, so that later steps cannot change what was returned."""
    return np.array(t.detach().numpy())


def make_builders(lib: ModuleType, nn: ModuleType, F: ModuleType, optim: ModuleType,
                  from_numpy: Callable[[np.ndarray], Any]) -> dict[str, Callable]:
    """Workload key -> runner factory, with ``lib`` in the role of ``torch`` (tensors and
    elementwise functions), ``nn``, ``F`` (``nn.functional``) and ``optim`` as in PyTorch;
    ``from_numpy`` turns an array into a tensor."""
    sin, tanh, exp, sigmoid = lib.sin, lib.tanh, lib.exp, lib.sigmoid

    class LogReg(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(40, 10)

        def forward(self, x):
            return self.fc(x)

    class MLPBase(nn.Module):
        """The MNIST-1D paper's MLPBase with hidden size 100."""

        def __init__(self):
            super().__init__()
            self.linear1 = nn.Linear(40, 100)
            self.linear2 = nn.Linear(100, 100)
            self.linear3 = nn.Linear(100, 10)

        def forward(self, x):
            h = self.linear1(x).relu()
            h = h + self.linear2(h).relu()
            return self.linear3(h)

    class MLP3(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 256)
            self.fc2 = nn.Linear(256, 256)
            self.fc3 = nn.Linear(256, 10)

        def forward(self, x):
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    class AutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc1 = nn.Linear(784, 128)
            self.enc2 = nn.Linear(128, 32)
            self.dec1 = nn.Linear(32, 128)
            self.dec2 = nn.Linear(128, 784)

        def forward(self, x):
            code = self.enc2(F.relu(self.enc1(x)))
            return sigmoid(self.dec2(F.relu(self.dec1(code))))

    class TanhMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 16)
            self.fc2 = nn.Linear(16, 16)
            self.fc3 = nn.Linear(16, 1)

        def forward(self, x):
            return self.fc3(tanh(self.fc2(tanh(self.fc1(x)))))

    class ConvBase(nn.Module):
        """The MNIST-1D paper's ConvBase (notebooks/models.py in greydanus/mnist1d)."""

        def __init__(self, channels=25, linear_in=125):
            super().__init__()
            self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
            self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.linear = nn.Linear(linear_in, 10)

        def forward(self, x):
            h = self.conv1(x).relu()
            h = self.conv2(h).relu()
            h = self.conv3(h).relu()
            return self.linear(h.view(h.shape[0], -1))

    class Trainer:
        """A model, its optimizer, one preloaded batch and the loss."""

        def __init__(self, model, prob, opt, loss):
            self.model = model.double() if prob.dtype == np.float64 else model.float()
            self.model.load_state_dict({k: from_numpy(v) for k, v in prob.params().items()})
            d = prob.inputs()
            self.x = from_numpy(d["x"])
            self.y = from_numpy(d["y"]) if "y" in d else self.x
            lr = prob.hyper["lr"]
            params = list(self.model.parameters())
            if opt == "adam":
                self.opt = optim.Adam(params, lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS)
            else:
                self.opt = optim.SGD(params, lr=lr)
            self.loss_fn = loss

        def _loss(self):
            self.opt.zero_grad()
            loss = self.loss_fn(self.model(self.x), self.y)
            loss.backward()
            return loss

        def grads(self):
            loss = self._loss()
            return loss.item(), {k: _numpy(p.grad) for k, p in self.model.named_parameters()}

        def step(self):
            self._loss()
            self.opt.step()

        def params(self):
            return {k: _numpy(v) for k, v in self.model.state_dict().items()}

    class Chain:
        """F: leaves x and w, forward + backward each step."""

        def __init__(self, prob):
            p = prob.params()
            self.x = from_numpy(p["x"]).requires_grad_()
            self.w = from_numpy(p["w"]).requires_grad_()
            self.n_ops = prob.hyper["n_ops"]
            self.loss = None

        def forward(self):
            self.x.grad = self.w.grad = None
            self.loss = run_chain(self.x, self.w, self.n_ops, sin, tanh, exp).sum()

        def backward(self):
            """Backward, then drop the graph so that nothing outlives the step."""
            self.loss.backward()
            self.loss = None

        def grads(self):
            self.forward()
            loss = self.loss.item()
            self.backward()
            return loss, {"x": _numpy(self.x.grad), "w": _numpy(self.w.grad)}

        def step(self):
            self.forward()
            self.backward()

        def params(self):
            return {"x": _numpy(self.x), "w": _numpy(self.w)}

    class ChainBackward(Chain):
        """K: only ``loss.backward()`` is timed."""

        def prepare(self):
            self.forward()

        def step(self):
            self.backward()

    def scalar(value):
        return lib.tensor(float(value), dtype=lib.float64, requires_grad=True)

    class ScalarChain:
        """G on 0-d float64 tensors."""

        def __init__(self, prob):
            p = prob.params()
            self.leaves = {k: scalar(p[k]) for k in ("a", "b", "y0")}
            self.n = prob.hyper["n_steps"]

        def _run(self):
            a, b, y = self.leaves["a"], self.leaves["b"], self.leaves["y0"]
            for t in self.leaves.values():
                t.grad = None
            for _ in range(self.n):
                y = tanh(a * y + b)
            y.backward()
            return y

        def grads(self):
            y = self._run()
            return y.item(), {k: _numpy(t.grad) for k, t in self.leaves.items()}

        def step(self):
            self._run()

        def params(self):
            return {k: _numpy(t) for k, t in self.leaves.items()}

    class ScalarMLP:
        """I: micrograd's MLP written with one 0-d tensor per weight, SGD over all of them."""

        def __init__(self, prob):
            p, d = prob.params(), prob.inputs()
            self.x = [float(v) for v in d["x"]]
            self.t = float(d["y"])
            self.layers = []
            for i in range(3):
                W, b = p[f"l{i}.w"], p[f"l{i}.b"]
                neurons = [([scalar(v) for v in W[j]], scalar(b[j])) for j in range(W.shape[0])]
                self.layers.append(neurons)
            self.params_list = [q for layer in self.layers for ws, bj in layer for q in (*ws, bj)]
            self.opt = optim.SGD(self.params_list, lr=prob.hyper["lr"])

        def _loss(self):
            self.opt.zero_grad()
            h = self.x
            last = len(self.layers) - 1
            for li, layer in enumerate(self.layers):
                out = []
                for ws, bj in layer:
                    act = sum((wi * xi for wi, xi in zip(ws, h)), bj)
                    out.append(act.relu() if li != last else act)
                h = out
            loss = (h[0] - self.t) ** 2
            loss.backward()
            return loss

        def _collect(self, get):
            out = {}
            for i, layer in enumerate(self.layers):
                out[f"l{i}.w"] = np.array([[get(w) for w in ws] for ws, _ in layer])
                out[f"l{i}.b"] = np.array([get(bj) for _, bj in layer])
            return out

        def grads(self):
            loss = self._loss()
            return loss.item(), self._collect(lambda t: t.grad.item())

        def step(self):
            self._loss()
            self.opt.step()

        def params(self):
            return self._collect(lambda t: t.item())

    def trainer(model_cls, opt, loss):
        return lambda prob: Trainer(model_cls(), prob, opt, loss)

    return {
        "A": trainer(LogReg, "adam", F.cross_entropy),
        "B": trainer(MLPBase, "adam", F.cross_entropy),
        "C": trainer(MLP3, "sgd", F.cross_entropy),
        "D": trainer(AutoEncoder, "adam", F.mse_loss),
        "E": trainer(TanhMLP, "sgd", F.mse_loss),
        "F": Chain,
        "G": ScalarChain,
        "H": trainer(ConvBase, "adam", F.cross_entropy),
        "I": ScalarMLP,
        "K": ChainBackward,
    }
