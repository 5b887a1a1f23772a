"""Workload definitions shared by every implementation.

A workload is a fixed problem (initial parameters, one batch of data, hyperparameters) drawn
from one seeded NumPy generator. Every engine receives copies of the same arrays, so the
gradients they compute can be compared element by element before anything is timed.

Parameter names follow PyTorch's ``state_dict`` layout (``fc1.weight`` is (out, in), a Conv1d
weight is (out, in, kernel)), so the same dictionary loads into PyTorch and into the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SEED = 1234

# Adam as torch.optim.Adam defaults, except the learning rate each workload names.
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8

# Elementwise chain used by F and K: one op per entry, cycled. "mul w" and "add x" use two
# leaf vectors, so the backward pass accumulates gradient into them on every cycle; values stay
# within about [-2.7, 2.7] (the exp input is a tanh output).
CHAIN_CYCLE = ("sin", "mul", "add", "tanh", "exp")



def run_chain(x, w, n_ops, sin, tanh, exp):
    """The F and K chain in any library: y = x, then ``n_ops`` ops cycling through
    CHAIN_CYCLE with that library's functions; the caller reduces y to the loss."""
    unary = {"sin": sin, "tanh": tanh, "exp": exp}
    y = x
    for i in range(n_ops):
        op = CHAIN_CYCLE[i % len(CHAIN_CYCLE)]
        if op == "mul":
            y = y * w
        elif op == "add":
            y = y + x
        else:
            y = unary[op](y)
    return y


# G: y <- tanh(a*y + b) with a = 1.01, b = 0.1; a, b and y0 are leaves.
SCALAR_CHAIN_A = 1.01
SCALAR_CHAIN_B = 0.1
SCALAR_CHAIN_Y0 = 0.5


@dataclass
class Problem:
    """One workload instance: what every engine is built from."""

    key: str
    impl: str
    title: str
    dtype: np.dtype
    init: dict[str, np.ndarray]
    data: dict[str, np.ndarray]
    hyper: dict = field(default_factory=dict)
    baseline: str = "numpy"
    kind: str = "train"  # "train": params change each step; "grad": leaves stay fixed

    def params(self) -> dict[str, np.ndarray]:
        """Fresh copies, since implementations update their parameters in place."""
        return {k: v.copy() for k, v in self.init.items()}

    def inputs(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.data.items()}

    @property
    def rtol(self) -> float:
        return 1e-4 if self.dtype == np.float32 else 1e-8


def _torch_init(rng, dtype, layers):
    """PyTorch's default Linear/Conv1d init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for each
    (name, weight shape) in order: weight, then bias."""
    out = {}
    for name, shape in layers:
        bound = 1.0 / np.sqrt(int(np.prod(shape[1:])))
        out[f"{name}.weight"] = rng.uniform(-bound, bound, shape).astype(dtype)
        out[f"{name}.bias"] = rng.uniform(-bound, bound, shape[0]).astype(dtype)
    return out


def _classification(rng, n, d, classes, dtype):
    x = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, classes, n).astype(np.int64)
    return {"x": x, "y": y}


def make_A(rng):
    f32 = np.dtype(np.float32)
    init = _torch_init(rng, f32, [("fc", (10, 40))])
    return Problem("A", "A", "MNIST-1D logistic regression 40->10, Adam, batch 100, f32",
                   f32, init, _classification(rng, 100, 40, 10, f32), {"lr": 1e-2})


def make_B(rng):
    f32 = np.dtype(np.float32)
    init = _torch_init(rng, f32, [("linear1", (100, 40)), ("linear2", (100, 100)),
                                  ("linear3", (10, 100))])
    return Problem("B", "B", "MNIST-1D MLP 40-100-100-10 (residual h2), Adam, batch 100, f32",
                   f32, init, _classification(rng, 100, 40, 10, f32), {"lr": 1e-2})


def make_C(rng):
    f32 = np.dtype(np.float32)
    init = _torch_init(rng, f32, [("fc1", (256, 784)), ("fc2", (256, 256)), ("fc3", (10, 256))])
    return Problem("C", "C", "MLP 784-256-256-10 ReLU, SGD 0.1, batch 128, f32",
                   f32, init, _classification(rng, 128, 784, 10, f32), {"lr": 0.1})


