"""Peer autodiff libraries: MyGrad, HIPS autograd and micrograd, each only when importable.

MyGrad and HIPS autograd have no optimizer objects of their own in core, so both use the same
in-place NumPy Adam/SGD as the hand-written baseline; what differs is only how the gradient is
obtained. MyGrad runs with memory guarding off (its documented fast mode). micrograd 0.1.0 has
only +, *, ** and relu; the tanh, sin and exp needed by F, G and K are added as Values with a
backward closure, exactly like micrograd's own ops. micrograd sorts the graph recursively, so
graphs deeper than Python's recursion limit raise RecursionError: the ``micrograd`` engine
reports that, and ``micrograd-deep`` reruns with the limit raised.
"""

from __future__ import annotations

import math
import sys
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

import numpy as np
from reference_numpy import SGD, Adam
from workloads import run_chain


class Unsupported(Exception):
    """The engine cannot run this workload; reported in the table, not a failure."""


def _version(dist):
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


# Which optimizer each training workload uses.
_OPTIMIZERS = {"A": "adam", "B": "adam", "C": "sgd", "D": "adam", "E": "sgd", "H": "adam"}


def _dense_losses(linear, relu, xent, tanh, sigmoid, mean):
    """The losses of workloads A to E as functions of (params, x, y), written once for the
    libraries that differentiate NumPy-style functions; each passes in its own operations."""

    def f_A(p, x, y):
        return xent(linear(p, "fc", x), y)

    def f_B(p, x, y):
        h = relu(linear(p, "linear1", x))
        h = h + relu(linear(p, "linear2", h))
        return xent(linear(p, "linear3", h), y)

    def f_C(p, x, y):
        h = relu(linear(p, "fc1", x))
        h = relu(linear(p, "fc2", h))
        return xent(linear(p, "fc3", h), y)

    def f_D(p, x, y):
        code = linear(p, "enc2", relu(linear(p, "enc1", x)))
        out = sigmoid(linear(p, "dec2", relu(linear(p, "dec1", code))))
        return mean((out - x) ** 2)

    def f_E(p, x, y):
        h = tanh(linear(p, "fc1", x))
        h = tanh(linear(p, "fc2", h))
        return mean((linear(p, "fc3", h) - y) ** 2)

    return {"A": f_A, "B": f_B, "C": f_C, "D": f_D, "E": f_E}


def _trainers(trainer, losses):
    """Workload key -> runner factory, each training its loss with the workload's optimizer."""
    return {k: (lambda prob, fn=fn, opt=_OPTIMIZERS[k]: trainer(prob, fn, opt))
            for k, fn in losses.items()}


# --------------------------------------------------------------------------- MyGrad


