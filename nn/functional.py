"""nn.functional: activations, layer kernels and losses as functions, with torch.nn.functional's
names, arguments and defaults (`import nn.functional as F`).

Losses are numerically stable: cross-entropy goes through log-softmax, binary cross-entropy on
logits through softplus, so logits of +-1000 give finite losses and gradients. The common losses
are single fused graph nodes (see autograd_core/ops/losses.py).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.ops.registry import REGISTRY as _R
from autograd_core.rng import default_generator as _rng
from autograd_core.tensor import apply

Tensor = ag.Tensor

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "contrastive_loss", "conv1d",
    "conv2d", "cosine_similarity", "cross_entropy", "dropout", "elu", "embedding", "hardtanh",
    "huber_loss", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax",
    "logsigmoid", "max_pool1d", "max_pool2d", "mse_loss", "multi_margin_loss", "nll_loss",
    "normalize", "one_hot", "pad", "pairwise_distance", "prelu", "relu", "relu6", "selu",
    "sigmoid", "silu", "smooth_l1_loss", "softmax", "softplus", "softsign", "tanh",
]
__all__ += ["threshold"]

_SOFTMAX_CE = _R["softmax_cross_entropy"]
_MSE = _R["mse_loss"]
_HUBER = _R["huber_loss"]
_BCE = _R["binary_cross_entropy"]
_BCE_LOGITS = _R["binary_cross_entropy_with_logits"]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _arr(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _reduction(reduction: str, size_average: Any = None, reduce: Any = None,
               name: str = "loss") -> str:
    """PyTorch's legacy size_average/reduce flags, when given, decide the reduction."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return "mean" if size_average and reduce else "sum" if reduce else "none"
    if reduction not in ("none", "sum", "mean"):
        raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction; use "
                         "'none', 'mean' or 'sum'")
    return reduction


