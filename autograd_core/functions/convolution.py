"""Convolution and pooling over PyTorch's N, C, *spatial layout: conv1d/2d (grouped too),
max_pool1d/2d (with PyTorch's flat indices) and avg_pool1d/2d, all built on the `unfold`
primitive (sliding windows as a strided view)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import ntuple, same_padding
from ..ops import REGISTRY as R
from ..ops.nn_ops import sliding_windows
from ..tensor import Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t
from .linalg import einsum
from .reductions import sum
from .shape import pad, permute, reshape, squeeze, unsqueeze

TensorLike = Any

def _conv(x: Tensor, weight: Tensor, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: int, nsp: int, name: str) -> Tensor:
    x, w = _t(x), _t(weight)
    if x.ndim != nsp + 2:
        raise ValueError(f"{name}: input must have shape (N, C, {'L' if nsp == 1 else 'H, W'}); "
                         f"got {x.shape}")
    if w.ndim != nsp + 2:
        raise ValueError(f"{name}: weight must have {nsp + 2} dimensions; got {w.shape}")
    for what, other in (("weight", w), ("bias", bias)):
        if isinstance(other, Tensor) and other.dtype != x.dtype:
            raise RuntimeError(f"{name}: input type ({x.dtype}) and {what} type ({other.dtype}) "
                               f"should be the same; convert the input with .to({other.dtype}) "
                               f"or the layer with .to({x.dtype})")
    c = x.shape[1]
    if c != w.shape[1] * groups or w.shape[0] % groups:
        raise ValueError(f"{name}: input has {c} channels but weight {w.shape} with "
                         f"groups={groups} expects {w.shape[1] * groups}")
    k = tuple(w.shape[2:])
    s = ntuple(stride, nsp, f"{name} stride")
    d = ntuple(dilation, nsp, f"{name} dilation")
    if isinstance(padding, str):
        if padding == "valid":
            p = (0,) * nsp
        elif padding == "same":
            if any(si != 1 for si in s):
                raise ValueError(f"{name}: padding='same' needs stride 1")
            sides = same_padding(k, d)
            if any(lo != hi for lo, hi in sides):  # uneven: pad first, then convolve unpadded
                x = pad(x, [n for pair in reversed(sides) for n in pair])
                p = (0,) * nsp
            else:
                p = tuple(lo for lo, _ in sides)
        else:
            raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid'")
    else:
        p = ntuple(padding, nsp, f"{name} padding")
    for i in range(nsp):
        span = d[i] * (k[i] - 1) + 1
        if x.shape[2 + i] + 2 * p[i] < span:
            raise ValueError(f"{name}: input of shape {x.shape} with padding {p} is smaller than "
                             f"the (dilated) kernel {k}")
    if groups == 1:  # one primitive: im2col and one matrix product
        return apply(R["conv"], (x, w, bias), {"stride": s, "padding": p, "dilation": d})
    # groups: each group of channels is its own convolution, one einsum over the windows
    cols = _unary(R["unfold"], x, kernel_size=k, stride=s, padding=p, dilation=d)
    g = groups
    cg = c // g
    og = w.shape[0] // g
    cols = reshape(cols, cols.shape[: 1 + nsp] + (g, cg) + k)
    wg = reshape(w, (g, og, cg) + k)
    ks = "xyz"[:nsp]
    ls = "lmn"[:nsp]
    out = einsum(f"b{ls}gc{ks},goc{ks}->b{ls}go", cols, wg)
    out = reshape(out, out.shape[: 1 + nsp] + (g * og,))
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))
    if bias is not None:
        out = out + reshape(_t(bias), (-1,) + (1,) * nsp)
    return out


def conv1d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, L), as torch.nn.functional.conv1d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, H, W), as torch.nn.functional.conv2d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, nsp: int, name: str):
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have {nsp + 1} or {nsp + 2} dimensions; got "
                         f"{x.shape}")
    k = ntuple(kernel_size, nsp, f"{name} kernel_size")
    s = k if stride is None or stride == [] else ntuple(stride, nsp, f"{name} stride")
    p = ntuple(padding, nsp, f"{name} padding")
    d = ntuple(dilation, nsp, f"{name} dilation")
    for ki, pi in zip(k, p):
        if pi > ki // 2:
            raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    extra = []
    sizes = x.shape[-nsp:]
    for n, ki, si, pi, di in zip(sizes, k, s, p, d):
        span = di * (ki - 1) + 1
        if n + 2 * pi < span:
            raise ValueError(f"{name}: input size {n} with padding {pi} is smaller than the "
                             f"window {span}")
        num = n + 2 * pi - span
        out = (-(-num // si) if ceil_mode else num // si) + 1
        if ceil_mode and (out - 1) * si >= n + pi:
            out -= 1
        # only ceil_mode can need cells past the padded input; a remainder is simply skipped
        extra.append(max((out - 1) * si + span - (n + 2 * pi), 0))
    return k, s, p, d, extra


def _pool_windows(x: Tensor, k, s, p, d, extra, pad_value: float, nsp: int) -> Tensor:
    if any(extra):
        pairs = []
        for e in reversed(extra):
            pairs += [0, e]
        x = pad(x, pairs, value=pad_value)
    return _unary(R["unfold"], x, kernel_size=k, stride=s, padding=p, dilation=d,
                  pad_value=pad_value)  # (N, *L, C, *K)


def _batched_windows(input: TensorLike, kernel_size, stride, padding, dilation, ceil_mode,
                     pad_value: float, nsp: int, name: str):
    """The pooling windows of an (N, C, *L) input, or of a (C, *L) one as a batch of one."""
    x = _t(input)
    batched = x.ndim == nsp + 2
    if not batched:
        x = unsqueeze(x, 0)
    k, s, p, d, extra = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode,
                                       nsp, name)
    return x, batched, (k, s, p, d, extra), _pool_windows(x, k, s, p, d, extra, pad_value, nsp)


def _max_pool(input: TensorLike, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices, nsp, name):
    x, batched, (k, s, p, d, _), cols = _batched_windows(
        input, kernel_size, stride, padding, dilation, ceil_mode, -np.inf, nsp, name)
    lead = cols.shape[: 2 + nsp]  # (N, *L, C)
    flat = reshape(cols, lead + (-1,))
    arg = np.argmax(flat._data, axis=-1)[..., None]
    out = squeeze(apply(R["take_along_axis"], (flat, arg), {"axis": -1 % flat.ndim}), -1)
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))  # (N, C, *L)
    if not batched:
        out = squeeze(out, 0)
    if return_indices:
        return out, _leaf(_pool_indices(arg[..., 0], x.shape, k, s, p, d, nsp, batched))
    return out


def _pool_indices(arg, shape, k, s, p, d, nsp, batched):
    """Flat indices into each input plane of the chosen maxima, as PyTorch returns them."""
    offs = np.unravel_index(arg, k)  # kernel offsets per output position (N, *L, C)
    grids = np.meshgrid(*[np.arange(n) for n in arg.shape[1:1 + nsp]], indexing="ij")
    coords = []
    for i in range(nsp):
        g = grids[i].reshape((1,) + grids[i].shape + (1,))
        coords.append(g * s[i] - p[i] + offs[i] * d[i])
    flat = np.ravel_multi_index(tuple(coords), shape[2:], mode="clip")
    flat = np.moveaxis(flat, -1, 1).astype(np.int64)
    return flat if batched else flat[0]


def max_pool1d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, "max_pool1d")


def max_pool2d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, "max_pool2d")


def _avg_pool(input: TensorLike, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, nsp, name):
    x, batched, (k, s, p, d, extra), cols = _batched_windows(
        input, kernel_size, stride, padding, 1, ceil_mode, 0.0, nsp, name)
    ksum = sum(cols, dim=tuple(range(2 + nsp, 2 + 2 * nsp)))  # (N, *L, C)
    if divisor_override:
        out = ksum / float(divisor_override)
    elif count_include_pad and not any(extra):
        out = ksum / float(np.prod(k))
    else:
        # count the window cells that lie inside the input (or its padding, if counted)
        ones = np.ones((1, 1) + x.shape[2:], dtype=x.dtype)
        if count_include_pad:
            ones = np.pad(ones, [(0, 0), (0, 0)] + [(pi, pi) for pi in p], constant_values=1)
            pp = (0,) * nsp
        else:
            pp = p
        if any(extra):
            ones = np.pad(ones, [(0, 0), (0, 0)] + [(0, e) for e in extra])
        cnt = sliding_windows(ones, k, s, pp, d).sum(axis=tuple(range(2 + nsp, 2 + 2 * nsp)))
        out = ksum / cnt
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))
    return out if batched else squeeze(out, 0)


def avg_pool1d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


def avg_pool2d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")