def _mygrad_builders():
    mg = import_module("mygrad")
    from mygrad.nnet.activations import relu, sigmoid
    from mygrad.nnet.layers import conv_nd
    from mygrad.nnet.losses import softmax_crossentropy

    mg.turn_memory_guarding_off()

    def linear(p, name, x):
        return mg.matmul(x, p[f"{name}.weight"].T) + p[f"{name}.bias"]

    def conv(p, name, x, stride=2, pad=1):
        """conv_nd rejects a padded length that the stride does not divide, where PyTorch
        drops the trailing positions; so pad by hand and crop what PyTorch would not use."""
        w = p[f"{name}.weight"]
        n, c, length = x.shape
        z = np.zeros((n, c, pad), x.dtype)
        xp = mg.concatenate([z, x, z], axis=2)
        extra = (length + 2 * pad - w.shape[2]) % stride
        if extra:
            xp = xp[:, :, :length + 2 * pad - extra]
        return conv_nd(xp, w, stride=stride) + p[f"{name}.bias"].reshape(1, -1, 1)

    def f_H(p, x, y):
        h = relu(conv(p, "conv1", x))
        h = relu(conv(p, "conv2", h))
        h = relu(conv(p, "conv3", h))
        return softmax_crossentropy(linear(p, "linear", h.reshape(h.shape[0], -1)), y)

    fns = _dense_losses(linear, relu, softmax_crossentropy, mg.tanh, sigmoid, mg.mean)
    fns["H"] = f_H

    class Trainer:
        def __init__(self, prob, fn, opt):
            self.p = {k: mg.tensor(v) for k, v in prob.params().items()}
            d = prob.inputs()
            self.x, self.y, self.fn = d["x"], d.get("y"), fn
            arrays = [t.data for t in self.p.values()]
            lr = prob.hyper["lr"]
            self.opt = Adam(arrays, None, lr) if opt == "adam" else SGD(arrays, None, lr)

        def _loss(self):
            loss = self.fn(self.p, self.x, self.y)
            loss.backward()
            return loss

        def grads(self):
            loss = self._loss()
            return float(loss.item()), {k: t.grad.copy() for k, t in self.p.items()}

        def step(self):
            self._loss()
            self.opt.step([t.grad for t in self.p.values()])

        def params(self):
            return {k: t.data.copy() for k, t in self.p.items()}

    class Chain:
        def __init__(self, prob):
            p = prob.params()
            self.x, self.w = mg.tensor(p["x"]), mg.tensor(p["w"])
            self.n_ops = prob.hyper["n_ops"]
            self.loss = None

        def forward(self):
            self.loss = mg.sum(run_chain(self.x, self.w, self.n_ops, mg.sin, mg.tanh, mg.exp))

        def backward(self):
            self.loss.backward()
            self.loss = None

        def grads(self):
            self.forward()
            loss = float(self.loss.item())
            self.backward()
            return loss, {"x": self.x.grad.copy(), "w": self.w.grad.copy()}

        def step(self):
            self.forward()
            self.backward()

        def params(self):
            return {"x": self.x.data.copy(), "w": self.w.data.copy()}

    class ChainBackward(Chain):
        def prepare(self):
            self.forward()

        def step(self):
            self.backward()

    class ScalarChain:
        def __init__(self, prob):
            p = prob.params()
            self.leaves = {k: mg.tensor(float(p[k])) for k in ("a", "b", "y0")}
            self.n = prob.hyper["n_steps"]

        def _run(self):
            a, b, y = self.leaves["a"], self.leaves["b"], self.leaves["y0"]
            for _ in range(self.n):
                y = mg.tanh(a * y + b)
            y.backward()
            return y

        def grads(self):
            y = self._run()
            return float(y.item()), {k: np.asarray(t.grad, np.float64).copy()
                                     for k, t in self.leaves.items()}

        def step(self):
            self._run()

        def params(self):
            return {k: np.array(t.item()) for k, t in self.leaves.items()}

    builders = _trainers(Trainer, fns)
    builders.update({"F": Chain, "G": ScalarChain, "K": ChainBackward})
    return builders


# --------------------------------------------------------------------------- HIPS autograd


