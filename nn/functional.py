"""nn.functional: activations, layer kernels and losses as functions, with torch.nn.functional's
names, arguments and defaults (`import nn.functional as F`).

Losses are numerically stable: cross-entropy goes through log-softmax, binary cross-entropy on
logits through softplus, so logits of +-1000 give finite losses and gradients. The common losses
are single fused graph nodes (see autograd_core/ops/losses.py).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.anomaly import public_caller
from autograd_core.arguments import ArgumentError, integer
from autograd_core.compiler import computed as _computed
from autograd_core.compiler import redrawn as _redrawn
from autograd_core.ops.registry import REGISTRY as _R
from autograd_core.rng import default_generator as _rng
from autograd_core.tensor import apply

Tensor = ag.Tensor

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "celu_",
    "contrastive_loss", "conv1d", "conv2d", "cosine_embedding_loss", "cosine_similarity",
    "cross_entropy", "dropout", "elu", "elu_", "embedding", "embedding_bag", "gaussian_nll_loss",
    "gelu", "glu", "group_norm", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "hardtanh_",
    "hinge_embedding_loss", "huber_loss", "instance_norm", "kl_div", "l1_loss", "layer_norm",
    "leaky_relu", "leaky_relu_", "linear", "local_response_norm", "log_softmax", "logsigmoid",
    "margin_ranking_loss", "max_pool1d", "max_pool2d", "mish", "mse_loss", "multi_margin_loss",
    "multilabel_margin_loss", "multilabel_soft_margin_loss", "nll_loss", "normalize", "one_hot",
    "pad", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu",
    "relu", "relu6", "relu_", "rms_norm", "rrelu", "rrelu_", "scaled_dot_product_attention",
    "selu", "selu_", "sigmoid", "silu", "smooth_l1_loss", "soft_margin_loss", "softmax", "softmin",
    "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold", "threshold_",
    "triplet_margin_loss", "triplet_margin_with_distance_loss",
]
__all__ += ["threshold"]

_CE_INDEX = _R["cross_entropy_index"]
_SOFTMAX_CE = _R["softmax_cross_entropy"]
_MSE = _R["mse_loss"]
_HUBER = _R["huber_loss"]
_BCE = _R["binary_cross_entropy"]
_BCE_LOGITS = _R["binary_cross_entropy_with_logits"]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)  # its errors name our caller


def _arr(x: Any) -> np.ndarray:
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{public_caller(x)}: expected a Tensor; got {type(x).__name__}")
    return a


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
def _in_place(input: Any, fn: Callable[[Tensor], Tensor], name: str) -> Tensor:
    """fn(input) written into input itself, as PyTorch's inplace=True does (see
    Tensor._apply_: recorded when autograd must see it, written into the array otherwise).

    A recorded change of a whole reshaped or permuted view changes the Tensor it views, as in
    PyTorch: an elementwise fn is applied in place to that parent and the view taken again."""
    if not isinstance(input, Tensor):
        return fn(_t(input))
    x = input
    if x.requires_grad and ag.is_grad_enabled() and x._op is not None:
        for p in x._args or ():
            if (isinstance(p, Tensor) and x._op.name in ("reshape", "transpose")
                    and p._data.size == x._data.size
                    and np.may_share_memory(p._data, x._data)):
                _in_place(p, fn, name)
                return x._rebase(name, apply(x._op, (p,), x._params))
    return x._apply_(name, fn)


def _act(input: Any, fn: Callable[[Tensor], Tensor], inplace: bool, name: str) -> Tensor:
    return _in_place(input, fn, name) if inplace else fn(_t(input))


def _floating(x: Tensor, name: str) -> Tensor:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating-point input; got dtype {x.dtype}")
    return x


def _unary_op(op_name: str, name: str, **params: Any) -> Callable[[Tensor], Tensor]:
    op = _R[op_name]
    return lambda x: apply(op, (_floating(x, name),), params)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); relu'(0) = 0."""
    return _act(input, ag.relu, inplace, "relu")


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _act(input, lambda x: ag.leaky_relu(x, negative_slope), inplace, "leaky_relu")


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


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


