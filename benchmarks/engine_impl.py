"""The workloads written for autograd_core with its public API only (shared/API.md).

The code is what a PyTorch user would write after changing the imports: ``nn.Module``
models loaded with ``load_state_dict`` from the shared NumPy state dict, ``nn.functional``
losses, ``optim.Adam``/``optim.SGD``, ``loss.backward()`` and ``p.grad``. It deliberately uses
no engine internals, so it measures what users of the public API get.
"""

from __future__ import annotations

import numpy as np
from workloads import ADAM_BETAS, ADAM_EPS, CHAIN_CYCLE

import autograd_core as ag
import nn
import optim
from nn import functional as F


def _version():
    for mod in (ag, nn, optim):
        v = getattr(mod, "__version__", None)
        if v:
            return str(v)
    return "working tree"


VERSION = _version()


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
        return ag.sigmoid(self.dec2(F.relu(self.dec1(code))))


class TanhMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc3(ag.tanh(self.fc2(ag.tanh(self.fc1(x)))))


class ConvBase(nn.Module):
    """The MNIST-1D paper's ConvBase."""

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
        self.model.load_state_dict(prob.params())
        d = prob.inputs()
        self.x = ag.tensor(d["x"])
        self.y = ag.tensor(d["y"]) if "y" in d else self.x
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
        return loss.item(), {k: np.array(p.grad.numpy())
                             for k, p in self.model.named_parameters()}

    def step(self):
        self._loss()
        self.opt.step()

    def params(self):
        return {k: np.array(np.asarray(v)) for k, v in self.model.state_dict().items()}


def _chain(x, w, n_ops):
    y = x
    for i in range(n_ops):
        op = CHAIN_CYCLE[i % len(CHAIN_CYCLE)]
        if op == "sin":
            y = ag.sin(y)
        elif op == "mul":
            y = y * w
        elif op == "add":
            y = y + x
        elif op == "tanh":
            y = ag.tanh(y)
        else:
            y = ag.exp(y)
    return y.sum()


class Chain:
    """F: leaves x and w, forward + backward each step."""

    def __init__(self, prob):
        p = prob.params()
        self.x = ag.tensor(p["x"], requires_grad=True)
        self.w = ag.tensor(p["w"], requires_grad=True)
        self.n_ops = prob.hyper["n_ops"]
        self.loss = None

    def forward(self):
        self.x.grad = None
        self.w.grad = None
        self.loss = _chain(self.x, self.w, self.n_ops)

    def backward(self):
        """Backward, then drop the graph so that nothing outlives the step."""
        self.loss.backward()
        self.loss = None

    def grads(self):
        self.forward()
        loss = self.loss.item()
        self.backward()
        return loss, {"x": np.array(self.x.grad.numpy()), "w": np.array(self.w.grad.numpy())}

    def step(self):
        self.forward()
        self.backward()

    def params(self):
        return {"x": np.array(self.x.numpy()), "w": np.array(self.w.numpy())}


class ChainBackward(Chain):
    """K: only ``loss.backward()`` is timed."""

    def prepare(self):
        self.forward()

    def step(self):
        self.backward()


class ScalarChain:
    """G on 0-d float64 Tensors."""

    def __init__(self, prob):
        p = prob.params()
        self.leaves = {k: ag.tensor(float(p[k]), dtype=np.float64, requires_grad=True)
                       for k in ("a", "b", "y0")}
        self.n = prob.hyper["n_steps"]

    def _run(self):
        a, b, y = self.leaves["a"], self.leaves["b"], self.leaves["y0"]
        for t in self.leaves.values():
            t.grad = None
        for _ in range(self.n):
            y = ag.tanh(a * y + b)
        y.backward()
        return y

    def grads(self):
        y = self._run()
        return y.item(), {k: np.array(t.grad.numpy()) for k, t in self.leaves.items()}

    def step(self):
        self._run()

    def params(self):
        return {k: np.array(t.numpy()) for k, t in self.leaves.items()}


class ScalarMLP:
    """I: micrograd's MLP written with one 0-d Tensor per weight, SGD over all of them."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x = [float(v) for v in d["x"]]
        self.t = float(d["y"])
        self.layers = []
        for i in range(3):
            W, b = p[f"l{i}.w"], p[f"l{i}.b"]
            neurons = []
            for j in range(W.shape[0]):
                ws = [ag.tensor(float(v), dtype=np.float64, requires_grad=True) for v in W[j]]
                bj = ag.tensor(float(b[j]), dtype=np.float64, requires_grad=True)
                neurons.append((ws, bj))
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


def _trainer(model_cls, opt, loss):
    return lambda prob: Trainer(model_cls(), prob, opt, loss)


BUILDERS = {
    "A": _trainer(LogReg, "adam", F.cross_entropy),
    "B": _trainer(MLPBase, "adam", F.cross_entropy),
    "C": _trainer(MLP3, "sgd", F.cross_entropy),
    "D": _trainer(AutoEncoder, "adam", F.mse_loss),
    "E": _trainer(TanhMLP, "sgd", F.mse_loss),
    "F": Chain,
    "G": ScalarChain,
    "H": _trainer(ConvBase, "adam", F.cross_entropy),
    "I": ScalarMLP,
    "K": ChainBackward,
}