def _autograd_builders():
    ag = import_module("autograd")
    anp = import_module("autograd.numpy")
    from autograd.scipy.special import logsumexp

    def linear(p, name, x):
        return anp.dot(x, p[f"{name}.weight"].T) + p[f"{name}.bias"]

    def relu(x):
        return anp.maximum(x, 0.0)

    def xent(logits, y):
        logp = logits - logsumexp(logits, axis=1, keepdims=True)
        return -anp.mean(logp[np.arange(len(y)), y])

    def conv(p, name, x, idx):
        """im2col by gathering windows with an index array; x is channels-last (N, L, C)."""
        w = p[f"{name}.weight"]
        o, c, k = w.shape
        n, length, _ = x.shape
        zeros = np.zeros((n, 1, c), x.dtype)
        xp = anp.concatenate([zeros, x, zeros], axis=1)
        cols = anp.transpose(xp[:, idx, :], (0, 1, 3, 2))  # (N, Lout, C, K)
        lout = idx.shape[0]
        out = anp.dot(anp.reshape(cols, (n * lout, c * k)), anp.reshape(w, (o, c * k)).T)
        return anp.reshape(out + p[f"{name}.bias"], (n, lout, o))

    def window_index(length, k, stride=2, pad=1):
        lout = (length + 2 * pad - k) // stride + 1
        return np.arange(lout)[:, None] * stride + np.arange(k)[None, :]

    idx1, idx2, idx3 = window_index(40, 5), window_index(19, 3), window_index(10, 3)

    def sigmoid(z):
        return 0.5 * anp.tanh(0.5 * z) + 0.5

    def f_H(p, x, y):
        h = anp.transpose(x, (0, 2, 1))  # (N, 40, 1)
        h = relu(conv(p, "conv1", h, idx1))
        h = relu(conv(p, "conv2", h, idx2))
        h = relu(conv(p, "conv3", h, idx3))
        flat = anp.reshape(anp.transpose(h, (0, 2, 1)), (h.shape[0], -1))
        return xent(linear(p, "linear", flat), y)

    fns = _dense_losses(linear, relu, xent, anp.tanh, sigmoid, anp.mean)
    fns["H"] = f_H

    class Trainer:
        def __init__(self, prob, fn, opt):
            self.p = prob.params()
            d = prob.inputs()
            self.x, self.y = d["x"], d.get("y")
            self.vg = ag.value_and_grad(fn)
            self.names = list(self.p)
            arrays = [self.p[k] for k in self.names]
            lr = prob.hyper["lr"]
            self.opt = Adam(arrays, None, lr) if opt == "adam" else SGD(arrays, None, lr)

        def grads(self):
            loss, g = self.vg(self.p, self.x, self.y)
            return float(loss), {k: np.array(v) for k, v in g.items()}

        def step(self):
            _, g = self.vg(self.p, self.x, self.y)
            self.opt.step([g[k] for k in self.names])

        def params(self):
            return {k: v.copy() for k, v in self.p.items()}

    class Chain:
        def __init__(self, prob):
            self.p = prob.params()
            n_ops = prob.hyper["n_ops"]
            self.fn = lambda p: anp.sum(run_chain(p["x"], p["w"], n_ops, anp.sin, anp.tanh,
                                                  anp.exp))
            self.vg = ag.value_and_grad(self.fn)
            self.vjp = None

        def grads(self):
            loss, g = self.vg(self.p)
            return float(loss), {k: np.array(v) for k, v in g.items()}

        def step(self):
            self.vg(self.p)

        def params(self):
            return {k: v.copy() for k, v in self.p.items()}

    class ChainBackward(Chain):
        """make_vjp traces the forward (untimed); calling the vjp is the backward pass."""

        def prepare(self):
            self.vjp, _ = ag.make_vjp(self.fn)(self.p)

        def step(self):
            vjp, self.vjp = self.vjp, None
            vjp(1.0)

    class ScalarChain:
        def __init__(self, prob):
            p = prob.params()
            self.leaves = {k: float(p[k]) for k in ("a", "b", "y0")}
            n = prob.hyper["n_steps"]

            def fn(leaves):
                a, b, y = leaves["a"], leaves["b"], leaves["y0"]
                for _ in range(n):
                    y = anp.tanh(a * y + b)
                return y

            self.vg = ag.value_and_grad(fn)

        def grads(self):
            y, g = self.vg(self.leaves)
            return float(y), {k: np.asarray(v, np.float64) for k, v in g.items()}

        def step(self):
            self.vg(self.leaves)

        def params(self):
            return {k: np.array(v) for k, v in self.leaves.items()}

    builders = _trainers(Trainer, fns)
    builders.update({"F": Chain, "G": ScalarChain, "K": ChainBackward})
    return builders


# --------------------------------------------------------------------------- micrograd