def _elu(x: Tensor, alpha: float, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    z = x if input_scale == 1.0 else x * input_scale
    neg = (ag.exp(ag.clamp(z, max=0.0)) - 1) * (alpha * scale)
    return ag.where(x._data > 0, x if scale == 1.0 else x * scale, neg)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _act(input, lambda x: _elu(x, alpha), inplace, "elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _act(input, lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE), inplace, "selu")


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)): elu, continuously differentiable at 0
    for every alpha."""
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    return _act(input, lambda x: _elu(x, alpha, 1.0, 1.0 / alpha), inplace, "celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _act(input, lambda x: x * ag.sigmoid(x), inplace, "silu")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    def fn(x: Tensor) -> Tensor:  # the gradient passes strictly inside, as in PyTorch
        xd = x._data
        inside = (xd > min_val) & (xd < max_val)
        return ag.where(inside, x, np.clip(xd, min_val, max_val).astype(xd.dtype, copy=False))
    return _act(input, fn, inplace, "hardtanh")


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, value elsewhere (the gradient is 0 there)."""
    def fn(x: Tensor) -> Tensor:
        return ag.where(x._data > threshold, x, ag.full_like(x, value))
    return _act(input, fn, inplace, "threshold")


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) with the normal CDF Phi; approximate='tanh' is Hendrycks and Gimpel's tanh
    form, which GPT-2-style code expects bit for bit."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh; got "
                           f"{approximate!r}")
    return _unary_op("gelu", "gelu", approximate=approximate)(_t(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)) (Misra 2019)."""
    return _act(input, _unary_op("mish", "mish"), inplace, "mish")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6 (MobileNetV3)."""
    return _act(input, _unary_op("hardswish", "hardswish"), inplace, "hardswish")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; its gradient is 1/6 strictly inside (-3, 3), as in PyTorch."""
    return _act(input, _unary_op("hardsigmoid", "hardsigmoid"), inplace, "hardsigmoid")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}")
    return _unary_op("softshrink", "softshrink", lambd=float(lambd))(_t(input))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    return _unary_op("hardshrink", "hardshrink", lambd=float(lambd))(_t(input))


def tanhshrink(input: Tensor) -> Tensor:
    x = _t(input)
    return x - ag.tanh(x)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), with a and b the two halves of the input along dim."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + x.ndim if dim < 0 else dim
    if not 0 <= d < x.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for a {x.ndim}-d input")
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size {n}")
    a, b = ag.split(x, n // 2, d)
    return a * ag.sigmoid(b)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): in training each negative element gets its own
    slope drawn uniformly from [lower, upper]; in evaluation the slope is their mean."""
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper "
                           f"bound; got lower={lower}, upper={upper}")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def fn(x: Tensor) -> Tensor:
        slopes = _rng().uniform(lower, upper, x.shape).astype(x.dtype)
        return x * np.where(x._data >= 0, x.dtype.type(1), slopes)
    return _act(input, fn, inplace, "rrelu")


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


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


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """softmax(-x): the smallest entry gets the largest weight."""
    x, dim = _softmax_input(input, dim, dtype, "softmin")
    if x.ndim == 0:  # one entry: weight 1, gradient 0
        return ag.softmax(-x.reshape(1), dim).reshape(())
    return ag.softmax(-x, dim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along dim."""
    x = _t(input)
    return x / ag.clamp(ag.norm(x, p, dim, keepdim=True), min=eps)


# -- layer kernels -----------------------------------------------------------------------------
linear = ag.linear
conv1d = ag.conv1d
conv2d = ag.conv2d
_conv = ag.functions.convolution  # the functions only nn.functional names
conv3d = ag.conv3d
conv_transpose1d = ag.conv_transpose1d
conv_transpose2d = ag.conv_transpose2d
conv_transpose3d = ag.conv_transpose3d
adaptive_max_pool1d = _conv.adaptive_max_pool1d
adaptive_max_pool2d = _conv.adaptive_max_pool2d
lp_pool1d = _conv.lp_pool1d
lp_pool2d = _conv.lp_pool2d
max_unpool1d = _conv.max_unpool1d
max_unpool2d = _conv.max_unpool2d
fold = _conv.fold
unfold = _conv.unfold
interpolate = _conv.interpolate
upsample = _conv.upsample
upsample_nearest = _conv.upsample_nearest
upsample_bilinear = _conv.upsample_bilinear
__all__ += [
    "adaptive_max_pool1d", "adaptive_max_pool2d", "conv3d", "conv_transpose1d",
    "conv_transpose2d", "conv_transpose3d", "fold", "interpolate", "lp_pool1d", "lp_pool2d",
    "max_unpool1d", "max_unpool2d", "unfold", "upsample", "upsample_bilinear",
    "upsample_nearest",
]
max_pool1d = ag.max_pool1d
max_pool2d = ag.max_pool2d
avg_pool1d = ag.avg_pool1d
avg_pool2d = ag.avg_pool2d


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
    sizes = tuple(n if s is None else integer(s, "output_size", name, least=1)
                  for s, n in zip(sizes, in_sizes))
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
    if not training or p == 0.0:
        return _t(input)

    def fn(x: Tensor) -> Tensor:
        if p == 1.0:
            return x * 0.0
        def mask(shape: tuple = x.shape, dtype: Any = x.dtype) -> np.ndarray:
            keep = _rng().random(shape) >= p
            return keep.astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype=dtype)
        return x * _redrawn(mask)
    return _act(input, fn, inplace, "dropout")


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
            raise ArgumentError(f"batch_norm: {name} has shape {tuple(_arr(s).shape)}; the input "
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
                # Tensor ops, not NumPy on the arrays, so that a compiled step replays them
                if running_mean is not None:
                    running_mean *= 1.0 - momentum
                    running_mean += momentum * mean.reshape(c)
                if running_var is not None:
                    running_var *= 1.0 - momentum
                    running_var += momentum * var.reshape(c) * (n / (n - 1))
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
        raise ArgumentError(f"layer_norm: normalized_shape {list(ns)} does not match the trailing "
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
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings "
                         f"(indices go from 0 to {n - 1})")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm_rows(w, idx, max_norm, norm_type)
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


# -- normalization, attention, bags, pixel shuffles, padding -----------------------------------
def _moments(x: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean and biased variance over axes, kept as size-1 dimensions."""
    mean = x.mean(axes, keepdim=True)
    centered = x - mean
    return centered, (centered * centered).mean(axes, keepdim=True)


def _affine(out: Tensor, weight: Any, bias: Any, c: int, name: str) -> Tensor:
    shape = (1, c) + (1,) * (out.ndim - 2)
    for what, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(np.shape(_arr(v))) != (c,):
            raise RuntimeError(f"{name}: expected {what} to have {c} elements (one per channel); "
                               f"got shape {tuple(np.shape(_arr(v)))}")
    if weight is not None:
        out = out * _t(weight).reshape(shape)
    if bias is not None:
        out = out + _t(bias).reshape(shape)
    return out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalizes each group of channels of each sample (Wu and He 2018): statistics that do not
    depend on the batch, so small batches train like large ones."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, *); got {x.shape}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    grouped = x.reshape(n, num_groups, -1)
    centered, var = _moments(grouped, (2,))
    out = (centered * (var + eps) ** -0.5).reshape(x.shape)
    return _affine(out, weight, bias, c, "group_norm")


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalizes each channel of each sample over its spatial positions (style transfer).
    With use_input_stats the running statistics, if given, move toward the batch average of
    the per-instance mean and unbiased variance, as PyTorch updates them."""
    x = _t(input)
    if x.ndim < 3:
        raise RuntimeError(f"instance_norm: expected an input of shape (N, C, *spatial) with at "
                           f"least one spatial dimension; got {x.shape}")
    c = x.shape[1]
    for what, v in (("running_mean", running_mean), ("running_var", running_var)):
        if v is not None and tuple(np.shape(_arr(v))) != (c,):
            raise RuntimeError(f"instance_norm: expected {what} to have {c} elements; got "
                               f"shape {tuple(np.shape(_arr(v)))}")
    axes = tuple(range(2, x.ndim))
    if use_input_stats:
        m = int(math.prod(x.shape[2:]))
        if m <= 1:
            raise ValueError(f"instance_norm: Expected more than 1 spatial element when "
                             f"training, got input size {list(x.shape)}")
        centered, var = _moments(x, axes)
        out = centered * (var + eps) ** -0.5
        with ag.no_grad():
            if running_mean is not None:
                rm = running_mean._data
                rm *= 1.0 - momentum
                rm += momentum * x._data.mean(axis=axes).mean(0).astype(rm.dtype)
            if running_var is not None:
                rv = running_var._data
                rv *= 1.0 - momentum
                unbiased = var._data.reshape(x.shape[0], c) * (m / (m - 1))
                rv += momentum * unbiased.mean(0).astype(rv.dtype)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: Expected running_mean and running_var to be "
                               "defined when use_input_stats is false")
        shape = (1, c) + (1,) * (x.ndim - 2)
        rm = _arr(running_mean).reshape(shape).astype(x.dtype, copy=False)
        inv = (1.0 / np.sqrt(_arr(running_var).astype(np.float64) + eps)).astype(x.dtype)
        out = (x - rm) * inv.reshape(shape)
    return _affine(out, weight, bias, c, "instance_norm")


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (AlexNet); the
    window is zero-padded at the ends and always divided by `size`, as in PyTorch."""
    x = _t(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                         f"(got {x.ndim} dimensions)")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be positive; got {size}")
    if x.shape[0] == 0:
        return x * 1.0
    c = x.shape[1]
    sq = x * x
    widths = (0, 0) * (x.ndim - 2) + (size // 2, (size - 1) // 2)
    padded = ag.pad(sq, widths)
    total = padded[:, 0:c]
    for j in range(1, size):
        total = total + padded[:, j:j + c]
    div = (total * (alpha / size) + k) ** beta
    return x / div


def rms_norm(input: Tensor, normalized_shape: Sequence[int] | int,
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing normalized_shape (Zhang and Sennrich 2019);
    eps defaults to the dtype's machine epsilon, as in PyTorch."""
    x = _t(input)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != ns:
        raise RuntimeError(f"rms_norm: normalized_shape {list(ns)} does not match the trailing "
                           f"dimensions of the input of shape {list(x.shape)}")
    if weight is not None and tuple(np.shape(_arr(weight))) != ns:
        raise RuntimeError(f"rms_norm: weight of shape {tuple(np.shape(_arr(weight)))} must "
                           f"have the normalized shape {ns}")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    out = x * ((x * x).mean(axes, keepdim=True) + eps) ** -0.5
    return out if weight is None else out * weight


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): sub-pixel convolution's rearrangement (Shi et al.
    2016), a reshape and a permutation."""
    x = _t(input)
    r = int(upscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of pixel_shuffle."""
    x = _t(input)
    r = int(downscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    if h % r or w % r:
        which, n = ("height", h) if h % r else ("width", w)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by "
                           f"downscale_factor, but input.size({-2 if which == 'height' else -1})"
                           f"={n} is not divisible by {r}")
    b = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


_PAD_MODES = ("constant", "reflect", "replicate", "circular")
_PAD_MODE = _R["pad_mode"]


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's F.pad: `pad` lists (before, after) pairs from the last dimension backward;
    negative entries crop. reflect, replicate and circular pad the last 1, 2 or 3 dimensions of
    a (batched or unbatched) 1-D, 2-D or 3-D signal, with PyTorch's limits and errors.

    As in PyTorch, reflect and replicate index the original input (a crop on one side leaves
    the other side's reflection as it was), while constant and circular crop first and then
    pad what is left."""
    x = _t(input)
    widths = tuple(int(p) for p in pad)
    if len(widths) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2; got {len(widths)}")
    if len(widths) // 2 > x.ndim:
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(widths)} and input of "
                           f"dimension {x.ndim}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    k = len(widths) // 2
    dims = [(x.ndim - 1 - i, widths[2 * i], widths[2 * i + 1]) for i in range(k)]
    if mode == "constant":
        for d, lo, hi in dims:
            if x.shape[d] + min(lo, 0) + min(hi, 0) < 0:
                raise RuntimeError(f"pad: narrow(): length must be non-negative: padding "
                                   f"({lo}, {hi}) crops more than the size {x.shape[d]} of "
                                   f"dimension {d}")
        return ag.pad(x, widths, "constant", 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: Padding size {len(widths)} is not supported for {x.ndim}D input tensor; "
            "non-constant padding takes size 2 for 2D or 3D input, 4 for 3D or 4D input, 6 for "
            "4D or 5D input")
    where = f"at dimension {{}} of input {list(x.shape)}"
    for d, lo, hi in dims:
        n = x.shape[d]
        at = where.format(d)
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"{at}")
        if mode == "circular":
            if lo > n or hi > n:
                raise RuntimeError(f"pad: Padding value causes wrapping around more than once: "
                                   f"padding ({lo}, {hi}) {at}")
            if n + lo + hi < 0:
                raise RuntimeError(f"pad: Negative padding value is resulting in an empty "
                                   f"dimension: padding ({lo}, {hi}) {at}")
            kept = n + min(lo, 0) + min(hi, 0)
            if n + lo + hi > 0 and (kept <= 0 or lo > kept or hi > kept):
                raise RuntimeError(f"pad: circular padding ({lo}, {hi}) {at} wraps around "
                                   f"more than the {max(kept, 0)} elements its crop leaves")
    sizes = [x.shape[d] + lo + hi for d, lo, hi in dims]
    if mode != "circular" and (all(m < 1 for m in sizes) or any(m < 0 for m in sizes)):
        # PyTorch's check: some padded dimension keeps an element, and none goes negative
        raise RuntimeError(f"pad: input {list(x.shape)} is too small. Calculated output sizes "
                           f"{sizes[::-1]} for the last {k} dimensions, padding {widths}")
    if mode != "circular" and any(lo < 0 or hi < 0 for _, lo, hi in dims):
        out = x  # each output position reads the original input's reflected or clipped index
        for d, lo, hi in dims:
            n = x.shape[d]
            src = np.arange(n + lo + hi) - lo
            if mode == "reflect":
                src = np.where(src < 0, -src, np.where(src >= n, 2 * (n - 1) - src, src))
            else:
                src = np.clip(src, 0, n - 1)
            out = out[(slice(None),) * d + (src,)]
        return out
    crop = [slice(None)] * x.ndim
    pairs = [(0, 0)] * x.ndim
    for d, lo, hi in dims:
        n = x.shape[d]
        if n + lo + hi == 0:  # circular, cropped to nothing
            crop[d] = slice(0, 0)
        else:
            crop[d] = slice(max(-lo, 0), n - max(-hi, 0))
            pairs[d] = (max(lo, 0), max(hi, 0))
    if any(c != slice(None) for c in crop):
        x = x[tuple(crop)]
    # one node, whose rule folds the border gradients back by slices
    return apply(_PAD_MODE, (x,), {"widths": tuple(pairs), "mode": mode})


def _renorm_rows(w: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rows of w that idx looks up, scaled in place to norm at most max_norm (PyTorch's
    embedding renorm, outside autodiff)."""
    with ag.no_grad():
        rows = np.unique(idx % w.shape[0])
        norms = np.linalg.norm(w._data[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        scale = max_norm / (norms[big] + 1e-7)
        w._data[rows[big]] *= scale[:, None].astype(w.dtype)


def embedding_bag(input: Any, weight: Tensor, offsets: Any = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Any = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows without materializing each lookup as a
    separate Tensor: a 2-D input is one bag per row; a 1-D input is cut into bags at offsets.
    padding_idx entries are left out (of the count too); an empty bag gives zeros. `sparse` is
    accepted for PyTorch code; the gradient is dense."""
    idx = _arr(input)
    w = _t(weight)
    if w.ndim != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of "
                         f"dimension {w.ndim}")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag: indices must be integers; got dtype {idx.dtype}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max; got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}')")
    num = w.shape[0]
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as "
                             "input is treated is a mini-batch of fixed length sequences")
        b, length = idx.shape
        starts = np.arange(b) * length
        flat = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
        starts = _arr(offsets)
        if starts.ndim != 1 or starts.dtype.kind not in "iu":
            raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor of integers; got "
                             f"shape {starts.shape}, dtype {starts.dtype}")
        flat = idx
        if starts.size:
            if starts[0] != 0:
                raise RuntimeError(f"embedding_bag: offsets[0] has to be 0, i.e., the first "
                                   f"sequence in the mini-batch has to start from position 0. "
                                   f"However, got {int(starts[0])}")
            if starts[-1] > flat.size:
                raise RuntimeError(f"embedding_bag: offsets[-1] can not be greater than input's "
                                   f"length {flat.size} but got offsets[-1] of "
                                   f"{int(starts[-1])}")
            if (np.diff(starts) < 0).any():
                raise RuntimeError(f"embedding_bag: offsets must be non-decreasing; got "
                                   f"{starts.tolist()}")
        if include_last_offset:
            if not starts.size:
                raise RuntimeError("embedding_bag: include_last_offset needs at least one "
                                   "offset")
            starts = starts[:-1]  # the last bag runs to the end of input, as in PyTorch
    else:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of "
                         f"dimension {idx.ndim}")
    if flat.size and (flat.min() < 0 or flat.max() >= num):
        bad = int(np.flatnonzero((flat < 0) | (flat >= num))[0])
        raise IndexError(f"embedding_bag: Index {bad} of input takes value {int(flat[bad])} "
                         f"which is not in the valid range [0, {num})")
    psw = None
    if per_sample_weights is not None:
        psw = _float_like(per_sample_weights, w)
        if tuple(np.shape(_arr(psw))) != idx.shape:
            raise ValueError(f"embedding_bag: per_sample_weights of shape "
                             f"{tuple(np.shape(_arr(psw)))} must have the input's shape "
                             f"{idx.shape}")
        psw = psw.reshape(-1) if isinstance(psw, Tensor) else np.reshape(psw, -1)
        psw = psw[:flat.size]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding_bag: padding_idx {padding_idx} must be within the "
                             f"number of embeddings {num}")
        padding_idx %= num
    if max_norm is not None:
        _renorm_rows(w, flat, max_norm, norm_type)
    nbags = starts.size
    ends = np.append(starts[1:], flat.size).astype(np.int64)
    counts = ends - starts
    bag_of = np.repeat(np.arange(nbags), counts)  # each entry's bag
    kept_entry = np.ones(flat.size, dtype=bool) if padding_idx is None else flat != padding_idx
    rows = w[flat]
    if scale_grad_by_freq and rows.requires_grad and flat.size:
        freq = np.bincount(flat, minlength=num)[flat][:, None].astype(w.dtype)
        rows.register_hook(lambda g: g / freq)
    if psw is not None:
        rows = rows * (psw.reshape(-1, 1) if isinstance(psw, Tensor) else psw[:, None])
    kept = np.bincount(bag_of[kept_entry], minlength=nbags)
    width = int(counts.max()) if nbags else 0
    if mode != "max" or width == 0:  # one segment sum: memory linear in the entries
        if not kept_entry.all():
            rows = rows[kept_entry]
        total = ag.index_add(ag.zeros(nbags, w.shape[1], dtype=w.dtype), 0,
                             bag_of[kept_entry], rows)
        if mode == "sum":
            return total
        return total / np.maximum(kept, 1).astype(w.dtype)[:, None]
    # (bags, width) positions into the looked-up rows; slot `flat.size` is a row of -inf
    slot = starts[:, None] + np.arange(width)[None, :]
    valid = np.arange(width)[None, :] < counts[:, None]
    valid &= kept_entry[np.minimum(slot, flat.size - 1)]
    table = ag.cat([rows, ag.tensor(np.full((1, w.shape[1]), -np.inf, dtype=w.dtype))], 0)
    best = table[np.where(valid, slot, flat.size)].max(1).values
    return ag.where((kept > 0)[:, None], best, ag.zeros_like(best))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v over the last two dimensions (Vaswani et al. 2017).

    A bool mask keeps the True entries; a float mask is added to the scores; is_causal keeps
    the lower triangle (top-left aligned). A query whose every key is masked out gets zeros,
    as PyTorch gives. Dropout on the weights is applied whenever dropout_p > 0."""
    q, k, v = _t(query), _t(key), _t(value)
    name = "scaled_dot_product_attention"
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise RuntimeError(f"{name}: query, key and value need at least 2 dimensions; got "
                           f"{q.shape}, {k.shape}, {v.shape}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{name}: dropout_p must be between 0 and 1; got {dropout_p}")
    if q.shape[-1] != k.shape[-1]:
        raise RuntimeError(f"{name}: query {q.shape} and key {k.shape} must have the same "
                           "embedding size (last dimension)")
    if k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"{name}: key {k.shape} and value {v.shape} must have the same "
                           "sequence length (dimension -2)")
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3:
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if hk != hv or hq % hk:
            raise RuntimeError(f"{name}: Number of heads in key and value must divide the "
                               f"number of heads in query; got {hq} query, {hk} key and {hv} "
                               "value heads")
        if hk != hq:
            k = ag.repeat_interleave(k, hq // hk, -3)
            v = ag.repeat_interleave(v, hq // hk, -3)
    length, source = q.shape[-2], k.shape[-2]
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = ag.matmul(q, k.transpose(-2, -1)) * s
    keep = None
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{name}: Explicit attn_mask should not be set when "
                               "is_causal=True")
        keep = np.tril(np.ones((length, source), dtype=bool))
    elif attn_mask is not None:
        m = attn_mask if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        try:
            np.broadcast_shapes(tuple(np.shape(_arr(m))), scores.shape)
        except ValueError:
            raise RuntimeError(f"{name}: attn_mask of shape {tuple(np.shape(_arr(m)))} does not "
                               f"broadcast to the scores' shape {scores.shape}") from None
        if _arr(m).dtype == np.bool_:
            keep = _arr(m)
        else:
            bias = _float_like(m, scores)
    if bias is not None:
        scores = scores + bias
        dead = np.all(np.broadcast_to(_arr(bias), scores.shape) == -np.inf, axis=-1,
                      keepdims=True)
    elif keep is not None:
        keep = np.broadcast_to(keep, scores.shape)
        dead = ~keep.any(-1, keepdims=True)
        # dead rows keep everything here (finite softmax, no NaN in backward), zeroed below
        scores = ag.where(keep | dead, scores, ag.full_like(scores, -np.inf))
    else:
        dead = None
    if dead is not None and dead.any():
        scores = ag.where(dead, ag.zeros_like(scores), scores)
    attn = ag.softmax(scores, -1)
    if dead is not None and dead.any():
        attn = ag.where(dead, ag.zeros_like(attn), attn)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return ag.matmul(attn, v)


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
        return _computed(lambda a, dtype=x.dtype: a.astype(dtype), y)
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
    xd, yd = x._data, _arr(target)
    if not ((xd >= 0) & (xd <= 1)).all():
        raise ArgumentError("binary_cross_entropy: all elements of input should be between 0 and "
                           "1 (probabilities); NaN or values outside [0, 1] found (for logits, "
                           "use binary_cross_entropy_with_logits)")
    if not ((yd >= 0) & (yd <= 1)).all():
        raise ArgumentError("binary_cross_entropy: all elements of target should be between 0 "
                           "and 1")
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
            return apply(_CE_INDEX, (x, target if isinstance(target, Tensor) else t_arr),
                         {"reduction": red})
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


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of a Poisson count: exp(x) - y x for a log-rate x (log_input),
    x - y log(x + eps) for a rate x; `full` adds Stirling's y log y - y + log(2 pi y) / 2
    where y > 1."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "poisson_nll_loss")
    y = _float_like(target, x)
    per = ag.exp(x) - x * y if log_input else x - ag.log(x + eps) * y
    if full:
        ya = _arr(y)
        safe = np.where(ya > 1, ya, 1.0)
        if isinstance(y, Tensor):
            ys = ag.where(ya > 1, y, ag.ones_like(y))
            stirling = ys * ag.log(ys) - ys + ag.log(ys * (2 * math.pi)) * 0.5
            per = per + ag.where(ya > 1, stirling, ag.zeros_like(stirling))
        else:
            stirling = safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe)
            per = per + np.where(ya > 1, stirling, 0).astype(x.dtype)
    return _reduce(per, red)


def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """(log var + (x - y)^2 / var) / 2 (+ log(2 pi) / 2 when full). var may have the input's
    shape, drop its last dimension, or be 1 along one dimension (one variance shared); var is
    clamped at eps for the value, the gradient passing through as PyTorch's no_grad clamp
    does."""
    x = _t(input)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"gaussian_nll_loss: {reduction} is not valid")
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = ag.full_like(x, float(var))
    v = _float_like(var, x)
    va = _arr(v)
    if (va < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if va.shape != x.shape:
        if x.shape[:-1] == va.shape:
            v = v.unsqueeze(-1) if isinstance(v, Tensor) else v[..., None]
        elif not (x.ndim == va.ndim and sum(b for a, b in zip(x.shape, va.shape) if a != b) == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size: {va.shape} for an "
                             f"input of shape {x.shape}")
    va = _arr(v)
    lift = (np.maximum(va, eps) - va).astype(x.dtype)
    v = v + lift if lift.any() else v
    y = _float_like(target, x)
    d = x - y
    per = (ag.log(v) + d * d / v) * 0.5 if isinstance(v, Tensor) else \
        (d * d / v + np.log(v)) * 0.5
    if full:
        per = per + 0.5 * math.log(2 * math.pi)
    return _reduce(per, reduction)


def _same_ndim(name: str, **tensors: Any) -> None:
    dims = {k: np.ndim(_arr(v)) for k, v in tensors.items()}
    if len(set(dims.values())) > 1:
        shapes = ", ".join(f"{k}: {tuple(np.shape(_arr(v)))}" for k, v in tensors.items())
        raise RuntimeError(f"{name}: All input tensors should have same dimension but got "
                           f"sizes: {shapes}")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin): y = 1 asks x1 to rank above x2 by margin, y = -1 below."""
    red = _reduction(reduction, size_average, reduce, "margin_ranking_loss")
    _same_ndim("margin_ranking_loss", input1=input1, input2=input2, target=target)
    a = _t(input1)
    y = _float_like(target, a)
    return _reduce(ag.relu((a - input2) * -y + margin), red)


def _triplet(anchor: Any, positive: Any, negative: Any, distance: Callable, margin: float,
             swap: bool, reduction: str, name: str) -> Tensor:
    if margin <= 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    dims = [np.ndim(_arr(t)) for t in (anchor, positive, negative)]
    if len(set(dims)) > 1:
        raise RuntimeError(f"{name}: The anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {dims[0]}D, "
                           f"positive {dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = ag.minimum(d_neg, distance(positive, negative))
    return _reduce(ag.relu(d_pos - d_neg + margin), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with the p-norm pairwise distance (Schroff et al.
    2015); swap uses min(d(a, n), d(p, n)) (Balntas et al. 2016)."""
    red = _reduction(reduction, size_average, reduce, "triplet_margin_loss")
    return _triplet(anchor, positive, negative,
                    lambda u, w: pairwise_distance(u, w, p, eps), margin, swap, red,
                    "triplet_margin_loss")


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with any distance (pairwise_distance by default)."""
    red = _reduction(reduction, name="triplet_margin_with_distance_loss")
    return _triplet(anchor, positive, negative, distance_function or pairwise_distance, margin,
                    swap, red, "triplet_margin_with_distance_loss")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; the cosine over
    the last dimension with PyTorch's 1e-12 added to each squared norm."""
    a, b = _t(input1), _t(input2)
    red = _reduction(reduction, size_average, reduce, "cosine_embedding_loss")
    y = _arr(target)
    if y.ndim not in (0, 1) or a.ndim != y.ndim + 1 or b.ndim != y.ndim + 1:
        raise RuntimeError(f"cosine_embedding_loss: a {y.ndim}D target tensor expects "
                           f"{y.ndim + 1}D input tensors, but found inputs with sizes "
                           f"{list(a.shape)} and {list(b.shape)}")
    if a.shape != b.shape or a.shape[:-1] != y.shape:
        raise RuntimeError(f"cosine_embedding_loss: input1 {list(a.shape)}, input2 "
                           f"{list(b.shape)} and target {list(y.shape)} do not match")
    dim = a.ndim - 1
    dot = (a * b).sum(dim)
    mag = ((a * a).sum(dim) + 1e-12) * ((b * b).sum(dim) + 1e-12)
    cos = dot / ag.sqrt(mag)
    zeros = ag.zeros_like(cos)
    per = ag.where(y == 1, 1 - cos, zeros) + ag.where(y == -1, ag.relu(cos - margin), zeros)
    return _reduce(per, red)


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (a target of other values gets both
    terms, as PyTorch computes it)."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "hinge_embedding_loss")
    y = _arr(target)
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"hinge_embedding_loss: input of shape {list(x.shape)} and target "
                           f"of shape {list(y.shape)} do not broadcast") from None
    zeros = ag.zeros(shape, dtype=x.dtype)
    per = ag.where(y != 1, ag.relu(margin - x), zeros) + ag.where(y != -1, x, zeros)
    return _reduce(per, red)


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)): the logistic loss for labels y = +-1, finite for any x."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "soft_margin_loss")
    _check_same_shape(x, target, "soft_margin_loss")
    return _reduce(ag.softplus(x * -_float_like(target, x), 1.0, math.inf), red)