def _reduce(per: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return per
    return per.sum() if reduction == "sum" else per.mean()


# -- activations -------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); relu'(0) = 0. `inplace` is accepted for PyTorch code and returns a new
    Tensor (the graph never changes values under an op's feet)."""
    return ag.relu(_t(input))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return ag.leaky_relu(_t(input), negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    return ag.sigmoid(_t(input))


def tanh(input: Tensor) -> Tensor:
    return ag.tanh(_t(input))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear above x * beta > threshold (PyTorch's cut-off)."""
    return ag.softplus(_t(input), beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    return -ag.softplus(-_t(input), 1.0, math.inf)


def softsign(input: Tensor) -> Tensor:
    x = _t(input)
    return x / (ag.abs(x) + 1)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    x = _t(input)
    neg = (ag.exp(ag.clamp(x, max=0.0)) - 1) * alpha
    return ag.where(x._data > 0, x, neg)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return elu(input, alpha) * scale


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    x = _t(input)
    return x * ag.sigmoid(x)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    return ag.clamp(_t(input), min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value (the gradient is 0 there)."""
    x = _t(input)
    return ag.where(x > threshold, x, value)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere; weight has one slope or one per channel (dim 1)."""
    x, w = _t(input), _t(weight)
    if w.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D; got shape {w.shape}")
    n = w.shape[0]
    if n != 1:
        if x.ndim < 2 and not (x.ndim == 1 and x.shape[0] == n):
            raise ValueError(f"prelu: {n} slopes need an input with a channel dimension; got "
                             f"shape {x.shape}")
        c = x.shape[1] if x.ndim >= 2 else x.shape[0]
        if c != n:
            raise ValueError(f"prelu: weight has {n} slopes but the input has {c} channels")
        if x.ndim >= 2:
            w = w.reshape((n,) + (1,) * (x.ndim - 2))
    elif x.ndim == 0:
        w = w.reshape(())
    return ag.where(x._data > 0, x, x * w)


def _softmax_input(input: Tensor, dim: int | None, dtype: Any, name: str) -> tuple[Tensor, int]:
    """The input cast to ``dtype`` and the dim, guessed with PyTorch's warning when None."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return x, dim


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    x, dim = _softmax_input(input, dim, dtype, "softmax")
    return ag.softmax(x, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    x, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return ag.log_softmax(x, dim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along dim."""
    x = _t(input)
    return x / ag.clamp(ag.norm(x, p, dim, keepdim=True), min=eps)


# -- layer kernels -----------------------------------------------------------------------------
linear = ag.linear
conv1d = ag.conv1d
conv2d = ag.conv2d
max_pool1d = ag.max_pool1d
max_pool2d = ag.max_pool2d
avg_pool1d = ag.avg_pool1d
avg_pool2d = ag.avg_pool2d
pad = ag.pad


def _adaptive_bounds(n: int, out: int) -> list[tuple[int, int]]:
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


def _adaptive_avg_pool(x: Tensor, output_size: Any, nsp: int, name: str) -> Tensor:
    x = _t(x)
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have {nsp + 1} or {nsp + 2} dimensions; got "
                         f"{x.shape}")
    sizes = (output_size,) * nsp if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) != nsp:
        raise ValueError(f"{name}: output_size needs {nsp} values; got {output_size}")
    in_sizes = x.shape[-nsp:]
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, in_sizes))
    if all(n % s == 0 for n, s in zip(in_sizes, sizes)):
        k = tuple(n // s for n, s in zip(in_sizes, sizes))
        pool = ag.avg_pool1d if nsp == 1 else ag.avg_pool2d
        return pool(x, k, k)
    out = x
    for d in range(nsp):  # one spatial axis at a time: windows of unequal size, then stack
        axis = x.ndim - nsp + d
        pieces = []
        for lo, hi in _adaptive_bounds(in_sizes[d], sizes[d]):
            index = (slice(None),) * axis + (slice(lo, hi),)
            pieces.append(out[index].mean(axis, keepdim=True))
        out = ag.cat(pieces, axis)
    return out


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the
    survivors by 1 / (1 - p), so evaluation is the identity. Draws from ag's seeded generator."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(input)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = _rng().random(x.shape) >= p
    scale = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return x * scale


def _channel_shape(x: Tensor, name: str) -> tuple[int, ...]:
    if x.ndim < 2:
        raise ValueError(f"{name}: input must have shape (N, C, ...); got {x.shape}")
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalizes each channel (dim 1) with the batch's biased variance in training, updating
    running_var with the unbiased one (PyTorch's convention); with the running statistics
    otherwise."""
    x = _t(input)
    shape = _channel_shape(x, "batch_norm")
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    for name, s in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if s is not None and tuple(_arr(s).shape) != (c,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(_arr(s).shape)}; the input "
                             f"has {c} channels")
    if training:
        n = x._data.size // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape}")
        mean = x.mean(axes, keepdim=True)
        centered = x - mean
        var = (centered * centered).mean(axes, keepdim=True)
        out = centered * (var + eps) ** -0.5
        if running_mean is not None or running_var is not None:
            with ag.no_grad():
                if running_mean is not None:
                    rm = running_mean._data
                    rm *= 1.0 - momentum
                    rm += momentum * mean._data.reshape(c)
                if running_var is not None:
                    rv = running_var._data
                    rv *= 1.0 - momentum
                    rv += momentum * var._data.reshape(c) * (n / (n - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var "
                             "(or pass training=True to use the batch statistics)")
        rm = _arr(running_mean).reshape(shape).astype(x.dtype, copy=False)
        inv = (1.0 / np.sqrt(_arr(running_var).astype(np.float64) + eps)).astype(x.dtype)
        out = (x - rm) * inv.reshape(shape)
    if weight is not None:
        out = out * _t(weight).reshape(shape)
    if bias is not None:
        out = out + _t(bias).reshape(shape)
    return out


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalizes over the trailing dimensions named by normalized_shape (biased variance)."""
    x = _t(input)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or x.shape[x.ndim - k:] != ns or x.ndim < k:
        raise ValueError(f"layer_norm: normalized_shape {list(ns)} does not match the trailing "
                         f"dimensions of the input of shape {x.shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    centered = x - x.mean(axes, keepdim=True)
    var = (centered * centered).mean(axes, keepdim=True)
    out = centered * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight picked by integer indices; the gradient of the padding_idx row is zero,
    and max_norm renormalizes the looked-up rows in place, as PyTorch does."""
    idx = _arr(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers; got dtype {idx.dtype}")
    w = _t(weight)
    n = w.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        with ag.no_grad():
            rows = np.unique(idx % n)
            norms = np.linalg.norm(w._data[rows], ord=norm_type, axis=1)
            big = norms > max_norm
            scale = max_norm / (norms[big] + 1e-7)
            w._data[rows[big]] *= scale[:, None].astype(w.dtype)
    out = w[idx]
    if not out.requires_grad:
        return out
    if padding_idx is not None:
        keep = (idx % n != padding_idx)[..., None]
        if not keep.all():
            out = ag.where(keep, out, out.detach())
    if scale_grad_by_freq:
        flat = idx.reshape(-1) % n
        counts = np.bincount(flat, minlength=n)[idx % n][..., None].astype(w.dtype)
        out.register_hook(lambda g: g / counts)
    return out


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dimension (no gradient)."""
    idx = _arr(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensor; got dtype {idx.dtype}")
    if idx.size and idx.min() < 0:
        raise ValueError("one_hot: class values must be non-negative")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
        if not idx.size:
            raise ValueError("one_hot: can not infer the total number of classes from an empty "
                             "tensor; pass num_classes")
    elif idx.size and idx.max() >= num_classes:
        raise ValueError(f"one_hot: class value {int(idx.max())} is out of range for "
                         f"num_classes={num_classes}")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx.astype(np.int64)[..., None], 1, axis=-1)
    return ag.Tensor(out)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension (PyTorch adds eps before the norm)."""
    return ag.norm(_t(x1) - x2 + eps, p, -1, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    a, b = _t(x1), _t(x2)
    na = ag.clamp(ag.norm(a, 2, dim), min=eps)
    nb = ag.clamp(ag.norm(b, 2, dim), min=eps)
    return (a * b).sum(dim) / (na * nb)


# -- losses ------------------------------------------------------------------------------------
def _check_same_shape(x: Tensor, y: Any, name: str) -> None:
    ys = tuple(np.shape(_arr(y)))
    if ys != x.shape:
        warnings.warn(f"{name}: using a target size ({ys}) that is different to the input size "
                      f"({x.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
        try:
            np.broadcast_shapes(x.shape, ys)
        except ValueError:
            raise ValueError(f"{name}: input of shape {x.shape} and target of shape {ys} do "
                             "not broadcast") from None


def _float_like(y: Any, x: Tensor) -> Any:
    """A target as the input's float dtype (a Tensor that requires grad stays one)."""
    if isinstance(y, Tensor):
        if y.requires_grad or y.dtype == x.dtype:
            return y
        return y._data.astype(x.dtype)
    arr = np.asarray(y)
    return arr if arr.dtype == x.dtype else arr.astype(x.dtype)


def _weighted(per: Tensor, weight: Any, reduction: str, name: str,
              mean_over_weights: bool = True) -> Tensor:
    """PyTorch's weighted pointwise losses: 'mean' divides by the sum of the weights (mse, l1)
    or by the element count (huber)."""
    w = _float_like(weight, per)
    if tuple(np.shape(_arr(w))) != per.shape:
        raise ValueError(f"{name}: Weights and input must have the same size.")
    out = per * w
    if reduction == "none":
        return out
    if reduction == "sum":
        return out.sum()
    if not mean_over_weights:
        return out.mean()
    return out.sum() / (w.sum() if isinstance(w, Tensor) else float(np.sum(w)))


def mse_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Tensor:
    """(input - target)^2, reduced: one graph node (weight, if given, must match the input)."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "mse_loss")
    _check_same_shape(x, target, "mse_loss")
    if weight is not None:
        per = apply(_MSE, (x, _float_like(target, x)), {"reduction": "none"})
        return _weighted(per, weight, red, "mse_loss")
    return apply(_MSE, (x, _float_like(target, x)), {"reduction": red})


def l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Any = None) -> Tensor:
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "l1_loss")
    _check_same_shape(x, target, "l1_loss")
    per = ag.abs(x - _float_like(target, x))
    if weight is not None:
        return _weighted(per, weight, red, "l1_loss")
    return _reduce(per, red)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Tensor:
    """0.5 d^2 where |d| <= delta, delta (|d| - delta / 2) beyond: one graph node."""
    x = _t(input)
    red = _reduction(reduction, name="huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive; got {delta}")
    _check_same_shape(x, target, "huber_loss")
    if weight is not None:
        per = apply(_HUBER, (x, _float_like(target, x)),
                    {"delta": float(delta), "reduction": "none"})
        return _weighted(per, weight, red, "huber_loss", mean_over_weights=False)
    return apply(_HUBER, (x, _float_like(target, x)), {"delta": float(delta), "reduction": red})


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Huber loss divided by beta (L1 when beta is 0), as PyTorch defines it."""
    red = _reduction(reduction, size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative; got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=red)
    return huber_loss(input, target, red, beta) * (1.0 / beta)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """-(y log x + (1 - y) log(1 - x)) on probabilities, each log clamped at -100 as PyTorch
    does, so x = 0 or 1 gives a finite loss."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "binary_cross_entropy")
    ys = tuple(np.shape(_arr(target)))
    if ys != x.shape:
        raise ValueError(f"binary_cross_entropy: using a target size ({ys}) that is different "
                         f"to the input size ({x.shape}) is deprecated. Please ensure they have "
                         "the same size.")
    w = None if weight is None else _arr(weight).astype(x.dtype, copy=False)
    return apply(_BCE, (x, _float_like(target, x), w), {"reduction": red})


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable node: (1 - y) x + lw softplus(-x) with
    lw = 1 + (pos_weight - 1) y; finite for logits of any size."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "binary_cross_entropy_with_logits")
    ys = tuple(np.shape(_arr(target)))
    if ys != x.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target size ({ys}) must be the "
                         f"same as input size ({x.shape})")
    w = None if weight is None else _float_like(weight, x)
    pw = None if pos_weight is None else _float_like(pos_weight, x)
    for name, v in (("weight", w), ("pos_weight", pw)):
        if v is not None:
            try:
                np.broadcast_shapes(np.shape(_arr(v)), x.shape)
            except ValueError:
                raise ValueError(f"binary_cross_entropy_with_logits: {name} of shape "
                                 f"{np.shape(_arr(v))} does not broadcast to the input shape "
                                 f"{x.shape}") from None
    return apply(_BCE_LOGITS, (x, _float_like(target, x), w, pw), {"reduction": red})


def _class_axis(x: Tensor, name: str) -> int:
    if x.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension; got a 0-d Tensor")
    return 0 if x.ndim == 1 else 1


def _class_targets(x: Tensor, target: np.ndarray, axis: int, ignore_index: int,
                   name: str) -> tuple[np.ndarray, np.ndarray]:
    """Checks class-index targets; returns (indices with ignored ones set to 0, kept mask)."""
    expected = () if axis == 0 else x.shape[:1] + x.shape[2:]
    if target.shape != expected:
        raise ValueError(f"{name}: for input of shape {x.shape}, class-index targets must have "
                         f"shape {expected}; got {target.shape}")
    c = x.shape[axis]
    kept = target != ignore_index
    bad = kept & ((target < 0) | (target >= c))
    if bad.any():
        raise IndexError(f"{name}: Target {int(target[bad].flat[0])} is out of bounds for "
                         f"{c} classes")
    return np.where(kept, target, 0).astype(np.int64, copy=False), kept


def _class_weight(weight: Any, c: int, dtype: np.dtype, name: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = _arr(weight)
    if w.shape != (c,):
        raise ValueError(f"{name}: weight must have one entry per class ({c}); got shape "
                         f"{w.shape}")
    return w.astype(dtype, copy=False)


def _along(v: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits (N, C), (C,) or (N, C, d1, ...), as PyTorch defines it.

    Targets are class indices (integers of shape (N,) or (N, d1, ...)) or class probabilities
    (floats of the input's shape). With class weights, 'mean' divides by the summed weights of
    the kept targets; ignore_index targets contribute nothing. One fused, stable graph node."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0; got "
                         f"{label_smoothing}")
    axis = _class_axis(x, "cross_entropy")
    c = x.shape[axis]
    w = _class_weight(weight, c, x.dtype, "cross_entropy")
    eps = float(label_smoothing)
    t_arr = _arr(target)
    if (t_arr.dtype.kind in "iu" and w is None and not eps and x.ndim == 2
            and t_arr.shape == x.shape[:1] and t_arr.size):
        # the common case (a batch of class indices), built with as little array work as
        # possible; anything unusual (ignored or out-of-range targets) takes the general path
        n, c = x.shape
        if t_arr.min() >= 0 and t_arr.max() < c and not (0 <= ignore_index < c and
                                                          (t_arr == ignore_index).any()):
            q = np.zeros(x.shape, dtype=x.dtype)
            q[np.arange(n), t_arr] = 1
            return apply(_SOFTMAX_CE, (x, q),
                         {"axis": 1, "reduction": red, "divisor": float(n)})
    if t_arr.dtype.kind in "iu":
        idx, kept = _class_targets(x, t_arr, axis, ignore_index, "cross_entropy")
        picked = np.ones(idx.shape, dtype=x.dtype) if w is None else w[idx]
        picked = picked * kept
        q = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(q, np.expand_dims(idx, axis),
                          np.expand_dims(picked * (1.0 - eps), axis), axis=axis)
        if eps:
            spread = np.full(c, eps / c, dtype=x.dtype) if w is None else w * (eps / c)
            q += _along(spread, x.ndim, axis) * np.expand_dims(kept, axis)
        divisor = float(picked.sum())
        return apply(_SOFTMAX_CE, (x, q), {"axis": axis, "reduction": red, "divisor": divisor})
    if t_arr.dtype.kind != "f":
        raise TypeError(f"cross_entropy: target must hold class indices (integers) or class "
                        f"probabilities (floats); got dtype {t_arr.dtype}")
    if t_arr.shape != x.shape:
        raise ValueError(f"cross_entropy: class-probability targets must have the input's shape "
                         f"{x.shape}; got {t_arr.shape}")
    q = _float_like(target, x)
    if eps:
        q = q * (1.0 - eps) + eps / c
    if w is not None:
        q = q * _along(w, x.ndim, axis)
    return apply(_SOFTMAX_CE, (x, q), {"axis": axis, "reduction": red, "divisor": None})


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """-input[target] for log-probabilities (N, C) or (N, C, d1, ...), weighted as
    cross_entropy is."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "nll_loss")
    axis = _class_axis(x, "nll_loss")
    t_arr = _arr(target)
    if t_arr.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold class indices (integers); got dtype "
                        f"{t_arr.dtype}")
    idx, kept = _class_targets(x, t_arr, axis, ignore_index, "nll_loss")
    w = _class_weight(weight, x.shape[axis], x.dtype, "nll_loss")
    picked_w = (np.ones(idx.shape, dtype=x.dtype) if w is None else w[idx]) * kept
    picked = ag.gather(x, axis, np.expand_dims(idx, axis)).squeeze(axis)
    per = picked * -picked_w
    if red == "none":
        return per
    total = per.sum()
    if red == "sum":
        return total
    with np.errstate(divide="ignore", invalid="ignore"):
        return total * (1.0 / x.dtype.type(picked_w.sum()))


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any = None, size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over j != y of w[y] max(0, margin - x[y] + x[j])^p / C."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported; got {p}")
    if x.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: input must be (N, C) or (C,); got {x.shape}")
    axis = x.ndim - 1
    t_arr = _arr(target)
    if t_arr.dtype.kind not in "iu":
        raise TypeError(f"multi_margin_loss: target must hold class indices; got dtype "
                        f"{t_arr.dtype}")
    idx, _ = _class_targets(x, t_arr, axis, ignore_index=-(2**62), name="multi_margin_loss")
    c = x.shape[axis]
    w = _class_weight(weight, c, x.dtype, "multi_margin_loss")
    col = np.expand_dims(idx, axis)
    x_target = ag.gather(x, axis, col)
    hinge = ag.relu(x - x_target + margin)
    if p == 2:
        hinge = hinge * hinge
    mask = np.ones(x.shape, dtype=x.dtype)
    np.put_along_axis(mask, col, 0, axis=axis)
    scale = mask * (1.0 / c) if w is None else mask * np.expand_dims(w[idx] / c, axis)
    return _reduce((hinge * scale).sum(axis), red)


def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise target * (log target - input) with input as log-probabilities; 'batchmean'
    divides the sum by the batch size (the mathematically correct KL)."""
    x = _t(input)
    red = reduction if reduction == "batchmean" and size_average is None and reduce is None \
        else _reduction(reduction, size_average, reduce, "kl_div")
    t = _float_like(target, x)
    if log_target:
        per = (ag.exp(t) if isinstance(t, Tensor) else np.exp(t)) * (t - x)
    else:
        if isinstance(t, Tensor):  # target * log(target), 0 where the target is 0
            pos = t._data > 0
            xlogx = ag.where(pos, t * ag.log(ag.where(pos, t, 1.0)), 0.0)
        else:
            pos = t > 0
            xlogx = np.where(pos, t * np.log(np.where(pos, t, 1)), 0).astype(x.dtype)
        per = xlogx - t * x
    if red == "batchmean":
        n = x.shape[0] if x.ndim else 1
        return per.sum() * (1.0 / n)
    return _reduce(_t(per), red)


def contrastive_loss(x1: Tensor, x2: Tensor, y: Any, margin: float = 1.0,
                     reduction: str = "mean") -> Tensor:
    """Pairwise contrastive loss (Hadsell, Chopra and LeCun, 2006) on embeddings (N, D) or (D,).

    Convention: y = 1 marks a similar pair, y = 0 a dissimilar one. With d = ||x1 - x2||_2 over
    the last dimension, each pair costs y d^2 + (1 - y) max(0, margin - d)^2 (no factor 1/2),
    so similar pairs are pulled together and dissimilar ones pushed at least `margin` apart.
    The gradient at d = 0 is 0, never NaN."""
    a, b = _t(x1), _t(x2)
    red = _reduction(reduction, name="contrastive_loss")
    if a.shape != tuple(np.shape(_arr(x2))):
        raise ValueError(f"contrastive_loss: x1 of shape {a.shape} and x2 of shape "
                         f"{np.shape(_arr(x2))} must match")
    if a.ndim not in (1, 2):
        raise ValueError(f"contrastive_loss: embeddings must be (N, D) or (D,); got {a.shape}")
    lab = _float_like(y, a)
    if tuple(np.shape(_arr(lab))) != a.shape[:-1]:
        raise ValueError(f"contrastive_loss: y must have shape {a.shape[:-1]} (one label per "
                         f"pair); got {np.shape(_arr(lab))}")
    diff = a - b
    sq = (diff * diff).sum(-1)
    d = ag.norm(diff, 2, -1)
    gap = ag.relu(margin - d)
    per = sq * lab + gap * gap * (1 - lab)
    return _reduce(per, red)