def _micrograd_builders(deep: bool):
    Value = import_module("micrograd.engine").Value
    mnn = import_module("micrograd.nn")

    def _unary(v, data, local_grad, op):
        out = Value(data, (v,), op)

        def _backward():
            v.grad += local_grad * out.grad

        out._backward = _backward
        return out

    def tanh(v):
        t = math.tanh(v.data)
        return _unary(v, t, 1.0 - t * t, "tanh")

    def sin(v):
        return _unary(v, math.sin(v.data), math.cos(v.data), "sin")

    def exp(v):
        e = math.exp(v.data)
        return _unary(v, e, e, "exp")

    def backward(root, depth):
        """micrograd's Value.backward, with the recursion limit raised in deep mode."""
        if not deep:
            try:
                root.backward()
            except RecursionError:
                raise Unsupported(f"RecursionError (graph depth ~{depth} > Python's "
                                  f"recursion limit {sys.getrecursionlimit()})") from None
            return
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 4 * depth + 1000))
        try:
            root.backward()
        finally:
            sys.setrecursionlimit(old)

    class ScalarChain:
        def __init__(self, prob):
            p = prob.params()
            self.leaves = {k: Value(float(p[k])) for k in ("a", "b", "y0")}
            self.n = prob.hyper["n_steps"]

        def _run(self):
            for v in self.leaves.values():
                v.grad = 0
            a, b, y = self.leaves["a"], self.leaves["b"], self.leaves["y0"]
            for _ in range(self.n):
                y = tanh(a * y + b)
            backward(y, 3 * self.n)
            return y

        def grads(self):
            y = self._run()
            return y.data, {k: np.array(float(v.grad)) for k, v in self.leaves.items()}

        def step(self):
            self._run()

        def params(self):
            return {k: np.array(v.data) for k, v in self.leaves.items()}

    class Chain:
        """One independent scalar chain per vector element."""

        def __init__(self, prob):
            p = prob.params()
            self.x = [Value(float(v)) for v in p["x"]]
            self.w = [Value(float(v)) for v in p["w"]]
            self.n_ops = prob.hyper["n_ops"]
            self.loss = None

        def forward(self):
            for v in (*self.x, *self.w):
                v.grad = 0
            self.loss = sum([run_chain(x, w, self.n_ops, sin, tanh, exp)
                             for x, w in zip(self.x, self.w)])

        def backward(self):
            # micrograd graphs are cyclic (closures refer to their output): drop the graph so
            # that it is not alive, and traversed by the GC, while other engines are timed.
            loss, self.loss = self.loss, None
            backward(loss, self.n_ops + len(self.x))

        def grads(self):
            self.forward()
            loss = self.loss.data
            self.backward()
            return loss, {"x": np.array([float(v.grad) for v in self.x]),
                                    "w": np.array([float(v.grad) for v in self.w])}

        def step(self):
            self.forward()
            self.backward()

        def params(self):
            return {"x": np.array([v.data for v in self.x]),
                    "w": np.array([v.data for v in self.w])}

    class ChainBackward(Chain):
        def prepare(self):
            self.forward()

        def step(self):
            self.backward()

    class ScalarMLP:
        """micrograd.nn.MLP(2, [16, 16, 1]) with the shared weights, SGD on one sample."""

        def __init__(self, prob):
            p, d = prob.params(), prob.inputs()
            self.model = mnn.MLP(2, [16, 16, 1])
            for i, layer in enumerate(self.model.layers):
                W, b = p[f"l{i}.w"], p[f"l{i}.b"]
                for j, neuron in enumerate(layer.neurons):
                    for k, wk in enumerate(neuron.w):
                        wk.data = float(W[j, k])
                    neuron.b.data = float(b[j])
            self.x = [float(v) for v in d["x"]]
            self.t = float(d["y"])
            self.lr = prob.hyper["lr"]
            self.plist = self.model.parameters()

        def _loss(self):
            self.model.zero_grad()
            loss = (self.model(self.x) - self.t) ** 2
            backward(loss, 64)
            return loss

        def _collect(self, attr):
            out = {}
            for i, layer in enumerate(self.model.layers):
                out[f"l{i}.w"] = np.array([[float(getattr(w, attr)) for w in n.w]
                                           for n in layer.neurons])
                out[f"l{i}.b"] = np.array([float(getattr(n.b, attr)) for n in layer.neurons])
            return out

        def grads(self):
            loss = self._loss()
            return loss.data, self._collect("grad")

        def step(self):
            self._loss()
            lr = self.lr
            for q in self.plist:
                q.data -= lr * q.grad

        def params(self):
            return self._collect("data")

    builders = {"F": Chain, "G": ScalarChain, "K": ChainBackward}
    if not deep:  # I is shallow; the deep variant would only repeat it
        builders["I"] = ScalarMLP
    return builders


# --------------------------------------------------------------------------- registry


def engines():
    """name -> (version string, builders) or (None, reason) for peers that fail to import."""
    out = {}
    for name, dist, make in (("mygrad", "mygrad", _mygrad_builders),
                             ("hips-autograd", "autograd", _autograd_builders),
                             ("micrograd", "micrograd", lambda: _micrograd_builders(False)),
                             ("micrograd-deep", "micrograd", lambda: _micrograd_builders(True))):
        try:
            out[name] = (_version(dist), make())
        except ImportError as exc:
            out[name] = (None, f"not importable: {exc}")
    return out