def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Any = None,
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on logits for each of C labels, averaged over the labels."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "multilabel_soft_margin_loss")
    if x.ndim == 0:
        raise RuntimeError("multilabel_soft_margin_loss: input must have a class dimension; "
                           "got a 0-d Tensor")
    y = _float_like(target, x)
    if tuple(np.shape(_arr(y))) != x.shape:
        raise ValueError(f"multilabel_soft_margin_loss: target of shape "
                         f"{tuple(np.shape(_arr(y)))} must have the input's shape {x.shape}")
    per = ag.softplus(-x, 1.0, math.inf) * y + ag.softplus(x, 1.0, math.inf) * (1 - y)
    if weight is not None:
        per = per * _float_like(weight, x)
    c = x.shape[-1]
    return _reduce(per.sum(x.ndim - 1) / c, red)


def multilabel_margin_loss(input: Tensor, target: Any, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """sum over target labels j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C.
    Each row of target lists class indices, ended by the first -1 (as PyTorch reads it)."""
    x = _t(input)
    red = _reduction(reduction, size_average, reduce, "multilabel_margin_loss")
    y = _arr(target)
    if x.ndim not in (0, 1, 2):
        raise RuntimeError(f"multilabel_margin_loss: Expected non-empty vector or matrix with "
                           f"optional 0-dim batch size, but got: {list(x.shape)}")
    if y.dtype.kind not in "iu":
        raise TypeError(f"multilabel_margin_loss: target must hold class indices (integers); "
                        f"got dtype {y.dtype}")
    if y.shape != x.shape:
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(y.shape)} "
                           f"for input of size: {list(x.shape)}")
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    labels = y.reshape(rows.shape).astype(np.int64)
    n, c = rows.shape
    if labels.size and (labels.min() < -1 or labels.max() >= c):
        raise RuntimeError(f"multilabel_margin_loss: target values must be in [-1, {c}); got "
                           f"{int(labels.min())} .. {int(labels.max())}")
    listed = np.cumprod(labels != -1, axis=1).astype(bool)  # before the first -1
    count = np.zeros((n, c), dtype=x.dtype)
    r, k = np.nonzero(listed)
    np.add.at(count, (r, labels[r, k]), 1)
    other = (count == 0).astype(x.dtype)
    hinge = ag.relu(1 - rows.unsqueeze(2) + rows.unsqueeze(1))  # [n, j, i]
    per = (hinge * (count[:, :, None] * other[:, None, :])).sum((1, 2)) / c
    if x.ndim < 2:
        per = per.reshape(())
    return _reduce(per, red)
