"""nn.init: in-place weight initializers with PyTorch's semantics and default gains, plus LSUV.

Every function changes the Tensor's values in place under no_grad and returns it; random
values come from autograd_core's seeded generator (`ag.manual_seed`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.rng import default_generator as _rng

Tensor = ag.Tensor

__all__ = [
    "calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_",
    "lsuv_", "normal_", "ones_", "orthogonal_", "trunc_normal_", "uniform_", "xavier_normal_",
    "xavier_uniform_", "zeros_",
]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): 1 for linear, conv and
    sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope 0.01
    by default), 3/4 for selu."""
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the
    receptive field is the product of the dimensions after the first two (conv kernels)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tensor.shape})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values: Any) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init works in place on a Tensor; got {type(tensor).__name__}")
    with ag.no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    return _fill(tensor, _rng().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    return _fill(tensor, _rng().normal(mean, std, tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """Normal values redrawn until they fall in [a, b]."""
    rng = _rng()
    out = rng.normal(mean, std, tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, np.full(tensor.shape, val))


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported; got {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Convolution weights that pass the input through (the identity filter)."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_per_group = tensor.shape[0] // groups
    min_dim = min(out_per_group, tensor.shape[1])
    w = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min_dim):
            w[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, w)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al., 2015). With a = sqrt(5)
    this is PyTorch's default Linear/Conv init: bound = 1 / sqrt(fan_in)."""
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std^2) with std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix (Saxe et al., 2014) from the QR decomposition of a Gaussian
    matrix, signs fixed so the result is uniformly distributed; trailing dimensions are
    flattened, so conv weights get orthonormal filters."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor._data.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor._data.size // rows
    flat = _rng().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


# -- LSUV ----------------------------------------------------------------------------------------
def lsuv_(model: Any, data: Any, tol: float = 0.1, max_iter: int = 10,
          eps: float = 1e-8) -> Any:
    """Layer-sequential unit-variance initialization (Mishkin and Matas, 2016).

    Every Linear, Conv1d and Conv2d weight is first made orthonormal (biases are zeroed); then,
    layer by layer in the order the forward pass reaches them, the weight is divided by the
    standard deviation of the layer's output on `data` until that variance is within `tol` of 1
    (at most `max_iter` rescalings per layer). Works for any Module whose forward calls these
    layers, found with forward hooks (a layer called several times is judged on all its
    outputs together); raises ValueError when the forward pass calls none of them. Returns the
    model, in its original train/eval mode.
    """
    from .layers.conv import Conv1d, Conv2d
    from .layers.linear import Linear
    from .module import Module

    if not isinstance(model, Module):
        raise TypeError(f"lsuv_: expected an nn.Module; got {type(model).__name__}")
    x = data if isinstance(data, Tensor) else ag.tensor(data)
    kinds = (Linear, Conv1d, Conv2d)
    outputs: dict[int, list[np.ndarray]] = {}
    order: list[Any] = []

    def record(module: Any, args: Any, out: Any) -> None:
        if id(module) not in outputs:
            outputs[id(module)] = []
            order.append(module)
        outputs[id(module)].append(np.asarray(out._data, dtype=np.float64).reshape(-1))

    layers = [m for m in model.modules() if isinstance(m, kinds)]
    handles = [m.register_forward_hook(record) for m in layers]
    was_training = model.training
    model.eval()
    try:
        run: Callable[[], None] = _forward_runner(model, x, outputs)
        run()
        if not order:
            raise ValueError(
                "lsuv_: the model's forward pass calls no Linear, Conv1d or Conv2d layer, so "
                "there is nothing to initialize; LSUV supports models built from these layers "
                "(Sequential, nn.MLP, or any Module whose forward calls them)")
        for m in order:
            orthogonal_(m.weight)
            if m.bias is not None:
                zeros_(m.bias)
        for m in order:
            for _ in range(max_iter):
                run()
                var = float(np.var(np.concatenate(outputs[id(m)])))
                if not np.isfinite(var) or var < eps:
                    raise ValueError(
                        f"lsuv_: the output of {m._get_name()} has variance {var:.3g} on this "
                        "data, so it cannot be rescaled to 1; use a batch with more variety")
                if abs(var - 1.0) < tol:
                    break
                with ag.no_grad():
                    m.weight.div_(math.sqrt(var))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return model


def _forward_runner(model: Any, x: Tensor, outputs: dict) -> Callable[[], None]:
    def run() -> None:
        for v in outputs.values():
            v.clear()
        with ag.no_grad():
            model(x)

    return run