def make_D(rng):
    f32 = np.dtype(np.float32)
    init = _torch_init(rng, f32, [("enc1", (128, 784)), ("enc2", (32, 128)),
                                  ("dec1", (128, 32)), ("dec2", (784, 128))])
    x = rng.uniform(0.0, 1.0, (128, 784)).astype(f32)
    return Problem("D", "D", "autoencoder 784-128-32-128-784, sigmoid out, MSE, Adam, "
                   "batch 128, f32", f32, init, {"x": x}, {"lr": 1e-3})


def make_E(rng):
    f64 = np.dtype(np.float64)
    init = _torch_init(rng, f64, [("fc1", (16, 2)), ("fc2", (16, 16)), ("fc3", (1, 16))])
    x = rng.uniform(-2.0, 2.0, (64, 2))
    y = (np.sin(x[:, :1]) * np.cos(x[:, 1:])).astype(f64)
    return Problem("E", "E", "tiny MLP 2-16-16-1 tanh, MSE, SGD 0.05, batch 64, f64",
                   f64, init, {"x": x, "y": y}, {"lr": 0.05})


def _chain_leaves(rng, n=100):
    f64 = np.dtype(np.float64)
    return f64, {"x": rng.uniform(-1.0, 1.0, n), "w": rng.uniform(1.9, 2.1, n)}


def make_F(rng):
    f64, init = _chain_leaves(rng)
    return Problem("F", "F", "5,000 elementwise ops on a 100-vector, fwd+bwd, f64",
                   f64, init, {}, {"n_ops": 5000}, kind="grad")


def make_G(rng):
    f64 = np.dtype(np.float64)
    init = {"a": np.array(SCALAR_CHAIN_A), "b": np.array(SCALAR_CHAIN_B),
            "y0": np.array(SCALAR_CHAIN_Y0)}
    return Problem("G", "G", "scalar chain y = tanh(1.01*y + 0.1), 2,000 steps, fwd+bwd, f64",
                   f64, init, {}, {"n_steps": 2000}, baseline="python", kind="grad")


def make_H(rng):
    f32 = np.dtype(np.float32)
    init = _torch_init(rng, f32, [("conv1", (25, 1, 5)), ("conv2", (25, 25, 3)),
                                  ("conv3", (25, 25, 3)), ("linear", (10, 125))])
    data = _classification(rng, 100, 40, 10, f32)
    data["x"] = data["x"].reshape(100, 1, 40)
    return Problem("H", "H", "MNIST-1D CNN 3x Conv1d(25, k5/3/3, s2, p1) + Linear 125->10, "
                   "Adam, batch 100, f32", f32, init, data, {"lr": 1e-2})


def make_I(rng):
    f64 = np.dtype(np.float64)
    sizes = (2, 16, 16, 1)
    init = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        # micrograd's own init: w ~ U(-1, 1), b = 0.
        init[f"l{i}.w"] = rng.uniform(-1.0, 1.0, (n_out, n_in))
        init[f"l{i}.b"] = np.zeros(n_out)
    data = {"x": np.array([0.7, -1.3]), "y": np.array(1.0)}
    return Problem("I", "I", "micrograd scalar MLP 2-16-16-1 ReLU, one sample, SGD, f64",
                   f64, init, data, {"lr": 0.01}, baseline="micrograd")


K_N = 500


def make_K1(rng):
    f64, init = _chain_leaves(rng)
    return Problem("K1", "K", f"backward only, chain of N={K_N} elementwise ops, f64",
                   f64, init, {}, {"n_ops": K_N}, kind="grad")


def make_K10(rng):
    f64, init = _chain_leaves(rng)
    return Problem("K10", "K", f"backward only, chain of 10N={10 * K_N} elementwise ops, f64",
                   f64, init, {}, {"n_ops": 10 * K_N}, kind="grad")


MAKERS = {
    "A": make_A, "B": make_B, "C": make_C, "D": make_D, "E": make_E, "F": make_F,
    "G": make_G, "H": make_H, "I": make_I, "K1": make_K1, "K10": make_K10,
}


def make(key: str, seed: int = SEED) -> Problem:
    """Each workload draws from its own generator seeded from (seed, key), so selecting a
    subset with --only gives the same arrays as a full run."""
    rng = np.random.default_rng([seed, sum(ord(c) << (8 * i) for i, c in enumerate(key))])
    return MAKERS[key](rng)
